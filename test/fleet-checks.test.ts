// lib/site/fleet-checks.ts: the checks of the gitops, cost, nodeadm and cloud node group sections that
// the schema cannot express, each called directly on the example's validated config with one change.
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { checkCloudNodeGroups, checkCost, checkGitops, checkNodeadm, kubeletLabelProblem } from '../lib/site/fleet-checks';
import { loadSite } from '../lib/site/site';
import { setUp } from './helpers/set-up';

let example!: SiteConfig;
setUp(() => {
  example = loadSite('sites/example.yaml').config;
});

const KEY_NAME = 'label key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
const VALUE = 'label value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
const RESTRICTED = 'kubelet may not set this label on its own node (kubernetes.io and k8s.io prefixes are restricted); nodeadm init would fail';

describe('checkGitops', () => {
  it('needs a repository only when enabled', () => {
    const gitops = (g: Partial<SiteConfig['gitops']>) => checkGitops({ ...example, gitops: { ...example.gitops, ...g } });
    expect(gitops({ enabled: true, repoURL: undefined })).toEqual([{ path: 'gitops.repoURL', message: 'is required when gitops.enabled is true (the repository that holds dist/)' }]);
    expect(gitops({ enabled: true, repoURL: 'https://git.example.com/platform/sites.git' })).toEqual([]);
    expect(gitops({ enabled: false, repoURL: undefined })).toEqual([]);
  });
});

describe('checkCost', () => {
  const cost = (c: Partial<SiteConfig['cost']>) => checkCost({ ...example, cost: { ...example.cost, ...c } });

  it('accepts the default tiers', () => {
    expect(checkCost(example)).toEqual([]);
  });

  it('a size on every tier but the last, none on the last; each tier at its own index', () => {
    expect(cost({ tiers: [{ vcpuHours: 10, usdPerVcpuHour: 0.02 }, { usdPerVcpuHour: 0.015 }, { vcpuHours: 5, usdPerVcpuHour: 0.01 }] })).toEqual([
      { path: 'cost.tiers[1].vcpuHours', message: 'is required on every tier but the last' },
      { path: 'cost.tiers[2].vcpuHours', message: 'must be omitted on the last tier, which covers all remaining usage', value: 5 },
    ]);
    expect(cost({ tiers: [{ usdPerVcpuHour: 0.02 }] })).toEqual([]);
    expect(cost({ tiers: [{ vcpuHours: 1, usdPerVcpuHour: 0.02 }] })).toEqual([
      { path: 'cost.tiers[0].vcpuHours', message: 'must be omitted on the last tier, which covers all remaining usage', value: 1 },
    ]);
  });

  it('rates with more than 6 decimal places, tier by tier and the guide flat rate', () => {
    expect(cost({ tiers: [{ vcpuHours: 10, usdPerVcpuHour: 0.0000015 }, { usdPerVcpuHour: 0.000001 }], guideFlatUsdPerVcpuHour: 0.10999999 })).toEqual([
      { path: 'cost.tiers[0].usdPerVcpuHour', message: 'must have at most 6 decimal places', value: 0.0000015 },
      { path: 'cost.guideFlatUsdPerVcpuHour', message: 'must have at most 6 decimal places', value: 0.10999999 },
    ]);
  });
});

