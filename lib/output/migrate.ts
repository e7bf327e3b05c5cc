import { GENERATOR_NAME } from '../core/labels';
import { apiGroup, describeObject, objectIdentity, type Manifest, type RenderedFile } from '../core/manifest';
import { formatSelector } from '../validate/policy/selectors';

/**
 * Migration off Helm (and off other installs such as eksctl's static device plugin): finds the objects of
 * a live cluster that do the job of one of our components without being ours, and plans, per component, an
 * order that never runs two copies where two copies hurt (two device plugins or two DRA kubelet plugins on
 * one node, two cluster-autoscalers) and keeps what removing a release would delete while claims still use it.
 * A release is removed object by object with kubectl, then its record: `helm uninstall` deletes every object of
 * the release's stored manifest, whatever annotations the live objects carry (helm/helm#8132), so it cannot be
 * told to leave an object it installed.
 * Pure: the cluster's objects come in as a list (lib/cli/commands/migrate.ts reads them with kubectl).
 */

/** Label and annotations Helm (v3 and v4) sets on every object of a release. */
export const HELM_MANAGED_BY = 'Helm';
export const HELM_RELEASE_NAME = 'meta.helm.sh/release-name';
export const HELM_RELEASE_NAMESPACE = 'meta.helm.sh/release-namespace';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const COMPONENT = 'app.kubernetes.io/component';

/** The field manager our apply commands use (the same as test:cluster and the README's Deliver section). */
export const FIELD_MANAGER = GENERATOR_NAME;

/** An object as `kubectl get -o json` returns it. */
export interface LiveObject extends Manifest {
  readonly metadata: Manifest['metadata'] & {
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string; readonly apiVersion?: string }[];
  };
}

export type ComponentId = 'nvidia-device-plugin' | 'nvidia-dra-driver' | 'cluster-autoscaler' | 'dcgm-exporter' | 'registry-credentials';

interface ComponentRule {
  readonly id: ComponentId;
  readonly title: string;
  /** Does this live object do the component's job? */
  readonly matches: (o: LiveObject) => boolean;
  /**
   * Why two copies must never run at once (on one node for DaemonSets, at all for Deployments), or
   * undefined when side by side is harmless for the few minutes of the switch.
   */
  readonly exclusive?: string;
}

/** The repository path of an image reference, without registry host, tag or digest: `nvidia/k8s-device-plugin`. */
export function imagePath(image: string): string {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const noTag = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const parts = noTag.split('/');
  // a first part with a dot or a port is a registry host (nvcr.io, harbor.example.com:8443)
  if (parts.length > 1 && /[.:]/.test(parts[0])) parts.shift();
  return parts.join('/');
}

function podSpecOf(o: LiveObject): Record<string, any> | undefined {
  return (o.spec as { template?: { spec?: Record<string, any> } } | undefined)?.template?.spec;
}

function images(o: LiveObject): string[] {
  const spec = podSpecOf(o);
  if (!spec) return [];
  // Stryker disable next-line ArrayDeclaration: equivalent, a string element has no image: it adds an empty image, which no rule matches and which is never the first
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c: { image?: string }) => c.image ?? '');
}

function runsImage(o: LiveObject, kinds: readonly string[], test: (path: string) => boolean): boolean {
  return apiGroup(o.apiVersion) === 'apps' && kinds.includes(o.kind) && images(o).some((i) => test(imagePath(i)));
}

// Stryker disable next-line StringLiteral: equivalent, split always returns at least one element, so pop never gives undefined
const lastSegment = (path: string) => path.split('/').pop() ?? '';

/** GPU feature discovery ships in the device plugin's image and chart but advertises nothing. */
function isFeatureDiscovery(o: LiveObject): boolean {
  const spec = podSpecOf(o);
  // Stryker disable next-line ArrayDeclaration,StringLiteral: equivalent, a string in place of an absent list (or name) never contains gpu-feature-discovery, and a string container has no command, args or name
  const words = (spec?.containers ?? []).flatMap((c: { command?: string[]; args?: string[]; name?: string }) => [...(c.command ?? []), ...(c.args ?? []), c.name ?? '']);
  return o.metadata.name.endsWith('gpu-feature-discovery') || words.some((w: string) => w.includes('gpu-feature-discovery'));
}

export const COMPONENT_RULES: readonly ComponentRule[] = [
  {
    id: 'nvidia-device-plugin',
    title: 'NVIDIA device plugin',
    matches: (o) =>
      (runsImage(o, ['DaemonSet'], (p) => lastSegment(p) === 'k8s-device-plugin') || (o.kind === 'DaemonSet' && o.metadata.name === 'nvidia-device-plugin-daemonset')) &&
      !isFeatureDiscovery(o),
    exclusive: 'two device plugins on one node register nvidia.com/gpu twice: the GPUs are advertised twice and pods are over-admitted',
  },
  {
    id: 'nvidia-dra-driver',
    title: 'NVIDIA DRA driver',
    matches: (o) => runsImage(o, ['DaemonSet', 'Deployment'], (p) => ['k8s-dra-driver-gpu', 'dra-driver-nvidia-gpu', 'k8s-dra-driver'].includes(lastSegment(p))),
    exclusive: 'two kubelet plugins of driver gpu.nvidia.com on one node share its plugin socket and publish its ResourceSlices twice',
  },
  {
    id: 'cluster-autoscaler',
    title: 'cluster-autoscaler',
    matches: (o) => runsImage(o, ['Deployment'], (p) => lastSegment(p) === 'cluster-autoscaler'),
    exclusive: 'two cluster-autoscalers scale the same node groups against each other',
  },
  {
    id: 'dcgm-exporter',
    title: 'DCGM exporter',
    matches: (o) => runsImage(o, ['DaemonSet'], (p) => lastSegment(p) === 'dcgm-exporter'),
  },
  {
    id: 'registry-credentials',
    title: 'pull secrets (External Secrets)',
    matches: (o) =>
      o.kind === 'Secret' &&
      (o as { type?: string }).type === 'kubernetes.io/dockerconfigjson' &&
      // Stryker disable next-line ArrayDeclaration: equivalent, a string owner reference has no kind
      ((o.metadata.ownerReferences ?? []).some((r) => r.kind === 'ExternalSecret') || Object.keys(o.metadata.labels ?? {}).some((k) => k.startsWith('reconcile.external-secrets.io/'))),
  },
];

