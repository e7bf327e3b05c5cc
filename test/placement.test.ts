// lib/model/placement.ts directly: the labels, selectors, taints and tolerations every chart and NodeConfig
// asks this module for, at each branch (named after the module so the mutation run tries it first).
import { describe, expect, it } from 'vitest';
import type { NodePool, SiteConfig } from '../lib/config/schema';
import type { CloudNodeGroup } from '../lib/model/cloud';
import {
  cloudNodeAffinity,
  devicePluginAffinity,
  gpuAgentTolerations,
  gpuModeNodeSelector,
  gpuPools,
  nvidiaRuntimeClassField,
  nvidiaRuntimeClassRendered,
  nvidiaRuntimeIsDefault,
  poolNodeLabels,
  poolNodeSelector,
  poolTaints,
  poolTolerations,
  RESERVED_NODE_LABELS,
  runsDevicePlugin,
  runsDraDriver,
  workloadPool,
} from '../lib/model/placement';

type Taint = NodePool['taints'][number];
const pool = (name: string, mode: 'none' | 'devicePlugin' | 'dra', extra: { labels?: Record<string, string>; taints?: Taint[]; model?: string } = {}): NodePool =>
  ({ name, labels: extra.labels ?? {}, taints: extra.taints ?? [], gpu: { mode, ...(extra.model ? { model: extra.model } : {}) } }) as unknown as NodePool;
const cloud = (name: string, instanceType: string, taints: Taint[] = []): CloudNodeGroup => ({ name, instanceType, labels: {}, taints }) as unknown as CloudNodeGroup;
const site = (
  nodePools: NodePool[],
  options: { cloudNodeGroups?: CloudNodeGroup[]; devicePlugin?: boolean; nvidiaRuntimeClass?: boolean; draDriver?: boolean; dcgmExporter?: boolean } = {},
): SiteConfig =>
  ({
    nodePools,
    cloudNodeGroups: options.cloudNodeGroups ?? [],
    devicePlugin: { enabled: options.devicePlugin ?? true, nvidiaRuntimeClass: options.nvidiaRuntimeClass ?? false },
    draDriver: { enabled: options.draDriver ?? true },
    dcgmExporter: { enabled: options.dcgmExporter ?? false },
  }) as unknown as SiteConfig;

const GPU_TAINT: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as Taint;

describe('node labels', () => {
  it("a pool's nodes carry its labels, then ours (which win): pool always, gpu-mode and gpu-model only where they apply", () => {
    expect(RESERVED_NODE_LABELS).toEqual(['eks.amazonaws.com/compute-type', 'eks-hybrid-charts/pool', 'eks-hybrid-charts/gpu-mode', 'eks-hybrid-charts/gpu-model']);
    expect(poolNodeLabels(pool('cpu', 'none', { labels: { a: '1', 'eks-hybrid-charts/pool': 'mine' }, model: 'h100' }))).toEqual({ a: '1', 'eks-hybrid-charts/pool': 'cpu' });
    expect(poolNodeLabels(pool('gpu', 'dra'))).toEqual({ 'eks-hybrid-charts/pool': 'gpu', 'eks-hybrid-charts/gpu-mode': 'dra' });
    expect(poolNodeLabels(pool('gpu', 'devicePlugin', { model: 'h200' }))).toEqual({
      'eks-hybrid-charts/pool': 'gpu',
      'eks-hybrid-charts/gpu-mode': 'devicePlugin',
      'eks-hybrid-charts/gpu-model': 'h200',
    });
  });

  it('selectors: a pool on hybrid nodes, a GPU agent on every hybrid node of its mode', () => {
    expect(poolNodeSelector(pool('gpu-a', 'dra'))).toEqual({ 'eks.amazonaws.com/compute-type': 'hybrid', 'eks-hybrid-charts/pool': 'gpu-a' });
    expect(gpuModeNodeSelector('dra')).toEqual({ 'eks.amazonaws.com/compute-type': 'hybrid', 'eks-hybrid-charts/gpu-mode': 'dra' });
  });
});

