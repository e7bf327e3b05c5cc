import { spawnSync } from 'node:child_process';
import { apiGroup, type RenderedFile } from '../core/manifest';
import { crdServing } from './schema';

/** Operators whose custom resources we render, by API group. */
const OPERATORS: Record<string, string> = {
  'external-secrets.io': 'External Secrets Operator',
  'bitnami.com': 'Sealed Secrets controller',
  'monitoring.coreos.com': 'Prometheus Operator',
  'argoproj.io': 'Argo CD',
  'source.toolkit.fluxcd.io': 'Flux source-controller',
  'kustomize.toolkit.fluxcd.io': 'Flux kustomize-controller',
};

/** The oldest operator release that serves an API version (or one kind of it), and why. */
const MINIMUM: readonly { readonly apiVersion: string; readonly kind?: string; readonly version: string; readonly why: string }[] = [
  { apiVersion: 'external-secrets.io/v1', version: '0.17', why: 'the first release serving external-secrets.io/v1' },
  // Stryker disable next-line StringLiteral: equivalent while ScrapeConfig is the only kind our CRDs serve under monitoring.coreos.com/v1alpha1 (the operator also has others there)
  { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', version: '0.65', why: 'the first release with the ScrapeConfig CRD' },
];

/** One operator a site needs installed before its objects can be applied. */
export interface Prerequisite {
  readonly operator: string;
  /** Oldest release known to serve everything rendered, or undefined when any release does. */
  readonly minimumVersion?: string;
  readonly why?: string;
  /** API versions and the kinds rendered of each, e.g. `external-secrets.io/v1: ClusterSecretStore, ExternalSecret`. */
  readonly apis: readonly { readonly apiVersion: string; readonly kinds: readonly string[] }[];
  /** CRDs that must be served, by name, with the API version each must serve. */
  readonly crds: readonly { readonly name: string; readonly version: string }[];
  /** Upstream release whose CRD schemas the validator checks the objects against. */
  readonly checkedWith: string;
}

/** Orders dotted release numbers numerically: 0.9 < 0.17 < 0.17.1 = 0.17.1.0. */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  // Stryker disable next-line EqualityOperator: equivalent, one step past the end compares 0 with 0
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** API versions in text order (each is a Map key: never two equal). */
function byApiVersion(a: { apiVersion: string }, b: { apiVersion: string }): number {
  // Stryker disable next-line EqualityOperator: equivalent, the API versions are the keys of a Map, never equal
  return a.apiVersion < b.apiVersion ? -1 : 1;
}

/** Every operator whose custom resources the rendered objects use, with the CRDs they must serve. */
export function sitePrerequisites(files: readonly RenderedFile[]): Prerequisite[] {
  const kinds = new Map<string, Set<string>>();
  for (const o of files.flatMap((f) => f.objects)) {
    if (!crdServing(o.apiVersion, o.kind)) continue;
    const set = kinds.get(o.apiVersion) ?? new Set<string>();
    kinds.set(o.apiVersion, set.add(o.kind));
  }
  const groups = [...new Set([...kinds.keys()].map(apiGroup))].sort();
  return groups.map((group) => {
    const apis = [...kinds.entries()]
      .filter(([apiVersion]) => apiGroup(apiVersion) === group)
      .map(([apiVersion, set]) => ({ apiVersion, kinds: [...set].sort() }))
      .sort(byApiVersion);
    const crds = apis.flatMap((a) => a.kinds.map((k) => ({ name: crdServing(a.apiVersion, k)!.name, version: a.apiVersion.split('/')[1] })));
    // Stryker disable next-line ConditionalExpression,MethodExpression,ArrowFunction: equivalent while each operator has one MINIMUM entry (compareReleases is tested on its own) and ScrapeConfig is our only monitoring.coreos.com/v1alpha1 kind
    const minimum = MINIMUM.filter((m) => apis.some((a) => a.apiVersion === m.apiVersion && (!m.kind || a.kinds.includes(m.kind)))).sort((a, b) =>
      compareReleases(b.version, a.version),
    )[0];
    return {
      operator: OPERATORS[group] ?? group, // every CRD group of imports/crds is named above
      minimumVersion: minimum?.version,
      why: minimum?.why,
      apis,
      // Stryker disable next-line EqualityOperator: equivalent, no name repeats (each kind is rendered under one API version of its group)
      crds: crds.sort((a, b) => (a.name < b.name ? -1 : 1)),
      checkedWith: crdServing(apis[0].apiVersion, apis[0].kinds[0])!.checkedWith,
    };
  });
}

/** `External Secrets Operator ≥ 0.17`, or just the name when any release will do. */
export function describePrerequisite(p: Prerequisite): string {
  return p.minimumVersion ? `${p.operator} ≥ ${p.minimumVersion}` : p.operator;
}

/** The README section: what to install first, and how to check a cluster. */
export function prerequisitesMarkdown(prerequisites: readonly Prerequisite[]): string[] {
  if (prerequisites.length === 0) return ['Nothing: every object uses APIs Kubernetes serves itself.'];
  return [
    'Install these before applying; `npm run validate -- --site <site file> --cluster <kubeconfig>` reports what a cluster is missing.',
    '',
    '| Operator | Minimum version | API | Kinds | CRDs | Schemas checked against |',
    '| --- | --- | --- | --- | --- | --- |',
    ...prerequisites.map(
      (p) =>
        `| ${p.operator} | ${p.minimumVersion ? `${p.minimumVersion} (${p.why})` : 'any release'} | ${p.apis.map((a) => `\`${a.apiVersion}\``).join('<br>')} | ${p.apis.flatMap((a) => a.kinds).join(', ')} | ${p.crds.map((c) => `\`${c.name}\``).join('<br>')} | \`${p.checkedWith}\` |`,
    ),
  ];
}

