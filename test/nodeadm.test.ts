import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import type { Manifest } from '../lib/core/manifest';
import { podSpecOf, usesGpu } from '../lib/validate/policy/pods';
import { buildSite } from '../lib/pipeline/pipeline';
import { eksPauseImage, nodeConfig } from '../lib/artifacts/nodeadm';
import { loadSite } from '../lib/site/site';
import { problemsOf, siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };

interface NodeConfigDoc {
  apiVersion: string;
  kind: string;
  spec: {
    cluster: { name: string; region: string };
    hybrid: { ssm?: Record<string, string>; iamRolesAnywhere?: Record<string, string> };
    kubelet: { config: Record<string, unknown>; flags: string[] };
    containerd: { config: string };
  };
}

function sitesFile(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-nodeadm-'));
  const file = join(dir, 'site.yaml');
  // file paths are relative to the site file named on the command line
  writeFileSync(file, `extends: ${resolve('sites/example.yaml')}\nregistry: {caFile: ${relative(dir, resolve('sites/example-harbor-ca.crt'))}}\n${extra}`);
  return file;
}

function nodeConfigs(file: string, kubernetesVersion?: string): Map<string, { text: string; doc: NodeConfigDoc }> {
  const build = buildSite(file, REGISTRY, { kubernetesVersion, validate: false });
  const out = new Map<string, { text: string; doc: NodeConfigDoc }>();
  for (const f of build.output.filter((o) => o.path.startsWith('nodes/'))) out.set(f.path, { text: f.content, doc: parse(f.content) as NodeConfigDoc });
  return out;
}

