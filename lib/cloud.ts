import type { SiteConfig } from './config/schema';

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

type CloudNodeGroup = SiteConfig['cloudNodeGroups'][number];

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