describe('which GPU components render', () => {
  const pools = [pool('cpu', 'none'), pool('dp', 'devicePlugin'), pool('dra', 'dra'), pool('dp2', 'devicePlugin')];

  it('gpuPools: every GPU pool, or those of one mode, in order', () => {
    expect(gpuPools(site(pools)).map((p) => p.name)).toEqual(['dp', 'dra', 'dp2']);
    expect(gpuPools(site(pools), 'devicePlugin').map((p) => p.name)).toEqual(['dp', 'dp2']);
    expect(gpuPools(site(pools), 'dra').map((p) => p.name)).toEqual(['dra']);
  });

  it('the device plugin: enabled, and a devicePlugin pool or an NVIDIA cloud group', () => {
    expect(runsDevicePlugin(site(pools))).toBe(true);
    expect(runsDevicePlugin(site(pools, { devicePlugin: false }))).toBe(false);
    expect(runsDevicePlugin(site([pool('dra', 'dra')]))).toBe(false);
    expect(runsDevicePlugin(site([pool('dra', 'dra')], { cloudNodeGroups: [cloud('g', 'g5.xlarge')] }))).toBe(true);
    expect(runsDevicePlugin(site([], { cloudNodeGroups: [cloud('c', 'm5.xlarge')] }))).toBe(false);
  });

  it('the DRA driver: enabled, and a dra pool', () => {
    expect(runsDraDriver(site(pools))).toBe(true);
    expect(runsDraDriver(site(pools, { draDriver: false }))).toBe(false);
    expect(runsDraDriver(site([pool('dp', 'devicePlugin')], { cloudNodeGroups: [cloud('g', 'g5.xlarge')] }))).toBe(false);
  });
});

describe("the device plugin's node affinity", () => {
  const terms = (config: SiteConfig) => devicePluginAffinity(config).nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const hybridTerm = {
    matchExpressions: [
      { key: 'eks.amazonaws.com/compute-type', operator: 'In', values: ['hybrid'] },
      { key: 'eks-hybrid-charts/gpu-mode', operator: 'In', values: ['devicePlugin'] },
    ],
  };

  it('one term for the hybrid devicePlugin pools and one for the NVIDIA cloud groups (by EKS group name), each only when there are some', () => {
    const groups = [cloud('g5', 'g5.xlarge'), cloud('cpu', 'm5.xlarge'), cloud('g6', 'g6.xlarge')];
    const cloudTerm = { matchExpressions: [{ key: 'eks.amazonaws.com/nodegroup', operator: 'In', values: ['g5', 'g6'] }] };
    expect(terms(site([pool('dp', 'devicePlugin')], { cloudNodeGroups: groups }))).toEqual([hybridTerm, cloudTerm]);
    expect(terms(site([pool('dp', 'devicePlugin')]))).toEqual([hybridTerm]);
    expect(terms(site([pool('dra', 'dra')], { cloudNodeGroups: groups }))).toEqual([cloudTerm]);
  });

  it('cloud workloads: NotIn [hybrid] on the compute-type label', () => {
    expect(cloudNodeAffinity()).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['hybrid'] }] }] } },
    });
  });
});