/** `--node-labels=a=b,c=d` → {a: b, c: d}; `--register-with-taints=k=v:E` → [{key, value, effect}]. */
function flagsOf(doc: NodeConfigDoc) {
  const flag = (name: string) => doc.spec.kubelet.flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3);
  const labels = Object.fromEntries((flag('node-labels') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  const taints = (flag('register-with-taints') ?? '')
    .split(',')
    .filter(Boolean)
    .map((t) => {
      const [kv, effect] = t.split(':');
      const [key, value] = kv.split('=');
      return { key, value, effect };
    });
  return { labels, taints };
}

describe('nodeadm NodeConfig of the example site', () => {
  let configs!: ReturnType<typeof nodeConfigs>;
  setUp(() => {
    configs = nodeConfigs('sites/example.yaml');
  });
  const site = loadSite('sites/example.yaml');

  it('writes one file per hybrid pool under nodes/, none of them in kustomization.yaml', () => {
    expect([...configs.keys()].sort()).toEqual(site.config.nodePools.map((p) => `nodes/${p.name}.nodeconfig.yaml`).sort());
    const build = buildSite('sites/example.yaml', REGISTRY, { validate: false });
    const kustomization = parse(build.output.find((f) => f.path === 'kustomization.yaml')!.content) as { resources: string[] };
    expect(kustomization.resources.some((r) => r.startsWith('nodes/') || r.startsWith('cluster/'))).toBe(false);
  });

  it("opens with the join steps for the site's credential provider and what each pool's GPU mode needs on the server", () => {
    const lines = (pool: string) => configs.get(`nodes/${pool}.nodeconfig.yaml`)!.text.split('\n').filter((l) => l.startsWith('#'));
    for (const pool of ['gpu-h100', 'gpu-h100-dra']) {
      expect(lines(pool).slice(0, 6)).toEqual([
        `# nodeadm NodeConfig of pool ${pool} (2 server(s)) of site example. Generated: edit the site config instead.`,
        '# Not a cluster object: it is read on each server of the pool by nodeadm.',
        '#   nodeadm install 1.33 --credential-provider ssm',
        `#   SSM_ACTIVATION_CODE=… SSM_ACTIVATION_ID=… envsubst < ${pool}.nodeconfig.yaml > nodeconfig.yaml`,
        '#   nodeadm init -c file://nodeconfig.yaml',
        '# The SSM activation code is a secret: keep it out of Git (create the activation per rollout, or read it from Secrets Manager).',
      ]);
      expect(lines(pool)).toContain("# containerd 1.x drop-in (nodeadm.containerdMajor): a complete CRI section (1.7 replaces nodeadm's, so it repeats every nodeadm value). Harbor's CA goes in /etc/containerd/certs.d/<registry host>/hosts.toml.");
    }
    const plugin = lines('gpu-h100').join('\n');
    const dra = lines('gpu-h100-dra').join('\n');
    expect(plugin).toContain('# GPU: device plugin; needs the NVIDIA driver and Container Toolkit (/usr/bin/nvidia-container-runtime) on the server.');
    expect(plugin).not.toMatch(/GPU: DRA|bypassing DRA/);
    expect(dra).toContain('# GPU: DRA; needs the NVIDIA driver and Container Toolkit (/usr/bin/nvidia-container-runtime, for the DCGM exporter) on the server, and CDI in containerd');
    expect(dra).toContain('# As default it would give every GPU to any container whose image sets NVIDIA_VISIBLE_DEVICES=all, bypassing DRA');
    expect(dra).not.toContain('GPU: device plugin');
  });

  it('names the cluster and region, with SSM placeholders and no secret', () => {
    for (const { doc, text } of configs.values()) {
      expect(doc.apiVersion).toBe('node.eks.aws/v1alpha1');
      expect(doc.kind).toBe('NodeConfig');
      expect(doc.spec.cluster).toEqual({ name: 'my-hybrid-cluster', region: 'ap-northeast-2' });
      expect(doc.spec.hybrid).toEqual({ ssm: { activationCode: '${SSM_ACTIVATION_CODE}', activationId: '${SSM_ACTIVATION_ID}' } });
      expect(doc.spec.kubelet.config).toMatchObject({ maxPods: 110 });
      expect(text).not.toMatch(/YOUR-|password|robot/i);
    }
  });

  it('on containerd 1.7 gives GPU pools a complete CRI section that repeats every nodeadm value', () => {
    // containerd 1.7 replaces nodeadm's whole CRI section with the drop-in's, so nothing nodeadm sets may be missing.
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    const plugin = configs.get('nodes/gpu-h100.nodeconfig.yaml')!;
    const dra = configs.get('nodes/gpu-h100-dra.nodeconfig.yaml')!;
    for (const { doc } of [plugin, dra]) {
      const toml = doc.spec.containerd.config;
      expect(toml).toMatch(/^version = 2\n/);
      expect(toml).toContain(`[${cri}]\n  sandbox_image = "602401143452.dkr.ecr.ap-northeast-2.amazonaws.com/eks/pause:3.5"`);
      expect(toml).toContain('  discard_unpacked_layers = true');
      expect(toml).toContain(`[${cri}.containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n[${cri}.containerd.runtimes.runc.options]\n  SystemdCgroup = true`);
      expect(toml).toContain(`[${cri}.registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"`);
      expect(toml).toContain(`[${cri}.cni]\n  bin_dir = "/opt/cni/bin"\n  conf_dir = "/etc/cni/net.d"`);
      expect(toml).toContain(
        `[${cri}.containerd.runtimes.nvidia]\n  runtime_type = "io.containerd.runc.v2"\n[${cri}.containerd.runtimes.nvidia.options]\n  BinaryName = "/usr/bin/nvidia-container-runtime"`,
      );
      expect(toml).not.toMatch(/registry\.(mirrors|configs|auths)/);
    }
    // nvidia is the default on the devicePlugin pool only (nvidiaRuntimeClass is off), never on the DRA pool,
    // where it would bypass DRA; CDI on the DRA pool
    expect(plugin.doc.spec.containerd.config).toContain('default_runtime_name = "nvidia"');
    expect(dra.doc.spec.containerd.config).toContain('default_runtime_name = "runc"');
    expect(dra.doc.spec.containerd.config).toContain('enable_cdi = true');
    expect(plugin.doc.spec.containerd.config).not.toContain('enable_cdi');
    // the header tells whoever prepares the servers
    expect(plugin.text).toContain("# nvidia-container-runtime is containerd's default runtime here");
    expect(dra.text).toContain('not the default (pods that need it name RuntimeClass nvidia): do not run `nvidia-ctk runtime configure --set-as-default`');
  });

  it('uses the EKS image account of the site region for the sandbox image', () => {
    expect(eksPauseImage('ap-northeast-2')).toBe('602401143452.dkr.ecr.ap-northeast-2.amazonaws.com/eks/pause:3.5');
    expect(eksPauseImage('ap-east-1')).toBe('800184023465.dkr.ecr.ap-east-1.amazonaws.com/eks/pause:3.5');
    expect(eksPauseImage('cn-north-1')).toBe('918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/pause:3.5');
    expect(eksPauseImage('us-gov-west-1')).toBe('013241004608.dkr.ecr.us-gov-west-1.amazonaws.com/eks/pause:3.5');
  });

  it.each([
    ['1.33', { DynamicResourceAllocation: true }],
    ['1.34', undefined],
    ['1.35', undefined],
  ] as const)('kubelet on %s: the DRA gate only where the kubelet has it off, only on the dra pool', (version, draGates) => {
    const byPool = nodeConfigs('sites/example.yaml', version);
    const dra = byPool.get('nodes/gpu-h100-dra.nodeconfig.yaml')!.doc.spec.kubelet.config;
    const plugin = byPool.get('nodes/gpu-h100.nodeconfig.yaml')!.doc.spec.kubelet.config;
    expect(dra.featureGates).toEqual(draGates);
    expect(plugin).not.toHaveProperty('featureGates');
    expect(dra).toMatchObject({ maxPods: site.config.nodeadm.maxPods, shutdownGracePeriod: site.config.nodeadm.shutdownGracePeriod });
  });

  it('tells whoever prepares the servers what the host itself needs: registry name resolution, mount.nfs', () => {
    // Pulls use the node's resolver (the CoreDNS hosts entry serves pods only); NFS volumes need the host's mount.nfs.
    for (const { text } of nodeConfigs('sites/example.yaml').values()) {
      expect(text).toContain('# The server itself must resolve harbor.yourdomain.com (on-prem DNS, or "192.168.1.100 harbor.yourdomain.com" in /etc/hosts)');
      expect(text).toMatch(/^# The NFS volume \(192\.168\.1\.100:\/export\/data\) .*mount\.nfs: install nfs-common \(Ubuntu\) or nfs-utils/m);
    }
    const noNfs = nodeConfigs(sitesFile('storage: {nfs: {enabled: false}}\nsamples: {mlTraining: {enabled: false}}\n'));
    expect(noNfs.size).toBeGreaterThan(0);
    for (const { text } of noNfs.values()) expect(text).not.toContain('mount.nfs');
  });

  it('registers the labels and taints the GPU workloads select and tolerate', () => {
    const build = buildSite('sites/example.yaml', REGISTRY, { validate: false });
    const gpuPods = build.result.files.flatMap((f) => f.objects).flatMap((o: Manifest) => {
      const pod = podSpecOf(o);
      return pod && usesGpu(pod) ? [{ name: `${o.kind} ${o.metadata.name}`, spec: pod.spec }] : [];
    });
    // a pod pinned to a cloud GPU node group (its node affinity) never lands on a hybrid pool: these NodeConfigs are not its nodes
    const hybrid = (pod: (typeof gpuPods)[number]) => pod.spec.nodeSelector?.['eks.amazonaws.com/compute-type'] === 'hybrid';
    expect(gpuPods.filter((pod) => !hybrid(pod)).map((pod) => pod.name)).toEqual(['Pod cloud-gpu-test']);
    expect(gpuPods.filter(hybrid).length).toBeGreaterThan(0);
    for (const pod of gpuPods.filter(hybrid)) {
      // the pool whose NodeConfig labels satisfy the pod's nodeSelector (nodeadm adds compute-type itself)
      const matching = [...configs.entries()].filter(([, { doc }]) => {
        const labels: Record<string, string> = { ...flagsOf(doc).labels, 'eks.amazonaws.com/compute-type': 'hybrid' };
        return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
      });
      expect(matching.length, `${pod.name} selects no pool's NodeConfig labels`).toBeGreaterThan(0);
      for (const [path, { doc }] of matching) {
        const { taints } = flagsOf(doc);
        expect(taints.length, path).toBeGreaterThan(0);
        for (const taint of taints) {
          // the taint in the NodeConfig is exactly what the workload tolerates
          expect(pod.spec.tolerations, `${pod.name} on ${path}`).toContainEqual({ key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect });
        }
      }
    }
  });

  it('matches the snapshot', () => {
    expect(Object.fromEntries([...configs].map(([path, { text }]) => [path, text]))).toMatchSnapshot();
  });
});

describe('nodeadm NodeConfig options', () => {
  it('writes IAM Roles Anywhere with the configured ARNs and a node name placeholder', () => {
    const file = sitesFile(
      'nodeadm:\n  credentialProvider: iamRolesAnywhere\n  iamRolesAnywhere:\n    trustAnchorArn: arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/abc\n    roleArn: arn:aws:iam::111122223333:role/HybridNodes\n  maxPods: 200\n',
    );
    const { doc, text } = nodeConfigs(file).get('nodes/gpu-h100.nodeconfig.yaml')!;
    expect(doc.spec.hybrid).toEqual({
      iamRolesAnywhere: {
        nodeName: '${NODE_NAME}',
        trustAnchorArn: 'arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/abc',
        profileArn: '${IAM_RA_PROFILE_ARN}',
        roleArn: 'arn:aws:iam::111122223333:role/HybridNodes',
      },
    });
    expect(doc.spec.kubelet.config.maxPods).toBe(200);
    expect(text).toContain('nodeadm install 1.33 --credential-provider iam-ra');
    expect(text).toContain('NODE_NAME=… IAM_RA_PROFILE_ARN=… envsubst');
    expect(text).toContain("# NODE_NAME must match the node certificate's CN when the role trust policy is scoped that way (at most 64 characters).");
    expect(text).not.toContain('SSM activation code');
  });

  it('writes the node certificate and key paths only when set', () => {
    const file = sitesFile(
      'nodeadm:\n  credentialProvider: iamRolesAnywhere\n  iamRolesAnywhere:\n    certificatePath: /etc/pki/hybrid/node.crt\n    privateKeyPath: /etc/pki/hybrid/node.key\n',
    );
    expect(nodeConfigs(file).get('nodes/gpu-h100.nodeconfig.yaml')!.doc.spec.hybrid.iamRolesAnywhere).toEqual({
      nodeName: '${NODE_NAME}',
      trustAnchorArn: '${IAM_RA_TRUST_ANCHOR_ARN}',
      profileArn: '${IAM_RA_PROFILE_ARN}',
      roleArn: '${HYBRID_NODES_ROLE_ARN}',
      certificatePath: '/etc/pki/hybrid/node.crt',
      privateKeyPath: '/etc/pki/hybrid/node.key',
    });
  });

  it('keeps the nvidia runtime a named handler with devicePlugin.nvidiaRuntimeClass, and off CPU pools', () => {
    const file = sitesFile('devicePlugin: {nvidiaRuntimeClass: true}\n');
    for (const [path, { doc }] of nodeConfigs(file)) {
      expect(doc.spec.containerd.config, path).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]');
      expect(doc.spec.containerd.config, path).toContain('default_runtime_name = "runc"');
    }
    // a pool without GPUs: no drop-in (nodeadm's config already has config_path on certs.d), pool label only
    const config = loadSite('sites/example.yaml').config;
    const cpuPool = { ...config.nodePools[0], name: 'cpu', labels: {}, taints: [], gpu: { mode: 'none' as const, perNode: 0 } };
    const cpuConfig = nodeConfig(config, cpuPool) as unknown as NodeConfigDoc;
    expect(cpuConfig.spec).not.toHaveProperty('containerd');
    expect(cpuConfig.spec.kubelet.flags).toEqual(['--node-labels=eks-hybrid-charts/pool=cpu']);
  });

  it('writes only what changes for containerd 2 (config version 3, merged key by key) for Kubernetes 1.36', () => {
    const toml = nodeConfigs('sites/example.yaml', '1.36').get('nodes/gpu-h100.nodeconfig.yaml')!.doc.spec.containerd.config;
    expect(toml).toBe(
      [
        'version = 3',
        '',
        '[plugins."io.containerd.cri.v1.runtime".containerd]',
        '  default_runtime_name = "nvidia"',
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia]',
        '  runtime_type = "io.containerd.runc.v2"',
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia.options]',
        '  BinaryName = "/usr/bin/nvidia-container-runtime"',
        '  SystemdCgroup = true',
        '',
      ].join('\n'),
    );
    // DRA pool: the handler, runc the default, and no enable_cdi (CDI is always on in 2.x)
    const dra = nodeConfigs('sites/example.yaml', '1.36').get('nodes/gpu-h100-dra.nodeconfig.yaml')!.doc.spec.containerd.config;
    expect(dra).toContain('[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia]');
    expect(dra).toContain('default_runtime_name = "runc"');
    expect(dra).not.toContain('enable_cdi');
    expect(dra).not.toContain('config_path');
  });

  it('rejects containerd 1 for Kubernetes 1.36 and labels kubelet may not set (exit 2 messages)', () => {
    const file = sitesFile(
      'kubernetesVersion: "1.36"\nnodeadm: {containerdMajor: 1}\nnodePools:\n  - {name: p, count: 1, vcpus: 8, labels: {node-role.kubernetes.io/gpu: "true", topology.kubernetes.io/zone: onprem}}\n',
    );
    expect(() => loadSite(file)).toThrowError(
      [
        `${file}: nodePools[0].labels["node-role.kubernetes.io/gpu"]: kubelet may not set this label on its own node (kubernetes.io and k8s.io prefixes are restricted); nodeadm init would fail (got "node-role.kubernetes.io/gpu")`,
        `${file}: nodeadm.containerdMajor: Kubernetes 1.36 needs containerd 2 or later (got 1)`,
      ].join('\n'),
    );
  });
});