/** Is this object ours (rendered and applied by this project)? Helm's label wins: a Helm-installed copy is not. */
export function isOurs(o: LiveObject): boolean {
  return o.metadata.labels?.[MANAGED_BY] === GENERATOR_NAME;
}

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
}

export function helmReleaseOf(o: LiveObject): HelmRelease | undefined {
  const name = o.metadata.annotations?.[HELM_RELEASE_NAME];
  const namespace = o.metadata.annotations?.[HELM_RELEASE_NAMESPACE];
  if (name && namespace) return { name, namespace };
  // the annotations came with Helm 3.2; older releases only have the label and their Secret
  return undefined;
}

const releaseKey = (r: HelmRelease) => `${r.namespace}/${r.name}`;

// ---------------------------------------------------------------------------------------------------------
// Which nodes a workload's pods may run on (nodeSelector, required node affinity, taints and tolerations)

interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}
interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}
interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

function requirementHolds(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      // Stryker disable next-line ArrayDeclaration: equivalent for valid objects: the API rejects In without values
      return has && (r.values ?? []).includes(v);
    case 'NotIn':
      // Stryker disable next-line ArrayDeclaration: equivalent for valid objects: the API rejects NotIn without values
      return !has || !(r.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(v) > Number(r.values?.[0]);
    case 'Lt':
      return has && Number(v) < Number(r.values?.[0]);
    // Stryker disable next-line ConditionalExpression: equivalent, without the default case the function returns undefined, as falsy as false (the API accepts no other operator)
    default:
      return false;
  }
}

interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

/**
 * As the scheduler reads a required term: every requirement of both lists holds; a term with none matches no
 * node. matchFields knows only metadata.name (In, NotIn), as the API server allows.
 */
function termHolds(term: NodeSelectorTerm, node: LiveObject): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length + fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return expressions.every((r) => requirementHolds(labels, r)) && fields.every((r) => r.key === 'metadata.name' && requirementHolds({ 'metadata.name': node.metadata.name }, r));
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/**
 * Taints Kubernetes sets from a node's state: its conditions (the API server gives every new node not-ready
 * until its kubelet reports Ready) and cordoning. They come and go, so none of them keeps a node out: a plan
 * made while a node is NotReady, under pressure or cordoned must hold once it is not, when the pods the taint
 * kept away arrive.
 */
const STATE_TAINTS: ReadonlySet<string> = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/network-unavailable',
  'node.kubernetes.io/unschedulable',
]);

