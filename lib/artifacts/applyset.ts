import { createHash } from 'node:crypto';
import type { Manifest } from '../core/manifest';
import { NEVER_PRUNED_DIR, type OutputFile } from '../render/render';
import type { Site } from '../site/site';
import { toYaml } from '../render/site-files';

/**
 * Pruning with kubectl ApplySets (KEP-3659, `KUBECTL_APPLYSET=1 kubectl apply --prune --applyset=…`).
 *
 * A site spans many namespaces and cluster-scoped objects. kubectl's built-in parents (Secret, ConfigMap)
 * are namespaced and need `-n`, which makes kubectl reject every object of another namespace; so the parent
 * is a cluster-scoped custom resource whose CRD carries `applyset.kubernetes.io/is-parent-type`. kubectl
 * never creates custom-resource parents itself, so each site ships the CRD and its parent, created once.
 * Members are not labelled here: kubectl adds `applyset.kubernetes.io/part-of` and refuses input that
 * already has it.
 */
export const APPLYSET_GROUP = 'eks-hybrid-charts.io';
export const APPLYSET_KIND = 'ApplySet';
const APPLYSET_PLURAL = 'applysets';
export const APPLYSET_CRD_FILE = 'applyset/crd.yaml';
export const APPLYSET_PARENT_FILE = 'applyset/parent.yaml';

/** The `--applyset` flag value for a site: `<resource>.<group>/<name>`. */
export function applySetRef(siteName: string): string {
  return `${APPLYSET_PLURAL}.${APPLYSET_GROUP}/${siteName}`;
}

/** kubectl's ApplySet id: `applyset-` + base64url(sha256(`<name>.<namespace>.<kind>.<group>`)) + `-v1`. */
export function applySetId(name: string, namespace: string, kind: string, group: string): string {
  const digest = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${digest}-v1`;
}

function parentCrd(): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${APPLYSET_PLURAL}.${APPLYSET_GROUP}`,
      labels: { 'applyset.kubernetes.io/is-parent-type': 'true' },
    },
    spec: {
      group: APPLYSET_GROUP,
      names: { kind: APPLYSET_KIND, listKind: `${APPLYSET_KIND}List`, plural: APPLYSET_PLURAL, singular: 'applyset' },
      scope: 'Cluster',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          // The parent holds nothing but kubectl's labels and annotations.
          schema: { openAPIV3Schema: { type: 'object', description: 'Parent of a kubectl ApplySet: the objects of one rendered site.' } },
        },
      ],
    },
  };
}

function parent(site: Site): Manifest {
  const name = site.config.name;
  return {
    apiVersion: `${APPLYSET_GROUP}/v1`,
    kind: APPLYSET_KIND,
    metadata: {
      name,
      labels: { 'applyset.kubernetes.io/id': applySetId(name, '', APPLYSET_KIND, APPLYSET_GROUP) },
      annotations: {
        // kubectl only checks the tool's name; it writes its own version on every apply.
        'applyset.kubernetes.io/tooling': `kubectl/v${site.config.kubernetesVersion}.0`,
        // An empty set: kubectl fills in group-kinds and namespaces as it applies.
        'applyset.kubernetes.io/contains-group-kinds': '',
        'applyset.kubernetes.io/additional-namespaces': '',
      },
    },
  };
}

/** The parent type (applied once per cluster) and the site's parent (created once, never re-applied). */
export function applySetFiles(site: Site): OutputFile[] {
  return [
    { path: APPLYSET_CRD_FILE, content: `---\n${toYaml(parentCrd())}` },
    { path: APPLYSET_PARENT_FILE, content: `---\n${toYaml(parent(site))}` },
  ];
}

/**
 * The commands that apply `dist/<site>/` with pruning, in order: the parent type and the parent (the `get`
 * guard keeps the parent from being applied again, which would reset what the set holds and so what the next
 * apply prunes), the pruned set, then never-pruned/ (EKS created kube-system/coredns, so taking its fields
 * needs --force-conflicts). test:cluster runs them from the rendered README.
 */
export function applyCommands(siteName: string, neverPruned: boolean): string[] {
  const dir = `dist/${siteName}`;
  return [
    `kubectl apply --server-side -f ${dir}/${APPLYSET_CRD_FILE}`,
    `kubectl wait --for=condition=Established crd/${APPLYSET_PLURAL}.${APPLYSET_GROUP}`,
    `kubectl get -f ${dir}/${APPLYSET_PARENT_FILE} || kubectl create --field-manager=kubectl-applyset -f ${dir}/${APPLYSET_PARENT_FILE}`,
    ...reapplyCommands(siteName, neverPruned),
  ];
}

/** The last of {@link applyCommands}: what applies the site again once its ApplySet parent exists (upgrades). */
export function reapplyCommands(siteName: string, neverPruned: boolean): string[] {
  const dir = `dist/${siteName}`;
  return [
    `KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=${applySetRef(siteName)} -k ${dir}/`,
    ...(neverPruned ? [`kubectl apply --server-side --force-conflicts -k ${dir}/${NEVER_PRUNED_DIR}/`] : []),
  ];
}
