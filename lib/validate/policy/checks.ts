/**
 * Policy checks over the rendered output: what `helm lint` and kube-linter would tell a reviewer.
 * Each check has an id (the `check` of its findings) and looks at one object at a time, with the
 * whole output available through the OutputIndex.
 */
import { labelKeyProblem, labelValueProblem } from '../../site/semantic';
import { isRecord } from '../../core/json';
import { COMPONENT_LABEL } from '../../core/labels';
import type { Manifest } from '../../core/manifest';
import { parseImage } from '../../model/images';
import type { FieldPath } from '../../core/paths';
import type { GpuNodeGroup, ValidationContext } from '../types';
import { HOST_PRIVILEGES, type HostPrivilege, PRIVILEGE_ALLOWLIST, grantMatches } from './allowlist';
import type { ReferencedKind } from './cluster-provided';
import { credentialProblems } from './credentials';
import type { OutputIndex } from './index';
import { type NamedRef, type PodSpecSite, containersOf, get, podSpecOf, tolerates, usesGpu } from './pods';
import { type LabelSelectorView, formatLabels, formatSelector, selectorMatches } from './selectors';

export type Report = (path: FieldPath, message: string) => void;

export interface CheckInput {
  readonly object: Manifest;
  readonly ctx: ValidationContext;
  readonly index: OutputIndex;
  readonly report: Report;
}

export interface PolicyCheck {
  readonly id: string;
  /** One line for the README and `--help`. */
  readonly description: string;
  run(input: CheckInput): void;
}

function hasValue(record: Record<string, unknown> | undefined, key: string): boolean {
  const value = record?.[key];
  return value !== undefined && value !== null && value !== '';
}

/** Runs `fn` for the pod spec of a workload object, if it has one. */
function withPod(input: CheckInput, fn: (site: PodSpecSite) => void): void {
  const site = podSpecOf(input.object);
  if (site) fn(site);
}

const resourcesRequired: PolicyCheck = {
  id: 'resources-required',
  description: 'every container and init container sets cpu and memory requests and a memory limit',
  run: (input) =>
    withPod(input, (site) => {
      for (const { container, path, label } of containersOf(site)) {
        const { requests, limits } = container.resources ?? {};
        if (!hasValue(requests, 'cpu')) input.report([...path, 'resources', 'requests', 'cpu'], `${label} has no cpu request`);
        if (!hasValue(requests, 'memory')) input.report([...path, 'resources', 'requests', 'memory'], `${label} has no memory request`);
        if (!hasValue(limits, 'memory')) input.report([...path, 'resources', 'limits', 'memory'], `${label} has no memory limit`);
      }
    }),
};

const imagePinned: PolicyCheck = {
  id: 'image-pinned',
  description: 'every image is pinned to a tag or digest; no `latest`, no untagged image',
  run: (input) =>
    withPod(input, (site) => {
      for (const { container, path, label } of containersOf(site)) {
        const image = container.image ?? '';
        const { tag, digest } = parseImage(image);
        if (image === '') input.report([...path, 'image'], `${label} has no image`);
        else if (digest === undefined && !tag) input.report([...path, 'image'], `${label} image "${image}" has no tag or digest`);
        else if (digest === undefined && tag === 'latest') input.report([...path, 'image'], `${label} image "${image}" uses the moving tag "latest"`);
      }
    }),
};

/** Each host privilege the pod uses, with the field that asks for it. */
function privilegesUsed(site: PodSpecSite): { privilege: HostPrivilege; path: FieldPath; what: string }[] {
  const used: { privilege: HostPrivilege; path: FieldPath; what: string }[] = [];
  for (const privilege of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (site.spec[privilege] === true) used.push({ privilege, path: [...site.path, privilege], what: `${privilege}: true` });
  }
  site.spec.volumes?.forEach((volume, i) => {
    if (isRecord(volume.hostPath)) {
      used.push({ privilege: 'hostPath', path: [...site.path, 'volumes', i, 'hostPath'], what: `hostPath volume "${String(volume.name)}" (${String(volume.hostPath.path)})` });
    }
  });
  for (const { container, path, label } of containersOf(site)) {
    if (container.securityContext?.privileged === true) {
      used.push({ privilege: 'privileged', path: [...path, 'securityContext', 'privileged'], what: `privileged ${label}` });
    }
  }
  return used;
}