/** Names of the nodes the workload's pods may be placed on, sorted. */
export function eligibleNodes(workload: { readonly kind: string; readonly [key: string]: unknown }, nodes: readonly LiveObject[]): string[] {
  const spec = podSpecOf(workload as unknown as LiveObject) ?? {};
  const selector: Record<string, string> = spec.nodeSelector ?? {};
  const terms: NodeSelectorTerm[] = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // Stryker disable next-line ArrayDeclaration: equivalent, a string toleration has no key, operator or effect, so it tolerates nothing
  const tolerations: Toleration[] = spec.tolerations ?? [];
  return nodes
    .filter((n) => {
      const labels = n.metadata.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
      if (terms.length > 0 && !terms.some((t) => termHolds(t, n))) return false;
      // Stryker disable next-line ArrayDeclaration: equivalent, a string taint has no effect and is filtered out at once
      const taints: Taint[] = ((n.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !STATE_TAINTS.has(t.key));
      return taints.every((taint) => tolerations.some((t) => tolerates(t, taint)));
    })
    .map((n) => n.metadata.name)
    .sort();
}

/**
 * Nodes that more than one of these DaemonSets selects: the check test:cluster runs after every step for
 * the device plugins (two on a node advertise its GPUs twice).
 */
export function nodeOverlaps(daemonSets: readonly LiveObject[], nodes: readonly LiveObject[]): { node: string; daemonSets: string[] }[] {
  const byNode = new Map<string, string[]>();
  for (const ds of daemonSets) {
    for (const n of eligibleNodes(ds, nodes)) byNode.set(n, [...(byNode.get(n) ?? []), describeObject(ds)]);
  }
  return [...byNode.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([node, list]) => ({ node, daemonSets: list.sort() }))
    .sort(byNodeName);
}

// Stryker disable next-line EqualityOperator: equivalent, the node names are Map keys, never equal
const byNodeName = (a: { node: string }, b: { node: string }) => (a.node < b.node ? -1 : 1);

/** Live device-plugin DaemonSets (ours or not). */
export function devicePluginDaemonSets(objects: readonly LiveObject[]): LiveObject[] {
  return objects.filter((o) => COMPONENT_RULES[0].matches(o));
}

// ---------------------------------------------------------------------------------------------------------
// The plan

export type StepKind = 'check' | 'scale' | 'remove' | 'apply' | 'adopt' | 'tidy' | 'wait' | 'release';

export interface Step {
  readonly kind: StepKind;
  /** One shell command a user runs (kubectl; never helm, see removeRelease). */
  readonly command: string;
  readonly why: string;
}

export interface Found {
  readonly object: string;
  readonly image?: string;
  readonly release?: HelmRelease;
  /** Nodes its pods may run on (workloads only). */
  readonly nodes?: readonly string[];
}

export interface ComponentPlan {
  readonly component: ComponentId;
  readonly title: string;
  readonly found: readonly Found[];
  /** Our counterpart(s) in the site's output, or none when the site does not render this component. */
  readonly ours: readonly { readonly object: string; readonly file: string; readonly nodes?: readonly string[] }[];
  readonly strategy: 'adopt' | 'apply-first' | 'remove-first' | 'delete-then-apply' | 'scale-down-first' | 'not-rendered';
  readonly reason: string;
  readonly warnings: readonly string[];
  readonly steps: readonly Step[];
}

export interface MigrationPlan {
  readonly site: string;
  /** Before any component: our files that replace nothing (namespaces, pull credentials, RuntimeClass…), so our pods can start. */
  readonly prepare: readonly Step[];
  readonly components: readonly ComponentPlan[];
}

export function planNeedsSteps(plan: MigrationPlan): boolean {
  return plan.components.some((c) => c.steps.length > 0);
}

interface Ours {
  readonly object: Manifest;
  readonly file: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `kind/name -n ns` as kubectl takes it (resource.group for non-core groups, so CRD kinds resolve). */
function kubectlRef(o: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = apiGroup(o.apiVersion);
  const resource = `${o.kind.toLowerCase()}${group && group !== 'apps' ? `.${group}` : ''}`;
  return `${resource}/${o.metadata.name}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ''}`;
}

const sameIdentity = (a: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>, b: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>) => objectIdentity(a) === objectIdentity(b);

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** DeviceClass names that live ResourceClaims and ResourceClaimTemplates ask for (v1 `exactly` and v1beta1 shapes). */
export function deviceClassesInUse(objects: readonly LiveObject[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const o of objects) {
    if (apiGroup(o.apiVersion) !== 'resource.k8s.io' || (o.kind !== 'ResourceClaim' && o.kind !== 'ResourceClaimTemplate')) continue;
    const devices = o.kind === 'ResourceClaim' ? (o.spec as any)?.devices : (o.spec as any)?.spec?.devices;
    // Stryker disable next-line ArrayDeclaration: equivalent, a string request names no device class
    for (const r of devices?.requests ?? []) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a string subrequest names no device class
      const names = [r.deviceClassName, r.exactly?.deviceClassName, ...(r.firstAvailable ?? []).map((s: { deviceClassName?: string }) => s.deviceClassName)];
      for (const n of names.filter((x): x is string => typeof x === 'string')) used.set(n, [...(used.get(n) ?? []), describeObject(o)]);
    }
  }
  return used;
}

/**
 * Plans the switch for every component that has a not-ours counterpart on the cluster. `files` is the
 * site's render (paths relative to `siteDir`, the folder users apply from, e.g. `dist/example`).
 */
export function planMigration(site: string, siteDir: string, files: readonly RenderedFile[], live: readonly LiveObject[]): MigrationPlan {
  const nodes = live.filter((o) => o.kind === 'Node' && apiGroup(o.apiVersion) === '');
  const ours: Ours[] = files.flatMap((f) => f.objects.map((object) => ({ object, file: `${siteDir}/${f.path}` })));
  const oursByIdentity = new Map(ours.map((o) => [objectIdentity(o.object), o]));
  const foreign = live.filter((o) => !isOurs(o));
  const inUse = deviceClassesInUse(live);
  const components: ComponentPlan[] = [];

  for (const rule of COMPONENT_RULES) {
    const found = foreign.filter((o) => rule.matches(o) && !isManagedByOurExternalSecret(o, live));
    if (found.length === 0) continue;
    const ourObjects = ours.filter((o) => o.object.metadata.labels?.[COMPONENT] === rule.id);
    const releases = uniqueReleases(found);
    // every object of those releases: removing a release removes all of them, RBAC and webhooks included
    const releaseObjects = live.filter((o) => {
      const r = helmReleaseOf(o);
      return r !== undefined && releases.some((x) => releaseKey(x) === releaseKey(r));
    });
    components.push(planComponent(rule, found, ourObjects, releaseObjects, nodes, oursByIdentity, inUse));
  }
  const migrated = new Set(components.filter((c) => c.steps.length > 0).map((c) => c.component));
  // never-pruned/ (the CoreDNS ConfigMap EKS also writes) is delivered as the README says, with --force-conflicts
  const prepareFiles = files.filter((f) => !f.path.startsWith('never-pruned/') && !f.objects.some((o) => migrated.has(o.metadata.labels?.[COMPONENT] as ComponentId)));
  const prepare: Step[] =
    migrated.size === 0 || prepareFiles.length === 0
      ? []
      : [
          {
            kind: 'apply',
            command: `kubectl apply --server-side --field-manager=${FIELD_MANAGER} ${prepareFiles.map((f) => `-f ${siteDir}/${f.path}`).join(' ')}`,
            why: 'everything of ours that replaces nothing on the cluster (namespaces, pull credentials, RuntimeClass, …) goes first, so our pods can start in the steps below',
          },
        ];
  return { site, prepare, components };
}

function isManagedByOurExternalSecret(o: LiveObject, live: readonly LiveObject[]): boolean {
  // Stryker disable next-line ArrayDeclaration: equivalent, a string owner reference has no kind
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'ExternalSecret');
  if (!owner) return false;
  const es = live.find((x) => x.kind === 'ExternalSecret' && x.metadata.name === owner.name && x.metadata.namespace === o.metadata.namespace);
  return es !== undefined && isOurs(es);
}

