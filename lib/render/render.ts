import { App, type Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { syncWave } from './apply-order';
import { standardLabels, GENERATOR_VERSION } from '../core/labels';
import { describeObject, objectIdentity, type Manifest, type RenderedFile } from '../core/manifest';
import type { Site } from '../site/site';

/** A file of the site output that is not a cluster object (add-on values, NodeConfigs, reports). */
export interface OutputFile {
  /** Path relative to dist/<site>/. */
  readonly path: string;
  readonly content: string;
}

/** One component of the site: how to decide whether it renders, and how to build its chart. */
export interface ChartDefinition {
  /** File stem and chart id, e.g. `namespaces` → `00-namespaces.yaml`. */
  readonly id: string;
  /** Apply order: the two-digit file prefix. Namespaces and CRDs first. */
  readonly order: number;
  /** Value of `app.kubernetes.io/component` on its objects (unless an object sets its own). */
  readonly component: string;
  /** Value of `app.kubernetes.io/version`: the upstream version it deploys, else the generator's. */
  version?(site: Site): string;
  enabled(site: Site): boolean;
  build(scope: Construct, id: string, site: Site): Chart;
  /** Files that belong to the component but are not applied (e.g. EKS add-on configuration values). */
  files?(site: Site): OutputFile[];
  /**
   * Objects the cluster created that we update but must never delete (EKS's CoreDNS ConfigMap): written
   * under `never-pruned/` with their own kustomization.yaml, outside the pruned set of the site's root one.
   */
  readonly neverPruned?: boolean;
}

/** Folder of the chart files that are applied but never pruned. */
export const NEVER_PRUNED_DIR = 'never-pruned';

/** Argo CD's sync wave annotation (see syncWave in lib/render/apply-order.ts). */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** A site artefact that is derived from the whole rendered output (reports, NodeConfigs, eksctl config). */
export interface ArtifactDefinition {
  readonly id: string;
  enabled(site: Site): boolean;
  render(site: Site, files: readonly RenderedFile[]): OutputFile[];
}

export interface RenderResult {
  /** Cluster objects, one file per chart, in apply order. */
  readonly files: RenderedFile[];
  /** Everything else, sorted by path. */
  readonly extraFiles: OutputFile[];
}

/** Orders output files by path (plain string order, independent of the locale), for stable listings and hashes. */
export function byPath(a: { readonly path: string }, b: { readonly path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function chartFileName(def: Pick<ChartDefinition, 'id' | 'order' | 'neverPruned'>): string {
  const file = `${String(def.order).padStart(2, '0')}-${def.id}.yaml`;
  return def.neverPruned ? `${NEVER_PRUNED_DIR}/${file}` : file;
}

/**
 * Stamps the standard labels (the object's own win) and puts metadata in the order reviewers read it:
 * name, namespace, labels, annotations, then anything else.
 */
function withStandardLabels(object: Manifest, labels: Record<string, string>, extraAnnotations: Record<string, string>): Manifest {
  const { name, namespace, labels: own, annotations: ownAnnotations, ...rest } = object.metadata;
  const annotations = ownAnnotations === undefined && Object.keys(extraAnnotations).length === 0 ? undefined : { ...ownAnnotations, ...extraAnnotations };
  const metadata = {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...labels, ...own },
    ...(annotations === undefined ? {} : { annotations }),
    ...rest,
  };
  return { ...object, metadata };
}

/**
 * Renders a site in memory: builds every enabled chart in one cdk8s App, stamps the standard labels,
 * and checks that no two objects share kind, namespace and name. Writes nothing.
 */
export function renderSite(
  site: Site,
  charts: readonly ChartDefinition[],
  artifacts: readonly ArtifactDefinition[] = [],
): RenderResult {
  const orders = new Map<number, string>();
  for (const def of charts) {
    const taken = orders.get(def.order);
    if (taken) throw new Error(`charts ${taken} and ${def.id} share apply order ${def.order}`);
    orders.set(def.order, def.id);
  }
  const app = new App();
  const files: RenderedFile[] = [];
  /** Files that are not chart files, each with who writes it. */
  const extra: { file: OutputFile; by: string }[] = [];
  const seen = new Map<string, string>();
  for (const def of [...charts].sort((a, b) => a.order - b.order)) {
    if (!def.enabled(site)) continue;
    const chart = def.build(app, def.id, site);
    const labels = standardLabels(site.config.name, def.component, def.version?.(site) ?? GENERATOR_VERSION);
    // With gitops on, Argo CD follows the apply order of kubectl apply -k: prerequisites in an earlier sync wave.
    const waves = (o: Manifest): Record<string, string> => (site.config.gitops.enabled ? { [SYNC_WAVE_ANNOTATION]: syncWave(o.kind) } : {});
    const objects = (chart.toJson() as Manifest[]).map((o) => withStandardLabels(o, labels, waves(o)));
    const path = chartFileName(def);
    for (const o of objects) {
      const key = objectIdentity(o);
      const other = seen.get(key);
      if (other) throw new Error(`${describeObject(o)} is rendered twice: in ${other} and ${path}`);
      seen.set(key, path);
    }
    if (objects.length > 0) files.push({ path, chart: def.id, objects });
    extra.push(...(def.files?.(site) ?? []).map((file) => ({ file, by: `chart ${def.id}` })));
  }
  for (const artifact of artifacts) {
    if (artifact.enabled(site)) extra.push(...artifact.render(site, files).map((file) => ({ file, by: `artifact ${artifact.id}` })));
  }
  // one writer per path: a second file of the same name would silently replace the first in dist/
  const writers = new Map<string, string>(files.map((f) => [f.path, `chart ${f.chart}`]));
  for (const { file, by } of extra) {
    const other = writers.get(file.path);
    if (other) throw new Error(`${file.path} is written twice: by ${other} and ${by}`);
    writers.set(file.path, by);
  }
  return { files, extraFiles: extra.map((e) => e.file).sort(byPath) };
}