describe('kubeletLabelProblem', () => {
  it('lets kubelet set unprefixed labels and labels of other domains', () => {
    for (const key of ['gpu', 'example.com/gpu', 'notkubernetes.io/x', 'k8s.io.example.com/x', 'kubernetes.iox/y']) expect(kubeletLabelProblem(key), key).toBeUndefined();
    // no "/": the whole key is a name, even one that is a restricted domain but for its last character
    for (const key of ['kubernetes.iox', 'k8s.iox', 'eks.amazonaws.comx']) expect(kubeletLabelProblem(key), key).toBeUndefined();
  });

  it('refuses kubernetes.io and k8s.io prefixes and their subdomains', () => {
    for (const key of ['kubernetes.io/role', 'k8s.io/x', 'foo.kubernetes.io/x', 'foo.k8s.io/x', 'node-role.kubernetes.io/gpu']) expect(kubeletLabelProblem(key), key).toBe(RESTRICTED);
  });

  it("allows the kubelet's own namespaces (kubelet.kubernetes.io, node.kubernetes.io and their subdomains)", () => {
    for (const key of ['kubelet.kubernetes.io/x', 'node.kubernetes.io/x', 'a.kubelet.kubernetes.io/x', 'a.node.kubernetes.io/x']) expect(kubeletLabelProblem(key), key).toBeUndefined();
  });

  it('allows the well-known labels kubelet sets itself, and only those keys', () => {
    const allowed = [
      'kubernetes.io/hostname',
      'kubernetes.io/instance-type',
      'kubernetes.io/os',
      'kubernetes.io/arch',
      'beta.kubernetes.io/instance-type',
      'beta.kubernetes.io/os',
      'beta.kubernetes.io/arch',
      'failure-domain.beta.kubernetes.io/zone',
      'failure-domain.beta.kubernetes.io/region',
      'failure-domain.kubernetes.io/zone',
      'failure-domain.kubernetes.io/region',
      'topology.kubernetes.io/zone',
      'topology.kubernetes.io/region',
    ];
    for (const key of allowed) expect(kubeletLabelProblem(key), key).toBeUndefined();
    for (const key of ['kubernetes.io/hostnames', 'topology.kubernetes.io/rack', 'beta.kubernetes.io/gpu']) expect(kubeletLabelProblem(key), key).toBe(RESTRICTED);
  });

  it('eks.amazonaws.com labels are nodeadm’s own', () => {
    expect(kubeletLabelProblem('eks.amazonaws.com/compute-type')).toBe('is set by nodeadm itself (eks.amazonaws.com/*); remove it from the pool labels');
    expect(kubeletLabelProblem('x.eks.amazonaws.com/y')).toBeUndefined();
  });
});

describe('checkNodeadm', () => {
  it('reports each label kubelet may not set, at its pool and key', () => {
    const pools = example.nodePools.map((p, i) => (i === 1 ? { ...p, labels: { ...p.labels, 'kubernetes.io/role': 'gpu', team: 'ml', 'eks.amazonaws.com/x': 'y' } } : p));
    expect(checkNodeadm({ ...example, nodePools: pools })).toEqual([
      { path: 'nodePools[1].labels["kubernetes.io/role"]', message: RESTRICTED, value: 'kubernetes.io/role' },
      { path: 'nodePools[1].labels["eks.amazonaws.com/x"]', message: 'is set by nodeadm itself (eks.amazonaws.com/*); remove it from the pool labels', value: 'eks.amazonaws.com/x' },
    ]);
    expect(checkNodeadm(example)).toEqual([]);
  });

  it('containerd 1 only below Kubernetes 1.36; unset takes the default', () => {
    const nodeadm = (kubernetesVersion: string, containerdMajor: 1 | 2 | undefined) => checkNodeadm({ ...example, kubernetesVersion, nodeadm: { ...example.nodeadm, containerdMajor } } as SiteConfig);
    expect(nodeadm('1.36', 1)).toEqual([{ path: 'nodeadm.containerdMajor', message: 'Kubernetes 1.36 needs containerd 2 or later', value: 1 }]);
    expect(nodeadm('1.36', 2)).toEqual([]);
    expect(nodeadm('1.36', undefined)).toEqual([]);
    expect(nodeadm('1.35', 1)).toEqual([]);
    expect(nodeadm('1.33', 2)).toEqual([]);
  });
});