function uniqueReleases(objects: readonly LiveObject[]): HelmRelease[] {
  const seen = new Map<string, HelmRelease>();
  for (const o of objects) {
    const r = helmReleaseOf(o);
    if (r) seen.set(releaseKey(r), r);
  }
  // Stryker disable next-line EqualityOperator: equivalent, the release keys are Map keys, never equal
  return [...seen.values()].sort((a, b) => (releaseKey(a) < releaseKey(b) ? -1 : 1));
}

function planComponent(
  rule: ComponentRule,
  found: readonly LiveObject[],
  ourObjects: readonly Ours[],
  releaseObjects: readonly LiveObject[],
  nodes: readonly LiveObject[],
  oursByIdentity: ReadonlyMap<string, Ours>,
  inUse: ReadonlyMap<string, string[]>,
): ComponentPlan {
  const isWorkload = (o: { kind: string }) => o.kind === 'DaemonSet' || o.kind === 'Deployment';
  const foundView: Found[] = found.map((o) => ({
    object: describeObject(o),
    ...(images(o)[0] ? { image: images(o)[0] } : {}),
    ...(helmReleaseOf(o) ? { release: helmReleaseOf(o) } : {}),
    ...(o.kind === 'DaemonSet' ? { nodes: eligibleNodes(o, nodes) } : {}),
  }));
  const ourWorkloads = ourObjects.filter((o) => isWorkload(o.object));
  const oursView = ourWorkloads.length > 0 ? ourWorkloads : ourObjects.filter((o) => o.object.kind === 'ExternalSecret');
  const base = {
    component: rule.id,
    title: rule.title,
    found: foundView,
    ours: oursView.map((o) => ({ object: describeObject(o.object), file: o.file, ...(o.object.kind === 'DaemonSet' ? { nodes: eligibleNodes(o.object as LiveObject, nodes) } : {}) })),
  };
  if (ourObjects.length === 0) {
    return {
      ...base,
      strategy: 'not-rendered',
      reason: 'the site does not render this component: nothing replaces it, so it is left alone (remove it yourself if the site should not have it)',
      warnings: [],
      steps: [],
    };
  }

  const warnings: string[] = [];
  const steps: Step[] = [];
  const files = [...new Set(ourObjects.map((o) => o.file))];
  const applyOurs = (force: boolean): Step[] =>
    files.map((f) => ({
      kind: force ? 'adopt' : 'apply',
      command: `kubectl apply --server-side${force ? ' --force-conflicts' : ''} --field-manager=${FIELD_MANAGER} -f ${f}`,
      why: force ? 'takes the existing object over in place: its old field manager loses the fields we set' : 'installs ours',
    }));

  // Objects of the releases that must survive their removal: ours by identity (adopted), CRDs (their
  // custom resources would go with them) and DeviceClasses that claims ask for.
  const selectorClash = (o: LiveObject) => {
    const mine = oursByIdentity.get(objectIdentity(o));
    // Stryker disable next-line ConditionalExpression,OptionalChaining: equivalent, only called for objects oursByIdentity has (the clause before it), and our rendered workloads always have a spec
    return mine !== undefined && isWorkload(o) && stableJson((o.spec as any)?.selector) !== stableJson((mine.object.spec as any)?.selector);
  };
  const keep = releaseObjects.filter(
    (o) =>
      (oursByIdentity.has(objectIdentity(o)) && !selectorClash(o)) ||
      o.kind === 'CustomResourceDefinition' ||
      (o.kind === 'DeviceClass' && inUse.has(o.metadata.name)),
  );
  const keepWhy = (o: LiveObject) =>
    oursByIdentity.has(objectIdentity(o))
      ? `we render ${describeObject(o)} too (${oursByIdentity.get(objectIdentity(o))!.file}): it is taken over, not deleted`
      : o.kind === 'CustomResourceDefinition'
        ? 'deleting a CRD deletes every custom resource of its kind'
        : `claims ask for it (${inUse.get(o.metadata.name)!.slice(0, 3).join(', ')}${inUse.get(o.metadata.name)!.length > 3 ? ', …' : ''}): deleting it would fail their next allocation`;

  const gpuCheck = gpuCheckStep(rule.id, ourWorkloads, nodes);
  const claimCheck: Step | undefined =
    rule.id === 'nvidia-dra-driver'
      ? {
          kind: 'check',
          command: `kubectl get resourceclaims -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.status.allocation.devices.results[*].device}{"\\n"}{end}'`,
          why: 'claims already allocated stay allocated and their pods keep their GPUs: run it before and after, the lists must match',
        }
      : undefined;
  if (claimCheck) steps.push(claimCheck);

  // the workload that does the component's job and its counterpart of ours
  // Stryker disable next-line MethodExpression: equivalent, every rule but registry-credentials (returned above) matches only DaemonSets and Deployments
  const theirs = found.filter(isWorkload);
  const sameName = theirs.filter((t) => ourWorkloads.some((o) => sameIdentity(o.object, t)));
  const others = theirs.filter((t) => !sameName.includes(t));
  let strategy: ComponentPlan['strategy'] = 'apply-first';
  const reasons: string[] = [];

  // nodes that a plugin of theirs serves and ours will not: the switch takes the component away from them
  for (const t of theirs.filter((x) => x.kind === 'DaemonSet')) {
    const ourNodes = new Set(ourWorkloads.filter((o) => o.object.kind === 'DaemonSet').flatMap((o) => eligibleNodes(o.object as LiveObject, nodes)));
    const lost = eligibleNodes(t, nodes).filter((n) => !ourNodes.has(n));
    if (lost.length > 0) {
      warnings.push(`${describeObject(t)} runs on ${lost.join(', ')}, which ours does not select: after the switch no ${rule.title} runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)`);
    }
  }

  // A release goes object by object, workloads first, then its record; what `keep` holds is left in place.
  const removeRelease = (r: HelmRelease): Step[] => {
    const objects = releaseObjects.filter((o) => releaseKey(helmReleaseOf(o)!) === releaseKey(r) && !keep.includes(o));
    return [
      ...[...objects.filter(isWorkload), ...objects.filter((o) => !isWorkload(o))].map<Step>((o) => ({
        kind: 'remove',
        command: `kubectl delete ${kubectlRef(o)} --wait=true`,
        why: `of Helm release ${r.name}: deleted by name (helm uninstall would delete every object of the release, also those kept here)`,
      })),
      {
        kind: 'release',
        command: `kubectl delete secret,configmap -n ${r.namespace} -l owner=helm,name=${r.name}`,
        why: `the record of release ${r.name} (a Secret per revision, a ConfigMap with HELM_DRIVER=configmap): helm list no longer shows it, and no helm uninstall can delete what was kept. Before it, compare with \`helm get manifest ${r.name} -n ${r.namespace}\`: an object of a kind migrate does not read (README) is not deleted above`,
      },
    ];
  };
  const removeTheirs = (objs: readonly LiveObject[]): Step[] => {
    const out: Step[] = [];
    // Stryker disable next-line MethodExpression: equivalent, uniqueReleases skips objects without a release
    const inRelease = objs.filter((o) => helmReleaseOf(o));
    for (const r of uniqueReleases(inRelease)) out.push(...removeRelease(r));
    for (const o of objs.filter((x) => !helmReleaseOf(x))) {
      out.push({ kind: 'remove', command: `kubectl delete ${kubectlRef(o)} --wait=true`, why: `not installed by Helm${o.metadata.labels?.[MANAGED_BY] ? ` (managed-by ${o.metadata.labels[MANAGED_BY]})` : ''}: removed by name` });
    }
    return out;
  };
  const waitOurs = (gapEnds: boolean) =>
    ourWorkloads.map<Step>((o) => ({
      kind: 'wait',
      command: `kubectl rollout status ${o.object.kind.toLowerCase()}/${o.object.metadata.name} -n ${o.object.metadata.namespace} --timeout=5m`,
      why: gapEnds ? 'every pod of ours is ready: the gap ends here' : 'every pod of ours is ready before anything of theirs goes',
    }));
  const checks = [gpuCheck, claimCheck].filter((s): s is Step => s !== undefined);

  if (rule.id === 'registry-credentials') {
    // ExternalSecrets: ours are applied alongside; theirs is deleted with --cascade=orphan so the Secret pods pull with stays
    strategy = 'apply-first';
    reasons.push('the pull Secret keeps existing while ownership moves: theirs is deleted without its Secret, ours takes the Secret over on its next refresh');
    for (const s of found) {
      // Stryker disable next-line ArrayDeclaration: equivalent, a string owner reference has no kind
      const owner = (s.metadata.ownerReferences ?? []).find((r) => r.kind === 'ExternalSecret');
      if (owner) steps.push({ kind: 'remove', command: `kubectl delete externalsecret.external-secrets.io/${owner.name} -n ${s.metadata.namespace} --cascade=orphan`, why: `stops their ExternalSecret without deleting Secret ${s.metadata.namespace}/${s.metadata.name}` });
    }
    steps.push(...applyOurs(false));
    for (const o of ourObjects.filter((x) => x.object.kind === 'ExternalSecret')) {
      steps.push({ kind: 'wait', command: `kubectl wait --for=condition=Ready ${kubectlRef(o.object)} --timeout=2m`, why: 'ours has synced the Secret' });
    }
    steps.push(...removeTheirs(found.filter((o) => helmReleaseOf(o))));
    // Stryker disable next-line StringLiteral: equivalent, this branch has exactly one reason, so the separator never shows
    return { ...base, strategy, reason: reasons.join('; '), warnings, steps: withReleaseCleanup(steps, keep, keepWhy, (o) => oursByIdentity.has(objectIdentity(o))) };
  }

  // 1. same name as ours: the apply would take it over
  const adoptable = sameName.filter((t) => {
    const o = ourWorkloads.find((x) => sameIdentity(x.object, t))!;
    // Stryker disable next-line OptionalChaining: equivalent, our rendered workloads always have a spec
    return stableJson((t.spec as any)?.selector) === stableJson((o.object.spec as any)?.selector);
  });
  const clashing = sameName.filter((t) => !adoptable.includes(t));
  for (const t of adoptable) {
    reasons.push(`${describeObject(t)} has our name and our selector (${formatSelector((t.spec as any).selector)}), which cannot change: the apply takes it over in place and the rollout replaces its pods node by node, never two on one node`);
  }
  for (const t of clashing) {
    const o = ourWorkloads.find((x) => sameIdentity(x.object, t))!;
    reasons.push(
      `${describeObject(t)} has our name but selector ${stableJson((t.spec as any)?.selector)} instead of ours ${stableJson((o.object.spec as any).selector)}; spec.selector is immutable, so it must be deleted before ours is applied: ` +
        (rule.exclusive ? `between the two, no ${rule.title} runs on its nodes (running pods keep what they hold; new ones wait)` : 'a short gap'),
    );
  }

  // 2. other names: side by side is the question
  const overlapping = others.filter((t) => {
    if (!rule.exclusive) return false;
    // a Deployment of theirs clashes only with a Deployment of ours (the DRA driver's ComputeDomain controller has no counterpart)
    if (t.kind === 'Deployment') return ourWorkloads.some((o) => o.object.kind === 'Deployment');
    const theirNodes = new Set(eligibleNodes(t, nodes));
    return ourWorkloads.some((o) => o.object.kind === 'DaemonSet' && eligibleNodes(o.object as LiveObject, nodes).some((n) => theirNodes.has(n)));
  });
  const disjoint = others.filter((t) => !overlapping.includes(t));
  for (const t of overlapping) {
    if (t.kind === 'Deployment') reasons.push(`${describeObject(t)} and ours must not run at once (${rule.exclusive}): theirs is scaled to 0 first, so for a minute no ${rule.title} runs`);
    else {
      const theirNodes = new Set(eligibleNodes(t, nodes));
      // the nodes of our DaemonSets only, as `overlapping` counts them (a Deployment of ours is no plugin on its node)
      const shared = ourWorkloads.filter((o) => o.object.kind === 'DaemonSet').flatMap((o) => eligibleNodes(o.object as LiveObject, nodes)).filter((n) => theirNodes.has(n));
      reasons.push(
        `${describeObject(t)} and ours select the same nodes (${[...new Set(shared)].sort().join(', ')}); ${rule.exclusive}. Theirs goes first: until our pod is ready on a node, no ${rule.title} runs there (running pods keep their GPUs; new GPU pods wait)`,
      );
    }
  }
  for (const t of disjoint) {
    // Stryker disable next-line ArrowFunction,ConditionalExpression,StringLiteral: equivalent, a Deployment of theirs is disjoint only when we render no Deployment (an exclusive rule counts it as overlapping otherwise, and the one rule without exclusive matches DaemonSets only)
    if (t.kind === 'Deployment' && !ourWorkloads.some((o) => o.object.kind === 'Deployment')) {
      reasons.push(`${describeObject(t)} has no counterpart in ours: it goes when its release is removed (see the steps for when)`);
      continue;
    }
    reasons.push(
      rule.exclusive ? `${describeObject(t)} and ours select no common node: ours is applied and ready before theirs goes, no gap` : `${describeObject(t)} and ours may run side by side for the switch: ours first, no gap`,
    );
  }

  const scaleDown = overlapping.filter((t) => t.kind === 'Deployment');
  const removeFirst = [...clashing, ...overlapping.filter((t) => t.kind === 'DaemonSet')];
  if (adoptable.length > 0) strategy = 'adopt';
  if (scaleDown.length > 0) strategy = 'scale-down-first';
  if (removeFirst.length > 0) strategy = clashing.length > 0 ? 'delete-then-apply' : 'remove-first';

  // Steps in order: before our apply, whatever cannot run beside ours leaves; then ours; wait; checks;
  // then the rest of theirs goes.
  const before: Step[] = [];
  for (const t of scaleDown) {
    // apps/v1 refuses an empty selector, so this is never formatSelector's '(everything)'
    // Stryker disable next-line OptionalChaining: equivalent, a scaled-down Deployment matched a rule by its pod template, so it has a spec
    const sel = formatSelector((t.spec as any)?.selector ?? {});
    before.push({ kind: 'scale', command: `kubectl scale ${kubectlRef(t)} --replicas=0`, why: 'theirs stops before ours starts: never two autoscalers' });
    before.push({ kind: 'wait', command: `kubectl wait --for=delete pod -l ${shellQuote(sel)} -n ${t.metadata.namespace} --timeout=2m`, why: 'its last pod is gone' });
  }
  // whole releases go before ours when one of their workloads cannot share nodes with ours
  const earlyReleases = uniqueReleases(removeFirst);
  before.push(...removeTheirs(removeFirst));
  steps.push(...(gpuCheck && removeFirst.length > 0 ? [{ ...gpuCheck, why: `before: ${gpuCheck.why}` }] : []));
  steps.push(...before);
  // objects of theirs we render too (a DeviceClass, RBAC of the same name) are taken over by the same apply
  const takenOver = keep.filter((o) => oursByIdentity.has(objectIdentity(o)));
  if (takenOver.length > 0) reasons.push(`we render these too, so they are kept when their release goes and taken over by the apply: ${takenOver.map(describeObject).join(', ')}`);
  for (const o of keep.filter((x) => x.kind === 'DeviceClass' && !oursByIdentity.has(objectIdentity(x)))) {
    warnings.push(`${describeObject(o)} is kept because claims ask for it, but we do not render it: delete it once no claim uses it`);
  }
  steps.push(...applyOurs(adoptable.length > 0 || takenOver.length > 0));
  for (const o of takenOver.filter((x) => !isWorkload(x))) {
    const patch = leftoverListsPatch(o, oursByIdentity.get(objectIdentity(o))!.object);
    if (patch) {
      steps.push({
        kind: 'tidy',
        command: `kubectl patch ${kubectlRef(o)} --type=merge -p ${shellQuote(JSON.stringify(patch))}`,
        why: `server-side apply keeps the entries of theirs that ours does not name (${listPaths(patch).join(', ')}): those lists become exactly ours`,
      });
    }
  }
  for (const t of adoptable) {
    const patch = leftoverPatch(t, ourWorkloads.find((x) => sameIdentity(x.object, t))!.object);
    if (patch) {
      steps.push({
        kind: 'tidy',
        command: `kubectl patch ${kubectlRef(t)} --type=strategic -p ${shellQuote(JSON.stringify(patch))}`,
        why: 'server-side apply leaves fields the old install set and we do not (they stay owned by its field manager): this removes them, so the pod template is exactly ours',
      });
    }
  }
  steps.push(...waitOurs(removeFirst.length > 0 || scaleDown.length > 0));
  steps.push(...checks.map((c) => ({ ...c, why: `after ours is ready: ${c.why}` })));
  // the rest: releases not removed yet (adopted objects are kept: never deleted, only unmarked at the end), non-Helm objects not removed yet
  // Stryker disable next-line ConditionalExpression,ArrowFunction: equivalent, an object of an early release is never in later: laterReleases and the non-Helm filter below skip it anyway
  const later = found.filter((o) => !adoptable.includes(o) && !removeFirst.includes(o) && !(helmReleaseOf(o) && earlyReleases.some((r) => releaseKey(r) === releaseKey(helmReleaseOf(o)!))));
  const laterReleases = uniqueReleases([...later, ...adoptable]).filter((r) => !earlyReleases.some((x) => releaseKey(x) === releaseKey(r)));
  for (const r of laterReleases) steps.push(...removeRelease(r));
  steps.push(...removeTheirs(later.filter((o) => !helmReleaseOf(o))));
  return { ...base, strategy, reason: reasons.join('; '), warnings, steps: withReleaseCleanup(steps, keep, keepWhy, (o) => oursByIdentity.has(objectIdentity(o))) };
}

