// The simulation's nodes and devices (test/sim/nodes.ts) come from the rendered artefacts: checked here
// against the committed dist/example, without a control plane.
import { describe, expect, it } from 'vitest';
import { loadSite } from '../lib/site/site';
import { intendedDaemonSetNodes, intendedSamplePools } from './sim/intended';
import { nodesFromArtefacts, parseLabelFlag, parseTaintFlag, resourceSliceObject } from './sim/nodes';
import { setUp } from './helpers/set-up';

let config!: ReturnType<typeof loadSite>['config'];
let nodes!: ReturnType<typeof nodesFromArtefacts>;
setUp(() => {
  config = loadSite('sites/example.yaml').config;
  nodes = nodesFromArtefacts('dist/example', config, 'example');
});

describe('simulated nodes from dist/example', () => {
  it('parses the kubelet flags nodeadm passes', () => {
    expect(parseTaintFlag('nvidia.com/gpu=present:NoSchedule,a:NoExecute')).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'a', effect: 'NoExecute' },
    ]);
    expect(parseLabelFlag('a=1,b/c=x=y')).toEqual({ a: '1', 'b/c': 'x=y' });
  });

  it('one node per server of each hybrid pool, labels and taints from the NodeConfig', () => {
    const dra = nodes.filter((n) => n.pool === 'gpu-h100-dra');
    expect(dra.map((n) => n.name)).toEqual(['example-gpu-h100-dra-0', 'example-gpu-h100-dra-1']);
    expect(dra[0].labels).toMatchObject({
      'eks-hybrid-charts/gpu-mode': 'dra',
      'eks-hybrid-charts/pool': 'gpu-h100-dra',
      'eks.amazonaws.com/compute-type': 'hybrid',
      'kubernetes.io/hostname': 'example-gpu-h100-dra-0',
      gpu: 'h100',
    });
    expect(dra[0].taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    expect(dra[0].capacity).toEqual({ cpu: '224', memory: '2Ti', pods: '110' });
    const dp = nodes.find((n) => n.pool === 'gpu-h100')!;
    expect(dp.capacity['nvidia.com/gpu']).toBe('8');
  });

  it('cloud nodes from cluster/eksctl.yaml with the instance type capacity', () => {
    const cloud = nodes.filter((n) => n.kind === 'cloud');
    expect(cloud.map((n) => n.pool)).toEqual(['cpu-nodes', 'cpu-nodes', 'cpu-nodes', 'gpu-nodes', 'gpu-nodes']);
    const gpu = cloud.find((n) => n.pool === 'gpu-nodes')!;
    expect(gpu.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(gpu.capacity).toMatchObject({ cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' });
    expect(gpu.labels['eks.amazonaws.com/compute-type']).toBeUndefined();
  });

  it('ResourceSlice as the NVIDIA DRA driver v0.4.1 publishes it (v1 on 1.34, v1beta2 on 1.33)', () => {
    const n = nodes.find((x) => x.gpuMode === 'dra')!;
    const slice = resourceSliceObject(n, '1.34', 'example') as { apiVersion: string; spec: { driver: string; nodeName: string; pool: { name: string }; devices: { name: string; attributes: Record<string, unknown>; capacity: Record<string, unknown> }[] } };
    expect(slice.apiVersion).toBe('resource.k8s.io/v1');
    expect((resourceSliceObject(n, '1.33', 'example') as { apiVersion: string }).apiVersion).toBe('resource.k8s.io/v1beta2');
    expect(slice.spec).toMatchObject({ driver: 'gpu.nvidia.com', nodeName: n.name, pool: { name: n.name } });
    expect(slice.spec.devices.map((d) => d.name)).toEqual(['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3', 'gpu-4', 'gpu-5', 'gpu-6', 'gpu-7']);
    expect(slice.spec.devices[0].attributes).toMatchObject({ type: { string: 'gpu' }, productName: { string: 'NVIDIA H100 80GB HBM3' }, cudaDriverVersion: { version: '12.8.0' }, architecture: { string: 'Hopper' }, cudaComputeCapability: { version: '9.0.0' } });
    expect(slice.spec.devices[0].capacity).toEqual({ memory: { value: '81559Mi' } });
  });

  it('intended sets come from the config pools: each agent on its nodes', () => {
    const t = intendedDaemonSetNodes();
    const on = (ds: string) => nodes.filter(t[ds].runsOn).map((n) => n.pool);
    expect(on('nvidia-device-plugin-daemonset')).toEqual(['gpu-h100', 'gpu-h100', 'gpu-nodes', 'gpu-nodes']);
    expect(on('dra-driver-nvidia-gpu-kubelet-plugin')).toEqual(['gpu-h100-dra', 'gpu-h100-dra']);
    expect(new Set(on('registry-ca-trust'))).toEqual(new Set(['gpu-h100', 'gpu-h100-dra']));
    expect(new Set(on('dcgm-exporter'))).toEqual(new Set(['gpu-h100', 'gpu-h100-dra']));
    expect(intendedSamplePools(config)).toMatchObject({ 'gpu-test': ['gpu-h100'], 'gpu-training': ['gpu-h100'], 'ml-training': ['gpu-h100-dra'], 'cloud-gpu-test': ['gpu-nodes'] });
  });
});
