/** Where the pod specs of workload objects live, and typed access to the parts the checks read. */
import { isRecord } from '../../core/json';
import type { Manifest } from '../../core/manifest';
import type { FieldPath } from '../../core/paths';

/** The fields of a pod spec the policy checks read (everything else stays `unknown`). */
export interface PodSpecView {
  readonly containers?: readonly ContainerView[];
  readonly initContainers?: readonly ContainerView[];
  readonly volumes?: readonly Record<string, unknown>[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly serviceAccountName?: string;
  readonly serviceAccount?: string;
  readonly imagePullSecrets?: readonly { readonly name?: string }[];
  readonly priorityClassName?: string;
  readonly runtimeClassName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: { readonly nodeAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms?: readonly NodeSelectorTermView[] } } };
  readonly tolerations?: readonly TolerationView[];
  readonly resourceClaims?: readonly PodResourceClaimView[];
}

export interface ContainerView {
  readonly name?: string;
  readonly image?: string;
  readonly resources?: { readonly requests?: Record<string, unknown>; readonly limits?: Record<string, unknown>; readonly claims?: readonly unknown[] };
  readonly securityContext?: {
    readonly privileged?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly capabilities?: { readonly add?: readonly unknown[] };
  };
  readonly env?: readonly EnvVarView[];
  readonly envFrom?: readonly { readonly configMapRef?: NamedRef; readonly secretRef?: NamedRef }[];
}

export interface NamedRef {
  readonly name?: string;
  readonly optional?: boolean;
}

export interface EnvVarView {
  readonly name?: string;
  readonly value?: string;
  readonly valueFrom?: { readonly configMapKeyRef?: NamedRef; readonly secretKeyRef?: NamedRef };
}

export interface NodeSelectorTermView {
  readonly matchExpressions?: readonly { readonly key?: string; readonly operator?: string; readonly values?: readonly string[] }[];
}

export interface TolerationView {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

/** Whether one of the tolerations tolerates the taint (key, operator, value and effect, as the scheduler matches them). */
export function tolerates(tolerations: readonly TolerationView[], taint: { readonly key: string; readonly value?: string; readonly effect: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

export interface PodResourceClaimView {
  readonly name?: string;
  readonly resourceClaimName?: string;
  readonly resourceClaimTemplateName?: string;
  /** Kubernetes ≤ 1.30 (resource.k8s.io/v1alpha2) nested the claim source. */
  readonly source?: { readonly resourceClaimName?: string; readonly resourceClaimTemplateName?: string };
}

/** A pod spec found in an object, with its location and the labels its pods get. */
export interface PodSpecSite {
  readonly spec: PodSpecView;
  /** Path of the pod spec inside the object. */
  readonly path: FieldPath;
  /** Labels of the pods (template labels; the Pod's own labels for a Pod). */
  readonly labels: Record<string, string>;
}

/** Path from the object root to its pod template (`metadata` + `spec`), per kind. */
const TEMPLATE_PATHS: Record<string, FieldPath> = {
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

export function get(root: unknown, path: FieldPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The pod spec of a Pod or workload object (built-in kinds only), or undefined. */
export function podSpecOf(object: Manifest): PodSpecSite | undefined {
  if (object.kind === 'Pod' && object.apiVersion === 'v1') {
    return isRecord(object.spec) ? { spec: object.spec as PodSpecView, path: ['spec'], labels: object.metadata.labels ?? {} } : undefined;
  }
  const templatePath = TEMPLATE_PATHS[object.kind];
  if (!templatePath || object.apiVersion.includes('.')) return undefined;
  const template = get(object, templatePath);
  if (!isRecord(template) || !isRecord(template.spec)) return undefined;
  const labels = isRecord(template.metadata) && isRecord(template.metadata.labels) ? (template.metadata.labels as Record<string, string>) : {};
  return { spec: template.spec as PodSpecView, path: [...templatePath, 'spec'], labels };
}

/** Every container and init container of a pod spec, with its path. */
export function containersOf(site: PodSpecSite): { container: ContainerView; path: FieldPath; label: string }[] {
  const out: { container: ContainerView; path: FieldPath; label: string }[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    (site.spec[list] ?? []).forEach((container, i) => {
      const kind = list === 'initContainers' ? 'init container' : 'container';
      out.push({ container, path: [...site.path, list, i], label: `${kind} "${container.name ?? i}"` });
    });
  }
  return out;
}

/** Whether some container asks for `nvidia.com/gpu` or the pod uses a DRA resource claim. */
export function usesGpu(site: PodSpecSite): boolean {
  if ((site.spec.resourceClaims ?? []).length > 0) return true;
  return containersOf(site).some(({ container }) => {
    const { requests = {}, limits = {} } = container.resources ?? {};
    return 'nvidia.com/gpu' in requests || 'nvidia.com/gpu' in limits;
  });
}