describe('the GPU model node label', () => {
  it('labels the servers of a GPU pool with its gpu.model, and no CPU pool or pool without a model', () => {
    const site = siteWith((doc) => {
      doc.nodePools.push({ name: 'cpu', count: 1, vcpus: 8 }, { name: 'gpu-unnamed', count: 1, vcpus: 8, gpu: { mode: 'devicePlugin', perNode: 1 } });
    });
    const flags = (name: string) => nodeConfig(site.config, site.config.nodePools.find((p) => p.name === name)!) as any;
    const labelsOf = (name: string) => (flags(name).spec.kubelet.flags[0] as string).replace('--node-labels=', '').split(',');
    for (const pool of site.config.nodePools.filter((p) => p.gpu.model !== undefined)) {
      expect(labelsOf(pool.name)).toContain(`eks-hybrid-charts/gpu-model=${pool.gpu.model}`);
    }
    expect(labelsOf('cpu').some((l) => l.startsWith('eks-hybrid-charts/gpu-model='))).toBe(false);
    expect(labelsOf('gpu-unnamed').some((l) => l.startsWith('eks-hybrid-charts/gpu-model='))).toBe(false);
  });

  it('is reserved: a pool cannot set it in its own labels', () => {
    const problems = problemsOf((doc) => (doc.nodePools[0].labels = { 'eks-hybrid-charts/gpu-model': 'A100' }));
    expect(problems).toContainEqual({ path: 'nodePools[0].labels["eks-hybrid-charts/gpu-model"]', message: 'is set on the nodes by nodeadm or the generator (from the pool name, gpu.mode and gpu.model); remove it from labels', value: 'A100' });
  });
});

