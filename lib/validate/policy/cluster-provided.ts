/**
 * Objects an EKS cluster has before we apply anything. The `reference-exists` and `selector-match`
 * checks accept references to these as if they were in the site's output. Each entry says who creates
 * the object; add one only when that is true on every EKS (hybrid nodes) cluster we target.
 */

/** Kinds whose references the `reference-exists` check follows. */
export type ReferencedKind =
  | 'ConfigMap'
  | 'Secret'
  | 'ServiceAccount'
  | 'PersistentVolumeClaim'
  | 'PriorityClass'
  | 'RuntimeClass'
  | 'DeviceClass'
  | 'ResourceClaim'
  | 'ResourceClaimTemplate'
  | 'Role'
  | 'ClusterRole';

export interface ClusterProvidedObject {
  readonly kind: ReferencedKind;
  /** `*` = exists in every namespace; omitted for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

export const CLUSTER_PROVIDED_OBJECTS: readonly ClusterProvidedObject[] = [
  { kind: 'PriorityClass', name: 'system-node-critical', reason: 'built into kube-apiserver' },
  { kind: 'PriorityClass', name: 'system-cluster-critical', reason: 'built into kube-apiserver' },
  { kind: 'ServiceAccount', namespace: '*', name: 'default', reason: 'created in every namespace by the ServiceAccount controller' },
  { kind: 'ConfigMap', namespace: '*', name: 'kube-root-ca.crt', reason: "published in every namespace by kube-controller-manager's root CA publisher" },
  { kind: 'ConfigMap', namespace: 'kube-system', name: 'extension-apiserver-authentication', reason: 'written by kube-apiserver for aggregated API servers and webhooks' },
  { kind: 'ConfigMap', namespace: 'kube-system', name: 'coredns', reason: 'CoreDNS EKS add-on (its Corefile)' },
  { kind: 'ServiceAccount', namespace: 'kube-system', name: 'coredns', reason: 'CoreDNS EKS add-on' },
  { kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy', reason: 'kube-proxy EKS add-on' },
  { kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy-config', reason: 'kube-proxy EKS add-on' },
  { kind: 'ServiceAccount', namespace: 'kube-system', name: 'kube-proxy', reason: 'kube-proxy EKS add-on' },
  ...['cluster-admin', 'admin', 'edit', 'view'].map((name) => ({
    kind: 'ClusterRole' as const,
    name,
    reason: 'user-facing default ClusterRole, reconciled by kube-apiserver at startup',
  })),
];

/** ClusterRoles named `system:*` are the API server's bootstrap roles (system:auth-delegator, system:node…). */
const BOOTSTRAP_CLUSTER_ROLE = /^system:/;

/** Pods that run on the cluster without being in our output, which Services or monitors may select. */
export interface ClusterProvidedPods {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly reason: string;
}

export const CLUSTER_PROVIDED_PODS: readonly ClusterProvidedPods[] = [
  { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' }, reason: 'CoreDNS EKS add-on pods' },
  { namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy', 'eks.amazonaws.com/component': 'kube-proxy' }, reason: 'kube-proxy EKS add-on pods' },
];

export function isClusterProvided(kind: ReferencedKind, namespace: string | undefined, name: string): boolean {
  if (kind === 'ClusterRole' && BOOTSTRAP_CLUSTER_ROLE.test(name)) return true;
  return CLUSTER_PROVIDED_OBJECTS.some(
    (o) => o.kind === kind && o.name === name && (o.namespace === '*' || o.namespace === namespace),
  );
}
