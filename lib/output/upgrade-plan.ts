import { parseAllDocuments } from 'yaml';
import { reapplyCommands } from '../artifacts/applyset';
import type { NodePool } from '../config/schema';
import { diffObjects, diffValues, type FieldChange } from './diff';
import { isRecord } from '../core/json';
import { apiGroup, describeObject, type Manifest } from '../core/manifest';
import { nodeConfigPath } from '../artifacts/nodeadm';
import { NEVER_PRUNED_DIR } from '../render/render';
import type { SiteBuild } from '../pipeline/pipeline';
import { SchemaSet } from '../validate/schema';
import { minorOf } from '../core/versions';

/**
 * What moving a site from one Kubernetes minor to the next does to its output: both renders are matched
 * object by object (lib/output/diff.ts), every change is sorted by why it happens, changes the API server
 * refuses on an existing object (immutable fields) become a delete-and-re-create, and the steps come in
 * the order an EKS upgrade allows.
 */

export type ChangeReason = 'api-version' | 'field-shape' | 'image' | 'label-pin' | 'other' | 'nodeconfig';

/** Reasons in the order the plan prints them, with their headings. */
export const CHANGE_REASONS: readonly { readonly reason: ChangeReason; readonly title: string }[] = [
  { reason: 'api-version', title: 'API version move' },
  { reason: 'field-shape', title: 'field shape change' },
  { reason: 'image', title: 'image bump' },
  { reason: 'label-pin', title: 'label/pin change' },
  { reason: 'other', title: 'other field change' },
  { reason: 'nodeconfig', title: 'NodeConfig change' },
];

export interface PlannedChange {
  readonly reason: ChangeReason;
  /** `Kind namespace/name`, or the NodeConfig file for `nodeconfig`. */
  readonly object: string;
  readonly file: string;
  readonly changes: readonly FieldChange[];
  readonly note?: string;
}

export interface Recreate {
  readonly object: string;
  readonly file: string;
  /** `kind.group` as kubectl names it, the namespace and the name. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name: string;
  /** Immutable fields whose value changes. */
  readonly fields: readonly string[];
  readonly why: string;
}

export interface UpgradePlan {
  readonly site: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly changes: readonly PlannedChange[];
  readonly added: readonly { readonly object: string; readonly file: string }[];
  readonly removed: readonly (Omit<Recreate, 'fields' | 'why'>)[];
  readonly recreate: readonly Recreate[];
  /** Objects of the current output in API versions the new minor does not serve (by default): `Kind ns/name (apiVersion)`. */
  readonly unservedAfter: readonly string[];
  /** Objects of the new output in API versions the current minor does not serve. */
  readonly unservedBefore: readonly string[];
  readonly pools: readonly { readonly name: string; readonly count: number; readonly nodeConfig: string }[];
  readonly steps: readonly string[];
}

/**
 * Fields the API server refuses to change on an existing object ("field is immutable", "updates to
 * statefulset spec … are forbidden"). A path pattern matches the field paths of lib/output/diff.ts.
 */
interface ImmutableRule {
  readonly group: string;
  readonly kinds: readonly string[];
  readonly fields: RegExp;
  readonly why: string;
}

/** `spec.` followed by anything but the listed fields. */
function specExcept(...mutable: string[]): RegExp {
  return new RegExp(`^spec\\.(?!(${mutable.join('|')})(\\.|\\[|$))`);
}

