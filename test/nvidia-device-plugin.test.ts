import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NvidiaDevicePluginChart } from '../charts/nvidia-device-plugin';
import { loadSite, type Site } from '../lib/site/site';
import { cloudNodeLabels, NODEGROUP_LABEL } from '../lib/model/cloud';
import { COMPUTE_TYPE_LABEL, gpuModeNodeSelector, GPU_MODE_LABEL, HYBRID, poolNodeLabels, runsDevicePlugin } from '../lib/model/placement';
import { tolerates } from '../lib/validate/policy/pods';
import { selectorMatches, type LabelSelectorView } from '../lib/validate/policy/selectors';
import { chartObjects, EXAMPLE, find, type Loose, renderAndValidate, siteWith } from './helpers/gpu-site';
import { loadSiteVariant, withoutDra } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite(EXAMPLE);
});

function build(site = example) {
  return Testing.synth(new NvidiaDevicePluginChart(Testing.app(), 'test', { site }));
}

const podSpec = (ds: Loose) => ds.spec.template.spec;

describe('nvidia-device-plugin', () => {
  it('matches the snapshot', () => {
    expect(build()).toMatchSnapshot();
  });

  it("is at parity with NVIDIA's static manifest of v0.20.0", () => {
    const ds = find(build(), 'DaemonSet', 'nvidia-device-plugin-daemonset');
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(ds.spec.selector.matchLabels).toEqual({ name: 'nvidia-device-plugin-ds' });
    expect(ds.spec.template.metadata.labels).toEqual({ name: 'nvidia-device-plugin-ds', 'app.kubernetes.io/name': 'nvidia-device-plugin' });
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    const spec = podSpec(ds);
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    const [container] = spec.containers;
    expect(spec.containers).toHaveLength(1);
    expect(container.name).toBe('nvidia-device-plugin-ctr');
    expect(container.image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.20.0');
    expect(container.env).toEqual([]);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toEqual([{ name: 'kubelet-device-plugins-dir', mountPath: '/var/lib/kubelet/device-plugins' }]);
    expect(spec.volumes).toEqual([
      { name: 'kubelet-device-plugins-dir', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } },
    ]);
  });

  it('adds what the static manifest lacks: pinning, requests, a memory limit, IfNotPresent', () => {
    const spec = podSpec(find(build(), 'DaemonSet', 'nvidia-device-plugin-daemonset'));
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: COMPUTE_TYPE_LABEL, operator: 'In', values: [HYBRID] },
          { key: GPU_MODE_LABEL, operator: 'In', values: ['devicePlugin'] },
        ],
      },
      { matchExpressions: [{ key: NODEGROUP_LABEL, operator: 'In', values: ['gpu-nodes'] }] },
    ]);
    const [container] = spec.containers;
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  describe('runs on exactly the GPU nodes that need it', () => {
    const gpuNodes = {
      name: 'gpu-nodes',
      instanceType: 'g5.xlarge',
      desiredCapacity: 1,
      minSize: 0,
      maxSize: 2,
      labels: { 'node-type': 'gpu' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
    };
    const cpuNodes = { name: 'cpu-nodes', instanceType: 'm5.xlarge', desiredCapacity: 1, minSize: 1, maxSize: 2, labels: {} };
    const devicePluginPool = { name: 'gpu-a', count: 1, vcpus: 64, taints: gpuNodes.taints.map((t) => ({ ...t, value: 'present' })), gpu: { mode: 'devicePlugin', perNode: 8 } };
    const draPool = { name: 'gpu-b', count: 1, vcpus: 64, taints: [{ key: 'dedicated', value: 'dra', effect: 'NoExecute' }], gpu: { mode: 'dra', perNode: 8 } };
    const cpuPool = { name: 'cpu', count: 1, vcpus: 32 };
    const noSamples = { samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false }, cloudGpuTest: { enabled: false } } };

    /** Every node group of the site: name → labels and taints as the nodes register them. */
    function siteNodes(site: Site) {
      return [
        ...site.config.nodePools.map((p) => ({ name: p.name, labels: { ...poolNodeLabels(p), [COMPUTE_TYPE_LABEL]: HYBRID }, taints: p.taints })),
        ...site.config.cloudNodeGroups.map((g) => ({ name: g.name, labels: cloudNodeLabels(g), taints: g.taints })),
      ];
    }

    /** The node groups the device plugin lands on, by its required node affinity and tolerations. */
    function pluginNodes(site: Site): string[] {
      const objects = Testing.synth(new NvidiaDevicePluginChart(Testing.app(), 'test', { site }));
      const spec = podSpec(find(objects, 'DaemonSet', 'nvidia-device-plugin-daemonset'));
      const terms: { matchExpressions: LabelSelectorView['matchExpressions'] }[] = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      return siteNodes(site)
        .filter((node) => terms.some((term) => selectorMatches({ matchExpressions: term.matchExpressions }, node.labels)))
        .filter((node) => node.taints.every((taint) => tolerates(spec.tolerations, taint)))
        .map((node) => node.name);
    }

    const variant = (nodePools: unknown[], cloudNodeGroups: unknown[]) =>
      loadSiteVariant({ ...withoutDra(), nodePools, cloudNodeGroups, ...noSamples, draDriver: { enabled: false } });

    it('hybrid devicePlugin pools only', () => {
      const site = variant([devicePluginPool, draPool, cpuPool], [cpuNodes]);
      expect(runsDevicePlugin(site.config)).toBe(true);
      expect(pluginNodes(site)).toEqual(['gpu-a']);
    });

    it('cloud NVIDIA node group only', () => {
      const site = variant([draPool, cpuPool], [cpuNodes, gpuNodes]);
      expect(runsDevicePlugin(site.config)).toBe(true);
      expect(pluginNodes(site)).toEqual(['gpu-nodes']);
    });

    it('both, each tainted differently', () => {
      const site = variant([devicePluginPool, draPool, cpuPool], [cpuNodes, { ...gpuNodes, taints: [{ key: 'team', value: 'ml', effect: 'NoSchedule' }] }]);
      expect(pluginNodes(site)).toEqual(['gpu-a', 'gpu-nodes']);
    });

    it('the example: gpu-h100 and the cloud gpu-nodes, never the dra pool or the cpu nodes', () => {
      expect(pluginNodes(example)).toEqual(['gpu-h100', 'gpu-nodes']);
    });

    it('none: neither a devicePlugin pool nor an NVIDIA instance type, so nothing renders', () => {
      const site = variant([draPool, cpuPool], [cpuNodes, { ...gpuNodes, name: 'inf-nodes', instanceType: 'g4ad.xlarge' }]);
      expect(runsDevicePlugin(site.config)).toBe(false);
      expect(chartObjects(renderAndValidate(site).files, 'nvidia-device-plugin')).toEqual([]);
    });
  });

  it('has a node selector disjoint from the DRA kubelet plugin on every possible node', () => {
    const plugin = gpuModeNodeSelector('devicePlugin');
    const dra = gpuModeNodeSelector('dra');
    // Both require a value for the same key, and the values differ: no label set satisfies both.
    expect(plugin[GPU_MODE_LABEL]).toBeDefined();
    expect(dra[GPU_MODE_LABEL]).toBeDefined();
    expect(plugin[GPU_MODE_LABEL]).not.toBe(dra[GPU_MODE_LABEL]);
    for (const mode of ['none', 'devicePlugin', 'dra'] as const) {
      const pool = { ...example.config.nodePools[0], gpu: { ...example.config.nodePools[0].gpu, mode } };
      const labels = { ...poolNodeLabels(pool), [COMPUTE_TYPE_LABEL]: HYBRID };
      const both = selectorMatches({ matchLabels: plugin }, labels) && selectorMatches({ matchLabels: dra }, labels);
      expect(both, mode).toBe(false);
    }
  });

  it('tolerates every taint of its pools, not only nvidia.com/gpu', () => {
    const site = siteWith((doc) => {
      doc.nodePools[0].taints.push({ key: 'dedicated', value: 'training', effect: 'NoExecute' });
    });
    const spec = podSpec(find(build(site), 'DaemonSet', 'nvidia-device-plugin-daemonset'));
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'training', effect: 'NoExecute' },
    ]);
  });

  it('names RuntimeClass nvidia exactly when the site renders it, and never renders it itself', () => {
    const runtimeClassOf = (site: Site) => {
      const objects = build(site);
      expect(objects.map((o) => o.kind)).toEqual(['DaemonSet']);
      return podSpec(find(objects, 'DaemonSet', 'nvidia-device-plugin-daemonset')).runtimeClassName;
    };
    // The example's DCGM exporter on its dra pool needs the class; naming it is harmless where nvidia is the default.
    expect(runtimeClassOf(example)).toBe('nvidia');
    expect(runtimeClassOf(loadSiteVariant(withoutDra()))).toBeUndefined();
    expect(runtimeClassOf(loadSiteVariant({ ...withoutDra(), devicePlugin: { nvidiaRuntimeClass: true } }))).toBe('nvidia');
    expect(runtimeClassOf(loadSiteVariant({ dcgmExporter: { enabled: false } }))).toBeUndefined();
  });

  it('takes its image and version label from the config', () => {
    const site = siteWith((doc) => (doc.devicePlugin.image = 'nvcr.io/nvidia/k8s-device-plugin:v0.19.3'));
    const { files } = renderAndValidate(site);
    const ds = find(chartObjects(files, 'nvidia-device-plugin'), 'DaemonSet', 'nvidia-device-plugin-daemonset');
    expect(podSpec(ds).containers[0].image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.19.3');
    expect(ds.metadata.labels['app.kubernetes.io/version']).toBe('v0.19.3');
  });

  it('pulls through the Harbor proxy cache of nvcr.io when the site has one', () => {
    const site = siteWith((doc) => (doc.registry.proxyCache = { 'nvcr.io': 'nvcr-proxy' }));
    const [container] = podSpec(find(build(site), 'DaemonSet', 'nvidia-device-plugin-daemonset')).containers;
    expect(container.image).toBe(`${site.config.registry.hostname}/nvcr-proxy/nvidia/k8s-device-plugin:v0.20.0`);
  });

  it('is not rendered without a devicePlugin pool and a cloud NVIDIA node group, or when disabled', () => {
    const noPool = siteWith((doc) => {
      doc.nodePools = doc.nodePools.filter((p: { gpu: { mode: string } }) => p.gpu.mode !== 'devicePlugin');
      doc.cloudNodeGroups = doc.cloudNodeGroups.filter((g: { name: string }) => g.name !== 'gpu-nodes');
      doc.samples.gpuTest.enabled = false;
      doc.samples.gpuTraining.enabled = false;
      doc.samples.cloudGpuTest.enabled = false;
    });
    expect(chartObjects(renderAndValidate(noPool).files, 'nvidia-device-plugin')).toEqual([]);
    const disabled = siteWith((doc) => (doc.devicePlugin.enabled = false));
    expect(chartObjects(renderAndValidate(disabled).files, 'nvidia-device-plugin')).toEqual([]);
  });

  it('passes strict validation for the example site', () => {
    const { files, findings } = renderAndValidate(example);
    expect(findings).toEqual([]);
    expect(stringify(chartObjects(files, 'nvidia-device-plugin'))).not.toContain('null');
  });
});
