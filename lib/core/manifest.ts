/** A Kubernetes object as it is written to dist/: plain JSON, already resolved. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** One output file of a site: its path inside dist/<site>/ and the objects it holds, in order. */
export interface RenderedFile {
  /** Path relative to dist/<site>/, e.g. `00-namespaces.yaml`. */
  readonly path: string;
  /** The chart that produced the file. */
  readonly chart: string;
  readonly objects: readonly Manifest[];
}

/** Human-readable object reference used in messages: `Kind namespace/name` or `Kind name`. */
export function describeObject(obj: Pick<Manifest, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind} ${ns}/${obj.metadata.name}` : `${obj.kind} ${obj.metadata.name}`;
}

/**
 * What identifies an object in a cluster: API group (not version: a v1beta1 and a v1 object of one kind
 * and name are the same object), kind, namespace and name.
 */
export function objectIdentity(obj: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${apiGroup(obj.apiVersion)}\0${obj.kind}\0${obj.metadata.namespace ?? ''}\0${obj.metadata.name}`;
}

/** The API group of an apiVersion: `apps` of `apps/v1`, `''` for the core group (`v1`). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  // no slash (-1): the core group, ''
  return apiVersion.slice(0, Math.max(slash, 0));
}
