// The CI gate a GitOps repository runs (`npm run diff -- --all`) compares every site in sites/ with its
// committed output: each site must have one, fresh, and dist/ holds nothing else.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { buildSite } from '../lib/pipeline/pipeline';
import { snapshotTree } from './helpers/tree';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
const siteFiles = readdirSync('sites').filter((n) => n.endsWith('.yaml')).sort();

describe('committed dist/', () => {
  it('has one folder per site file in sites/ and nothing else', () => {
    const names = siteFiles.map((f) => buildSite(join('sites', f), registry).site.config.name).sort();
    const folders = readdirSync('dist', { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    expect(folders).toEqual(names);
  });

  it.each(siteFiles)('dist/ output of sites/%s is exactly a fresh render (regenerate with `npm run synth -- --all`)', (file) => {
    const build = buildSite(join('sites', file), registry);
    const fresh = Object.fromEntries(build.output.map((f) => [f.path, Buffer.from(f.content).toString('base64')]));
    expect(snapshotTree(join('dist', build.site.config.name))).toEqual(fresh);
  });
});

describe('manifest.json', () => {
  it('lists every site file the config was read from, bases first, with the sha256 of its bytes', () => {
    const manifest = JSON.parse(readFileSync('dist/example-operator/manifest.json', 'utf8')) as { siteFiles: { file: string; sha256: string }[] };
    const hash = (file: string) => createHash('sha256').update(readFileSync(join('sites', file))).digest('hex');
    expect(manifest.siteFiles).toEqual([
      { file: 'example.yaml', sha256: hash('example.yaml') },
      { file: 'example-operator.yaml', sha256: hash('example-operator.yaml') },
    ]);
    const single = JSON.parse(readFileSync('dist/example/manifest.json', 'utf8')) as { siteFiles: unknown };
    expect(single.siteFiles).toEqual([{ file: 'example.yaml', sha256: hash('example.yaml') }]);
  });
});
