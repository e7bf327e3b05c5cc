import { WORKLOAD_WAVE } from '../render/apply-order';
import { GENERATOR_NAME } from '../core/labels';
import type { Manifest } from '../core/manifest';
import { manifestsToYaml } from '../render/site-files';
import { NEVER_PRUNED_DIR, SYNC_WAVE_ANNOTATION, type OutputFile } from '../render/render';
import type { Site } from '../site/site';

/**
 * Fleet delivery through Argo CD and Flux (`gitops.enabled`), written to dist/<site>/gitops/:
 * - argocd-applicationsets.yaml: two ApplicationSets whose Git files generators find every opted-in site by
 *   its generator file, so the same file from any site serves the whole fleet (apply one copy);
 * - argocd-site.json / argocd-never-pruned.json: those generator files (`sitePath`: the files generator's own
 *   `path` parameter is the generator file's folder);
 * - flux.yaml: a GitRepository and per site two pruned Kustomizations of the site folder (its prerequisites,
 *   then everything else, split by sync wave) and one for never-pruned/.
 * Nothing here is in a kustomization: it is applied to the Argo CD / Flux cluster, not by kubectl -k.
 */
export const GITOPS_DIR = 'gitops';
const SITE_PARAMS = 'argocd-site.json';
const NEVER_PRUNED_PARAMS = 'argocd-never-pruned.json';
const SOURCE_NAME = GENERATOR_NAME;
function labels(siteName?: string): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': GENERATOR_NAME, ...(siteName ? { 'app.kubernetes.io/part-of': siteName } : {}) };
}

function applicationSet(site: Site, name: string, paramsFile: string, prune: boolean, what: string): Manifest {
  const { gitops } = site.config;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: gitops.argocd.namespace, labels: labels() },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ git: { repoURL: gitops.repoURL, revision: gitops.revision, files: [{ path: `${gitops.path}/*/${GITOPS_DIR}/${paramsFile}` }] } }],
      template: {
        metadata: { name: `{{.name}}`, labels: { 'app.kubernetes.io/managed-by': GENERATOR_NAME, 'app.kubernetes.io/part-of': '{{.site}}' } },
        spec: {
          project: gitops.argocd.project,
          source: { repoURL: gitops.repoURL, targetRevision: gitops.revision, path: '{{.sitePath}}' },
          destination: { server: gitops.argocd.server },
          syncPolicy: {
            // prune: objects that left the config are deleted; never-pruned/ is never pruned, even by Argo CD
            automated: { prune, selfHeal: true },
            syncOptions: [
              'ServerSideApply=true',
              // the operators' CRDs come from their own Applications; retry until they are served
              'SkipDryRunOnMissingResource=true',
              ...(prune ? ['PruneLast=true'] : []),
            ],
            retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
          },
          info: [{ name: 'what', value: what }],
        },
      },
    },
  };
}

/**
 * A kustomize patch that leaves out every object whose sync-wave annotation matches `selector`: how one Flux
 * Kustomization applies only the prerequisites of the site folder and the other everything else.
 */
function dropObjects(selector: string): Record<string, unknown> {
  return { patch: '$patch: delete\nkind: Any\nmetadata:\n  name: any', target: { annotationSelector: selector } };
}

function fluxObjects(site: Site, neverPruned: boolean): Manifest[] {
  const { gitops, name } = site.config;
  const { namespace, interval, dependsOn } = gitops.flux;
  const kustomization = (objectName: string, path: string, prune: boolean, after: readonly string[], patches: readonly Record<string, unknown>[] = []): Manifest => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: objectName, namespace, labels: labels(name) },
    spec: {
      ...(after.length > 0 ? { dependsOn: after.map((d) => ({ name: d })) } : {}),
      interval,
      ...(patches.length > 0 ? { patches } : {}),
      path: `./${gitops.path}/${path}`,
      prune,
      sourceRef: { kind: 'GitRepository', name: SOURCE_NAME },
      timeout: '10m',
      wait: true,
    },
  });
  // The first-install order of lib/render/apply-order.ts, as Argo CD's waves: Flux orders only whole Kustomizations, so
  // the site folder is applied twice over, split by the sync-wave annotation every object carries on a gitops
  // site: first the prerequisites (waited for: the NFS claim Bound), then the rest. Each object is in exactly one.
  const prerequisites = `${name}-prerequisites`;
  return [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: SOURCE_NAME, namespace, labels: labels() },
      spec: { interval, ref: { branch: gitops.revision }, url: gitops.repoURL },
    },
    kustomization(prerequisites, name, true, dependsOn, [dropObjects(`${SYNC_WAVE_ANNOTATION}=${WORKLOAD_WAVE}`)]),
    kustomization(name, name, true, [...dependsOn, prerequisites], [dropObjects(`${SYNC_WAVE_ANNOTATION}!=${WORKLOAD_WAVE}`)]),
    ...(neverPruned ? [kustomization(`${name}-${NEVER_PRUNED_DIR}`, `${name}/${NEVER_PRUNED_DIR}`, false, [])] : []),
  ];
}

/** The gitops/ files of a site that has opted in (gitops.enabled: see ARTIFACTS). */
export function gitopsFiles(site: Site, neverPruned: boolean): OutputFile[] {
  const { name } = site.config;
  const sitePath = `${site.config.gitops.path}/${name}`;
  const params = (appName: string, path: string) => `${JSON.stringify({ name: appName, site: name, sitePath: path }, null, 2)}\n`;
  return [
    {
      path: `${GITOPS_DIR}/argocd-applicationsets.yaml`,
      content: manifestsToYaml([
        applicationSet(site, `${GENERATOR_NAME}-sites`, SITE_PARAMS, true, 'the site: pruned'),
        applicationSet(site, `${GENERATOR_NAME}-${NEVER_PRUNED_DIR}`, NEVER_PRUNED_PARAMS, false, 'objects EKS created: updated, never pruned'),
      ]),
    },
    { path: `${GITOPS_DIR}/${SITE_PARAMS}`, content: params(name, sitePath) },
    ...(neverPruned ? [{ path: `${GITOPS_DIR}/${NEVER_PRUNED_PARAMS}`, content: params(`${name}-${NEVER_PRUNED_DIR}`, `${sitePath}/${NEVER_PRUNED_DIR}`) }] : []),
    { path: `${GITOPS_DIR}/flux.yaml`, content: manifestsToYaml(fluxObjects(site, neverPruned)) },
  ];
}
