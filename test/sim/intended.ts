/**
 * Where each workload is MEANT to run, from the site config's pools (never from the objects' own selectors and
 * tolerations, which are what the simulation tests).
 */
import type { SiteConfig } from '../../lib/config/schema';
import { cloudGpuNodeGroups } from '../../lib/model/cloud';
import { workloadPool } from '../../lib/model/placement';
import type { SimNode } from './nodes';

/**
 * The intended node set of every DaemonSet the site renders, by DaemonSet name. A DaemonSet missing here is a
 * failure ("no intended node set"), so a new agent must be added to this table.
 */
export function intendedDaemonSetNodes(): Record<string, { what: string; runsOn: (n: SimNode) => boolean }> {
  return {
    // Ours also serves the cloud node groups with NVIDIA instances (eksctl is told not to install its own):
    // cloud nodes with GPUs are simulated as devicePlugin nodes.
    'nvidia-device-plugin-daemonset': { what: 'devicePlugin hybrid nodes and cloud GPU nodes', runsOn: (n) => n.gpuMode === 'devicePlugin' },
    'dra-driver-nvidia-gpu-kubelet-plugin': { what: 'dra hybrid nodes', runsOn: (n) => n.kind === 'hybrid' && n.gpuMode === 'dra' },
    'registry-ca-trust': { what: 'every hybrid node', runsOn: (n) => n.kind === 'hybrid' },
    'dcgm-exporter': { what: 'GPU hybrid nodes', runsOn: (n) => n.kind === 'hybrid' && n.gpuMode !== 'none' },
  };
}

/** The pools each sample Pod / Job may land on (name of the Pod or Job → pools), as the config places them. */
export function intendedSamplePools(config: SiteConfig): Record<string, string[]> {
  const { gpuTest, gpuTraining, mlTraining, cloudGpuTest } = config.samples;
  const out: Record<string, string[]> = {};
  const one = (name: string | undefined) => (name === undefined ? [] : [name]);
  if (gpuTest.enabled) out['gpu-test'] = one(workloadPool(config, 'devicePlugin', gpuTest.pool)?.name);
  if (gpuTraining.enabled) out['gpu-training'] = one(workloadPool(config, 'devicePlugin', gpuTraining.pool)?.name);
  if (mlTraining.enabled) out['ml-training'] = one(workloadPool(config, 'dra', mlTraining.pool)?.name);
  // the cloud GPU sample: the node group it names, else the first cloud group with NVIDIA instances
  if (cloudGpuTest.enabled) out['cloud-gpu-test'] = one(cloudGpuTest.nodeGroup ?? cloudGpuNodeGroups(config)[0]?.name);
  // the Harbor pull smoke test: any hybrid server
  if (config.harborTest.enabled) out['harbor-test'] = config.nodePools.filter((p) => p.count > 0).map((p) => p.name);
  return out;
}
