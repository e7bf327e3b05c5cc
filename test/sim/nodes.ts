/**
 * Simulated nodes and devices for `npm run test:sim`, built from a site's rendered artefacts:
 * hybrid nodes from nodes/<pool>.nodeconfig.yaml (the kubelet flags nodeadm passes: labels, taints; maxPods),
 * cloud nodes from cluster/eksctl.yaml (managed node groups), and per DRA node the ResourceSlice the NVIDIA DRA
 * driver v0.4.1 publishes. The config only supplies what no artefact carries: how many servers a pool has,
 * their vCPUs and GPUs per server.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SiteConfig } from '../../lib/config/schema';
import { NVIDIA_GPU_DRIVER } from '../../lib/model/dra';
import { GPU_MODELS, publishedMemory, publishedProductName } from '../../lib/model/gpu-models';
import { COMPUTE_TYPE_LABEL, HYBRID } from '../../lib/model/placement';

export type NodeKind = 'hybrid' | 'cloud';
export type GpuMode = 'none' | 'devicePlugin' | 'dra';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface SimNode {
  name: string;
  /** hybrid pool or cloud node group */
  pool: string;
  kind: NodeKind;
  gpuMode: GpuMode;
  gpuModel?: string;
  gpus: number;
  labels: Record<string, string>;
  taints: Taint[];
  capacity: Record<string, string>;
}

/** Label the simulation puts on its nodes, so they can be listed per site. */
export const SIM_SITE_LABEL = 'sim.eks-hybrid-charts.io/site';

/**
 * Memory of a hybrid server: not in the site config (pools only say vCPUs), so a size that fits every
 * rendered workload is assumed.
 */
export const HYBRID_NODE_MEMORY = '2Ti';

/**
 * Capacity of the EC2 instance types the sites use (AWS instance type specifications). `gpus` is what
 * eksctl's NVIDIA device plugin (installed by default on GPU instance types) advertises as nvidia.com/gpu.
 */
export const INSTANCE_TYPES: Record<string, { cpu: number; memory: string; pods: number; gpus: number }> = {
  'm5.large': { cpu: 2, memory: '8Gi', pods: 29, gpus: 0 },
  'm5.xlarge': { cpu: 4, memory: '16Gi', pods: 58, gpus: 0 },
  'm5.2xlarge': { cpu: 8, memory: '32Gi', pods: 58, gpus: 0 },
  'g5.xlarge': { cpu: 4, memory: '16Gi', pods: 58, gpus: 1 },
  'g5.2xlarge': { cpu: 8, memory: '32Gi', pods: 58, gpus: 1 },
};

/** Values of one kubelet flag (`--name=value`) among nodeadm's `spec.kubelet.flags`. */
function flagValue(flags: readonly string[], name: string): string | undefined {
  const f = flags.find((x) => x.startsWith(`--${name}=`));
  return f?.slice(name.length + 3);
}

/** `--register-with-taints=k=v:Effect,k2:Effect` as taints. */
export function parseTaintFlag(value: string | undefined): Taint[] {
  if (!value) return [];
  return value.split(',').map((t) => {
    const [kv, effect] = t.split(':');
    const [key, v] = kv.split('=');
    return { key, ...(v !== undefined ? { value: v } : {}), effect };
  });
}

