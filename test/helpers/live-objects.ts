import { GENERATOR_NAME } from '../../lib/core/labels';
import type { Manifest, RenderedFile } from '../../lib/core/manifest';
import { HELM_MANAGED_BY, HELM_RELEASE_NAME, HELM_RELEASE_NAMESPACE, type LiveObject } from '../../lib/output/migrate';

/*
 * Small hand-made objects as `kubectl get -o json` returns them, and rendered files of ours, for the unit
 * tests of lib/output/migrate.ts (test/migrate-units.test.ts, test/migrate-edges.test.ts).
 */

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const COMPONENT = 'app.kubernetes.io/component';

export type Taint = { key: string; value?: string; effect: string };

export function node(name: string, labels?: Record<string, string>, taints?: Taint[]): LiveObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(labels ? { labels } : {}) }, ...(taints ? { spec: { taints } } : {}) };
}

export const helmAnnotations = (release: string, ns: string) => ({ [HELM_RELEASE_NAME]: release, [HELM_RELEASE_NAMESPACE]: ns });

export interface WorkloadOptions {
  readonly image?: string;
  /** Helm release name; its namespace is the workload's. */
  readonly release?: string;
  readonly labels?: Record<string, string>;
  readonly selector?: Record<string, string>;
  readonly templateLabels?: Record<string, string>;
  /** Merged into the pod spec (after the default container). */
  readonly pod?: Record<string, unknown>;
}

export function workload(kind: 'DaemonSet' | 'Deployment', ns: string, name: string, o: WorkloadOptions = {}): LiveObject {
  const selector = o.selector ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: {
      name,
      namespace: ns,
      ...(o.labels || o.release ? { labels: { ...(o.release ? { [MANAGED_BY]: HELM_MANAGED_BY } : {}), ...o.labels } } : {}),
      ...(o.release ? { annotations: helmAnnotations(o.release, ns) } : {}),
    },
    spec: {
      selector: { matchLabels: selector },
      template: { metadata: { labels: o.templateLabels ?? selector }, spec: { containers: [{ name: 'main', image: o.image ?? 'example.com/other:1' }], ...o.pod } },
    },
  };
}

/** Any object, optionally in a Helm release. */
export function obj(apiVersion: string, kind: string, name: string, ns?: string, release?: [string, string], extra: Record<string, unknown> = {}): LiveObject {
  return {
    apiVersion,
    kind,
    metadata: { name, ...(ns ? { namespace: ns } : {}), ...(release ? { labels: { [MANAGED_BY]: HELM_MANAGED_BY }, annotations: helmAnnotations(...release) } : {}) },
    ...extra,
  };
}

/** One of ours: the labels our charts set. */
export function ours<T extends Manifest>(component: string | undefined, o: T): T {
  return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [MANAGED_BY]: GENERATOR_NAME, ...(component ? { [COMPONENT]: component } : {}) } } };
}

export const file = (path: string, objects: Manifest[]): RenderedFile => ({ path, chart: 'test', objects });

export const GPU_TAINT: Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
export const TOLERATE_GPU = [{ key: 'nvidia.com/gpu', operator: 'Exists' }];