const privilegedAllowlist: PolicyCheck = {
  id: 'privileged-allowlist',
  description: `${HOST_PRIVILEGES.join(', ')} only for components granted them, with a reason, in lib/validate/policy/allowlist.ts`,
  run: (input) =>
    withPod(input, (site) => {
      const { object } = input;
      const subject = {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        labels: { ...site.labels, ...(object.metadata.labels ?? {}) },
      };
      const granted = new Set(PRIVILEGE_ALLOWLIST.filter((g) => grantMatches(g, subject)).flatMap((g) => g.privileges));
      const component = subject.labels[COMPONENT_LABEL];
      const who = component ? `component "${component}"` : 'this object';
      for (const use of privilegesUsed(site)) {
        if (!granted.has(use.privilege)) {
          input.report(use.path, `${use.what}: ${who} is not allowed ${use.privilege} (grant it with a reason in lib/validate/policy/allowlist.ts)`);
        }
      }
    }),
};

const privilegedEscalation: PolicyCheck = {
  id: 'privileged-escalation',
  description: 'never `privileged: true` or the capability `CAP_SYS_ADMIN` together with `allowPrivilegeEscalation: false` (the API server rejects both)',
  run: (input) =>
    withPod(input, (site) => {
      for (const { container, path, label } of containersOf(site)) {
        const sc = container.securityContext;
        if (sc?.allowPrivilegeEscalation !== false) continue;
        const at: FieldPath = [...path, 'securityContext', 'allowPrivilegeEscalation'];
        if (sc.privileged === true) input.report(at, `${label} is privileged but sets allowPrivilegeEscalation: false, which the API server rejects`);
        // the API server compares the exact text: `SYS_ADMIN`, the usual spelling, is accepted
        const add = sc.capabilities?.add;
        if (Array.isArray(add) && add.includes('CAP_SYS_ADMIN')) {
          input.report(at, `${label} adds the capability CAP_SYS_ADMIN but sets allowPrivilegeEscalation: false, which the API server rejects`);
        }
      }
    }),
};

function reportLabelProblems(labels: Record<string, string> | undefined, path: FieldPath, report: Report): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const problem = labelKeyProblem(key) ?? (typeof value === 'string' ? labelValueProblem(value) : 'label value must be a string');
    if (problem) report([...path, key], `${problem} (got ${JSON.stringify(key)}: ${JSON.stringify(value)})`);
  }
}

const labelSyntax: PolicyCheck = {
  id: 'label-syntax',
  description: 'label keys and values of objects, job templates and pod templates follow the Kubernetes syntax (values at most 63 characters), as the API server requires',
  run: (input) => {
    reportLabelProblems(input.object.metadata.labels, ['metadata', 'labels'], input.report);
    // A bare Pod's labels are its metadata labels, checked above.
    if (input.object.kind === 'Pod') return;
    // A CronJob's Jobs carry labels of their own, between the CronJob's and their pods'
    if (input.object.kind === 'CronJob') {
      const path: FieldPath = ['spec', 'jobTemplate', 'metadata', 'labels'];
      const labels = get(input.object, path);
      if (isRecord(labels)) reportLabelProblems(labels as Record<string, string>, path, input.report);
    }
    withPod(input, (site) => reportLabelProblems(site.labels, [...site.path.slice(0, -1), 'metadata', 'labels'], input.report));
  },
};

const WORKLOADS_WITH_SELECTOR = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job']);

function selectsSomePod(index: OutputIndex, namespace: string, selector: LabelSelectorView): boolean {
  return index.pods.some((pod) => pod.namespace === namespace && selectorMatches(selector, pod.labels));
}