describe('taints and tolerations', () => {
  it('each taint once, in order; no value and the empty value are one taint; value and effect tell taints apart', () => {
    const a = { key: 'k', effect: 'NoSchedule' } as Taint;
    const empty = { key: 'k', value: '', effect: 'NoSchedule' } as Taint;
    const valued = { key: 'k', value: 'v', effect: 'NoSchedule' } as Taint;
    const other = { key: 'k', value: 'v', effect: 'NoExecute' } as Taint;
    expect(poolTaints([{ taints: [a, valued] }, { taints: [empty, other, valued] }])).toEqual([a, valued, other]);
    expect(poolTaints([{ taints: [empty, a] }])).toEqual([empty]);
  });

  it('a toleration per taint: Exists for one without a value, Equal with the value otherwise', () => {
    expect(poolTolerations([{ taints: [{ key: 'a', effect: 'NoSchedule' } as Taint, { key: 'b', value: '', effect: 'NoExecute' } as Taint, GPU_TAINT] }])).toEqual([
      { key: 'a', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'b', operator: 'Equal', value: '', effect: 'NoExecute' },
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
    ]);
  });

  it("a GPU agent tolerates NVIDIA's taint, then the other taints of its mode's pools (and, for the device plugin, of the NVIDIA cloud groups)", () => {
    const dedicated = { key: 'dedicated', value: 'ml', effect: 'NoSchedule' } as Taint;
    const spot = { key: 'spot', effect: 'NoExecute' } as Taint;
    const config = site([pool('dp', 'devicePlugin', { taints: [GPU_TAINT, dedicated] }), pool('dra', 'dra', { taints: [spot] })], {
      cloudNodeGroups: [cloud('g5', 'g5.xlarge', [{ key: 'cloud', effect: 'NoSchedule' } as Taint]), cloud('cpu', 'm5.xlarge', [{ key: 'cpu-only', effect: 'NoSchedule' } as Taint])],
    });
    const nvidia = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
    expect(gpuAgentTolerations(config, 'devicePlugin')).toEqual([
      nvidia,
      { key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' },
      { key: 'cloud', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(gpuAgentTolerations(config, 'dra')).toEqual([nvidia, { key: 'spot', operator: 'Exists', effect: 'NoExecute' }]);
    // an nvidia.com/gpu taint of another effect is not covered by NVIDIA's toleration, so it stays
    const noExecute = { key: 'nvidia.com/gpu', effect: 'NoExecute' } as Taint;
    expect(gpuAgentTolerations(site([pool('dra', 'dra', { taints: [noExecute] })]), 'dra')).toEqual([nvidia, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }]);
  });
});

describe('the nvidia RuntimeClass', () => {
  it('renders for devicePlugin pools with nvidiaRuntimeClass, and for dra pools with the DCGM exporter; pods name it exactly then', () => {
    const dp = [pool('dp', 'devicePlugin')];
    const dra = [pool('dra', 'dra')];
    const cases = [
      [site(dp, { nvidiaRuntimeClass: true }), true],
      [site(dp), false],
      [site(dra, { nvidiaRuntimeClass: true }), false],
      [site(dra, { dcgmExporter: true }), true],
      [site(dp, { dcgmExporter: true }), false],
      [site(dra), false],
    ] as const;
    expect(cases.map(([config]) => nvidiaRuntimeClassRendered(config))).toEqual(cases.map(([, rendered]) => rendered));
    expect(nvidiaRuntimeClassField(site(dra, { dcgmExporter: true }))).toEqual({ runtimeClassName: 'nvidia' });
    expect(nvidiaRuntimeClassField(site(dra))).toEqual({});
  });

  it("containerd's default runtime is NVIDIA's only on devicePlugin pools without the RuntimeClass", () => {
    expect(nvidiaRuntimeIsDefault(site([]), pool('dp', 'devicePlugin'))).toBe(true);
    expect(nvidiaRuntimeIsDefault(site([], { nvidiaRuntimeClass: true }), pool('dp', 'devicePlugin'))).toBe(false);
    expect(nvidiaRuntimeIsDefault(site([]), pool('dra', 'dra'))).toBe(false);
    expect(nvidiaRuntimeIsDefault(site([]), pool('cpu', 'none'))).toBe(false);
  });
});

describe('workloadPool', () => {
  it('the named pool, else the first pool of the mode; undefined when there is none', () => {
    const config = site([pool('cpu', 'none'), pool('a', 'dra'), pool('b', 'dra')]);
    expect(workloadPool(config, 'dra', 'b')?.name).toBe('b');
    expect(workloadPool(config, 'dra', 'cpu')?.name).toBe('cpu');
    expect(workloadPool(config, 'dra', undefined)?.name).toBe('a');
    expect(workloadPool(config, 'devicePlugin', undefined)).toBeUndefined();
    expect(workloadPool(config, 'dra', 'nope')).toBeUndefined();
  });
});
