// lib/render/site-files.ts: what dist/<site>/ holds besides the objects: the kustomizations (what
// `kubectl apply -k` applies, and prunes) and manifest.json (what the files were made from, their hashes).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import pkg from '../package.json';
import { renderSite } from '../lib/render/render';
import { siteOutputFiles, toYaml } from '../lib/render/site-files';
import { loadSite } from '../lib/site/site';
import { setUp } from './helpers/set-up';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let files!: ReturnType<typeof siteOutputFiles>;
let site!: ReturnType<typeof loadSite>;
setUp(() => {
  site = loadSite('sites/example.yaml');
  files = siteOutputFiles(site, renderSite(site, CHARTS, ARTIFACTS));
});
const file = (path: string) => files.find((f) => f.path === path)?.content ?? '';

describe('the kustomizations', () => {
  it('the top one lists every chart file outside never-pruned, in path order, with the kind order of apply-order', () => {
    const top = parse(file('kustomization.yaml')) as { kind: string; resources: string[]; sortOptions: { order: string } };
    const charts = files.map((f) => f.path).filter((p) => /^\d\d-.*\.yaml$/.test(p));
    expect(top.kind).toBe('Kustomization');
    expect((top as unknown as { apiVersion: string }).apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(top.resources).toEqual(charts);
    expect(top.resources).not.toContain('never-pruned/10-coredns.yaml');
    expect(top.sortOptions.order).toBe('legacy');
  });

  it('never-pruned/ has its own, naming its files relative to itself; without such a chart there is none', () => {
    expect(parse(file('never-pruned/kustomization.yaml'))).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['10-coredns.yaml'] });
    const without = siteOutputFiles(site, renderSite(site, CHARTS.filter((c) => !c.neverPruned), ARTIFACTS)).map((f) => f.path);
    expect(without.filter((p) => p.startsWith('never-pruned/'))).toEqual([]);
    expect(without).toContain('kustomization.yaml');
  });

  it('each chart file is its objects as YAML documents, each opened by ---', () => {
    const namespaces = file('00-namespaces.yaml');
    expect(namespaces.startsWith('---\napiVersion: v1\nkind: Namespace\n')).toBe(true);
    expect(namespaces.split('---\n').slice(1).map((d) => (parse(d) as { kind: string }).kind).every((k) => k === 'Namespace')).toBe(true);
  });
});

describe('manifest.json', () => {
  it('names the generator, the site, its minor and its source, and hashes every other file, in path order', () => {
    const manifest = JSON.parse(file('manifest.json')) as Record<string, unknown> & { files: Record<string, string> };
    expect(manifest.generator).toEqual({ name: pkg.name, version: pkg.version });
    expect(manifest.site).toBe('example');
    expect(manifest.kubernetesVersion).toBe('1.33');
    const bytes = readFileSync('sites/example.yaml');
    expect(manifest.siteConfigSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifest.siteFiles).toEqual([{ file: 'example.yaml', sha256: manifest.siteConfigSha256 }]);
    const others = files.filter((f) => f.path !== 'manifest.json');
    expect(Object.keys(manifest.files)).toEqual(others.map((f) => f.path));
    expect(Object.keys(manifest.files)).toEqual([...Object.keys(manifest.files)].sort());
    for (const f of others) expect(manifest.files[f.path], f.path).toBe(sha256(f.content));
    expect(files.at(-1)?.path).toBe('manifest.json');
    expect(file('manifest.json').endsWith('}\n')).toBe(true);
  });

  it('a site that extends a base lists both files, the base first, relative to the site file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehc-site-files-'));
    mkdirSync(join(dir, 'bases'));
    copyFileSync('sites/example.yaml', join(dir, 'bases', 'base.yaml'));
    copyFileSync('sites/example-harbor-ca.crt', join(dir, 'bases', 'example-harbor-ca.crt'));
    writeFileSync(join(dir, 'lab.yaml'), 'extends: bases/base.yaml\nname: lab\n');
    const lab = loadSite(join(dir, 'lab.yaml'));
    const manifest = JSON.parse(siteOutputFiles(lab, renderSite(lab, CHARTS, ARTIFACTS)).find((f) => f.path === 'manifest.json')?.content ?? '{}') as {
      site: string;
      siteFiles: { file: string; sha256: string }[];
    };
    expect(manifest.site).toBe('lab');
    expect(manifest.siteFiles.map((f) => f.file)).toEqual(['bases/base.yaml', 'lab.yaml']);
    expect(manifest.siteFiles[1].sha256).toBe(sha256(readFileSync(join(dir, 'lab.yaml'), 'utf8')));
  });
});

describe('toYaml', () => {
  it('plain data as kubectl reads it (YAML 1.1 quoting), and what the direct emitter does not take through yaml', () => {
    expect(toYaml({ a: 'yes', b: '0755', c: [1, 'on'] })).toBe('a: "yes"\nb: "0755"\nc:\n  - 1\n  - "on"\n');
    expect(toYaml({ when: new Date(0) })).toBe('when: 1970-01-01\n'); // a Date: yaml's own stringify (YAML 1.1 timestamp)
  });
});