type Named = { readonly name: string; readonly [key: string]: unknown };

/**
 * A strategic merge patch that deletes what `live`'s pod template has and `ours` does not: containers,
 * env vars, volume mounts, ports, volumes, template labels and nodeSelector keys, and an affinity we do
 * not set. Undefined when there is nothing to delete.
 */
export function leftoverPatch(live: LiveObject, ours: Manifest): Record<string, unknown> | undefined {
  const theirs = podSpecOf(live) ?? {};
  const mine = podSpecOf(ours as unknown as LiveObject) ?? {};
  const spec: Record<string, unknown> = {};
  // Stryker disable next-line ArrayDeclaration: equivalent, the string's key reads as "undefined", a name no container, volume, env var, mount or port has
  const byKey = <T extends Record<string, unknown>>(list: readonly T[] | undefined, key: string) => new Map((list ?? []).map((x) => [String(x[key]), x]));
  for (const field of ['containers', 'initContainers'] as const) {
    const ourContainers = byKey<Named>(mine[field], 'name');
    const patches: Record<string, unknown>[] = [];
    for (const c of (theirs[field] ?? []) as Named[]) {
      const o = ourContainers.get(c.name);
      if (!o) {
        patches.push({ name: c.name, $patch: 'delete' });
        continue;
      }
      const entry: Record<string, unknown> = { name: c.name };
      const drop = (list: string, key: string) => {
        const ourKeys = byKey(o[list] as Record<string, unknown>[] | undefined, key);
        const gone = ((c[list] ?? []) as Record<string, unknown>[]).filter((x) => !ourKeys.has(String(x[key])));
        if (gone.length > 0) entry[list] = gone.map((x) => ({ [key]: x[key], $patch: 'delete' }));
      };
      drop('env', 'name');
      drop('volumeMounts', 'mountPath');
      drop('ports', 'containerPort');
      if (Object.keys(entry).length > 1) patches.push(entry);
    }
    if (patches.length > 0) spec[field] = patches;
  }
  const ourVolumes = byKey<Named>(mine.volumes, 'name');
  const volumes = ((theirs.volumes ?? []) as Named[]).filter((v) => !ourVolumes.has(v.name)).map((v) => ({ name: v.name, $patch: 'delete' }));
  if (volumes.length > 0) spec.volumes = volumes;
  const nodeSelector = Object.keys(theirs.nodeSelector ?? {}).filter((k) => !(k in (mine.nodeSelector ?? {})));
  if (nodeSelector.length > 0) spec.nodeSelector = Object.fromEntries(nodeSelector.map((k) => [k, null]));
  if (theirs.affinity && !mine.affinity) spec.affinity = null;
  const template: Record<string, unknown> = {};
  const ourLabels = ((ours.spec as any)?.template?.metadata?.labels ?? {}) as Record<string, string>;
  const labels = Object.keys(((live.spec as any)?.template?.metadata?.labels ?? {}) as Record<string, string>).filter((k) => !(k in ourLabels));
  if (labels.length > 0) template.metadata = { labels: Object.fromEntries(labels.map((k) => [k, null])) };
  if (Object.keys(spec).length > 0) template.spec = spec;
  return Object.keys(template).length > 0 ? { spec: { template } } : undefined;
}

