import type { Affinity, NodeSelectorRequirement, NodeSelectorTerm, Toleration } from 'kubernetes-types/core/v1';
import { cloudGpuNodeGroups, NODEGROUP_LABEL, type CloudNodeGroup } from './cloud';
import type { GpuMode } from '../config/gpu';
import type { NodePool, SiteConfig } from '../config/schema';

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

/**
 * Whether the NVIDIA device plugin renders: enabled, and some hybrid pool exposes its GPUs through it or some
 * cloud node group has NVIDIA instances (the plugin runs there too, in place of the one eksctl would install).
 */
export function runsDevicePlugin(config: SiteConfig): boolean {
  return config.devicePlugin.enabled && (gpuPools(config, 'devicePlugin').length > 0 || cloudGpuNodeGroups(config).length > 0);
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

/** Node affinity term for the nodes of the given cloud managed node groups (EKS's group label). */
export function nodeGroupTerm(groups: readonly CloudNodeGroup[]): NodeSelectorTerm {
  return { matchExpressions: [{ key: NODEGROUP_LABEL, operator: 'In', values: groups.map((g) => g.name) }] };
}

/**
 * Required node affinity of the NVIDIA device plugin: one term for the hybrid devicePlugin pools (the labels
 * of {@link gpuModeNodeSelector}) and one for the cloud node groups with NVIDIA instances; a node matching
 * either term runs it. No dra node matches: the first term requires gpu-mode=devicePlugin, the second a
 * managed node group name, which hybrid nodes never carry. One DaemonSet, so the name eksctl's own install
 * uses (adopted in place) covers every GPU node that needs the plugin.
 */
export function devicePluginAffinity(config: SiteConfig): Affinity {
  const hybrid: NodeSelectorTerm[] =
    gpuPools(config, 'devicePlugin').length > 0
      ? [{ matchExpressions: Object.entries(gpuModeNodeSelector('devicePlugin')).map(([key, value]) => ({ key, operator: 'In', values: [value] })) }]
      : [];
  const cloud = cloudGpuNodeGroups(config);
  const terms = [...hybrid, ...(cloud.length > 0 ? [nodeGroupTerm(cloud)] : [])];
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/** nodeSelector of a workload pinned to one pool (a hybrid node of that pool). */
export function poolNodeSelector(pool: NodePool): Record<string, string> {
  return { [COMPUTE_TYPE_LABEL]: HYBRID, ...poolSelector(pool) };
}

/** A node taint as a pool declares it. */
export type PoolTaint = NodePool['taints'][number];

/** Anything that registers nodes with taints: a hybrid pool or a cloud managed node group. */
interface Tainted {
  readonly taints: readonly PoolTaint[];
}

/**
 * The taints of the given pools (or cloud node groups), each once, in order. A taint without a value and one
 * with the empty value are one taint to Kubernetes, so they count as the same.
 */
export function poolTaints(pools: readonly Tainted[]): PoolTaint[] {
  const unique = new Map<string, PoolTaint>();
  for (const taint of pools.flatMap((p) => p.taints)) {
    const key = `${taint.key}=${taint.value ?? ''}:${taint.effect}`;
    if (!unique.has(key)) unique.set(key, taint);
  }
  return [...unique.values()];
}

/** Tolerations for exactly the taints of the given pools or cloud node groups (deduplicated, in order). */
export function poolTolerations(pools: readonly Tainted[]): Toleration[] {
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
 * Tolerations of a GPU node agent (device plugin, DRA kubelet plugin) on the nodes of one mode: NVIDIA's
 * own toleration, then every other taint of those pools (and, for the device plugin, of the cloud NVIDIA
 * node groups), so a group tainted differently still gets its agent.
 */
export function gpuAgentTolerations(config: SiteConfig, mode: GpuExposure): Toleration[] {
  const groups: Tainted[] = [...gpuPools(config, mode), ...(mode === 'devicePlugin' ? cloudGpuNodeGroups(config) : [])];
  const others = poolTolerations(groups).filter(
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