/** `--node-labels=k=v,k2=v2` as a map. */
export function parseLabelFlag(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (value ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function kubeletLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
}

/** One simulated node per server of every hybrid pool and per desired instance of every cloud node group. */
export function nodesFromArtefacts(siteDir: string, config: SiteConfig, prefix: string, scaleCounts?: Record<string, number>): SimNode[] {
  const nodes: SimNode[] = [];
  const nodesDir = join(siteDir, 'nodes');
  const files = existsSync(nodesDir) ? readdirSync(nodesDir).filter((f) => f.endsWith('.nodeconfig.yaml')).sort() : [];
  for (const pool of config.nodePools.filter((p) => p.count > 0)) {
    if (!files.includes(`${pool.name}.nodeconfig.yaml`)) throw new Error(`${siteDir}: no nodes/${pool.name}.nodeconfig.yaml for pool ${pool.name}`);
  }
  for (const file of files) {
    const poolName = file.replace(/\.nodeconfig\.yaml$/, '');
    const pool = config.nodePools.find((p) => p.name === poolName);
    if (!pool) throw new Error(`${siteDir}/nodes/${file}: no pool ${poolName} in the site config`);
    const nc = parse(readFileSync(join(nodesDir, file), 'utf8')) as { spec?: { kubelet?: { flags?: string[]; config?: { maxPods?: number } } } };
    const flags = nc.spec?.kubelet?.flags ?? [];
    const labels = parseLabelFlag(flagValue(flags, 'node-labels'));
    const taints = parseTaintFlag(flagValue(flags, 'register-with-taints'));
    const maxPods = nc.spec?.kubelet?.config?.maxPods ?? 110;
    // What the servers are (GPU exposure, model) is the config's word; the labels and taints they register
    // with are the artefact's.
    const gpuMode = pool.gpu.mode;
    const gpuModel = pool.gpu.model;
    const gpus = gpuMode === 'none' ? 0 : pool.gpu.perNode;
    const count = scaleCounts?.[poolName] ?? pool.count;
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${poolName}-${i}`;
      nodes.push({
        name,
        pool: poolName,
        kind: 'hybrid',
        gpuMode,
        gpuModel,
        gpus,
        // EKS labels hybrid nodes eks.amazonaws.com/compute-type=hybrid itself.
        labels: { ...labels, ...kubeletLabels(name), [COMPUTE_TYPE_LABEL]: HYBRID },
        taints,
        capacity: {
          cpu: String(pool.vcpus),
          memory: HYBRID_NODE_MEMORY,
          pods: String(maxPods),
          // the device plugin advertises the GPUs of devicePlugin nodes; dra nodes publish ResourceSlices instead
          ...(gpuMode === 'devicePlugin' ? { 'nvidia.com/gpu': String(gpus) } : {}),
        },
      });
    }
  }
  const eksctlFile = join(siteDir, 'cluster', 'eksctl.yaml');
  if (existsSync(eksctlFile)) {
    const eksctl = parse(readFileSync(eksctlFile, 'utf8')) as {
      managedNodeGroups?: { name: string; instanceType: string; desiredCapacity?: number; minSize?: number; labels?: Record<string, string>; taints?: Taint[] }[];
    };
    for (const g of eksctl.managedNodeGroups ?? []) {
      const it = INSTANCE_TYPES[g.instanceType];
      if (!it) throw new Error(`${eksctlFile}: instance type ${g.instanceType} of node group ${g.name} is not in test/sim/nodes.ts INSTANCE_TYPES; add its capacity`);
      const count = g.desiredCapacity ?? g.minSize ?? 1;
      for (let i = 0; i < count; i++) {
        const name = `${prefix}-${g.name}-${i}`;
        nodes.push({
          name,
          pool: g.name,
          kind: 'cloud',
          gpuMode: it.gpus > 0 ? 'devicePlugin' : 'none',
          gpus: it.gpus,
          labels: {
            ...(g.labels ?? {}),
            ...kubeletLabels(name),
            'eks.amazonaws.com/nodegroup': g.name,
            'eks.amazonaws.com/capacityType': 'ON_DEMAND',
            'node.kubernetes.io/instance-type': g.instanceType,
          },
          taints: (g.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: String(t.value) } : {}), effect: t.effect })),
          capacity: { cpu: String(it.cpu), memory: it.memory, pods: String(it.pods), ...(it.gpus > 0 ? { 'nvidia.com/gpu': String(it.gpus) } : {}) },
        });
      }
    }
  }
  return nodes;
}

/** The Node object: kwok manages it (annotation), status as a kubelet would register it. */
export function nodeObject(n: SimNode, site: string, kwokAnnotation: string, kubeletVersion: string): Record<string, unknown> {
  const [annKey, annValue] = kwokAnnotation.split('=');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { ...n.labels, [SIM_SITE_LABEL]: site }, annotations: { [annKey]: annValue } },
    spec: { taints: n.taints },
    status: {
      capacity: n.capacity,
      allocatable: n.capacity,
      nodeInfo: { kubeletVersion, architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

/** resource.k8s.io version the driver publishes in: it tries v1, then v1beta2, then v1beta1. */
export function resourceApiVersion(minor: string): string {
  return Number(minor.split('.')[1]) >= 34 ? 'resource.k8s.io/v1' : 'resource.k8s.io/v1beta2';
}

/** Driver and CUDA versions of the simulated host driver (an R570 driver). */
export const SIM_DRIVER_VERSION = '570.133.20';
export const SIM_CUDA_DRIVER_VERSION = '12.8.0';

/**
 * The ResourceSlice the NVIDIA DRA driver v0.4.1 publishes for a dra node: driver gpu.nvidia.com, one pool
 * named after the node, full GPUs `gpu-<minor>` with their attributes and `memory` capacity (v1 / v1beta2
 * shape: attributes directly on the device).
 */
export function resourceSliceObject(n: SimNode, minor: string, site: string): Record<string, unknown> {
  const model = n.gpuModel ?? 'unknown';
  const facts = GPU_MODELS[model];
  const memory = publishedMemory(model) ?? '16Gi';
  const devices = Array.from({ length: n.gpus }, (_, i) => ({
    name: `gpu-${i}`,
    attributes: {
      type: { string: 'gpu' },
      uuid: { string: `GPU-${uuidOf(`${n.name}/${i}`)}` },
      productName: { string: publishedProductName(model) },
      brand: { string: 'Nvidia' },
      architecture: { string: facts?.architecture ?? 'unknown' },
      cudaComputeCapability: { version: facts?.cudaComputeCapability ?? '8.0.0' },
      driverVersion: { version: SIM_DRIVER_VERSION },
      cudaDriverVersion: { version: SIM_CUDA_DRIVER_VERSION },
    },
    capacity: { memory: { value: memory } },
  }));
  return {
    apiVersion: resourceApiVersion(minor),
    kind: 'ResourceSlice',
    metadata: { name: `${n.name}-${NVIDIA_GPU_DRIVER.replace(/\./g, '-')}`, labels: { [SIM_SITE_LABEL]: site } },
    spec: { driver: NVIDIA_GPU_DRIVER, nodeName: n.name, pool: { name: n.name, generation: 1, resourceSliceCount: 1 }, devices },
  };
}

/** A stable UUID-shaped id (same input, same id: runs compare). */
function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
