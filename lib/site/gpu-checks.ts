/**
 * Semantic checks of the GPU stack: node pools, DRA claim templates, GPU samples and NFS.
 * Each problem names the field to change and says why, so `synth` can stop with exit 2 before rendering.
 */
import { cloudGpuNodeGroups, isNvidiaInstanceType } from '../model/cloud';
import { publishedMemory, publishedProductName, quantityBytes } from '../model/gpu-models';
import { gpuPools, RESERVED_NODE_LABELS, type GpuExposure } from '../model/placement';
import { DRA_MIN_VERSION, draFacts, NVIDIA_DRA_DRIVER_MIN_VERSION, supportsNvidiaDraDriver } from '../core/versions';
import { configPath } from '../core/paths';
import type { Problem } from '../config/problems';
import type { NodePool, SiteConfig } from '../config/schema';
import type { SemanticCheck } from './semantic';

const MODE_NEEDS: Record<GpuExposure, string> = {
  devicePlugin: 'requests nvidia.com/gpu, which only devicePlugin pools advertise',
  dra: 'allocates GPUs through a DRA claim, which only dra pools serve',
};

/** Why DRA cannot be used on the site's Kubernetes minor, or undefined when it can. */
function draUnavailable(config: SiteConfig): string | undefined {
  const version = config.kubernetesVersion;
  if (supportsNvidiaDraDriver(version)) return undefined;
  return `needs Kubernetes ${DRA_MIN_VERSION} or later on EKS (the NVIDIA DRA driver v0.4.1 needs ${NVIDIA_DRA_DRIVER_MIN_VERSION}+ with the DRA API served; AWS recommends 1.34+); on ${version} ${draFacts(version).note}`; // every minor that fails here has a note (test/core.test.ts)
}

/** Reserved labels, GPU counts that contradict the mode, and `dra` pools on minors without a usable DRA API. */
export const checkGpuPools: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const draProblem = draUnavailable(config);
  config.nodePools.forEach((pool, i) => {
    for (const key of Object.keys(pool.labels)) {
      if (RESERVED_NODE_LABELS.includes(key)) {
        problems.push({
          path: configPath(['nodePools', i, 'labels', key]),
          message: 'is set on the nodes by nodeadm or the generator (from the pool name, gpu.mode and gpu.model); remove it from labels',
          value: pool.labels[key],
        });
      }
    }
    const { mode, perNode } = pool.gpu;
    if (mode !== 'none' && perNode < 1) {
      problems.push({ path: configPath(['nodePools', i, 'gpu', 'perNode']), message: `a pool with gpu.mode ${mode} needs at least 1 GPU per node`, value: perNode });
    }
    if (mode === 'none' && perNode > 0) {
      problems.push({
        path: configPath(['nodePools', i, 'gpu', 'mode']),
        message: `the pool has ${perNode} GPUs per node but mode none exposes none of them; set devicePlugin or dra (or gpu.perNode to 0)`,
        value: mode,
      });
    }
    if (mode === 'dra' && draProblem) {
      problems.push({ path: configPath(['nodePools', i, 'gpu', 'mode']), message: `dra ${draProblem}; use devicePlugin on this version`, value: mode });
    }
  });
  return problems;
};

/** `devicePlugin.nvidiaRuntimeClass` chooses how the device plugin reaches the NVIDIA runtime: meaningless with the plugin off. */
export const checkNvidiaRuntimeClass: SemanticCheck = (config) =>
  config.devicePlugin.nvidiaRuntimeClass && !config.devicePlugin.enabled
    ? [
        {
          path: 'devicePlugin.nvidiaRuntimeClass',
          message: 'chooses how the device plugin and its GPU pods reach the NVIDIA runtime (RuntimeClass instead of containerd\'s default), but devicePlugin.enabled turns the plugin off; enable the plugin or set this to false',
          value: true,
        },
      ]
    : [];

/** Compute domains need the ComputeDomain CRDs and the controller, which are not rendered yet. */
export const checkDraDriver: SemanticCheck = (config) =>
  config.draDriver.computeDomains.enabled
    ? [
        {
          path: 'draDriver.computeDomains.enabled',
          message: 'ComputeDomains (multi-node NVLink/IMEX) are not rendered yet: they need the ComputeDomain CRDs and the controller; H100 HGX/PCIe servers do not use them',
          value: true,
        },
      ]
    : [];

function largestPerNode(pools: readonly NodePool[]): number {
  return Math.max(0, ...pools.map((p) => p.gpu.perNode));
}

