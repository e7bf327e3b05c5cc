import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { runCli } from '../lib/cli/cli';
import { buildSite } from '../lib/pipeline/pipeline';
import { describePrerequisite, missingOnCluster, sitePrerequisites } from '../lib/validate/prerequisites';
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
});