describe('checkCloudNodeGroups', () => {
  const group = (name: string, sizes: [min: number, desired: number, max: number], extra: Partial<SiteConfig['cloudNodeGroups'][number]> = {}) => ({
    ...example.cloudNodeGroups[0],
    name,
    minSize: sizes[0],
    desiredCapacity: sizes[1],
    maxSize: sizes[2],
    labels: {},
    taints: [],
    ...extra,
  });
  const groups = (...list: SiteConfig['cloudNodeGroups']) => checkCloudNodeGroups({ ...example, cloudNodeGroups: list });

  it("accepts the example's groups", () => {
    expect(checkCloudNodeGroups(example)).toEqual([]);
  });

  it('names a duplicate by the index of the first group with that name', () => {
    expect(groups(group('a', [1, 1, 1]), group('b', [1, 1, 1]), group('a', [1, 1, 1]), group('a', [1, 1, 1]))).toEqual([
      { path: 'cloudNodeGroups[2].name', message: 'duplicate node group name; cloudNodeGroups[0] has it already', value: 'a' },
      { path: 'cloudNodeGroups[3].name', message: 'duplicate node group name; cloudNodeGroups[0] has it already', value: 'a' },
    ]);
  });

  it('sizes: minSize up to maxSize, desiredCapacity within both, each edge allowed', () => {
    expect(groups(group('a', [2, 2, 2]), group('b', [0, 0, 3]), group('c', [0, 3, 3]))).toEqual([]);
    expect(groups(group('a', [3, 3, 2]))).toEqual([
      { path: 'cloudNodeGroups[0].minSize', message: 'must not exceed maxSize (2)', value: 3 },
      { path: 'cloudNodeGroups[0].desiredCapacity', message: 'must be between minSize (3) and maxSize (2)', value: 3 },
    ]);
    expect(groups(group('a', [2, 1, 4]))).toEqual([{ path: 'cloudNodeGroups[0].desiredCapacity', message: 'must be between minSize (2) and maxSize (4)', value: 1 }]);
    expect(groups(group('a', [2, 5, 4]))).toEqual([{ path: 'cloudNodeGroups[0].desiredCapacity', message: 'must be between minSize (2) and maxSize (4)', value: 5 }]);
  });

  it('labels: a bad key reported with the key, a bad value with the value', () => {
    expect(groups(group('a', [1, 1, 1], { labels: { 'bad key': 'ok', good: 'bad value', fine: '' } }))).toEqual([
      { path: 'cloudNodeGroups[0].labels["bad key"]', message: KEY_NAME, value: 'bad key' },
      { path: 'cloudNodeGroups[0].labels.good', message: VALUE, value: 'bad value' },
    ]);
  });

  it('taints: key and value checked like labels and named taints; a taint without a value is fine', () => {
    const taints = [
      { key: 'nvidia.com/gpu', effect: 'NoSchedule' as const },
      { key: 'bad key', value: 'x', effect: 'NoSchedule' as const },
      { key: 'dedicated', value: 'not valid', effect: 'NoExecute' as const },
    ];
    expect(groups(group('a', [1, 1, 1], { taints }))).toEqual([
      { path: 'cloudNodeGroups[0].taints[1]', message: 'taint key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit', value: taints[1] },
      { path: 'cloudNodeGroups[0].taints[2]', message: 'taint value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit', value: taints[2] },
    ]);
  });

  it('a CA bundle only with IAM Roles Anywhere', () => {
    const withCa = (credentialProvider: 'ssm' | 'iamRolesAnywhere') =>
      checkCloudNodeGroups({ ...example, nodeadm: { ...example.nodeadm, credentialProvider }, eksctl: { ...example.eksctl, caBundleCert: '-----BEGIN CERTIFICATE-----' } });
    expect(withCa('ssm')).toEqual([{ path: 'eksctl.caBundleCert', message: 'is only used with nodeadm.credentialProvider: iamRolesAnywhere' }]);
    expect(withCa('iamRolesAnywhere')).toEqual([]);
  });
});
