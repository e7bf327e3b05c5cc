/**
 * What exists in a site's output (plus what the cluster provides): the lookups the reference and
 * selector checks need, built once per validation run.
 */
import { apiGroup, type Manifest, type RenderedFile } from '../../core/manifest';
import { CLUSTER_PROVIDED_PODS, type ReferencedKind, isClusterProvided } from './cluster-provided';
import { get, podSpecOf } from './pods';

/** Pods that will exist in a namespace: from our workloads' templates or from the cluster. */
export interface PodLabels {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

export class OutputIndex {
  private readonly names = new Set<string>();
  /** Labels of the pods our workloads and the cluster's add-ons run, per namespace. */
  readonly pods: PodLabels[] = CLUSTER_PROVIDED_PODS.map((p) => ({ namespace: p.namespace, labels: p.labels }));
  /** Labels of our Services, per namespace (what ServiceMonitors select). */
  readonly services: { readonly namespace: string; readonly labels: Record<string, string> }[] = [];

  constructor(files: readonly RenderedFile[]) {
    for (const file of files) for (const object of file.objects) this.add(object);
  }

  /** Whether an object of this kind exists in the output or on every cluster. */
  has(kind: ReferencedKind, namespace: string | undefined, name: string): boolean {
    return this.names.has(key(kind, namespace, name)) || this.names.has(key(kind, '*', name)) || isClusterProvided(kind, namespace, name);
  }

  private add(object: Manifest): void {
    const ns = object.metadata.namespace;
    // every object, though only the kinds references name are looked up
    this.names.add(key(object.kind, ns, object.metadata.name));
    const site = podSpecOf(object);
    // a PodTemplate only stores a template: no controller runs pods from it
    if (site && object.kind !== 'PodTemplate') this.pods.push({ namespace: ns ?? '', labels: site.labels });
    if (object.kind === 'Service' && object.apiVersion === 'v1') this.services.push({ namespace: ns ?? '', labels: object.metadata.labels ?? {} });
    for (const secret of producedSecrets(object)) this.names.add(key('Secret', secret.namespace, secret.name));
  }
}

function key(kind: string, namespace: string | undefined, name: string): string {
  // a cluster-scoped object (no namespace) stays apart from one in a namespace named "undefined" or ""
  return JSON.stringify([kind, namespace, name]);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Secrets that controllers create from objects in the output: ExternalSecret `spec.target.name`
 * (default: its own name; none when `creationPolicy` is `None`/`Merge`), ClusterExternalSecret (in its
 * `namespaces`, or anywhere when it selects namespaces by label), SealedSecret
 * `spec.template.metadata.name` (default: its own name).
 */
export function producedSecrets(object: Manifest): { namespace: string | undefined; name: string }[] {
  const group = apiGroup(object.apiVersion);
  const own = object.metadata.name;
  if (group === 'external-secrets.io' && object.kind === 'ExternalSecret') {
    const policy = get(object, ['spec', 'target', 'creationPolicy']);
    if (policy === 'None' || policy === 'Merge') return [];
    return [{ namespace: object.metadata.namespace, name: str(get(object, ['spec', 'target', 'name'])) ?? own }];
  }
  if (group === 'external-secrets.io' && object.kind === 'ClusterExternalSecret') {
    const esName = str(get(object, ['spec', 'externalSecretName'])) ?? own;
    const name = str(get(object, ['spec', 'externalSecretSpec', 'target', 'name'])) ?? esName;
    const listed = get(object, ['spec', 'namespaces']);
    const namespaces = Array.isArray(listed) && listed.length > 0 ? (listed as string[]) : ['*'];
    return namespaces.map((namespace) => ({ namespace, name }));
  }
  if (group === 'bitnami.com' && object.kind === 'SealedSecret') {
    return [
      {
        namespace: str(get(object, ['spec', 'template', 'metadata', 'namespace'])) ?? object.metadata.namespace,
        name: str(get(object, ['spec', 'template', 'metadata', 'name'])) ?? own,
      },
    ];
  }
  return [];
}