const selectorMatch: PolicyCheck = {
  id: 'selector-match',
  description: 'workload selectors match their pod template; Service, PodDisruptionBudget, ServiceMonitor and PodMonitor selectors match something in the output',
  run: ({ object, index, report }) => {
    const ns = object.metadata.namespace ?? '';
    const site = podSpecOf(object);
    const selector = get(object, ['spec', 'selector']);
    if (site && WORKLOADS_WITH_SELECTOR.has(object.kind) && isRecord(selector)) {
      if (!selectorMatches(selector, site.labels)) {
        report(['spec', 'selector'], `selector ${formatSelector(selector)} does not match the pod template labels ${formatLabels(site.labels)}`);
      }
      return;
    }
    const builtIn = !object.apiVersion.includes('.');
    if (builtIn && object.kind === 'Service' && isRecord(selector) && Object.keys(selector).length > 0) {
      const labels = selector as Record<string, string>;
      if (!selectsSomePod(index, ns, { matchLabels: labels })) {
        report(['spec', 'selector'], `selects no pod of any workload in namespace "${ns}" (selector ${formatLabels(labels)})`);
      }
    } else if (builtIn && object.kind === 'PodDisruptionBudget' && isRecord(selector)) {
      if (!selectsSomePod(index, ns, selector)) report(['spec', 'selector'], `selects no pod of any workload in namespace "${ns}" (selector ${formatSelector(selector)})`);
    } else if (object.apiVersion.startsWith('monitoring.coreos.com/') && (object.kind === 'ServiceMonitor' || object.kind === 'PodMonitor') && isRecord(selector)) {
      const nsSelector = get(object, ['spec', 'namespaceSelector']);
      const any = isRecord(nsSelector) && nsSelector.any === true;
      const names = isRecord(nsSelector) && Array.isArray(nsSelector.matchNames) && nsSelector.matchNames.length > 0 ? (nsSelector.matchNames as string[]) : [ns];
      const targets = object.kind === 'ServiceMonitor' ? index.services : index.pods;
      const found = targets.some((t) => (any || names.includes(t.namespace)) && selectorMatches(selector, t.labels));
      if (!found) {
        const what = object.kind === 'ServiceMonitor' ? 'Service' : 'pod';
        report(['spec', 'selector'], `selects no ${what} in namespace ${any ? '(any)' : names.map((n) => `"${n}"`).join(', ')} (selector ${formatSelector(selector)})`);
      }
    }
  },
};

interface Reference {
  readonly kind: ReferencedKind;
  readonly name: string;
  readonly path: FieldPath;
  /** `optional: true` on ConfigMap/Secret references: the pod starts without it. */
  readonly optional?: boolean;
}

/** References from a pod spec to namespaced or cluster objects. */
function podReferences(site: PodSpecSite): Reference[] {
  const refs: Reference[] = [];
  const { spec, path } = site;
  const named = (kind: ReferencedKind, ref: NamedRef | undefined, at: FieldPath) => {
    if (ref?.name) refs.push({ kind, name: ref.name, path: [...at, 'name'], optional: ref.optional === true });
  };
  if (spec.serviceAccountName) refs.push({ kind: 'ServiceAccount', name: spec.serviceAccountName, path: [...path, 'serviceAccountName'] });
  else if (spec.serviceAccount) refs.push({ kind: 'ServiceAccount', name: spec.serviceAccount, path: [...path, 'serviceAccount'] });
  if (spec.priorityClassName) refs.push({ kind: 'PriorityClass', name: spec.priorityClassName, path: [...path, 'priorityClassName'] });
  if (spec.runtimeClassName) refs.push({ kind: 'RuntimeClass', name: spec.runtimeClassName, path: [...path, 'runtimeClassName'] });
  spec.imagePullSecrets?.forEach((ref, i) => named('Secret', ref, [...path, 'imagePullSecrets', i]));
  spec.volumes?.forEach((volume, i) => {
    const at: FieldPath = [...path, 'volumes', i];
    const cm = volume.configMap as NamedRef | undefined;
    named('ConfigMap', cm, [...at, 'configMap']);
    const secret = volume.secret as { secretName?: string; optional?: boolean } | undefined;
    if (secret?.secretName) refs.push({ kind: 'Secret', name: secret.secretName, path: [...at, 'secret', 'secretName'], optional: secret.optional === true });
    const pvc = volume.persistentVolumeClaim as { claimName?: string } | undefined;
    if (pvc?.claimName) refs.push({ kind: 'PersistentVolumeClaim', name: pvc.claimName, path: [...at, 'persistentVolumeClaim', 'claimName'] });
    const sources = get(volume, ['projected', 'sources']);
    if (Array.isArray(sources)) {
      sources.forEach((source: { configMap?: NamedRef; secret?: NamedRef }, j) => {
        named('ConfigMap', source.configMap, [...at, 'projected', 'sources', j, 'configMap']);
        named('Secret', source.secret, [...at, 'projected', 'sources', j, 'secret']);
      });
    }
  });
  for (const { container, path: cpath } of containersOf(site)) {
    container.env?.forEach((env, i) => {
      named('ConfigMap', env.valueFrom?.configMapKeyRef, [...cpath, 'env', i, 'valueFrom', 'configMapKeyRef']);
      named('Secret', env.valueFrom?.secretKeyRef, [...cpath, 'env', i, 'valueFrom', 'secretKeyRef']);
    });
    container.envFrom?.forEach((source, i) => {
      named('ConfigMap', source.configMapRef, [...cpath, 'envFrom', i, 'configMapRef']);
      named('Secret', source.secretRef, [...cpath, 'envFrom', i, 'secretRef']);
    });
  }
  spec.resourceClaims?.forEach((claim, i) => {
    const at: FieldPath = [...path, 'resourceClaims', i];
    // 1.31+: fields on the claim; 1.30 (v1alpha2): under `source`.
    const holder = claim.resourceClaimName || claim.resourceClaimTemplateName ? claim : claim.source;
    const prefix: FieldPath = holder === claim ? at : [...at, 'source'];
    if (holder?.resourceClaimName) refs.push({ kind: 'ResourceClaim', name: holder.resourceClaimName, path: [...prefix, 'resourceClaimName'] });
    if (holder?.resourceClaimTemplateName) refs.push({ kind: 'ResourceClaimTemplate', name: holder.resourceClaimTemplateName, path: [...prefix, 'resourceClaimTemplateName'] });
  });
  return refs;
}

