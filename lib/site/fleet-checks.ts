// Semantic checks of the fleet sections (gitops, cost, nodeadm, cloud node groups) that the schema in
// lib/config/fleet.ts cannot express; checks.ts runs them in order.
import { minimumContainerdMajor } from '../core/versions';
import { configPath } from '../core/paths';
import type { Problem } from '../config/problems';
import { rateMicros } from '../config/fleet';
import type { SiteConfig } from '../config/schema';
import { labelKeyProblem, labelValueProblem } from './semantic';

/** gitops needs to know which repository to follow. */
export function checkGitops(config: SiteConfig): Problem[] {
  return config.gitops.enabled && config.gitops.repoURL === undefined
    ? [{ path: 'gitops.repoURL', message: 'is required when gitops.enabled is true (the repository that holds dist/)' }]
    : [];
}

/** Every tier but the last has a size, the last has none; rates have at most 6 decimal places. */
export function checkCost(config: SiteConfig): Problem[] {
  const problems: Problem[] = [];
  const { tiers, guideFlatUsdPerVcpuHour } = config.cost;
  tiers.forEach((tier, i) => {
    const last = i === tiers.length - 1;
    if (!last && tier.vcpuHours === undefined) {
      problems.push({ path: configPath(['cost', 'tiers', i, 'vcpuHours']), message: 'is required on every tier but the last' });
    }
    if (last && tier.vcpuHours !== undefined) {
      problems.push({ path: configPath(['cost', 'tiers', i, 'vcpuHours']), message: 'must be omitted on the last tier, which covers all remaining usage', value: tier.vcpuHours });
    }
    if (rateMicros(tier.usdPerVcpuHour) === undefined) {
      problems.push({ path: configPath(['cost', 'tiers', i, 'usdPerVcpuHour']), message: 'must have at most 6 decimal places', value: tier.usdPerVcpuHour });
    }
  });
  if (rateMicros(guideFlatUsdPerVcpuHour) === undefined) {
    problems.push({ path: 'cost.guideFlatUsdPerVcpuHour', message: 'must have at most 6 decimal places', value: guideFlatUsdPerVcpuHour });
  }
  return problems;
}

/**
 * Label keys kubelet refuses to set on its own node (NodeRestriction): `kubernetes.io` / `k8s.io`
 * prefixes other than the allowed ones. nodeadm passes pool labels as `--node-labels`, and kubelet
 * exits at start-up on a forbidden one, so the site must not get that far.
 */
const KUBELET_ALLOWED_LABELS = new Set([
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
  // Stryker disable next-line StringLiteral: equivalent, node.kubernetes.io is an allowed namespace anyway (kept: it is on kubelet's list)
  'node.kubernetes.io/instance-type',
]);

export function kubeletLabelProblem(key: string): string | undefined {
  // without a "/" the key is a bare name: no prefix to restrict
  if (!key.includes('/')) return undefined;
  const prefix = key.slice(0, key.lastIndexOf('/'));
  if (prefix === 'eks.amazonaws.com') return 'is set by nodeadm itself (eks.amazonaws.com/*); remove it from the pool labels';
  const restricted = ['kubernetes.io', 'k8s.io'].some((d) => prefix === d || prefix.endsWith(`.${d}`));
  const allowedNamespace = ['kubelet.kubernetes.io', 'node.kubernetes.io'].some((d) => prefix === d || prefix.endsWith(`.${d}`));
  if (restricted && !allowedNamespace && !KUBELET_ALLOWED_LABELS.has(key)) {
    return 'kubelet may not set this label on its own node (kubernetes.io and k8s.io prefixes are restricted); nodeadm init would fail';
  }
  return undefined;
}

/** Pool labels nodeadm can register; containerd 1 is not paired with a kubelet that needs 2. */
export function checkNodeadm(config: SiteConfig): Problem[] {
  const problems: Problem[] = [];
  config.nodePools.forEach((pool, i) => {
    for (const key of Object.keys(pool.labels)) {
      const problem = kubeletLabelProblem(key);
      if (problem) problems.push({ path: configPath(['nodePools', i, 'labels', key]), message: problem, value: key });
    }
  });
  // left out, it is the version's minimum (as the NodeConfigs take it), which is always enough
  const minimum = minimumContainerdMajor(config.kubernetesVersion);
  const major = config.nodeadm.containerdMajor ?? minimum;
  if (major < minimum) {
    problems.push({ path: 'nodeadm.containerdMajor', message: `Kubernetes ${config.kubernetesVersion} needs containerd ${minimum} or later`, value: major });
  }
  return problems;
}

/** Cloud node group names are unique, sizes are ordered, labels and taints are valid. */
export function checkCloudNodeGroups(config: SiteConfig): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  config.cloudNodeGroups.forEach((group, i) => {
    const at = (...rest: (string | number)[]) => configPath(['cloudNodeGroups', i, ...rest]);
    const first = seen.get(group.name);
    if (first !== undefined) problems.push({ path: at('name'), message: `duplicate node group name; cloudNodeGroups[${first}] has it already`, value: group.name });
    else seen.set(group.name, i);
    if (group.minSize > group.maxSize) problems.push({ path: at('minSize'), message: `must not exceed maxSize (${group.maxSize})`, value: group.minSize });
    if (group.desiredCapacity < group.minSize || group.desiredCapacity > group.maxSize) {
      problems.push({ path: at('desiredCapacity'), message: `must be between minSize (${group.minSize}) and maxSize (${group.maxSize})`, value: group.desiredCapacity });
    }
    for (const [key, value] of Object.entries(group.labels)) {
      const problem = labelKeyProblem(key) ?? labelValueProblem(value);
      if (problem) problems.push({ path: at('labels', key), message: problem, value: labelKeyProblem(key) ? key : value });
    }
    group.taints.forEach((taint, t) => {
      const problem = labelKeyProblem(taint.key) ?? (taint.value === undefined ? undefined : labelValueProblem(taint.value));
      if (problem) problems.push({ path: at('taints', t), message: problem.replace(/label/g, 'taint'), value: taint });
    });
  });
  if (config.nodeadm.credentialProvider !== 'iamRolesAnywhere' && config.eksctl.caBundleCert !== undefined) {
    problems.push({ path: 'eksctl.caBundleCert', message: 'is only used with nodeadm.credentialProvider: iamRolesAnywhere' });
  }
  return problems;
}