/** What a cluster lacks of one prerequisite CRD, or undefined when it serves it. */
export interface MissingCrd {
  readonly prerequisite: Prerequisite;
  readonly crd: string;
  readonly problem: string;
}

/**
 * Asks a live cluster (through kubectl and the given kubeconfig, so every auth plugin works) which
 * prerequisite CRDs it serves. Throws with kubectl's message when the cluster cannot be asked.
 */
export function missingOnCluster(prerequisites: readonly Prerequisite[], kubeconfig: string, kubectl = process.env.KUBECTL ?? 'kubectl'): MissingCrd[] {
  const wanted = prerequisites.flatMap((p) => p.crds.map((c) => ({ p, c })));
  if (wanted.length === 0) return [];
  const names = [...new Set(wanted.map((w) => w.c.name))];
  // Names and served versions only: whole CRDs run to megabytes.
  const columns = 'custom-columns=NAME:.metadata.name,SERVED:.spec.versions[?(@.served==true)].name';
  const r = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'customresourcedefinitions', '--ignore-not-found', '--no-headers', '-o', columns, ...names], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw new Error(`cannot run ${kubectl}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${kubectl} get customresourcedefinitions failed: ${r.stderr.trim()}`);
  const live = new Map(
    r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/))
      .map(([name, served]) => {
        // two columns, as asked: anything else is not kubectl's answer (a wrapper's banner, an old kubectl)
        if (served === undefined) throw new Error(`${kubectl} printed a line without the served versions column: ${JSON.stringify(name.slice(0, 100))}`);
        return [name, served === '<none>' ? [] : served.split(',')] as const;
      }),
  );
  const missing: MissingCrd[] = [];
  for (const { p, c } of wanted) {
    const served = live.get(c.name);
    if (!served) missing.push({ prerequisite: p, crd: c.name, problem: 'not installed' });
    else if (!served.includes(c.version)) {
      missing.push({ prerequisite: p, crd: c.name, problem: `installed, but does not serve ${c.version} (served: ${served.join(', ') || 'none'})` });
    }
  }
  return missing;
}