/** Claim templates are unique, served by some dra pool on a minor with DRA, and fit on one node. */
export const checkClaimTemplates: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const draPools = gpuPools(config, 'dra');
  const draProblem = draUnavailable(config);
  const seen = new Map<string, number>();
  config.dra.claimTemplates.forEach((template, i) => {
    const first = seen.get(template.name);
    if (first !== undefined) {
      problems.push({ path: configPath(['dra', 'claimTemplates', i, 'name']), message: `duplicate claim template name; dra.claimTemplates[${first}] has it already`, value: template.name });
    } else {
      seen.set(template.name, i);
    }
    if (draProblem) {
      problems.push({ path: configPath(['dra', 'claimTemplates', i]), message: `a DRA claim template ${draProblem}`, value: template.name });
    } else if (draPools.length === 0) {
      problems.push({ path: configPath(['dra', 'claimTemplates', i]), message: 'no node pool has gpu.mode dra, so the claim could never be allocated', value: template.name });
    } else if (template.migProfile === undefined && template.count > largestPerNode(draPools)) {
      problems.push({
        path: configPath(['dra', 'claimTemplates', i, 'count']),
        message: `asks for more GPUs than any dra node has (largest: ${largestPerNode(draPools)} per node); a claim is allocated on one node`,
        value: template.count,
      });
    }
  });
  return problems;
};

type ClaimTemplate = SiteConfig['dra']['claimTemplates'][number];

/** A pool whose gpu.model is set, so what its GPUs publish is known. */
type ModelledPool = NodePool & { gpu: { model: string } };

function hasModel(pool: NodePool): pool is ModelledPool {
  return pool.gpu.model !== undefined;
}

/** What a dra pool's GPUs publish: the productName and memory the NVIDIA DRA driver reports for its model. */
function publishedBy(pool: ModelledPool): string {
  const memory = publishedMemory(pool.gpu.model);
  return `pool ${pool.name} (model ${pool.gpu.model}) publishes productName "${publishedProductName(pool.gpu.model)}"${memory ? ` and memory ${memory}` : ''}`;
}

/** Whether a claim template's productName / minMemory could select a GPU of the pool. */
function templateFits(template: ClaimTemplate, pool: ModelledPool): { product: boolean; memory: boolean } {
  const product = template.productName === undefined || publishedProductName(pool.gpu.model).includes(template.productName);
  const memory = publishedMemory(pool.gpu.model);
  // a MIG device has part of its GPU's memory, so the whole GPU's memory bounds MIG claims too
  const memoryFits = template.minMemory === undefined || memory === undefined || quantityBytes(memory) >= quantityBytes(template.minMemory);
  return { product, memory: memoryFits };
}

/**
 * A claim template's productName (CEL `contains` on the driver's productName attribute) and minMemory must
 * select the GPUs of some dra pool, as the NVIDIA DRA driver publishes them for the pool's gpu.model; else
 * every claim from it stays unallocated and its pods Pending forever. Pools without gpu.model are not judged.
 */
export const checkClaimTemplateDevices: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const draPools = gpuPools(config, 'dra');
  if (draPools.length === 0 || !draPools.every(hasModel)) return problems;
  config.dra.claimTemplates.forEach((template, i) => {
    const fits = draPools.map((pool) => ({ pool, fit: templateFits(template, pool) }));
    const byProduct = fits.filter((f) => f.fit.product);
    if (byProduct.length === 0) {
      problems.push({
        path: configPath(['dra', 'claimTemplates', i, 'productName']),
        message: `no dra pool's GPUs would match (the driver's productName must contain it): ${draPools.map(publishedBy).join('; ')}; the claim could never be allocated`,
        value: template.productName,
      });
    } else if (!byProduct.some((f) => f.fit.memory)) {
      problems.push({
        path: configPath(['dra', 'claimTemplates', i, 'minMemory']),
        message: `is more than the GPUs of every matching dra pool have: ${byProduct.map((f) => publishedBy(f.pool)).join('; ')}; the claim could never be allocated`,
        value: template.minMemory,
      });
    }
  });
  // The ml-training Job is pinned to its pool: its claim must be satisfiable by that pool's GPUs.
  const { mlTraining } = config.samples;
  const template = config.dra.claimTemplates.find((t) => t.name === mlTraining.claimTemplate);
  const pool = mlTraining.pool === undefined ? draPools[0] : draPools.find((p) => p.name === mlTraining.pool);
  const fit = mlTraining.enabled && template && pool ? templateFits(template, pool) : undefined;
  const anywhere = template && draPools.some((p) => templateFits(template, p).product && templateFits(template, p).memory);
  if (fit && anywhere && !(fit.product && fit.memory)) {
    problems.push({
      path: 'samples.mlTraining.claimTemplate',
      message: `claim template ${template!.name} selects no GPU of pool ${pool!.name}, where the ml-training Job runs (${publishedBy(pool!)}); set samples.mlTraining.pool to a pool whose GPUs match`,
      value: mlTraining.claimTemplate,
    });
  }
  return problems;
};

