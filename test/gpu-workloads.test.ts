import { describe, expect, it } from 'vitest';
import { manifestsToYaml } from '../lib/render/site-files';
import { NODEGROUP_LABEL } from '../lib/model/cloud';
import { COMPUTE_TYPE_LABEL, HYBRID, POOL_LABEL } from '../lib/model/placement';
import { nodeGroups, podFits } from '../lib/artifacts/site-readme';
import { loadSite } from '../lib/site/site';
import { chartObjects, EXAMPLE, find, type Loose, renderAndValidate, siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite(EXAMPLE);
});
let rendered!: ReturnType<typeof renderAndValidate>;
let objects!: ReturnType<typeof chartObjects>;
setUp(() => {
  rendered = renderAndValidate(example);
  objects = chartObjects(rendered.files, 'gpu-workloads');
});
const NVIDIA_TAINT = { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' };

describe('gpu-workloads', () => {
  it('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('renders gpu-test, gpu-training, ml-training and cloud-gpu-test in ml-workloads', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Pod ml-workloads/gpu-test',
      'Pod ml-workloads/gpu-training',
      'Job ml-workloads/ml-training',
      'Pod ml-workloads/cloud-gpu-test',
    ]);
  });

  describe('cloud-gpu-test', () => {
    const groupTerm = (name: string) => [{ matchExpressions: [{ key: NODEGROUP_LABEL, operator: 'In', values: [name] }] }];
    const termsOf = (spec: Loose) => spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;

    it("targets the cloud GPU group by EKS's group label and tolerates exactly its taint", () => {
      const spec = find(objects, 'Pod', 'cloud-gpu-test').spec;
      expect(termsOf(spec)).toEqual(groupTerm('gpu-nodes'));
      expect(spec.nodeSelector).toBeUndefined();
      expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
      expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
      expect(spec.containers[0].command).toEqual(['nvidia-smi']);
    });

    it('fits the gpu-nodes group and no other node of the example', () => {
      const spec = find(objects, 'Pod', 'cloud-gpu-test').spec;
      const fits = nodeGroups(example.config).filter((g) => podFits(spec, g)).map((g) => g.name);
      expect(fits).toEqual(['gpu-nodes']);
    });

    it('follows nodeGroup and the group\'s own taints; the first NVIDIA group by default', () => {
      const site = siteWith((doc) => {
        doc.cloudNodeGroups.push({ name: 'p5-nodes', instanceType: 'p5.48xlarge', desiredCapacity: 0, minSize: 0, maxSize: 2, taints: [{ key: 'team', value: 'ml', effect: 'NoExecute' }] });
        doc.samples.cloudGpuTest.nodeGroup = 'p5-nodes';
      });
      const { files, findings } = renderAndValidate(site);
      expect(findings).toEqual([]);
      const spec = find(chartObjects(files, 'gpu-workloads'), 'Pod', 'cloud-gpu-test').spec;
      expect(termsOf(spec)).toEqual(groupTerm('p5-nodes'));
      expect(spec.tolerations).toEqual([{ key: 'team', operator: 'Equal', value: 'ml', effect: 'NoExecute' }]);
      const byDefault = siteWith((doc) => doc.cloudNodeGroups.reverse());
      expect(termsOf(find(chartObjects(renderAndValidate(byDefault).files, 'gpu-workloads'), 'Pod', 'cloud-gpu-test').spec)).toEqual(groupTerm('gpu-nodes'));
    });

    it('is switchable and leaves the other samples alone', () => {
      const off = siteWith((doc) => (doc.samples.cloudGpuTest.enabled = false));
      expect(chartObjects(renderAndValidate(off).files, 'gpu-workloads').map((o) => o.metadata.name)).toEqual(['gpu-test', 'gpu-training', 'ml-training']);
    });
  });

  it('renders nvidia.com/gpu as a real quantity in the YAML (never null)', () => {
    const yaml = manifestsToYaml(objects);
    expect(yaml).toContain('nvidia.com/gpu: "1"');
    expect(yaml).toContain('nvidia.com/gpu: "8"');
    expect(yaml).not.toMatch(/nvidia\.com\/gpu:\s*(null|~|$)/m);
  });

  it('places the device-plugin samples on the devicePlugin pool and tolerates its taint', () => {
    for (const name of ['gpu-test', 'gpu-training']) {
      const spec = find(objects, 'Pod', name).spec;
      expect(spec.nodeSelector, name).toEqual({ [COMPUTE_TYPE_LABEL]: HYBRID, [POOL_LABEL]: 'gpu-h100' });
      expect(spec.tolerations, name).toEqual([NVIDIA_TAINT]);
      expect(spec.restartPolicy, name).toBe('Never');
      expect(spec.containers[0].imagePullPolicy, name).toBe('IfNotPresent');
      expect(spec.containers[0].image, name).toMatch(/:[0-9][^:]*$/);
    }
    expect(find(objects, 'Pod', 'gpu-test').spec.containers[0].command).toEqual(['nvidia-smi']);
  });

  it('runs nvidia-smi whatever CUDA version the test image was built for (the driver provides it)', () => {
    // The default image is CUDA 12.8 (driver 570+), the site's minimum is older (dra minCudaDriverVersion 12.2):
    // without this the legacy NVIDIA runtime hook refuses the container on a 535/550 driver.
    expect(find(objects, 'Pod', 'gpu-test').spec.containers[0].env).toEqual([{ name: 'NVIDIA_DISABLE_REQUIRE', value: 'true' }]);
  });

  it('runs ml-training with GPUs from the DRA claim template, on the dra pool', () => {
    const spec = find(objects, 'Job', 'ml-training').spec.template.spec;
    expect(spec.nodeSelector).toEqual({ [COMPUTE_TYPE_LABEL]: HYBRID, [POOL_LABEL]: 'gpu-h100-dra' });
    expect(spec.tolerations).toEqual([NVIDIA_TAINT]);
    expect(spec.resourceClaims).toEqual([{ name: 'gpu', resourceClaimTemplateName: 'ml-training-claim' }]);
    const [container] = spec.containers;
    expect(container.resources.claims).toEqual([{ name: 'gpu' }]);
    expect(container.resources.limits).not.toHaveProperty(['nvidia.com/gpu']);
    expect(container.env ?? []).not.toContainEqual(expect.objectContaining({ name: 'CUDA_VISIBLE_DEVICES' }));
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'onprem-storage' } }]);
  });

  it('gives every container requests, a memory limit and no privilege escalation', () => {
    const specs = objects.map((o: Loose) => (o.kind === 'Job' ? o.spec.template.spec : o.spec));
    for (const spec of specs) {
      expect(spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits.memory).toEqual(expect.any(String));
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('runs the device-plugin samples with RuntimeClass nvidia exactly when it is rendered, the DRA Job never', () => {
    // The example renders it (DCGM exporter on the dra pool).
    expect(find(objects, 'Pod', 'gpu-test').spec.runtimeClassName).toBe('nvidia');
    expect(find(objects, 'Pod', 'gpu-training').spec.runtimeClassName).toBe('nvidia');
    // The nvidia runtime would show the Job every GPU of its node, not only its claim.
    expect(find(objects, 'Job', 'ml-training').spec.template.spec.runtimeClassName).toBeUndefined();
    const noClass = siteWith((doc) => (doc.dcgmExporter.enabled = false));
    const { files, findings } = renderAndValidate(noClass);
    expect(findings).toEqual([]);
    expect(files.some((f) => f.objects.some((o) => o.kind === 'RuntimeClass'))).toBe(false);
    const workloads = chartObjects(files, 'gpu-workloads');
    expect(workloads).toHaveLength(4);
    for (const o of workloads.map((w) => w as Loose)) {
      expect((o.kind === 'Job' ? o.spec.template.spec : o.spec).runtimeClassName, o.metadata.name).toBeUndefined();
    }
  });

  it('follows the config: GPU count, pull secret, RuntimeClass, switches', () => {
    const site = siteWith((doc) => {
      doc.samples.gpuTraining.gpus = 4;
      doc.samples.gpuTest.enabled = false;
      doc.samples.mlTraining.enabled = false;
      doc.samples.cloudGpuTest.enabled = false;
      doc.devicePlugin.nvidiaRuntimeClass = true;
    });
    const { files, findings } = renderAndValidate(site);
    expect(findings).toEqual([]);
    const workloads = chartObjects(files, 'gpu-workloads');
    expect(workloads.map((o) => o.metadata.name)).toEqual(['gpu-training']);
    const spec = find(workloads, 'Pod', 'gpu-training').spec;
    expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('4');
    expect(spec.runtimeClassName).toBe('nvidia');
    expect(spec.imagePullSecrets).toEqual(
      example.config.pullSecrets.enabled ? [{ name: example.config.pullSecrets.name }] : undefined,
    );
  });

  it('sizes, names and labels each sample as documented; the Job retries twice and restarts on failure', () => {
    const pod = (name: string) => find(objects, 'Pod', name);
    for (const name of ['gpu-test', 'cloud-gpu-test']) {
      expect(pod(name).metadata.labels, name).toMatchObject({ 'app.kubernetes.io/name': name });
      expect(pod(name).spec.containers[0].name, name).toBe('cuda');
      expect(pod(name).spec.containers[0].resources, name).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi', 'nvidia.com/gpu': '1' } });
    }
    expect(pod('cloud-gpu-test').spec.containers[0].env).toEqual([{ name: 'NVIDIA_DISABLE_REQUIRE', value: 'true' }]);
    const training = pod('gpu-training').spec.containers[0];
    expect(training.name).toBe('training');
    expect(training.resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': '8' } });
    const job = find(objects, 'Job', 'ml-training');
    const labels = { app: 'ml-training', 'app.kubernetes.io/name': 'ml-training' };
    expect(job.metadata.labels).toMatchObject(labels);
    expect(job.spec.template.metadata.labels).toMatchObject(labels);
    expect(job.spec.backoffLimit).toBe(2);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    const jobContainer = job.spec.template.spec.containers[0];
    expect(jobContainer.name).toBe('training');
    expect(jobContainer.imagePullPolicy).toBe('IfNotPresent');
    expect(jobContainer.resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi' }, claims: [{ name: 'gpu' }] });
    // both training samples run the same script, which checks every GPU it sees (a missing GPU fails it)
    for (const c of [training, jobContainer]) {
      expect(c.command.slice(0, 2)).toEqual(['python', '-c']);
      expect(c.command[2].split('\n')).toEqual([
        'import torch',
        'n = torch.cuda.device_count()',
        'print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {n} GPU(s)")',
        'assert n > 0, "no GPU visible"',
        'for i in range(n):',
        '    a = torch.randn(8192, 8192, device=f"cuda:{i}")',
        '    print(i, torch.cuda.get_device_name(i), float((a @ a).abs().mean()))',
      ]);
    }
  });

  it('puts the device-plugin samples on the first devicePlugin pool and ml-training on the first dra pool, whatever the pools\' order', () => {
    // the DRA pool listed before the device-plugin pool: a sample without `pool` must still find its own kind
    const site = siteWith((doc) => {
      const dra = doc.nodePools.findIndex((p: Loose) => p.gpu?.mode === 'dra');
      const [pool] = doc.nodePools.splice(dra, 1);
      doc.nodePools.unshift(pool);
    });
    expect(site.config.nodePools[0].gpu.mode).toBe('dra');
    const { files, findings } = renderAndValidate(site);
    expect(findings).toEqual([]);
    const workloads = chartObjects(files, 'gpu-workloads');
    for (const name of ['gpu-test', 'gpu-training']) expect(find(workloads, 'Pod', name).spec.nodeSelector[POOL_LABEL], name).toBe('gpu-h100');
    expect(find(workloads, 'Job', 'ml-training').spec.template.spec.nodeSelector[POOL_LABEL]).toBe('gpu-h100-dra');
  });

  it('mounts the NFS claim into ml-training only when NFS storage is on', () => {
    const { files, findings } = renderAndValidate(siteWith((doc) => (doc.storage.nfs.enabled = false)));
    expect(findings).toEqual([]);
    const spec = find(chartObjects(files, 'gpu-workloads'), 'Job', 'ml-training').spec.template.spec;
    expect(spec.volumes).toBeUndefined();
    expect(spec.containers[0].volumeMounts).toBeUndefined();
  });

  it('keeps the pod claim flat on 1.34 (no 1.30 `source`)', () => {
    const { files, findings } = renderAndValidate(siteWith(() => {}, '1.34'));
    expect(findings).toEqual([]);
    const spec = find(chartObjects(files, 'gpu-workloads'), 'Job', 'ml-training').spec.template.spec;
    expect(spec.resourceClaims[0]).not.toHaveProperty('source');
  });

  it('is not rendered when every sample is off', () => {
    const site = siteWith((doc) => {
      for (const sample of Object.values(doc.samples) as Loose[]) sample.enabled = false;
    });
    expect(chartObjects(renderAndValidate(site).files, 'gpu-workloads')).toEqual([]);
  });

  it('passes strict validation for the example site', () => {
    expect(rendered.findings).toEqual([]);
  });
});
