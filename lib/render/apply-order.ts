import type { Manifest } from '../core/manifest';

/**
 * The order a first install creates objects in, by kind, so that nothing a controller or an admission
 * plugin needs arrives after the workload that needs it:
 * - the RuntimeClass admission plugin refuses a pod whose RuntimeClass does not exist (`FailedCreate` on a
 *   DaemonSet: RuntimeClass "nvidia" not found);
 * - the resource-claim controller cannot create a pod's ResourceClaim from a missing template
 *   (`FailedResourceClaimCreation`), and the scheduler cannot allocate a claim without its DeviceClass;
 * - the scheduler does not place a pod whose PersistentVolumeClaim is not bound (`FailedScheduling`).
 *
 * kustomize's own default ("legacy") order sorts by kind too, but knows none of RuntimeClass, DeviceClass or
 * ResourceClaimTemplate and sorts them alphabetically after DaemonSet and Job. kustomization.yaml therefore
 * sets `sortOptions` to the lists below: kustomize's default `orderFirst` (sigs.k8s.io/kustomize/kyaml
 * resid/gvk.go) with the kinds pods need inserted before the workload kinds (and PersistentVolume moved
 * up, see there), and the workload kinds moved to `orderLast`, ahead of the webhook configurations
 * kustomize keeps last. Kinds in neither list (custom resources, ValidatingAdmissionPolicy, …) come in
 * between, sorted by group, version and kind.
 */
export const APPLY_FIRST: readonly string[] = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  // Long before its claim: the PersistentVolume controller binds a claim that names its volume only if the
  // volume is already in its cache when the claim arrives; otherwise it retries at its next resync (15 s),
  // and a pod created meanwhile gets FailedScheduling (unbound PersistentVolumeClaim).
  'PersistentVolume',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  // what pods need at admission, claim creation or scheduling
  'RuntimeClass',
  'DeviceClass',
  'ResourceClaimTemplate',
  'ResourceClaim',
  'PersistentVolumeClaim',
  'PodDisruptionBudget',
];

/** The kinds that create pods, then the webhook configurations (their servers must run first). */
export const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod'];
export const APPLY_LAST: readonly string[] = [...WORKLOAD_KINDS, 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** kustomization.yaml `sortOptions`: understood by kustomize v5.0+ (kubectl 1.27+), which every supported kubectl embeds. */
export function kustomizeSortOptions(): Record<string, unknown> {
  return { order: 'legacy', legacySortOptions: { orderFirst: [...APPLY_FIRST], orderLast: [...APPLY_LAST] } };
}

/** The kinds that must exist before any workload is created: what the first tier adds to kustomize's defaults. */
export const PREREQUISITE_KINDS: readonly string[] = ['RuntimeClass', 'DeviceClass', 'ResourceClaimTemplate', 'ResourceClaim', 'PersistentVolume', 'PersistentVolumeClaim'];

/**
 * Argo CD sync wave of an object on a gitops site. Argo CD applies a wave, waits until its objects are healthy
 * (a PersistentVolumeClaim: Bound), then starts the next. Within a wave it orders by its own kind list, which
 * puts kinds it does not know (RuntimeClass, DeviceClass, ResourceClaimTemplate) after DaemonSets and Jobs; so
 * every kind of {@link APPLY_FIRST} goes into wave -1 and everything else into wave 0. Two waves, not one
 * per tier: a degraded ExternalSecret in a middle wave would hold back every workload, the registry CA
 * DaemonSet (which Harbor pulls depend on) included.
 */
export function syncWave(kind: string): string {
  return APPLY_FIRST.includes(kind) ? PREREQUISITE_WAVE : WORKLOAD_WAVE;
}

export const PREREQUISITE_WAVE = '-1';
export const WORKLOAD_WAVE = '0';

/** `Kind namespace/name`, for messages. */
function describeObject(o: Pick<Manifest, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * What is wrong with an apply order (objects as `kubectl kustomize` lists them): every workload that comes
 * before a RuntimeClass, DeviceClass, ResourceClaimTemplate, PersistentVolume or PersistentVolumeClaim of the
 * same output. Empty when every such prerequisite is created before the first workload.
 */
export function applyOrderProblems(objects: readonly Pick<Manifest, 'kind' | 'metadata'>[]): string[] {
  // the objects before the last prerequisite (none when there is no prerequisite, or it comes first)
  const beforeLastPrerequisite = objects.reduce((end, o, i) => (PREREQUISITE_KINDS.includes(o.kind) ? i : end), 0);
  const problems: string[] = [];
  objects.slice(0, beforeLastPrerequisite).forEach((o, i) => {
    if (WORKLOAD_KINDS.includes(o.kind)) {
      const later = objects.slice(i + 1).filter((p) => PREREQUISITE_KINDS.includes(p.kind));
      problems.push(`${describeObject(o)} (position ${i + 1}) is created before ${later.map(describeObject).join(', ')}`);
    }
  });
  return problems;
}
