import type { SiteConfig } from '../config/schema';

/**
 * ASG tags cluster-autoscaler discovers its node groups by. The eksctl ClusterConfig puts them on the
 * cloud managed node groups and the autoscaler's `--node-group-auto-discovery` flag asks for them, so
 * both are derived here and cannot drift apart.
 */
export function autoscalerDiscoveryTags(config: SiteConfig): Record<string, string> {
  return {
    'k8s.io/cluster-autoscaler/enabled': 'true',
    [`k8s.io/cluster-autoscaler/${config.cluster.name}`]: 'owned',
  };
}

/** The `--node-group-auto-discovery` value matching `autoscalerDiscoveryTags`. */
export function autoscalerDiscoveryFlag(config: SiteConfig): string {
  return `asg:tag=${Object.keys(autoscalerDiscoveryTags(config)).join(',')}`;
}

export type CloudNodeGroup = SiteConfig['cloudNodeGroups'][number];

/**
 * Node-template tags that let cluster-autoscaler scale a node group up from zero: with no node to
 * look at, it learns the group's labels and taints from these ASG tags (eksctl `tags` +
 * `propagateASGTags` put them on the ASG).
 */
export function autoscalerNodeTemplateTags(group: CloudNodeGroup): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(group.labels)) tags[`k8s.io/cluster-autoscaler/node-template/label/${key}`] = value;
  for (const taint of group.taints) tags[`k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`] = `${taint.value ?? ''}:${taint.effect}`;
  return tags;
}

/** Every tag of a cloud managed node group: auto-discovery first, then its node template. */
export function cloudNodeGroupTags(config: SiteConfig, group: CloudNodeGroup): Record<string, string> {
  return { ...autoscalerDiscoveryTags(config), ...autoscalerNodeTemplateTags(group) };
}

/**
 * EC2 instance families with NVIDIA GPUs (p: training, g: graphics/inference; g5g is Graviton with NVIDIA
 * T4G). AMD (g4ad), Inferentia, Trainium, Gaudi and FPGA families are not NVIDIA and are left out. eksctl
 * installs NVIDIA's device plugin for exactly such groups, and EKS picks its accelerated NVIDIA AMI for them.
 */
export const NVIDIA_INSTANCE_FAMILIES: readonly string[] = [
  'p2', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'p6-b200', 'p6-b300', 'p6e-gb200',
  'g3', 'g3s', 'g4dn', 'g5', 'g5g', 'g6', 'g6e', 'g6f', 'gr6', 'gr6f', 'g7e',
];

/** Whether an EC2 instance type (`g5.xlarge`) has NVIDIA GPUs. */
export function isNvidiaInstanceType(instanceType: string): boolean {
  return NVIDIA_INSTANCE_FAMILIES.includes(instanceType.split('.')[0]);
}

/** The cloud managed node groups whose instances have NVIDIA GPUs, in config order. */
export function cloudGpuNodeGroups(config: SiteConfig): CloudNodeGroup[] {
  return config.cloudNodeGroups.filter((g) => isNvidiaInstanceType(g.instanceType));
}

/** EKS labels every node of a managed node group with the group's name. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

/** Every label a node of the managed group carries that placement relies on: its own labels and EKS's group label. */
export function cloudNodeLabels(group: CloudNodeGroup): Record<string, string> {
  return { ...group.labels, [NODEGROUP_LABEL]: group.name };
}
