// lib/validate/policy/pods.ts: where each workload kind keeps its pod spec, tolerations as the scheduler
// matches them, and GPU use (named after the module so the mutation run tries it first).
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import { containersOf, get, podSpecOf, tolerates, usesGpu, type PodSpecView } from '../lib/validate/policy/pods';

const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] } };
const workload = (kind: string, spec: Record<string, unknown>, apiVersion = 'apps/v1'): Manifest => ({ apiVersion, kind, metadata: { name: 'w', namespace: 'ml' }, spec });

describe('podSpecOf', () => {
  it("finds the pod template of every built-in workload kind, with the template's labels", () => {
    const cases: [Manifest, string][] = [
      [workload('Deployment', { template }), 'spec.template.spec'],
      [workload('DaemonSet', { template }), 'spec.template.spec'],
      [workload('StatefulSet', { template }), 'spec.template.spec'],
      [workload('ReplicaSet', { template }), 'spec.template.spec'],
      [workload('ReplicationController', { template }, 'v1'), 'spec.template.spec'],
      [workload('Job', { template }, 'batch/v1'), 'spec.template.spec'],
      [workload('CronJob', { jobTemplate: { spec: { template } } }, 'batch/v1'), 'spec.jobTemplate.spec.template.spec'],
      [{ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't', namespace: 'ml' }, template }, 'template.spec'],
    ];
    for (const [object, path] of cases) {
      const site = podSpecOf(object);
      expect(site?.path.join('.'), object.kind).toBe(path);
      expect(site?.labels, object.kind).toEqual({ app: 'x' });
      expect(site?.spec.containers, object.kind).toEqual([{ name: 'c' }]);
    }
  });

  it("a Pod's own spec and labels (none: {})", () => {
    const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml', labels: { app: 'p' } }, spec: { containers: [] } };
    expect(podSpecOf(pod)).toEqual({ spec: { containers: [] }, path: ['spec'], labels: { app: 'p' } });
    expect(podSpecOf({ ...pod, metadata: { name: 'p', namespace: 'ml' } })?.labels).toEqual({});
    expect(podSpecOf({ ...pod, spec: undefined })).toBeUndefined();
  });

  it('none for custom resources of the same kind names, other kinds, or a template without a spec; labels default to {}', () => {
    expect(podSpecOf(workload('Deployment', { template }, 'example.com/v1'))).toBeUndefined();
    expect(podSpecOf({ apiVersion: 'example.com/v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} })).toBeUndefined();
    expect(podSpecOf(workload('Service', { template }, 'v1'))).toBeUndefined();
    expect(podSpecOf(workload('Deployment', { template: { metadata: {} } }))).toBeUndefined();
    expect(podSpecOf(workload('Deployment', {}))).toBeUndefined();
    expect(podSpecOf(workload('Deployment', { template: { spec: {} } }))?.labels).toEqual({});
  });
});

describe('get', () => {
  it('follows a path through objects and arrays; undefined where it leaves them', () => {
    const root = { a: { b: [{ c: 1 }] }, n: null, s: 'text' };
    expect(get(root, ['a', 'b', 0, 'c'])).toBe(1);
    expect(get(root, ['a', 'x', 'c'])).toBeUndefined();
    expect(get(root, ['n', 'c'])).toBeUndefined();
    expect(get(root, ['s', 'length'])).toBeUndefined();
    expect(get(root, [])).toBe(root);
  });
});

describe('tolerates', () => {
  const taint = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };
  it('Equal (the default): key and value, an absent value counting as ""', () => {
    expect(tolerates([{ key: 'nvidia.com/gpu', value: 'true' }], taint)).toBe(true);
    expect(tolerates([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'false' }], taint)).toBe(false);
    expect(tolerates([{ key: 'other', value: 'true' }], taint)).toBe(false);
    expect(tolerates([{ key: 'dedicated' }], { key: 'dedicated', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates([{ key: 'dedicated', value: '' }], { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' })).toBe(false);
  });

  it('Exists: the key whatever the value; without a key every taint', () => {
    expect(tolerates([{ key: 'nvidia.com/gpu', operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: 'other', operator: 'Exists' }], taint)).toBe(false);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
  });

  it('an effect, when given, must be the taint\'s; none tolerates nothing', () => {
    expect(tolerates([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], taint)).toBe(true);
    expect(tolerates([], taint)).toBe(false);
  });
});

describe('containersOf and usesGpu', () => {
  const site = (spec: PodSpecView) => ({ spec, path: ['spec'], labels: {} });
  it('init containers first, then containers, with their paths and labels (the index when unnamed)', () => {
    expect(containersOf(site({ initContainers: [{ name: 'init' }], containers: [{ name: 'main' }, {}] })).map((c) => [c.path.join('.'), c.label])).toEqual([
      ['spec.initContainers.0', 'init container "init"'],
      ['spec.containers.0', 'container "main"'],
      ['spec.containers.1', 'container "1"'],
    ]);
  });

  it('a GPU in requests or limits of any container, or any DRA claim', () => {
    expect(usesGpu(site({ containers: [{ name: 'a' }, { name: 'b', resources: { limits: { 'nvidia.com/gpu': 1 } } }] }))).toBe(true);
    expect(usesGpu(site({ containers: [{ name: 'a', resources: { requests: { 'nvidia.com/gpu': 1 } } }, { name: 'b' }] }))).toBe(true);
    expect(usesGpu(site({ resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 't' }], containers: [{ name: 'a' }] }))).toBe(true);
    expect(usesGpu(site({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }))).toBe(false);
    expect(usesGpu(site({}))).toBe(false);
  });
});
