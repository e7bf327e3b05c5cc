// The README's overlay example is the pattern users copy for a new site: it must render as written,
// and nothing of the example's identity may reach its output.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXAMPLE_IDENTITY } from '../lib/site/advice';
import { buildSite } from '../lib/pipeline/pipeline';
import { loadSite } from '../lib/site/site';
import { loadSiteVariant } from './helpers/site-variant';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };

/** The README's yaml block that is `sites/lab.yaml`, written beside the base and a CA of its own. */
function readmeSite(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('# sites/lab.yaml\n'));
  if (!block) throw new Error('README has no yaml block for sites/lab.yaml');
  const sites = join(mkdtempSync(join(tmpdir(), 'ehc-readme-')), 'sites');
  mkdirSync(join(sites, 'base'), { recursive: true });
  copyFileSync('sites/base/gpu-fleet.yaml', join(sites, 'base', 'gpu-fleet.yaml'));
  copyFileSync('test/fixtures/registry/lab-harbor-ca.crt', join(sites, 'lab-harbor-ca.crt'));
  writeFileSync(join(sites, 'lab.yaml'), block);
  return join(sites, 'lab.yaml');
}

/** Strings that betray the example: its placeholders, and the body of its CA certificate. */
function exampleTraces(): string[] {
  const id = EXAMPLE_IDENTITY;
  const caBody = readFileSync('sites/example-harbor-ca.crt', 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
  return [id.clusterName, id.registryHostname, id.stubZone, id.nfs.server, id.awsAccount, id.robot, id.secretKey, ...id.cloudNodeGroups.map((g) => g.name), caBody[1]];
}

describe("the README's overlay example", () => {
  const file = readmeSite();

  it('renders as written with no finding and no warning', () => {
    const build = buildSite(file, registry);
    expect(build.site.warnings).toEqual([]);
    expect(build.findings).toEqual([]);
  });

  it('leaves no value of the example in any output file', () => {
    const build = buildSite(file, registry);
    const traces = exampleTraces();
    for (const f of build.output) for (const trace of traces) expect(f.content.includes(trace), `${f.path} contains ${trace}`).toBe(false);
    // the check can fail: the example's own output is full of them
    const example = buildSite('sites/example.yaml', registry).output.map((f) => f.content).join('\n');
    for (const trace of traces) expect(example.includes(trace), trace).toBe(true);
  });
});

describe('example values in a site that is not an example', () => {
  it('warns once per inherited value, naming its field', () => {
    const warned = loadSiteVariant({ name: 'prod' }).warnings.filter((w) => w.includes("still the example's value"));
    expect(warned.map((w) => w.split(':')[0])).toEqual([
      'cluster.name',
      'registry.hostname',
      'registry.caFile',
      'dns.stubZones[0].zone',
      'storage.nfs',
      'clusterAutoscaler.iamRoleArn',
      'pullSecrets.username',
      'pullSecrets.externalSecret.key',
      'cloudNodeGroups',
    ]);
  });

  it('says nothing for the examples themselves', () => {
    for (const site of ['sites/example.yaml', 'sites/example-operator.yaml']) {
      expect(loadSite(site).warnings.join('\n')).not.toContain("still the example's value");
    }
  });

  it('knows the example by what sites/example.yaml says, so the list cannot go stale', () => {
    const text = readFileSync('sites/example.yaml', 'utf8');
    const id = EXAMPLE_IDENTITY;
    for (const value of [id.clusterName, id.registryHostname, id.stubZone, id.nfs.server, id.nfs.path, id.awsAccount, id.robot, id.secretKey]) expect(text).toContain(value);
    for (const g of id.cloudNodeGroups) expect(text).toMatch(new RegExp(`name: ${g.name}\\n\\s+instanceType: ${g.instanceType.replace('.', '\\.')}`));
    expect(loadSite('sites/example.yaml').inputs.registryCa?.certificates[0].subject).toContain(`CN=${id.caSubjectCn}`);
  });
});
