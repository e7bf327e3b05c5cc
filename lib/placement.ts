import type { Affinity, NodeSelectorRequirement, Toleration } from 'kubernetes-types/core/v1';
import type { GpuMode } from './config/gpu';
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
/** The pool's `gpu.model`, on GPU pools that set one: lets a workload pick servers by GPU model. */
export const GPU_MODEL_LABEL = 'eks-hybrid-charts/gpu-model';

/** Label keys the generator sets on nodes itself; a pool's own `labels` must not set them. */
export const RESERVED_NODE_LABELS: readonly string[] = [COMPUTE_TYPE_LABEL, POOL_LABEL, GPU_MODE_LABEL, GPU_MODEL_LABEL];

/** The GPU modes that expose GPUs, i.e. every mode but `none`. */
export type GpuExposure = Exclude<GpuMode, 'none'>;

/** Every label a node of the pool registers with (user labels first, ours win on conflict). */
export function poolNodeLabels(pool: NodePool): Record<string, string> {
  return {
    ...pool.labels,
    [POOL_LABEL]: pool.name,
    ...(pool.gpu.mode === 'none' ? {} : { [GPU_MODE_LABEL]: pool.gpu.mode }),
    ...(pool.gpu.mode === 'none' || pool.gpu.model === undefined ? {} : { [GPU_MODEL_LABEL]: pool.gpu.model }),
  };
}

export function gpuPools(config: SiteConfig, mode?: GpuExposure): NodePool[] {
  return config.nodePools.filter((p) => (mode ? p.gpu.mode === mode : p.gpu.mode !== 'none'));
}

/** Whether the NVIDIA device plugin renders: enabled, and some pool exposes its GPUs through it. */
export function runsDevicePlugin(config: SiteConfig): boolean {
  return config.devicePlugin.enabled && gpuPools(config, 'devicePlugin').length > 0;
}

/** Whether the NVIDIA DRA driver renders: enabled, and some pool exposes its GPUs through DRA. */
export function runsDraDriver(config: SiteConfig): boolean {
  return config.draDriver.enabled && gpuPools(config, 'dra').length > 0;
}

/** Label selector that identifies one pool's nodes. */
export function poolSelector(pool: NodePool): Record<string, string> {
  return { [POOL_LABEL]: pool.name };
}

/**
 * nodeSelector of a GPU node agent (device plugin, DRA kubelet plugin): every hybrid node whose pools
 * expose GPUs in `mode`. Agents of different modes require different values of the same label, so no
 * node can match both: the device plugin and the DRA GPU plugin never share a node.
 */
export function gpuModeNodeSelector(mode: GpuExposure): Record<string, string> {
  return { [COMPUTE_TYPE_LABEL]: HYBRID, [GPU_MODE_LABEL]: mode };
}

/** nodeSelector of a workload pinned to one pool (a hybrid node of that pool). */
export function poolNodeSelector(pool: NodePool): Record<string, string> {
  return { [COMPUTE_TYPE_LABEL]: HYBRID, ...poolSelector(pool) };
}

/** A node taint as a pool declares it. */
export type PoolTaint = NodePool['taints'][number];

/**
 * The taints of the given pools, each once, in pool order. A taint without a value and one with the empty
 * value are one taint to Kubernetes, so they count as the same.
 */
export function poolTaints(pools: readonly NodePool[]): PoolTaint[] {
  const unique = new Map<string, PoolTaint>();
  for (const taint of pools.flatMap((p) => p.taints)) {
    const key = `${taint.key}=${taint.value ?? ''}:${taint.effect}`;
    if (!unique.has(key)) unique.set(key, taint);
  }
  return [...unique.values()];
}

/** Tolerations for exactly the taints of the given pools (deduplicated, in pool order). */
export function poolTolerations(pools: readonly NodePool[]): Toleration[] {
  return poolTaints(pools).map((taint) =>
    taint.value === undefined
      ? { key: taint.key, operator: 'Exists', effect: taint.effect }
      : { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect },
  );
}