export const IMMUTABLE_FIELDS: readonly ImmutableRule[] = [
  { group: 'apps', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'], fields: /^spec\.selector(\.|\[|$)/, why: 'spec.selector is immutable in apps/v1' },
  {
    group: 'apps',
    kinds: ['StatefulSet'],
    fields: specExcept('replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'),
    why: 'a StatefulSet allows updates to replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds only',
  },
  { group: 'batch', kinds: ['Job'], fields: /^spec\.(selector|template)(\.|\[|$)/, why: "a Job's selector and pod template are immutable" },
  {
    group: '',
    kinds: ['Pod'],
    // diff.ts writes a container as `containers[name=app]` (by position, `[0]`, only where names repeat)
    fields: specExcept('(initContainers|containers|ephemeralContainers)\\[(\\d+|name=[^\\]]+)\\]\\.image', 'activeDeadlineSeconds', 'tolerations'),
    why: "a Pod's spec is immutable apart from container images, activeDeadlineSeconds and added tolerations",
  },
  {
    group: '',
    kinds: ['PersistentVolume'],
    fields: specExcept('capacity', 'accessModes', 'claimRef', 'mountOptions', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeAttributesClassName'),
    why: "a PersistentVolume's volume source, volumeMode and nodeAffinity are immutable after creation",
  },
  {
    group: '',
    kinds: ['PersistentVolumeClaim'],
    fields: specExcept('resources\\.requests', 'volumeAttributesClassName'),
    why: "a bound PersistentVolumeClaim's spec is immutable apart from resources.requests and volumeAttributesClassName",
  },
  { group: '', kinds: ['Service'], fields: /^spec\.clusterIPs?(\.|\[|$)/, why: "a Service's clusterIP is immutable" },
  { group: 'rbac.authorization.k8s.io', kinds: ['RoleBinding', 'ClusterRoleBinding'], fields: /^roleRef(\.|$)/, why: 'roleRef is immutable' },
  {
    group: 'storage.k8s.io',
    kinds: ['StorageClass'],
    fields: /^(provisioner|parameters|reclaimPolicy|volumeBindingMode)(\.|\[|$)/,
    why: "a StorageClass's provisioner, parameters, reclaimPolicy and volumeBindingMode are immutable",
  },
  { group: 'resource.k8s.io', kinds: ['ResourceClaimTemplate', 'ResourceClaim'], fields: /^spec(\.|$)/, why: 'the spec of a ResourceClaim(Template) is immutable' },
];

/** The immutable fields among `changes` of an object, with the rule's reason. */
export function immutableChanges(object: Pick<Manifest, 'apiVersion' | 'kind'>, changes: readonly FieldChange[]): { fields: string[]; why: string } | undefined {
  const group = apiGroup(object.apiVersion);
  const rule = IMMUTABLE_FIELDS.find((r) => r.group === group && r.kinds.includes(object.kind));
  if (!rule) return undefined;
  const fields = changes.map((c) => c.path).filter((p) => rule.fields.test(p));
  return fields.length > 0 ? { fields, why: rule.why } : undefined;
}

/** A `resource.k8s.io` device request in the v1 shape: v1alpha3/v1beta1 keep the device fields flat, v1 under `exactly`. */
function requestInV1Shape(request: unknown): unknown {
  if (!isRecord(request) || 'exactly' in request || 'firstAvailable' in request) return request;
  const { name, ...device } = request;
  return { name, exactly: device };
}

function withRequestsInV1Shape(spec: unknown): unknown {
  if (!isRecord(spec) || !isRecord(spec.devices) || !Array.isArray(spec.devices.requests)) return spec;
  return { ...spec, devices: { ...spec.devices, requests: spec.devices.requests.map(requestInV1Shape) } };
}

/**
 * The stored object as the API server serves it in `apiVersion` after the upgrade: the server converts
 * between versions of a group itself, so a shape change it makes is no change to the stored object.
 * Known shape changes: resource.k8s.io v1alpha3/v1beta1 → v1 (device requests move under `exactly`).
 */
export function asServedIn(object: Manifest, apiVersion: string): Manifest {
  const converted = { ...object, apiVersion };
  const flat = ['resource.k8s.io/v1alpha3', 'resource.k8s.io/v1beta1'].includes(object.apiVersion);
  if (!flat || apiVersion !== 'resource.k8s.io/v1') return converted;
  if (object.kind === 'ResourceClaim' && isRecord(object.spec)) return { ...converted, spec: withRequestsInV1Shape(object.spec) };
  if (object.kind === 'ResourceClaimTemplate' && isRecord(object.spec)) return { ...converted, spec: { ...object.spec, spec: withRequestsInV1Shape(object.spec.spec) } };
  return converted;
}

function reasonOf(change: FieldChange): ChangeReason {
  if (change.path === 'apiVersion') return 'api-version';
  if (/(^|\.)(labels|annotations)(\.|\[)/.test(change.path)) return 'label-pin';
  if (/(^|\.)image$/.test(change.path)) return 'image';
  return change.op === 'changed' ? 'other' : 'field-shape';
}

/** `deployment.apps`, `pod`: how kubectl names a kind. */
export function kubectlResource(object: Pick<Manifest, 'apiVersion' | 'kind'>): string {
  const group = apiGroup(object.apiVersion);
  return group ? `${object.kind.toLowerCase()}.${group}` : object.kind.toLowerCase();
}

function located(object: Manifest, file: string) {
  return {
    object: describeObject(object),
    file,
    resource: kubectlResource(object),
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    name: object.metadata.name,
  };
}

/** Objects whose API version `schemas` does not serve, or serves only with a runtime-config EKS does not set. */
function unserved(objects: readonly Manifest[], schemas: SchemaSet): string[] {
  return objects.flatMap((o) => {
    // apiVersion is a string, so a problem there is on the field itself
    const problem = schemas.validate(o).find((p) => p.path[0] === 'apiVersion');
    return problem ? [`${describeObject(o)} (${o.apiVersion})`] : [];
  });
}

function yamlValue(text: string): unknown {
  return Array.from(parseAllDocuments(text), (d) => d.toJS() as unknown);
}

function nodeConfigChanges(before: SiteBuild, after: SiteBuild): PlannedChange[] {
  const content = (b: SiteBuild, path: string) => b.output.find((f) => f.path === path)?.content;
  const paths = [...new Set([...before.site.config.nodePools, ...after.site.config.nodePools].map(nodeConfigPath))].sort();
  return paths.flatMap((path): PlannedChange[] => {
    const was = content(before, path);
    const now = content(after, path);
    if (was === now) return [];
    if (was === undefined || now === undefined) return [{ reason: 'nodeconfig', object: path, file: path, changes: [], note: was === undefined ? 'new pool' : 'pool removed' }];
    const changes = diffValues(yamlValue(was), yamlValue(now));
    return [{ reason: 'nodeconfig', object: path, file: path, changes, ...(changes.length === 0 ? { note: 'comment lines only' } : {}) }];
  });
}

function objectsOf(build: SiteBuild): Map<string, readonly Manifest[]> {
  return new Map(build.result.files.map((f) => [f.path, f.objects]));
}

/** The plan for moving `before` (rendered for the current minor) to `after` (the same site, next minor). */
export function planUpgrade(before: SiteBuild, after: SiteBuild): UpgradePlan {
  const from = before.site.config.kubernetesVersion;
  const to = after.site.config.kubernetesVersion;
  const changes: PlannedChange[] = [];
  const recreate: Recreate[] = [];
  const added: { object: string; file: string }[] = [];
  const removed: Omit<Recreate, 'fields' | 'why'>[] = [];
  const oldObjects = new Map(before.result.files.flatMap((f) => f.objects.map((o) => [`${f.path}\0${describeObject(o)}`, o] as const)));
  for (const d of diffObjects(objectsOf(before), objectsOf(after))) {
    if (d.op === 'added') {
      added.push({ object: d.object, file: d.file });
      continue;
    }
    if (d.op === 'removed') {
      // a removed object is one of the old render's, so the lookup always finds it
      removed.push(located(oldObjects.get(`${d.file}\0${d.object}`) as Manifest, d.file));
      continue;
    }
    // What the server compares: the stored object converted to the new version, against the new render.
    const served = diffValues(asServedIn(d.before, d.after.apiVersion), d.after);
    const byReason = new Map<ChangeReason, FieldChange[]>();
    const add = (reason: ChangeReason, c: FieldChange) => byReason.set(reason, [...(byReason.get(reason) ?? []), c]);
    for (const c of d.changes) if (['api-version', 'label-pin', 'image'].includes(reasonOf(c))) add(reasonOf(c), c);
    const structural = (c: FieldChange) => !['api-version', 'label-pin', 'image'].includes(reasonOf(c));
    const convertedAway = d.changes.some(structural) && !served.some(structural);
    if (convertedAway) {
      changes.push({
        reason: 'field-shape',
        object: d.object,
        file: d.file,
        changes: d.changes.filter(structural),
        note: `same content in the ${d.after.apiVersion} shape: the API server converts the stored object, nothing to re-create`,
      });
    } else for (const c of served.filter(structural)) add(reasonOf(c), c);
    for (const { reason } of CHANGE_REASONS) {
      const list = byReason.get(reason);
      if (list) changes.push({ reason, object: d.object, file: d.file, changes: list });
    }
    const immutable = immutableChanges(d.after, served);
    if (immutable) recreate.push({ ...located(d.after, d.file), ...immutable });
  }
  changes.push(...nodeConfigChanges(before, after));
  const order = (r: ChangeReason) => CHANGE_REASONS.findIndex((x) => x.reason === r);
  changes.sort((a, b) => order(a.reason) - order(b.reason));
  const allObjects = (b: SiteBuild) => b.result.files.flatMap((f) => f.objects);
  const plan = {
    site: after.site.config.name,
    file: after.site.source.file,
    from,
    to,
    changes,
    added,
    removed,
    recreate,
    unservedAfter: unserved(allObjects(before), new SchemaSet(to)),
    unservedBefore: unserved(allObjects(after), new SchemaSet(from)),
    pools: after.site.config.nodePools.map((p: NodePool) => ({ name: p.name, count: p.count, nodeConfig: nodeConfigPath(p) })),
  };
  return { ...plan, steps: upgradeSteps(plan, after) };
}

function kubectlArgs(o: { resource: string; namespace?: string; name: string }): string {
  return `${o.resource} ${o.name}${o.namespace === undefined ? '' : ` -n ${o.namespace}`}`;
}

/** The steps in the order EKS allows: control plane, then nodes (kubelet never newer than the API server), then the output. */
function upgradeSteps(plan: Omit<UpgradePlan, 'steps'>, after: SiteBuild): string[] {
  const { site, file, from, to } = plan;
  if (minorOf(to) <= minorOf(from)) return [];
  const dir = `dist/${site}/`;
  const cluster = after.site.config.cluster;
  const steps: string[] = [
    `Set kubernetesVersion: "${to}" in ${file}, run \`npm run synth\` and review \`${dir}\` (\`npm run diff\` before the synth shows the same changes); do not apply or merge it yet.`,
  ];
  if (plan.unservedAfter.length > 0) {
    steps.push(
      `Pause automatic sync of ${dir} (Argo CD / Flux) until the new output is applied: after the control plane upgrade the current output cannot be applied any more, since ${to} does not serve (by default) the API version of ${plan.unservedAfter.join(', ')}. The stored objects stay and are served in the new version.`,
    );
  }
  steps.push(
    `Upgrade the control plane to ${to}: \`eksctl upgrade cluster --name ${cluster.name} --region ${cluster.region} --version ${to} --approve\` (or \`aws eks update-cluster-version\`); wait until the cluster is ACTIVE, then update the EKS add-ons to versions for ${to}.`,
  );
  for (const pool of plan.pools) {
    steps.push(
      `Pool ${pool.name} (${pool.count} server(s)), one server at a time: \`kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\`; on the server \`nodeadm upgrade ${to} -c file://nodeconfig.yaml\` (${dir}${pool.nodeConfig} with the placeholders filled as at join); \`kubectl uncordon <node>\`.`,
    );
  }
  for (const r of plan.recreate) {
    steps.push(`Delete ${r.object} (${r.fields.join(', ')}: ${r.why}): \`kubectl delete ${kubectlArgs(r)}\`; the next step creates it again.`);
  }
  const why = plan.unservedBefore.length > 0 ? ` (not before the control plane: ${plan.unservedBefore.length} object(s) use API versions ${from} does not serve)` : '';
  // The parent type and parent exist since the first install: only the pruning apply (and never-pruned/) run again.
  const neverPruned = after.output.some((f) => f.path.startsWith(`${NEVER_PRUNED_DIR}/`));
  const apply = reapplyCommands(site, neverPruned);
  const prunes = plan.removed.length === 0 ? '' : `; the ApplySet prunes the ${plan.removed.length} object(s) no longer rendered (${plan.removed.map((r) => r.object).join(', ')})`;
  steps.push(`Apply the new output as in ${dir}README.md: ${apply.map((c) => `\`${c}\``).join(' then ')}${prunes}; or merge it and resume the sync${why}.`);
  return steps.map((s, i) => `${i + 1}. ${s}`);
}

/** Whether the upgrade changes anything the cluster or the nodes would see. */
export function planChangesNothing(plan: UpgradePlan): boolean {
  return plan.changes.length === 0 && plan.added.length === 0 && plan.removed.length === 0;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function changeLine(c: FieldChange): string {
  if (c.op === 'changed') return `${c.path}: ${show(c.before)} → ${show(c.after)}`;
  return c.op === 'added' ? `+ ${c.path}: ${show(c.after)}` : `- ${c.path}: ${show(c.before)}`;
}

/** The plan as review text. */
export function formatUpgradePlan(plan: UpgradePlan): string[] {
  const objects = new Set(plan.changes.filter((c) => c.reason !== 'nodeconfig').map((c) => c.object));
  const lines = [
    `${plan.site}: upgrade plan Kubernetes ${plan.from} → ${plan.to} (${plan.file})`,
    `  ${objects.size} object(s) change, ${plan.added.length} added, ${plan.removed.length} removed, ${plan.recreate.length} to delete and re-create, ${plan.changes.filter((c) => c.reason === 'nodeconfig').length} NodeConfig(s) change`,
  ];
  for (const { reason, title } of CHANGE_REASONS) {
    const group = plan.changes.filter((c) => c.reason === reason);
    if (group.length === 0) continue;
    lines.push('', `${title} (${group.length}):`);
    for (const c of group) {
      lines.push(`  ~ ${c.object}${reason === 'nodeconfig' ? '' : ` (${c.file})`}${c.note ? `: ${c.note}` : ''}`);
      lines.push(...c.changes.map((f) => `      ${changeLine(f)}`));
    }
  }
  if (plan.added.length > 0) lines.push('', `added (${plan.added.length}):`, ...plan.added.map((a) => `  + ${a.object} (${a.file})`));
  if (plan.removed.length > 0) lines.push('', `removed (${plan.removed.length}):`, ...plan.removed.map((r) => `  - ${r.object} (${r.file})`));
  lines.push('', `delete and re-create (immutable fields): ${plan.recreate.length === 0 ? 'none' : plan.recreate.length}`);
  for (const r of plan.recreate) lines.push(`  ! ${r.object} (${r.file}): ${r.fields.join(', ')} — ${r.why}`);
  lines.push('', 'steps:', ...plan.steps.map((s) => `  ${s}`));
  return lines;
}
