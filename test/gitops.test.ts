import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import type { Manifest } from '../lib/core/manifest';
import { APPLY_FIRST, WORKLOAD_KINDS } from '../lib/render/apply-order';
import { buildSite, validationContext } from '../lib/pipeline/pipeline';
import { validateFiles } from '../lib/validate/validator';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
let build!: ReturnType<typeof buildSite>;
setUp(() => {
  build = buildSite('sites/example-gitops.yaml', registry);
});
const file = (path: string) => build.output.find((f) => f.path === path)?.content;
const objects = (path: string) => parseAllDocuments(file(path)!).map((d) => d.toJS() as Manifest);
const gitopsObjects = () => [...objects('gitops/argocd-applicationsets.yaml'), ...objects('gitops/flux.yaml')];
/** Schema findings of the Argo CD and Flux objects, against the CRDs generated from their Go modules. */
const schemaFindings = (list: readonly Manifest[]) =>
  validateFiles([{ path: 'gitops', chart: 'gitops', objects: list }], validationContext(build.site)).filter((f) => f.check === 'schema');

describe('gitops (Argo CD and Flux)', () => {
  it('is off unless a site opts in', () => {
    expect(buildSite('sites/example.yaml', registry).output.some((f) => f.path.startsWith('gitops/'))).toBe(false);
    expect(build.output.filter((f) => f.path.startsWith('gitops/')).map((f) => f.path)).toEqual([
      'gitops/argocd-applicationsets.yaml',
      'gitops/argocd-never-pruned.json',
      'gitops/argocd-site.json',
      'gitops/flux.yaml',
    ]);
  });

  it('every object passes the strict schema of the Argo CD / Flux CRDs', () => {
    expect(gitopsObjects().map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'argoproj.io/v1alpha1 ApplicationSet',
      'argoproj.io/v1alpha1 ApplicationSet',
      'source.toolkit.fluxcd.io/v1 GitRepository',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
    ]);
    expect(schemaFindings(gitopsObjects())).toEqual([]);
  });

  it('the schema check catches a misspelt sync option field and a wrong type', () => {
    const [appset] = objects('gitops/argocd-applicationsets.yaml') as any[];
    appset.spec.template.spec.syncPolicy.automated.prunne = true;
    const [, , kustomization] = gitopsObjects() as any[];
    kustomization.spec.prune = 'yes';
    const messages = schemaFindings([appset, kustomization]).map((f) => `${f.field}: ${f.message}`);
    expect(messages.some((m) => m.includes('prunne'))).toBe(true);
    expect(messages.some((m) => m.startsWith('spec.prune'))).toBe(true);
  });

  it('Argo CD: the site app prunes with server-side apply, never-pruned/ has its own app without pruning', () => {
    const [sites, neverPruned] = objects('gitops/argocd-applicationsets.yaml') as any[];
    expect(sites.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(sites.spec.template.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(neverPruned.spec.template.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(sites.spec.generators[0].git.files).toEqual([{ path: 'dist/*/gitops/argocd-site.json' }]);
    expect(JSON.parse(file('gitops/argocd-site.json')!)).toEqual({ name: 'example-gitops', site: 'example-gitops', sitePath: 'dist/example-gitops' });
    expect(JSON.parse(file('gitops/argocd-never-pruned.json')!)).toEqual({ name: 'example-gitops-never-pruned', site: 'example-gitops', sitePath: 'dist/example-gitops/never-pruned' });
  });

  it('Argo CD: every field of both ApplicationSets (go templates that fail on a missing key, retries, labels, what each app is)', () => {
    const REPO = 'https://git.example.com/platform/eks-hybrid-sites.git';
    const appSet = (name: string, params: string, prune: boolean, what: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name, namespace: 'argocd', labels: { 'app.kubernetes.io/managed-by': 'eks-hybrid-charts' } },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ git: { repoURL: REPO, revision: 'main', files: [{ path: `dist/*/gitops/${params}` }] } }],
        template: {
          metadata: { name: '{{.name}}', labels: { 'app.kubernetes.io/managed-by': 'eks-hybrid-charts', 'app.kubernetes.io/part-of': '{{.site}}' } },
          spec: {
            project: 'default',
            source: { repoURL: REPO, targetRevision: 'main', path: '{{.sitePath}}' },
            destination: { server: 'https://kubernetes.default.svc' },
            syncPolicy: {
              automated: { prune, selfHeal: true },
              syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', ...(prune ? ['PruneLast=true'] : [])],
              retry: { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
            },
            info: [{ name: 'what', value: what }],
          },
        },
      },
    });
    const [sites, neverPruned] = objects('gitops/argocd-applicationsets.yaml') as any[];
    expect(sites).toEqual(appSet('eks-hybrid-charts-sites', 'argocd-site.json', true, 'the site: pruned'));
    expect(neverPruned).toEqual(appSet('eks-hybrid-charts-never-pruned', 'argocd-never-pruned.json', false, neverPruned.spec.template.spec.info[0].value));
    expect(neverPruned.spec.template.spec.info[0].value).toMatch(/^objects EKS created/);
  });

  it('Flux: every field of the GitRepository and the three Kustomizations', () => {
    const labels = { 'app.kubernetes.io/managed-by': 'eks-hybrid-charts', 'app.kubernetes.io/part-of': 'example-gitops' };
    const common = { interval: '10m', sourceRef: { kind: 'GitRepository', name: 'eks-hybrid-charts' }, timeout: '10m', wait: true };
    const keepOnly = (selector: string) => [{ patch: '$patch: delete\nkind: Any\nmetadata:\n  name: any', target: { annotationSelector: selector } }];
    const meta = (name: string) => ({ name, namespace: 'flux-system', labels });
    expect(objects('gitops/flux.yaml')).toEqual([
      {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'eks-hybrid-charts', namespace: 'flux-system', labels: { 'app.kubernetes.io/managed-by': 'eks-hybrid-charts' } },
        spec: { interval: '10m', ref: { branch: 'main' }, url: 'https://git.example.com/platform/eks-hybrid-sites.git' },
      },
      { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: meta('example-gitops-prerequisites'), spec: { ...common, patches: keepOnly('argocd.argoproj.io/sync-wave=0'), path: './dist/example-gitops', prune: true } },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: meta('example-gitops'),
        spec: { ...common, dependsOn: [{ name: 'example-gitops-prerequisites' }], patches: keepOnly('argocd.argoproj.io/sync-wave!=0'), path: './dist/example-gitops', prune: true },
      },
      { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: meta('example-gitops-never-pruned'), spec: { ...common, path: './dist/example-gitops/never-pruned', prune: false } },
    ]);
  });

  it('Argo CD sync waves follow the apply order of kubectl apply -k: prerequisites in wave -1, workloads in wave 0', () => {
    const all = build.result.files.flatMap((f) => f.objects);
    const wave = (o: (typeof all)[number]) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    const wavesOf = (kinds: readonly string[]) => [...new Set(all.filter((o) => kinds.includes(o.kind)).map(wave))];
    expect(wavesOf(['Namespace', 'ServiceAccount', 'RuntimeClass', 'DeviceClass', 'ResourceClaimTemplate', 'PersistentVolume', 'PersistentVolumeClaim'])).toEqual(['-1']);
    expect(wavesOf(WORKLOAD_KINDS)).toEqual(['0']);
    // every kind the output has is in one of the two waves, by the same list kustomization.yaml sorts by
    for (const o of all) expect(wave(o), `${o.kind} ${o.metadata.name}`).toBe(APPLY_FIRST.includes(o.kind) ? '-1' : '0');
    // the example's prerequisites are really there, so the check above is not vacuous
    for (const kind of ['RuntimeClass', 'DeviceClass', 'ResourceClaimTemplate', 'PersistentVolumeClaim', 'DaemonSet', 'Job', 'Pod']) {
      expect(all.some((o) => o.kind === kind), kind).toBe(true);
    }
  });

  it('only gitops sites carry sync waves', () => {
    const plain = buildSite('sites/example.yaml', registry);
    expect(plain.result.files.flatMap((f) => f.objects).filter((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toEqual([]);
  });

  it('Flux: the site prunes and waits, depends on the operator Kustomizations named in the config, never-pruned/ does not prune', () => {
    const flux = (overrides: Record<string, unknown>) =>
      parseAllDocuments(buildSite(siteVariantFile(overrides), registry).output.find((f) => f.path === 'gitops/flux.yaml')!.content).map((d) => d.toJS());
    const [source, prerequisites, site, neverPruned] = flux({ gitops: { enabled: true, repoURL: 'https://git.example.com/x.git', flux: { dependsOn: ['external-secrets'] } } });
    expect(source.spec.url).toBe('https://git.example.com/x.git');
    expect(prerequisites.metadata.name).toBe('example-prerequisites');
    expect(prerequisites.spec).toMatchObject({ path: './dist/example', prune: true, wait: true, dependsOn: [{ name: 'external-secrets' }] });
    expect(site.spec).toMatchObject({ path: './dist/example', prune: true, wait: true, dependsOn: [{ name: 'external-secrets' }, { name: 'example-prerequisites' }] });
    expect(neverPruned.spec).toMatchObject({ path: './dist/example/never-pruned', prune: false });
  });

  it('Flux: the prerequisites Kustomization keeps only wave -1, the site one only wave 0 (kubectl -k order as Kustomizations)', () => {
    const [, prerequisites, site] = objects('gitops/flux.yaml') as any[];
    const dropped = (k: any) => k.spec.patches.map((p: any) => [p.target.annotationSelector, p.patch]);
    expect(dropped(prerequisites)).toEqual([['argocd.argoproj.io/sync-wave=0', '$patch: delete\nkind: Any\nmetadata:\n  name: any']]);
    expect(dropped(site)).toEqual([['argocd.argoproj.io/sync-wave!=0', '$patch: delete\nkind: Any\nmetadata:\n  name: any']]);
    expect(site.spec.dependsOn).toEqual([{ name: 'example-gitops-prerequisites' }]);
  });

  it('without never-pruned objects (CoreDNS off): no never-pruned parameters file and no never-pruned Kustomization', () => {
    const out = buildSite(siteVariantFile({ coredns: { enabled: false }, gitops: { enabled: true, repoURL: 'https://git.example.com/x.git' } }), registry).output;
    expect(out.filter((f) => f.path.startsWith('gitops/')).map((f) => f.path)).toEqual(['gitops/argocd-applicationsets.yaml', 'gitops/argocd-site.json', 'gitops/flux.yaml']);
    const flux = parseAllDocuments(out.find((f) => f.path === 'gitops/flux.yaml')!.content).map((d) => (d.toJS() as Manifest).metadata.name);
    expect(flux).toEqual(['eks-hybrid-charts', 'example-prerequisites', 'example']);
  });

  it('gitops without repoURL is bad input', () => {
    expect(() => buildSite(siteVariantFile({ gitops: { enabled: true } }), registry)).toThrow(/gitops\.repoURL: is required when gitops\.enabled is true/);
  });
});
