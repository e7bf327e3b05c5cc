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