/** DeviceClass names in a claim spec, in every resource.k8s.io version's shape. */
function deviceClassReferences(object: Manifest): Reference[] {
  if (!object.apiVersion.startsWith('resource.k8s.io/')) return [];
  const claimSpec: FieldPath | undefined = object.kind === 'ResourceClaimTemplate' ? ['spec', 'spec'] : object.kind === 'ResourceClaim' ? ['spec'] : undefined;
  if (!claimSpec) return [];
  const requests = get(object, [...claimSpec, 'devices', 'requests']);
  if (!Array.isArray(requests)) return [];
  const refs: Reference[] = [];
  requests.forEach((request: Record<string, unknown>, i) => {
    const at: FieldPath = [...claimSpec, 'devices', 'requests', i];
    // v1alpha3/v1beta1: flat deviceClassName; v1beta2/v1: under `exactly`; all: `firstAvailable` alternatives.
    const candidates: [unknown, FieldPath][] = [
      [request.deviceClassName, [...at, 'deviceClassName']],
      [get(request, ['exactly', 'deviceClassName']), [...at, 'exactly', 'deviceClassName']],
    ];
    const firstAvailable = request.firstAvailable;
    if (Array.isArray(firstAvailable)) {
      firstAvailable.forEach((sub: Record<string, unknown>, j) => candidates.push([sub.deviceClassName, [...at, 'firstAvailable', j, 'deviceClassName']]));
    }
    for (const [name, path] of candidates) if (typeof name === 'string' && name !== '') refs.push({ kind: 'DeviceClass', name, path });
  });
  return refs;
}

/**
 * RoleBinding/ClusterRoleBinding: the role it grants. (Its subjects are not followed: binding a
 * ServiceAccount that something outside the output creates, such as an existing Prometheus, is normal.)
 */
function bindingReferences(object: Manifest): Reference[] {
  if (object.apiVersion !== 'rbac.authorization.k8s.io/v1' || (object.kind !== 'RoleBinding' && object.kind !== 'ClusterRoleBinding')) return [];
  const roleRef = get(object, ['roleRef']);
  if (!isRecord(roleRef) || (roleRef.kind !== 'Role' && roleRef.kind !== 'ClusterRole') || typeof roleRef.name !== 'string') return [];
  return [{ kind: roleRef.kind, name: roleRef.name, path: ['roleRef', 'name'] }];
}

const CLUSTER_SCOPED_REFERENCES: ReadonlySet<ReferencedKind> = new Set(['PriorityClass', 'RuntimeClass', 'DeviceClass', 'ClusterRole']);