describe('nodeadm NodeConfig, line by line', () => {
  it('the DRA pool on 1.33 (containerd 1.7): every header line, and a drop-in that repeats the whole CRI section with CDI on', () => {
    const { text, doc } = nodeConfigs('sites/example.yaml').get('nodes/gpu-h100-dra.nodeconfig.yaml')!;
    expect(text.split('\n').filter((l) => l.startsWith('#')).slice(6)).toEqual([
      "# containerd 1.x drop-in (nodeadm.containerdMajor): a complete CRI section (1.7 replaces nodeadm's, so it repeats every nodeadm value). Harbor's CA goes in /etc/containerd/certs.d/<registry host>/hosts.toml.",
      '# The server itself must resolve harbor.yourdomain.com (on-prem DNS, or "192.168.1.100 harbor.yourdomain.com" in /etc/hosts): image pulls do not use the CoreDNS hosts entry.',
      "# The NFS volume (192.168.1.100:/export/data) is mounted by the kubelet with the host's mount.nfs: install nfs-common (Ubuntu) or nfs-utils (RHEL, Amazon Linux).",
      '# GPU: DRA; needs the NVIDIA driver and Container Toolkit (/usr/bin/nvidia-container-runtime, for the DCGM exporter) on the server, and CDI in containerd (set below for containerd 1.7, on by default in 2.x).',
      '# nvidia-container-runtime is the named runtime nvidia here, not the default (pods that need it name RuntimeClass nvidia): do not run `nvidia-ctk runtime configure --set-as-default` on these servers.',
      '# As default it would give every GPU to any container whose image sets NVIDIA_VISIBLE_DEVICES=all, bypassing DRA; DRA injects claimed GPUs through CDI.',
      '# featureGates.DynamicResourceAllocation: off by default in the 1.33 kubelet and not set by hybrid nodeadm; DRA claims are never prepared without it.',
    ]);
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    expect(doc.spec.containerd.config).toBe(
      [
        'version = 2',
        '',
        "# containerd 1.7 replaces nodeadm's whole CRI section with this one: it repeats every nodeadm value.",
        `[${cri}]`,
        '  sandbox_image = "602401143452.dkr.ecr.ap-northeast-2.amazonaws.com/eks/pause:3.5"',
        '  enable_cdi = true',
        '  cdi_spec_dirs = ["/etc/cdi", "/var/run/cdi"]',
        `[${cri}.containerd]`,
        '  default_runtime_name = "runc"',
        '  discard_unpacked_layers = true',
        `[${cri}.containerd.runtimes.runc]`,
        '  runtime_type = "io.containerd.runc.v2"',
        `[${cri}.containerd.runtimes.runc.options]`,
        '  SystemdCgroup = true',
        `[${cri}.containerd.runtimes.nvidia]`,
        '  runtime_type = "io.containerd.runc.v2"',
        `[${cri}.containerd.runtimes.nvidia.options]`,
        '  BinaryName = "/usr/bin/nvidia-container-runtime"',
        '  SystemdCgroup = true',
        `[${cri}.registry]`,
        '  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"',
        `[${cri}.cni]`,
        '  bin_dir = "/opt/cni/bin"',
        '  conf_dir = "/etc/cni/net.d"',
        '',
      ].join('\n'),
    );
  });

  it('a CPU pool says it needs no drop-in and nothing about GPUs; a taint without a value registers as key:effect; labels are sorted', () => {
    const file = sitesFile(
      [
        'nodeadm: {containerdMajor: 2}',
        'kubernetesVersion: "1.34"',
        'nodePools:',
        '  - {name: cpu, count: 3, vcpus: 64, labels: {zone: b, rack: a1}, gpu: {mode: none}}',
        '  - {name: gpu-a, count: 1, vcpus: 128, taints: [{key: dedicated, effect: NoSchedule}, {key: nvidia.com/gpu, value: present, effect: NoExecute}], gpu: {mode: devicePlugin, perNode: 8}}',
        '  - {name: gpu-dra, count: 2, vcpus: 224, labels: {gpu: h100}, taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}], gpu: {mode: dra, model: H100, perNode: 8}}',
        '',
      ].join('\n'),
    );
    const byPool = nodeConfigs(file);
    const cpu = byPool.get('nodes/cpu.nodeconfig.yaml')!;
    expect(cpu.text.split('\n').filter((l) => l.startsWith('#')).slice(6)).toEqual([
      "# No containerd drop-in: nodeadm's own config is all this pool needs. Harbor's CA goes in /etc/containerd/certs.d/<registry host>/hosts.toml.",
      '# The server itself must resolve harbor.yourdomain.com (on-prem DNS, or "192.168.1.100 harbor.yourdomain.com" in /etc/hosts): image pulls do not use the CoreDNS hosts entry.',
      "# The NFS volume (192.168.1.100:/export/data) is mounted by the kubelet with the host's mount.nfs: install nfs-common (Ubuntu) or nfs-utils (RHEL, Amazon Linux).",
    ]);
    expect(cpu.doc.spec.kubelet.flags).toEqual(['--node-labels=eks-hybrid-charts/pool=cpu,rack=a1,zone=b']);
    const gpu = byPool.get('nodes/gpu-a.nodeconfig.yaml')!;
    expect(gpu.text).toContain("\n# containerd 2.x drop-in (nodeadm.containerdMajor): only what changes (2.x merges key by key). Harbor's CA goes in /etc/containerd/certs.d/<registry host>/hosts.toml.\n");
    expect(gpu.doc.spec.kubelet.flags[1]).toBe('--register-with-taints=dedicated:NoSchedule,nvidia.com/gpu=present:NoExecute');
    expect(gpu.text).not.toContain('featureGates');
  });

  it('regions outside the standard EKS image account (opt-in, China, GovCloud) each have their own 12-digit account', () => {
    const special = ['af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'us-gov-east-1', 'us-gov-west-1'];
    const accounts = special.map((region) => {
      const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/eks\/pause:3\.5$/.exec(eksPauseImage(region));
      expect(match, region).not.toBeNull();
      expect(match![2]).toBe(region);
      expect(match![3] === '.cn', region).toBe(region.startsWith('cn-'));
      return match![1];
    });
    expect(accounts).not.toContain('602401143452');
    expect(new Set(accounts).size).toBe(special.length);
    for (const region of ['us-east-1', 'eu-west-1', 'ap-northeast-2']) expect(eksPauseImage(region)).toBe(`602401143452.dkr.ecr.${region}.amazonaws.com/eks/pause:3.5`);
  });
});

