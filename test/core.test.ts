// lib/core/: the small helpers every stage leans on, each at its edges (issue 21: a bound moved by one or a
// branch flipped here would change messages, identities or versions everywhere without a chart test noticing).
import { describe, expect, it } from 'vitest';
import pkg from '../package.json';
import { BoundedMap } from '../lib/core/bounded-map';
import { isRecord } from '../lib/core/json';
import { COMPONENT_LABEL, GENERATOR_NAME, GENERATOR_VERSION, standardLabels, VERSION_LABEL } from '../lib/core/labels';
import { apiGroup, describeObject, objectIdentity } from '../lib/core/manifest';
import {
  clusterAutoscalerTag,
  DRA_MIN_VERSION,
  draFacts,
  minimumContainerdMajor,
  minorOf,
  NVIDIA_DRA_DRIVER_MIN_VERSION,
  VALIDATING_ADMISSION_POLICY_MIN_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  supportsNvidiaDraDriver,
} from '../lib/core/versions';

describe('BoundedMap', () => {
  it('holds up to its limit, and the set past it starts again from empty', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect([...map]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(map.set('c', 3)).toBe(map);
    expect([...map]).toEqual([['c', 3]]);
  });
});

describe('isRecord', () => {
  it('is true for a mapping only', () => {
    expect([{}, { a: 1 }, [], null, undefined, 'x', 0, true].map(isRecord)).toEqual([true, true, false, false, false, false, false, false]);
  });
});

describe('labels', () => {
  it('every object carries the generator, the site, its component and its version', () => {
    expect(GENERATOR_NAME).toBe(pkg.name);
    expect(GENERATOR_VERSION).toBe(pkg.version);
    expect(standardLabels('lab-a', 'coredns', 'v1.12.1')).toEqual({
      'app.kubernetes.io/managed-by': 'eks-hybrid-charts',
      'app.kubernetes.io/part-of': 'lab-a',
      'app.kubernetes.io/component': 'coredns',
      'app.kubernetes.io/version': 'v1.12.1',
    });
    expect([COMPONENT_LABEL, VERSION_LABEL]).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/version']);
  });
});

describe('object references', () => {
  it('describeObject names the namespace when there is one', () => {
    expect(describeObject({ kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' } })).toBe('Deployment apps/web');
    expect(describeObject({ kind: 'Namespace', metadata: { name: 'apps' } })).toBe('Namespace apps');
  });

  it('apiGroup: the part before the slash, the empty core group without one', () => {
    expect(['v1', 'apps/v1', 'resource.k8s.io/v1beta1', 'a/b/c'].map(apiGroup)).toEqual(['', 'apps', 'resource.k8s.io', 'a']);
  });

  it('objectIdentity: group, kind, namespace and name; the API version does not count', () => {
    const id = (apiVersion: string, kind: string, name: string, namespace?: string) => objectIdentity({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
    expect(id('resource.k8s.io/v1beta1', 'DeviceClass', 'gpu')).toBe(id('resource.k8s.io/v1', 'DeviceClass', 'gpu'));
    expect(id('apps/v1', 'Deployment', 'web', 'a')).toBe('apps\0Deployment\0a\0web');
    expect(id('v1', 'Namespace', 'web')).toBe('\0Namespace\0\0web');
    const different = [id('apps/v1', 'Deployment', 'web', 'a'), id('apps/v1', 'Deployment', 'web', 'b'), id('apps/v1', 'DaemonSet', 'web', 'a'), id('batch/v1', 'Deployment', 'web', 'a'), id('apps/v1', 'Deployment', 'api', 'a')];
    expect(new Set(different).size).toBe(different.length);
  });
});

describe('the version matrix', () => {
  it('minorOf reads "1.<minor>" and nothing else', () => {
    expect(minorOf('1.33')).toBe(33);
    expect(minorOf('1.9')).toBe(9);
    for (const bad of ['1.33.1', 'v1.33', '2.30', '1.', '1.x', ' 1.33']) expect(() => minorOf(bad), bad).toThrow(`not a Kubernetes minor version: ${bad}`);
  });

  it('the NVIDIA DRA driver runs from 1.33 on EKS: 1.32 is its own floor, but EKS serves DRA from 1.33', () => {
    expect(NVIDIA_DRA_DRIVER_MIN_VERSION).toBe('1.32');
    expect(Object.fromEntries(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v, supportsNvidiaDraDriver(v)]))).toEqual({
      '1.30': false,
      '1.31': false,
      '1.32': false,
      '1.33': true,
      '1.34': true,
      '1.35': true,
      '1.36': true,
    });
    expect(DRA_MIN_VERSION).toBe('1.33');
  });

  it("the table: every minor EKS serves DRA on is at or above the driver's floor, and only the others explain why not", () => {
    const served = SUPPORTED_KUBERNETES_VERSIONS.filter((v) => draFacts(v).servedOnEks);
    expect(served.every((v) => minorOf(v) >= minorOf(NVIDIA_DRA_DRIVER_MIN_VERSION))).toBe(true);
    expect(SUPPORTED_KUBERNETES_VERSIONS.filter((v) => draFacts(v).note !== undefined)).toEqual(SUPPORTED_KUBERNETES_VERSIONS.filter((v) => !served.includes(v)));
    expect(SUPPORTED_KUBERNETES_VERSIONS.filter((v) => (draFacts(v).note ?? '').length > 20)).toEqual(['1.30', '1.31', '1.32']);
  });

  it('ValidatingAdmissionPolicy from 1.30: every supported minor, not 1.29', () => {
    // charts/nvidia-dra-driver.ts renders its ResourceSlice policy unconditionally for this reason
    expect(SUPPORTED_KUBERNETES_VERSIONS.filter((v) => minorOf(v) < minorOf(VALIDATING_ADMISSION_POLICY_MIN_VERSION))).toEqual([]);
    expect(VALIDATING_ADMISSION_POLICY_MIN_VERSION).toBe('1.30');
  });

  it('containerd 2 from Kubernetes 1.36 (1.35 is the last minor supporting containerd 1.x)', () => {
    expect(['1.30', '1.35', '1.36', '1.37'].map(minimumContainerdMajor)).toEqual([1, 1, 2, 2]);
  });

  it("cluster-autoscaler's minor is the cluster's minor, for every supported minor", () => {
    for (const version of SUPPORTED_KUBERNETES_VERSIONS) expect(clusterAutoscalerTag(version)).toMatch(new RegExp(`^v1\\.${minorOf(version)}\\.\\d+$`));
  });
});