const referenceExists: PolicyCheck = {
  id: 'reference-exists',
  description:
    'every referenced ConfigMap, Secret, ServiceAccount, PVC, PriorityClass, RuntimeClass, DeviceClass, ResourceClaim(Template) and the Role/ClusterRole of every role binding is in the output or cluster-provided (lib/validate/policy/cluster-provided.ts)',
  run: ({ object, index, report }) => {
    const site = podSpecOf(object);
    const refs: Reference[] = [
      ...(site ? podReferences(site) : []),
      ...deviceClassReferences(object),
      ...bindingReferences(object),
    ];
    for (const ref of refs) {
      if (ref.optional) continue;
      const clusterScoped = CLUSTER_SCOPED_REFERENCES.has(ref.kind);
      const ns = clusterScoped ? undefined : object.metadata.namespace;
      if (!index.has(ref.kind, ns, ref.name)) {
        const where = clusterScoped ? '' : ` in namespace "${ns ?? ''}"`;
        report(ref.path, `${ref.kind} "${ref.name}" does not exist${where}: not in the output, not produced by an ExternalSecret/SealedSecret, not cluster-provided`);
      }
    }
  },
};

/** Node labels every node a pod can land on must have, one set per required node-affinity term. */
function requiredNodeLabels(site: PodSpecSite): Record<string, string>[] {
  const base = { ...(site.spec.nodeSelector ?? {}) };
  const terms = site.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return [base];
  return terms.map((term) => {
    const labels = { ...base };
    term.matchExpressions?.forEach((e) => {
      if (e.operator === 'In' && e.key && e.values?.length === 1) labels[e.key] = e.values[0];
    });
    return labels;
  });
}

function formatTaint(taint: { key: string; value?: string; effect: string }): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

const gpuPlacement: PolicyCheck = {
  id: 'gpu-placement',
  description: 'pods that request nvidia.com/gpu or a DRA claim select a GPU pool or cloud GPU node group and tolerate its taints',
  run: ({ object, ctx, report }) => {
    const site = podSpecOf(object);
    if (!site || !usesGpu(site)) return;
    const groups = ctx.gpuNodeGroups.filter((g) => Object.keys(g.selector).length > 0);
    if (groups.length === 0) {
      report([...site.path, 'nodeSelector'], 'requests GPUs but the site has no GPU node pool and no cloud GPU node group');
      return;
    }
    const selected = (labels: Record<string, string>) => groups.find((g) => Object.entries(g.selector).every(([k, v]) => labels[k] === v));
    const targets = requiredNodeLabels(site).map(selected);
    // the taints of the groups the pod selects; a pod that selects none must tolerate them all to land anywhere
    const mustTolerate = targets.every((t): t is GpuNodeGroup => t !== undefined) ? targets : groups;
    // Stryker disable next-line ArrayDeclaration: equivalent, a string element tolerates no taint (it has no key, operator or effect)
    const tolerations = site.spec.tolerations ?? [];
    const seen = new Set<string>();
    for (const taint of mustTolerate.flatMap((g) => g.taints)) {
      const text = formatTaint(taint);
      if (taint.effect === 'PreferNoSchedule' || seen.has(text)) continue;
      seen.add(text);
      if (!tolerates(tolerations, taint)) report([...site.path, 'tolerations'], `requests GPUs but does not tolerate the GPU taint ${text}`);
    }
    if (targets.some((t) => t === undefined)) {
      report(
        [...site.path, 'nodeSelector'],
        `requests GPUs but does not select a GPU pool: nodeSelector or required node affinity must include all labels of one of ${groups.map((g) => formatLabels(g.selector)).join(' | ')}`,
      );
    }
  },
};

const plaintextCredential: PolicyCheck = {
  id: 'plaintext-credential',
  description: 'no plaintext credential: no Secret with registry/basic-auth/password/token data (unless allowPlainCredentials), no password/token assignment or registry auth anywhere',
  run: ({ object, ctx, report }) => {
    for (const problem of credentialProblems(object, ctx.allowPlainCredentials)) report(problem.path, problem.message);
  },
};

/** Every policy check, in the order their findings are listed for one field. */
export const POLICY_CHECKS: readonly PolicyCheck[] = [
  resourcesRequired,
  imagePinned,
  privilegedAllowlist,
  privilegedEscalation,
  labelSyntax,
  selectorMatch,
  referenceExists,
  gpuPlacement,
  plaintextCredential,
];