/** RuntimeClass of nvidia-container-runtime (NVIDIA README name); also the containerd handler name in the NodeConfigs. */
export const NVIDIA_RUNTIME_CLASS = 'nvidia';

/**
 * Whether the site renders RuntimeClass `nvidia`, i.e. whether some GPU node does not run every container
 * with nvidia-container-runtime by default and a pod has to ask for it by name:
 * - devicePlugin pools with `devicePlugin.nvidiaRuntimeClass` (the runtime is a named handler there);
 * - dra pools with the DCGM exporter on them: the runtime is never containerd's default on a dra pool (as
 *   default it would give every GPU to any container with NVIDIA_VISIBLE_DEVICES=all, bypassing DRA), yet
 *   the exporter needs it to see every GPU.
 * Pods that need the runtime (device plugin, DCGM exporter, device-plugin samples) set `runtimeClassName`
 * exactly when this is true: every GPU pool defines the handler, so the name works on all of them.
 */
export function nvidiaRuntimeClassRendered(config: SiteConfig): boolean {
  return (
    (config.devicePlugin.nvidiaRuntimeClass && gpuPools(config, 'devicePlugin').length > 0) ||
    (config.dcgmExporter.enabled && gpuPools(config, 'dra').length > 0)
  );
}

/**
 * The `runtimeClassName` field of a pod that needs nvidia-container-runtime: RuntimeClass `nvidia` exactly
 * when {@link nvidiaRuntimeClassRendered}, else no field (the runtime is containerd's default there).
 */
export function nvidiaRuntimeClassField(config: SiteConfig): { runtimeClassName?: string } {
  return nvidiaRuntimeClassRendered(config) ? { runtimeClassName: NVIDIA_RUNTIME_CLASS } : {};
}

/** Whether containerd on the pool's nodes runs every container with nvidia-container-runtime (see {@link nvidiaRuntimeClassRendered}). */
export function nvidiaRuntimeIsDefault(config: SiteConfig, pool: NodePool): boolean {
  return pool.gpu.mode === 'devicePlugin' && !config.devicePlugin.nvidiaRuntimeClass;
}

/** The toleration NVIDIA's node agents ship with: any `nvidia.com/gpu` NoSchedule taint. */
export const NVIDIA_GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/**
 * Tolerations of a GPU node agent (device plugin, DRA kubelet plugin) on the pools of one mode: NVIDIA's
 * own toleration, then every other taint of those pools, so a pool tainted differently still gets its agent.
 */
export function gpuAgentTolerations(config: SiteConfig, mode: GpuExposure): Toleration[] {
  const others = poolTolerations(gpuPools(config, mode)).filter(
    (t) => !(t.key === NVIDIA_GPU_TOLERATION.key && t.effect === NVIDIA_GPU_TOLERATION.effect),
  );
  return [NVIDIA_GPU_TOLERATION, ...others];
}

/**
 * Node affinity term for cloud (EC2) nodes. EKS documents no `compute-type: ec2` value (the guide's
 * nodeSelector would leave pods Pending); AWS pins workloads to cloud nodes with NotIn [hybrid].
 * Use it in `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`.
 */
export function cloudNodeRequirement(): NodeSelectorRequirement {
  return { key: COMPUTE_TYPE_LABEL, operator: 'NotIn', values: [HYBRID] };
}

/** Required node affinity that keeps a pod on cloud nodes. */
export function cloudNodeAffinity(): Affinity {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [cloudNodeRequirement()] }] } } };
}

/** The pool a sample workload runs on: the named one, else the first pool of the mode. */
export function workloadPool(config: SiteConfig, mode: GpuExposure, name: string | undefined): NodePool | undefined {
  return name === undefined ? gpuPools(config, mode)[0] : config.nodePools.find((p) => p.name === name);
}
