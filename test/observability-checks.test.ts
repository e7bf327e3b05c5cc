import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
// semantic first: it imports observability-checks, which imports it back (loaded the other way round, the
// check list would be read before it exists)
import { SEMANTIC_CHECKS } from '../lib/site/checks';
import { checkClusterAutoscaler, checkDcgmExporter, checkMonitoringLabels, OBSERVABILITY_CHECKS } from '../lib/site/observability-checks';

const KEY_NAME = 'label key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
const VALUE = 'label value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** Only the sections these checks read. */
function config(parts: Record<string, unknown>): SiteConfig {
  return {
    kubernetesVersion: '1.33',
    nodePools: [{ name: 'gpu', gpu: { mode: 'devicePlugin', perNode: 8 } }],
    monitoring: { operator: { labels: {} }, draPlugin: { enabled: true, podLabels: { 'app.kubernetes.io/name': 'nvidia-dra-driver-gpu' } } },
    dcgmExporter: { enabled: true },
    clusterAutoscaler: { enabled: true, iamRoleArn: 'arn:aws:iam::111122223333:role/ca' },
    ...parts,
  } as unknown as SiteConfig;
}

describe('observability checks are registered', () => {
  it('every one runs with the semantic checks', () => {
    expect(OBSERVABILITY_CHECKS).toEqual([checkMonitoringLabels, checkDcgmExporter, checkClusterAutoscaler]);
    for (const check of OBSERVABILITY_CHECKS) expect(SEMANTIC_CHECKS).toContain(check);
  });
});

describe('checkMonitoringLabels', () => {
  it('accepts valid labels and a non-empty DRA selector', () => {
    expect(checkMonitoringLabels(config({}))).toEqual([]);
  });

  it('names a bad operator label and a bad DRA pod label at their paths', () => {
    const problems = checkMonitoringLabels(
      config({ monitoring: { operator: { labels: { 'bad key': 'x' } }, draPlugin: { enabled: true, podLabels: { app: 'bad value' } } } }),
    );
    expect(problems).toEqual([
      { path: 'monitoring.operator.labels["bad key"]', message: KEY_NAME, value: 'bad key' },
      { path: 'monitoring.draPlugin.podLabels.app', message: VALUE, value: 'bad value' },
    ]);
  });

  it('refuses an empty DRA selector only while the DRA plugin is scraped', () => {
    const empty = (enabled: boolean) => config({ monitoring: { operator: { labels: {} }, draPlugin: { enabled, podLabels: {} } } });
    expect(checkMonitoringLabels(empty(true))).toEqual([
      { path: 'monitoring.draPlugin.podLabels', message: 'must name at least one label of the kubelet-plugin pods; an empty selector would scrape every pod of the namespace' },
    ]);
    expect(checkMonitoringLabels(empty(false))).toEqual([]);
  });
});

describe('checkDcgmExporter', () => {
  const cpuOnly = [{ name: 'cpu', gpu: { mode: 'none', perNode: 0 } }];
  it('refuses the exporter without a GPU pool, and only then', () => {
    expect(checkDcgmExporter(config({ nodePools: cpuOnly }))).toEqual([
      { path: 'dcgmExporter.enabled', message: 'no node pool has GPUs (nodePools[].gpu.mode is none everywhere), so the exporter would never run', value: true },
    ]);
    expect(checkDcgmExporter(config({ nodePools: [...cpuOnly, { name: 'dra', gpu: { mode: 'dra', perNode: 8 } }] }))).toEqual([]);
    expect(checkDcgmExporter(config({}))).toEqual([]);
    expect(checkDcgmExporter(config({ nodePools: cpuOnly, dcgmExporter: { enabled: false } }))).toEqual([]);
  });
});

describe('checkClusterAutoscaler', () => {
  const ca = (parts: Record<string, unknown>, kubernetesVersion = '1.33') =>
    checkClusterAutoscaler(config({ kubernetesVersion, clusterAutoscaler: { enabled: true, iamRoleArn: 'arn:aws:iam::111122223333:role/ca', ...parts } }));
  const wrongMinor = (minor: number, image: string) => ({
    path: 'clusterAutoscaler.image',
    message: `is a cluster-autoscaler for Kubernetes 1.${minor}, but kubernetesVersion is 1.33; its minor must match the cluster's (leave image out to get the matching release)`,
    value: image,
  });

  it('checks nothing while disabled', () => {
    expect(checkClusterAutoscaler(config({ clusterAutoscaler: { enabled: false, image: 'x/cluster-autoscaler:v1.20.0' } }))).toEqual([]);
  });

  it('needs the IRSA role', () => {
    expect(ca({ iamRoleArn: undefined })).toEqual([
      { path: 'clusterAutoscaler.iamRoleArn', message: 'is required when the cluster-autoscaler is enabled: the IAM role (IRSA) that may describe and resize the Auto Scaling groups' },
    ]);
    expect(ca({})).toEqual([]);
  });

  it.each([
    'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0',
    'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.2@sha256:' + 'a'.repeat(64),
    'harbor.example.com/mirror/cluster-autoscaler:1.33',
    'harbor.example.com/mirror/cluster-autoscaler:v1.33.1-eks',
    'harbor.example.com/mirror/cluster-autoscaler:latest',
    'harbor.example.com/mirror/cluster-autoscaler@sha256:' + 'b'.repeat(64),
  ])('accepts an image of the cluster minor, or one whose tag names no minor: %s', (image) => {
    expect(ca({ image })).toEqual([]);
  });

  it.each([
    ['registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0', 32],
    ['registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.0@sha256:' + 'a'.repeat(64), 34],
    ['harbor.example.com/mirror/cluster-autoscaler:1.3', 3],
    ['harbor.example.com/mirror/cluster-autoscaler:v1.330.0-eks', 330],
    ['registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.10', 32],
  ] as [string, number][])('refuses an image of another minor: %s', (image, minor) => {
    expect(ca({ image })).toEqual([wrongMinor(minor, image)]);
  });

  it('reports a missing role and a wrong minor together', () => {
    expect(ca({ iamRoleArn: undefined, image: 'x/cluster-autoscaler:v1.31.0' }).map((p) => p.path)).toEqual(['clusterAutoscaler.iamRoleArn', 'clusterAutoscaler.image']);
  });
});
