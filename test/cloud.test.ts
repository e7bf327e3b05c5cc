// lib/model/cloud.ts: what the eksctl ClusterConfig, cluster-autoscaler and the GPU agents derive from the
// site's cloud managed node groups. Named after the module so the mutation run tries it first.
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import {
  autoscalerDiscoveryFlag,
  autoscalerDiscoveryTags,
  autoscalerNodeTemplateTags,
  cloudGpuNodeGroups,
  cloudNodeGroupTags,
  cloudNodeLabels,
  isNvidiaInstanceType,
  NODEGROUP_LABEL,
  type CloudNodeGroup,
} from '../lib/model/cloud';

const group = (name: string, instanceType: string, extra: Partial<CloudNodeGroup> = {}): CloudNodeGroup =>
  ({ name, instanceType, desiredCapacity: 1, minSize: 0, maxSize: 2, labels: {}, taints: [], ...extra }) as CloudNodeGroup;

const site = (groups: CloudNodeGroup[]): SiteConfig => ({ cluster: { name: 'lab-a' }, cloudNodeGroups: groups }) as unknown as SiteConfig;

describe('cluster-autoscaler discovery', () => {
  it('tags every group as enabled and owned by this cluster, and the flag asks for exactly those tags', () => {
    expect(autoscalerDiscoveryTags(site([]))).toEqual({ 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/lab-a': 'owned' });
    expect(autoscalerDiscoveryFlag(site([]))).toBe('asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/lab-a');
  });

  it('node-template tags carry every label and taint (value:effect, an empty value for a taint without one)', () => {
    const gpu = group('gpu', 'g5.xlarge', {
      labels: { 'node-type': 'gpu', 'nvidia.com/gpu.present': 'true' },
      taints: [
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
        { key: 'dedicated', effect: 'NoExecute' },
      ] as CloudNodeGroup['taints'],
    });
    expect(autoscalerNodeTemplateTags(gpu)).toEqual({
      'k8s.io/cluster-autoscaler/node-template/label/node-type': 'gpu',
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present': 'true',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'present:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/taint/dedicated': ':NoExecute',
    });
    expect(Object.keys(cloudNodeGroupTags(site([gpu]), gpu))).toEqual([
      'k8s.io/cluster-autoscaler/enabled',
      'k8s.io/cluster-autoscaler/lab-a',
      'k8s.io/cluster-autoscaler/node-template/label/node-type',
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu',
      'k8s.io/cluster-autoscaler/node-template/taint/dedicated',
    ]);
  });
});

describe('NVIDIA instance types', () => {
  it('every EC2 family with NVIDIA GPUs, by one instance type each', () => {
    const nvidia = [
      'p2.xlarge', 'p3.2xlarge', 'p3dn.24xlarge', 'p4d.24xlarge', 'p4de.24xlarge', 'p5.48xlarge', 'p5e.48xlarge', 'p5en.48xlarge',
      'p6-b200.48xlarge', 'p6-b300.48xlarge', 'p6e-gb200.36xlarge',
      'g3.4xlarge', 'g3s.xlarge', 'g4dn.xlarge', 'g5.xlarge', 'g5g.xlarge', 'g6.xlarge', 'g6e.xlarge', 'g6f.large', 'gr6.4xlarge', 'gr6f.4xlarge', 'g7e.2xlarge',
    ];
    expect(nvidia.filter((t) => !isNvidiaInstanceType(t))).toEqual([]);
  });

  it('not AMD, Inferentia, Trainium, Gaudi, FPGA or CPU families, and the family must match exactly', () => {
    const other = ['g4ad.xlarge', 'inf2.xlarge', 'trn1.2xlarge', 'dl1.24xlarge', 'f1.2xlarge', 'm5.xlarge', 'c7g.large', 'p4.24xlarge', 'g5x.xlarge', 'xg5.xlarge', 'g5', ''];
    expect(other.filter((t) => isNvidiaInstanceType(t))).toEqual(['g5']);
  });

  it('the GPU groups are the NVIDIA ones, in config order', () => {
    const groups = [group('g6', 'g6.xlarge'), group('cpu', 'm5.xlarge'), group('amd', 'g4ad.xlarge'), group('g5', 'g5.2xlarge')];
    expect(cloudGpuNodeGroups(site(groups)).map((g) => g.name)).toEqual(['g6', 'g5']);
  });
});

describe('cloudNodeLabels', () => {
  it("a group's own labels plus EKS's node-group label, which a label of the same key cannot override", () => {
    expect(cloudNodeLabels(group('gpu-nodes', 'g5.xlarge', { labels: { 'node-type': 'gpu', [NODEGROUP_LABEL]: 'other' } }))).toEqual({
      'node-type': 'gpu',
      'eks.amazonaws.com/nodegroup': 'gpu-nodes',
    });
  });
});