/**
 * A JSON merge patch that sets every list of named entries (`matchConditions`, `variables`, …) in which the
 * live object has an entry ours does not name to our list. Server-side apply merges such lists by name, so
 * entries only the old install set would survive the takeover — in a ValidatingAdmissionPolicy an extra
 * match condition would switch the policy off. Undefined when there is none.
 */
export function leftoverListsPatch(live: LiveObject, ours: Manifest): Record<string, unknown> | undefined {
  const walk = (l: unknown, o: unknown): Record<string, unknown> | undefined => {
    // Stryker disable next-line ConditionalExpression: equivalent, a scalar has no entries but its characters, and the other side has no list under those keys, so the walk finds no list either way
    if (!l || !o || typeof l !== 'object' || typeof o !== 'object' || Array.isArray(l) || Array.isArray(o)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, lv] of Object.entries(l as Record<string, unknown>)) {
      const ov = (o as Record<string, unknown>)[k];
      if (Array.isArray(lv) && Array.isArray(ov)) {
        // Stryker disable next-line ConditionalExpression: equivalent, .name of a primitive is undefined as well
        const names = (list: unknown[]) => list.map((x) => (x && typeof x === 'object' ? (x as { name?: unknown }).name : undefined));
        const ourNames = new Set(names(ov));
        if (names(lv).some((n) => typeof n === 'string' && !ourNames.has(n))) out[k] = ov;
      } else {
        const inner = walk(lv, ov);
        if (inner) out[k] = inner;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...liveBody } = live as unknown as Record<string, unknown>;
  const { metadata: _om, apiVersion: _oa, kind: _ok, ...ourBody } = ours as unknown as Record<string, unknown>;
  return walk(liveBody, ourBody);
}

function listPaths(patch: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(patch).flatMap(([k, v]) => (Array.isArray(v) ? [`${prefix}${k}`] : listPaths(v as Record<string, unknown>, `${prefix}${k}.`)));
}

/**
 * Kept objects of a removed release still name it: those marks go, so nothing points at a release that is
 * gone. An object we do not render also loses its `managed-by: Helm` label (ours get our label from the apply).
 */
function withReleaseCleanup(steps: Step[], keep: readonly LiveObject[], keepWhy: (o: LiveObject) => string, rendered: (o: LiveObject) => boolean): Step[] {
  return [
    ...steps,
    ...keep.flatMap<Step>((o) => [
      {
        kind: 'release',
        command: `kubectl annotate ${kubectlRef(o)} ${HELM_RELEASE_NAME}- ${HELM_RELEASE_NAMESPACE}-`,
        why: `kept: ${keepWhy(o)}; the release is gone, so its marks go too (a later helm install would claim the object)`,
      },
      ...(o.metadata.labels?.[MANAGED_BY] === HELM_MANAGED_BY && !rendered(o)
        ? [{ kind: 'release' as const, command: `kubectl label ${kubectlRef(o)} ${MANAGED_BY}-`, why: 'kept, and no Helm release manages it any more: its managed-by label goes too' }]
        : []),
    ]),
  ];
}

/** For the device plugin: a command that fails (exit 1, naming the node) when a node of ours advertises no GPU. */
function gpuCheckStep(component: ComponentId, ourWorkloads: readonly Ours[], nodes: readonly LiveObject[]): Step | undefined {
  if (component !== 'nvidia-device-plugin') return undefined;
  const ds = ourWorkloads.find((o) => o.object.kind === 'DaemonSet');
  if (!ds) return undefined;
  // By name: ours selects by node affinity with one term per kind of GPU node (hybrid pools, cloud node
  // groups), which `kubectl get -l` cannot express.
  const names = eligibleNodes(ds.object as LiveObject, nodes);
  if (names.length === 0) return undefined;
  return {
    kind: 'check',
    command:
      `kubectl get nodes ${names.map(shellQuote).join(' ')} -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}'` +
      ` | awk '$2 == "" || $2 == "0" { print "no GPU advertised on " $1; bad = 1 } END { exit bad }'`,
    why: `every node of ours (${names.length} now) still advertises nvidia.com/gpu`,
  };
}

/** The plan as text, one component after the other, steps numbered. */
export function formatMigrationPlan(plan: MigrationPlan, cluster: string): string[] {
  const lines: string[] = [];
  const todo = plan.components.filter((c) => c.steps.length > 0);
  if (plan.components.length === 0) return [`${plan.site}: nothing to migrate on ${cluster}: no object does the job of one of ours without being ours`];
  lines.push(`${plan.site}: ${todo.length} component(s) to migrate on ${cluster}${plan.components.length > todo.length ? `, ${plan.components.length - todo.length} left alone` : ''}`);
  plan.prepare.forEach((s) => lines.push('', `first: ${s.command}`, `  ${s.why}`));
  for (const c of plan.components) {
    lines.push('', `${c.component} (${c.title}): ${c.strategy}`);
    for (const f of c.found) {
      lines.push(`  found: ${f.object}${f.image ? ` image ${f.image}` : ''}${f.release ? `, Helm release ${f.release.name} in ${f.release.namespace}` : ''}${f.nodes ? `, nodes: ${f.nodes.join(', ') || 'none'}` : ''}`);
    }
    for (const o of c.ours) lines.push(`  ours:  ${o.object} (${o.file})${o.nodes ? `, nodes: ${o.nodes.join(', ') || 'none'}` : ''}`);
    lines.push(`  why:   ${c.reason}`);
    for (const w of c.warnings) lines.push(`  warning: ${w}`);
    c.steps.forEach((s, i) => {
      lines.push(`  ${i + 1}. [${s.kind}] ${s.command}`);
      lines.push(`     ${s.why}`);
    });
  }
  if (todo.length > 0) lines.push('', `then: deliver the whole site as the README's "Deliver" section says (ApplySet labels, pruning); it changes nothing the steps above applied`);
  return lines;
}