/** Resolves a sample's pool and reports a missing pool, a pool of the wrong mode, or no pool of the mode at all. */
function samplePool(config: SiteConfig, sample: string, mode: GpuExposure, name: string | undefined, problems: Problem[]): NodePool | undefined {
  if (name === undefined) {
    const pool = config.nodePools.find((p) => p.gpu.mode === mode);
    if (!pool) problems.push({ path: `samples.${sample}.enabled`, message: `no node pool has gpu.mode ${mode}; the sample ${MODE_NEEDS[mode]}`, value: true });
    return pool;
  }
  const pool = config.nodePools.find((p) => p.name === name);
  if (!pool) {
    problems.push({ path: `samples.${sample}.pool`, message: `no such node pool (pools: ${config.nodePools.map((p) => p.name).join(', ') || 'none'})`, value: name });
    return undefined;
  }
  if (pool.gpu.mode !== mode) {
    problems.push({ path: `samples.${sample}.pool`, message: `pool ${name} has gpu.mode ${pool.gpu.mode}; the sample ${MODE_NEEDS[mode]}`, value: name });
    return undefined;
  }
  return pool;
}

/** The cloud GPU sample needs a cloud node group with NVIDIA instances: the named one, else any. */
function checkCloudGpuSample(config: SiteConfig, problems: Problem[]): void {
  const { enabled, nodeGroup } = config.samples.cloudGpuTest;
  if (!enabled) return;
  if (nodeGroup === undefined) {
    if (cloudGpuNodeGroups(config).length === 0) {
      problems.push({
        path: 'samples.cloudGpuTest.enabled',
        message: 'no cloudNodeGroups entry has an NVIDIA instance type (g4dn, g5, g6, p4d, p5, …); the sample requests nvidia.com/gpu on a cloud GPU node',
        value: true,
      });
    }
    return;
  }
  const group = config.cloudNodeGroups.find((g) => g.name === nodeGroup);
  if (!group) {
    const names = config.cloudNodeGroups.map((g) => g.name).join(', ') || 'none';
    problems.push({ path: 'samples.cloudGpuTest.nodeGroup', message: `no such cloud node group (cloudNodeGroups: ${names})`, value: nodeGroup });
  } else if (!isNvidiaInstanceType(group.instanceType)) {
    problems.push({
      path: 'samples.cloudGpuTest.nodeGroup',
      message: `node group ${nodeGroup} has instance type ${group.instanceType}, which has no NVIDIA GPU; the sample requests nvidia.com/gpu`,
      value: nodeGroup,
    });
  }
}

/** Each enabled sample has a pool of the right mode, a DRA-capable minor where needed, and fits on a node. */
export const checkGpuSamples: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const { gpuTest, gpuTraining, mlTraining } = config.samples;
  if (gpuTest.enabled) samplePool(config, 'gpuTest', 'devicePlugin', gpuTest.pool, problems);
  checkCloudGpuSample(config, problems);
  if (gpuTraining.enabled) {
    const pool = samplePool(config, 'gpuTraining', 'devicePlugin', gpuTraining.pool, problems);
    if (pool && gpuTraining.gpus > pool.gpu.perNode) {
      problems.push({
        path: 'samples.gpuTraining.gpus',
        message: `is more than the ${pool.gpu.perNode} GPUs per node of pool ${pool.name}; the pod could never be scheduled`,
        value: gpuTraining.gpus,
      });
    }
  }
  if (mlTraining.enabled) {
    const draProblem = draUnavailable(config);
    if (draProblem) {
      problems.push({ path: 'samples.mlTraining.enabled', message: `the ml-training Job uses a DRA claim, which ${draProblem}`, value: true });
    } else {
      const pool = samplePool(config, 'mlTraining', 'dra', mlTraining.pool, problems);
      const template = config.dra.claimTemplates.find((t) => t.name === mlTraining.claimTemplate);
      if (!template) {
        const known = config.dra.claimTemplates.map((t) => t.name).join(', ') || 'none';
        problems.push({ path: 'samples.mlTraining.claimTemplate', message: `no dra.claimTemplates entry has this name (defined: ${known})`, value: mlTraining.claimTemplate });
      } else if (pool && template.migProfile === undefined && template.count > pool.gpu.perNode) {
        problems.push({
          path: 'samples.mlTraining.claimTemplate',
          message: `claim template ${template.name} asks for ${template.count} GPUs but pool ${pool.name} has ${pool.gpu.perNode} per node`,
          value: mlTraining.claimTemplate,
        });
      }
    }
  }
  return problems;
};

/** An enabled NFS volume needs its server and export path. */
export const checkNfs: SemanticCheck = (config) => {
  const nfs = config.storage.nfs;
  if (!nfs.enabled) return [];
  const problems: Problem[] = [];
  if (nfs.server === undefined) problems.push({ path: 'storage.nfs.server', message: 'is required when storage.nfs.enabled is true (NFS server address, e.g. 192.168.1.100)' });
  if (nfs.path === undefined) problems.push({ path: 'storage.nfs.path', message: 'is required when storage.nfs.enabled is true (exported path, e.g. /export/data)' });
  return problems;
};

/** The GPU stack's checks, in message order. */
export const GPU_CHECKS: readonly SemanticCheck[] = [checkGpuPools, checkNvidiaRuntimeClass, checkDraDriver, checkClaimTemplates, checkClaimTemplateDevices, checkGpuSamples, checkNfs];
