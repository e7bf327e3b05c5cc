/**
 * What a node must end up with, asserted on what containerd's and the kubelet's own code report
 * (tools/nodecheck). Each function returns the problems found; none means the check passed.
 */

/** nvidia-container-runtime as the NVIDIA Container Toolkit installs it. */
const TOOLKIT_BINARY = '/usr/bin/nvidia-container-runtime';

export interface ContainerdReport {
  id: string;
  loadError?: string;
  criError?: string;
  defaultRuntime: string;
  runtimes: Record<string, { type: string; binaryName: string; systemdCgroup: boolean }> | null;
  sandboxImage: string;
  discardUnpackedLayers: boolean;
  configPath: string;
  cdiEnabled: boolean;
  cniBinDir: string;
  cniConfDir: string;
}

export interface HostsReport {
  id: string;
  error?: string;
  hosts: { host: string; scheme: string; path: string; trustsCa: boolean; verifyError?: string }[];
}

export interface KubeletReport {
  id: string;
  error: string;
  featureGates?: Record<string, boolean>;
}

export type GpuMode = 'none' | 'devicePlugin' | 'dra';

export interface PoolIntent {
  gpu: GpuMode;
  /** RuntimeClass mode: pods name RuntimeClass nvidia, so nvidia is never containerd's default. */
  nvidiaRuntimeClass: boolean;
  /** nodeadm's sandbox image for the site's region (from its base config). */
  sandboxImage: string;
}

/** The runtime a pool's pods get without a RuntimeClass: nvidia on devicePlugin pools unless RuntimeClass mode is on. */
export function intendedDefaultRuntime(pool: PoolIntent): string {
  return pool.gpu === 'devicePlugin' && !pool.nvidiaRuntimeClass ? 'nvidia' : 'runc';
}

export function containerdProblems(r: ContainerdReport, pool: PoolIntent): string[] {
  if (r.loadError) return [`containerd refuses the config: ${r.loadError}`];
  const p: string[] = [];
  if (r.criError) p.push(`CRI plugin config invalid: ${r.criError}`);
  const runtimes = r.runtimes ?? {};
  const runc = runtimes.runc;
  if (!runc) p.push('runtime runc is not defined');
  else if (runc.type !== 'io.containerd.runc.v2' || !runc.systemdCgroup) p.push(`runtime runc lost its settings (got ${JSON.stringify(runc)})`);
  const intended = intendedDefaultRuntime(pool);
  if (r.defaultRuntime !== intended) p.push(`default runtime is ${JSON.stringify(r.defaultRuntime)}, the pool mode intends ${JSON.stringify(intended)}`);
  if (pool.gpu !== 'none') {
    const nvidia = runtimes.nvidia;
    if (!nvidia) p.push('runtime nvidia is not defined on a GPU pool');
    else if (nvidia.binaryName !== TOOLKIT_BINARY) p.push(`runtime nvidia BinaryName is ${JSON.stringify(nvidia.binaryName)}, not the toolkit's ${TOOLKIT_BINARY}`);
  }
  if (r.sandboxImage !== pool.sandboxImage) p.push(`sandbox image is ${JSON.stringify(r.sandboxImage)}, nodeadm sets ${JSON.stringify(pool.sandboxImage)}`);
  if (!r.discardUnpackedLayers) p.push('discard_unpacked_layers (set by nodeadm) is lost');
  const paths = r.configPath.split(':');
  for (const dir of ['/etc/containerd/certs.d', '/etc/docker/certs.d']) {
    if (!paths.includes(dir)) p.push(`registry config_path ${JSON.stringify(r.configPath)} lost ${dir}`);
  }
  if (!r.cniBinDir.split(':').includes('/opt/cni/bin') || r.cniConfDir !== '/etc/cni/net.d') p.push(`CNI dirs changed (bin ${r.cniBinDir}, conf ${r.cniConfDir})`);
  if (pool.gpu === 'dra' && !r.cdiEnabled) p.push('CDI is off on a dra pool (the DRA driver injects GPUs through CDI)');
  return p;
}

export function hostsProblems(r: HostsReport, registry: string): string[] {
  if (r.error) return [`ConfigureHosts: ${r.error}`];
  if (r.hosts.length === 0) return ['no host resolved'];
  return r.hosts.flatMap((h, i) => [
    ...(h.host === registry ? [] : [`host ${i + 1} is ${h.host}, not the registry ${registry}`]),
    ...(h.trustsCa ? [] : [`host ${i + 1} (${h.scheme}://${h.host}${h.path}) does not trust the registry CA: ${h.verifyError ?? 'no CA pool'}`]),
  ]);
}

export function kubeletProblems(r: KubeletReport, gpu: GpuMode): string[] {
  if (r.error) return [`kubelet refuses the config: ${r.error}`];
  if (gpu === 'dra' && r.featureGates?.DynamicResourceAllocation !== true) {
    return ['kubelet gate DynamicResourceAllocation is off on a dra pool: the kubelet never registers the DRA plugin'];
  }
  return [];
}
