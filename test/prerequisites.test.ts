import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { runCli } from '../lib/cli/cli';
import { buildSite } from '../lib/pipeline/pipeline';
import { compareReleases, describePrerequisite, missingOnCluster, prerequisitesMarkdown, sitePrerequisites } from '../lib/validate/prerequisites';
import { siteVariantFile } from './helpers/site-variant';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
const prerequisitesOf = (file: string) => sitePrerequisites(buildSite(file, registry).result.files);

describe('prerequisites', () => {
  it('the example needs External Secrets Operator 0.17+ for external-secrets.io/v1, with both CRDs', () => {
    const [eso, ...rest] = prerequisitesOf('sites/example.yaml');
    expect(rest).toEqual([]);
    expect(describePrerequisite(eso)).toBe('External Secrets Operator ≥ 0.17');
    expect(eso.apis).toEqual([{ apiVersion: 'external-secrets.io/v1', kinds: ['ClusterSecretStore', 'ExternalSecret'] }]);
    expect(eso.crds).toEqual([
      { name: 'clustersecretstores.external-secrets.io', version: 'v1' },
      { name: 'externalsecrets.external-secrets.io', version: 'v1' },
    ]);
    expect(eso.checkedWith).toBe('github.com/external-secrets/external-secrets@v1.3.2');
  });

  it('the operator example also needs Prometheus Operator 0.65+ (ScrapeConfig) for its monitors', () => {
    const prometheus = prerequisitesOf('sites/example-operator.yaml').find((p) => p.operator === 'Prometheus Operator')!;
    expect(describePrerequisite(prometheus)).toBe('Prometheus Operator ≥ 0.65');
    expect(prometheus.crds.map((c) => `${c.name} ${c.version}`)).toEqual([
      'podmonitors.monitoring.coreos.com v1',
      'scrapeconfigs.monitoring.coreos.com v1alpha1',
      'servicemonitors.monitoring.coreos.com v1',
    ]);
  });

  it('sealed pull secrets need the Sealed Secrets controller instead, and no External Secrets', () => {
    const file = siteVariantFile({ pullSecrets: { mode: 'sealedSecret', sealedSecret: { scope: 'clusterWide', clusterWideEncryptedData: 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq' } } });
    expect(prerequisitesOf(file).map(describePrerequisite)).toEqual(['Sealed Secrets controller']);
  });

  it('a site without custom resources needs nothing', () => {
    expect(prerequisitesOf(siteVariantFile({ pullSecrets: { enabled: false } }))).toEqual([]);
  });

  it('are in the site README and on the synth line', async () => {
    const readme = buildSite('sites/example-operator.yaml', registry).output.find((f) => f.path === 'README.md')!.content;
    expect(readme).toContain('| External Secrets Operator | 0.17 (the first release serving external-secrets.io/v1) | `external-secrets.io/v1` | ClusterSecretStore, ExternalSecret |');
    expect(readme).toContain('`scrapeconfigs.monitoring.coreos.com`');
    const lines: string[] = [];
    const out = mkdtempSync(join(tmpdir(), 'ehc-prereq-'));
    expect(await runCli(['synth', '--site', 'sites/example-operator.yaml', '--out', out], registry, { out: (l) => lines.push(l), err: () => {} })).toBe(0);
    expect(lines[0]).toMatch(/; needs External Secrets Operator ≥ 0\.17, Prometheus Operator ≥ 0\.65$/);
  });

  it('validate --cluster without a kubeconfig file is bad input (exit 2)', async () => {
    const err: string[] = [];
    expect(await runCli(['validate', '--cluster', '/nonexistent/kubeconfig'], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('--cluster: /nonexistent/kubeconfig: no such kubeconfig file');
  });

  it('an answer that is not two columns is an error naming kubectl, not a crash', () => {
    const fake = join(mkdtempSync(join(tmpdir(), 'ehc-kubectl-')), 'kubectl');
    writeFileSync(fake, '#!/bin/sh\necho "externalsecrets.external-secrets.io"\n');
    chmodSync(fake, 0o755);
    expect(() => missingOnCluster(prerequisitesOf('sites/example.yaml'), '/dev/null', fake)).toThrow(
      `${fake} printed a line without the served versions column: "externalsecrets.external-secrets.io"`,
    );
  });

  it("reads kubectl's answer: a CRD that is missing, and one installed without the needed version (ESO older than 0.17)", () => {
    // kubectl's custom-columns output for the two CRDs, as the real kubectl prints it in test:cluster
    const fake = join(mkdtempSync(join(tmpdir(), 'ehc-kubectl-')), 'kubectl');
    writeFileSync(fake, '#!/bin/sh\necho "externalsecrets.external-secrets.io   v1beta1,v1alpha1"\n');
    chmodSync(fake, 0o755);
    const missing = missingOnCluster(prerequisitesOf('sites/example.yaml'), '/dev/null', fake);
    expect(missing.map((m) => `${m.crd}: ${m.problem}`)).toEqual([
      'clustersecretstores.external-secrets.io: not installed',
      'externalsecrets.external-secrets.io: installed, but does not serve v1 (served: v1beta1, v1alpha1)',
    ]);
  });

  it('are grouped per operator in API group order, each API, kind and CRD once and sorted, whatever order the objects come in', () => {
    const o = (apiVersion: string, kind: string, name: string): Manifest => ({ apiVersion, kind, metadata: { name, namespace: 'monitoring' } });
    const files = [
      { path: '50-a.yaml', chart: 'a', objects: [o('monitoring.coreos.com/v1alpha1', 'ScrapeConfig', 's'), o('monitoring.coreos.com/v1', 'ServiceMonitor', 'm'), o('v1', 'ConfigMap', 'c')] },
      { path: '60-b.yaml', chart: 'b', objects: [o('external-secrets.io/v1', 'ExternalSecret', 'e'), o('monitoring.coreos.com/v1', 'PodMonitor', 'p'), o('monitoring.coreos.com/v1', 'ServiceMonitor', 'm2')] },
      { path: '70-c.yaml', chart: 'c', objects: [o('argoproj.io/v1alpha1', 'ApplicationSet', 'a'), o('resource.k8s.io/v1', 'DeviceClass', 'd')] },
    ];
    const prerequisites = sitePrerequisites(files);
    expect(prerequisites).toEqual([
      {
        operator: 'Argo CD',
        minimumVersion: undefined,
        why: undefined,
        apis: [{ apiVersion: 'argoproj.io/v1alpha1', kinds: ['ApplicationSet'] }],
        crds: [{ name: 'applicationsets.argoproj.io', version: 'v1alpha1' }],
        checkedWith: 'github.com/argoproj/argo-cd/v3@v3.5.7',
      },
      {
        operator: 'External Secrets Operator',
        minimumVersion: '0.17',
        why: 'the first release serving external-secrets.io/v1',
        apis: [{ apiVersion: 'external-secrets.io/v1', kinds: ['ExternalSecret'] }],
        crds: [{ name: 'externalsecrets.external-secrets.io', version: 'v1' }],
        checkedWith: 'github.com/external-secrets/external-secrets@v1.3.2',
      },
      {
        operator: 'Prometheus Operator',
        minimumVersion: '0.65',
        why: 'the first release with the ScrapeConfig CRD',
        apis: [
          { apiVersion: 'monitoring.coreos.com/v1', kinds: ['PodMonitor', 'ServiceMonitor'] },
          { apiVersion: 'monitoring.coreos.com/v1alpha1', kinds: ['ScrapeConfig'] },
        ],
        crds: [
          { name: 'podmonitors.monitoring.coreos.com', version: 'v1' },
          { name: 'scrapeconfigs.monitoring.coreos.com', version: 'v1alpha1' },
          { name: 'servicemonitors.monitoring.coreos.com', version: 'v1' },
        ],
        checkedWith: 'github.com/prometheus-operator/prometheus-operator@v0.85.0',
      },
    ]);
    // the README table, one row per operator, every column
    expect(prerequisitesMarkdown(prerequisites)).toEqual([
      'Install these before applying; `npm run validate -- --site <site file> --cluster <kubeconfig>` reports what a cluster is missing.',
      '',
      '| Operator | Minimum version | API | Kinds | CRDs | Schemas checked against |',
      '| --- | --- | --- | --- | --- | --- |',
      `| Argo CD | any release | \`argoproj.io/v1alpha1\` | ApplicationSet | \`applicationsets.argoproj.io\` | \`${prerequisites[0].checkedWith}\` |`,
      '| External Secrets Operator | 0.17 (the first release serving external-secrets.io/v1) | `external-secrets.io/v1` | ExternalSecret | `externalsecrets.external-secrets.io` | `github.com/external-secrets/external-secrets@v1.3.2` |',
      '| Prometheus Operator | 0.65 (the first release with the ScrapeConfig CRD) | `monitoring.coreos.com/v1`<br>`monitoring.coreos.com/v1alpha1` | PodMonitor, ServiceMonitor, ScrapeConfig | `podmonitors.monitoring.coreos.com`<br>`scrapeconfigs.monitoring.coreos.com`<br>`servicemonitors.monitoring.coreos.com` | `github.com/prometheus-operator/prometheus-operator@v0.85.0` |',
    ]);
    // the same whatever the order of the objects (here every API version already in order)
    expect(sitePrerequisites([{ path: 'x.yaml', chart: 'x', objects: [...files].reverse().flatMap((f) => [...f.objects].reverse()) }])).toEqual(prerequisites);
    expect(sitePrerequisites([{ path: 'x.yaml', chart: 'x', objects: [o('monitoring.coreos.com/v1', 'PodMonitor', 'p'), o('monitoring.coreos.com/v1alpha1', 'ScrapeConfig', 's')] }])[0].apis.map((a) => a.apiVersion)).toEqual([
      'monitoring.coreos.com/v1',
      'monitoring.coreos.com/v1alpha1',
    ]);
    // Flux's two controllers, each named
    const flux = [o('source.toolkit.fluxcd.io/v1', 'GitRepository', 'g'), o('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'k')];
    expect(sitePrerequisites([{ path: 'x.yaml', chart: 'x', objects: flux }]).map(describePrerequisite)).toEqual(['Flux kustomize-controller', 'Flux source-controller']);
    // only the ScrapeConfig kind needs 0.65: monitors of v1 alone need any release
    expect(describePrerequisite(sitePrerequisites([{ path: 'x.yaml', chart: 'x', objects: [o('monitoring.coreos.com/v1', 'PodMonitor', 'p')] }])[0])).toBe('Prometheus Operator');
  });

  it('a README without prerequisites says so in one line', () => {
    expect(prerequisitesMarkdown([])).toEqual(['Nothing: every object uses APIs Kubernetes serves itself.']);
  });

  it('compares release numbers numerically, part by part, a missing part counting as 0', () => {
    expect(compareReleases('0.65', '0.17')).toBeGreaterThan(0);
    expect(compareReleases('0.9', '0.17')).toBeLessThan(0);
    expect(compareReleases('0.17', '0.17.1')).toBeLessThan(0);
    expect(compareReleases('0.17.1', '0.17')).toBeGreaterThan(0);
    expect(compareReleases('0.17.0', '0.17')).toBe(0);
    expect(compareReleases('1.3.2', '1.3.2')).toBe(0);
    expect(compareReleases('2', '10')).toBe(-8);
    expect([...['0.65', '0.17', '0.9', '1.0', '0.17.1']].sort(compareReleases)).toEqual(['0.9', '0.17', '0.17.1', '0.65', '1.0']);
  });
});

describe('missingOnCluster', () => {
  const eso = () => prerequisitesOf('sites/example.yaml');
  /** A kubectl stand-in: records its arguments, prints `stdout`, exits with `status`. */
  function fakeKubectl(stdout: string, status = 0, stderr = ''): { path: string; args: () => string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'ehc-kubectl-'));
    const path = join(dir, 'kubectl');
    writeFileSync(join(dir, 'out'), stdout);
    writeFileSync(path, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/args"\ncat "${dir}/out"\nprintf '%s' '${stderr}' >&2\nexit ${status}\n`);
    chmodSync(path, 0o755);
    return { path, args: () => readFileSync(join(dir, 'args'), 'utf8').trimEnd().split('\n') };
  }

  it('asks for the prerequisite CRDs by name, names and served versions only, through the given kubeconfig', () => {
    const kubectl = fakeKubectl('clustersecretstores.external-secrets.io   v1,v1beta1\nexternalsecrets.external-secrets.io   v1\n');
    expect(missingOnCluster(eso(), '/tmp/kc', kubectl.path)).toEqual([]);
    expect(kubectl.args()).toEqual([
      '--kubeconfig',
      '/tmp/kc',
      'get',
      'customresourcedefinitions',
      '--ignore-not-found',
      '--no-headers',
      '-o',
      'custom-columns=NAME:.metadata.name,SERVED:.spec.versions[?(@.served==true)].name',
      'clustersecretstores.external-secrets.io',
      'externalsecrets.external-secrets.io',
    ]);
  });

  it('uses $KUBECTL when no kubectl is given', () => {
    const kubectl = fakeKubectl('');
    vi.stubEnv('KUBECTL', kubectl.path);
    try {
      expect(missingOnCluster(eso(), '/tmp/kc').map((m) => m.problem)).toEqual(['not installed', 'not installed']);
      expect(kubectl.args()[1]).toBe('/tmp/kc');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('runs kubectl from the PATH without $KUBECTL', () => {
    vi.stubEnv('KUBECTL', undefined);
    vi.stubEnv('PATH', '/nonexistent');
    try {
      expect(() => missingOnCluster(eso(), '/tmp/kc')).toThrow('cannot run kubectl: spawnSync kubectl ENOENT');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('does not run kubectl when nothing is needed', () => {
    expect(missingOnCluster([], '/tmp/kc', '/nonexistent/kubectl')).toEqual([]);
  });

  it('tolerates blank lines and the padding kubectl puts around columns', () => {
    const kubectl = fakeKubectl('\n   \n  clustersecretstores.external-secrets.io   v1  \n\texternalsecrets.external-secrets.io\t<none>\n');
    expect(missingOnCluster(eso(), '/tmp/kc', kubectl.path)).toEqual([
      { prerequisite: eso()[0], crd: 'externalsecrets.external-secrets.io', problem: 'installed, but does not serve v1 (served: none)' },
    ]);
  });

  it('errors name kubectl: it cannot run, it fails (with its message), it prints something else (cut to 100 characters)', () => {
    expect(() => missingOnCluster(eso(), '/tmp/kc', '/nonexistent/kubectl')).toThrow('cannot run /nonexistent/kubectl: spawnSync /nonexistent/kubectl ENOENT');
    const failing = fakeKubectl('', 1, '  error: You must be logged in to the server (Unauthorized)\n');
    expect(() => missingOnCluster(eso(), '/tmp/kc', failing.path)).toThrow(
      new Error(`${failing.path} get customresourcedefinitions failed: error: You must be logged in to the server (Unauthorized)`),
    );
    const banner = fakeKubectl(`${'x'.repeat(150)}\n`);
    expect(() => missingOnCluster(eso(), '/tmp/kc', banner.path)).toThrow(new Error(`${banner.path} printed a line without the served versions column: "${'x'.repeat(100)}"`));
  });
});
