import type { NodePool, SiteConfig } from './config/schema';

/**
 * Where things run, derived from the node pools in one place. Charts, the nodeadm NodeConfigs and the
 * validator all ask this module, so a pool's labels and taints are never repeated as literals.
 */

/** nodeadm labels every hybrid node with this; cloud nodes do not carry the value `hybrid`. */
export const COMPUTE_TYPE_LABEL = 'eks.amazonaws.com/compute-type';
export const HYBRID = 'hybrid';

/** Labels our NodeConfigs add to every node of a pool. */
export const POOL_LABEL = 'eks-hybrid-charts/pool';
export const GPU_MODE_LABEL = 'eks-hybrid-charts/gpu-mode';

/** Every label a node of the pool registers with (user labels first, ours win on conflict). */
export function poolNodeLabels(pool: NodePool): Record<string, string> {
  return {
    ...pool.labels,
    [POOL_LABEL]: pool.name,
    ...(pool.gpu.mode === 'none' ? {} : { [GPU_MODE_LABEL]: pool.gpu.mode }),
  };
}

export function gpuPools(config: SiteConfig, mode?: 'devicePlugin' | 'dra'): NodePool[] {
  return config.nodePools.filter((p) => (mode ? p.gpu.mode === mode : p.gpu.mode !== 'none'));
}

/** Label selector that identifies one pool's nodes. */
export function poolSelector(pool: NodePool): Record<string, string> {
  return { [POOL_LABEL]: pool.name };
}
