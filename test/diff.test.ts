import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, EXIT_FINDINGS } from '../lib/cli/cli';
import { diffValues } from '../lib/output/diff';
import { captureCli } from './helpers/run-cli';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };

const cli = (args: string[]) => captureCli(args, REGISTRY);

describe('diffValues', () => {
  it('reports changed, added and removed fields with their paths', () => {
    expect(
      diffValues(
        { spec: { replicas: 1, template: { metadata: { labels: { a: 'x', 'app.kubernetes.io/name': 'n' } } } } },
        { spec: { replicas: 2, template: { metadata: { labels: { b: 'y', 'app.kubernetes.io/name': 'n' } } } } },
      ),
    ).toEqual([
      { op: 'changed', path: 'spec.replicas', before: 1, after: 2 },
      { op: 'removed', path: 'spec.template.metadata.labels.a', before: 'x' },
      { op: 'added', path: 'spec.template.metadata.labels.b', after: 'y' },
    ]);
  });

  it('compares lists item by item', () => {
    expect(diffValues({ l: [{ n: 1 }, { n: 2 }] }, { l: [{ n: 1 }, { n: 3 }, { n: 4 }] })).toEqual([
      { op: 'changed', path: 'l[1].n', before: 2, after: 3 },
      { op: 'added', path: 'l[2]', after: { n: 4 } },
    ]);
  });

  it('quotes keys that would be ambiguous', () => {
    expect(diffValues({ data: { '.dockerconfigjson': 'a' } }, { data: { '.dockerconfigjson': 'b' } })[0].path).toBe('data[".dockerconfigjson"]');
  });

  it('matches list items by name, so an inserted container or env var is one added item', () => {
    const before = { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }] };
    const after = { containers: [{ name: 'new', image: 'z:1' }, { name: 'a', image: 'x:2' }, { name: 'b', image: 'y:1' }] };
    expect(diffValues(before, after)).toEqual([
      { op: 'added', path: 'containers[name=new]', after: { name: 'new', image: 'z:1' } },
      { op: 'changed', path: 'containers[name=a].image', before: 'x:1', after: 'x:2' },
    ]);
    expect(diffValues({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { env: [{ name: 'B', value: '2' }] })).toEqual([
      { op: 'removed', path: 'env[name=A]', before: { name: 'A', value: '1' } },
    ]);
  });

  it('matches mounts by path and ports by number when they have no name, and reports a new order once', () => {
    expect(diffValues({ m: [{ mountPath: '/a', readOnly: true }] }, { m: [{ mountPath: '/a', readOnly: false }] })).toEqual([
      { op: 'changed', path: 'm[mountPath=/a].readOnly', before: true, after: false },
    ]);
    expect(diffValues({ ports: [{ containerPort: 80 }, { containerPort: 443 }] }, { ports: [{ containerPort: 443 }, { containerPort: 80 }] })).toEqual([
      { op: 'changed', path: 'ports (order)', before: [80, 443], after: [443, 80] },
    ]);
  });

  it('compares by position where order is the meaning: plain values, or items without a unique key', () => {
    expect(diffValues({ args: ['-v', '4'] }, { args: ['-v', '6'] })).toEqual([{ op: 'changed', path: 'args[1]', before: '4', after: '6' }]);
    const twins = [{ name: 'same', x: 1 }, { name: 'same', x: 2 }];
    expect(diffValues({ l: twins }, { l: [twins[1], twins[0]] }).map((c) => c.path)).toEqual(['l[0].x', 'l[1].x']);
  });

  it('finds nothing in equal values', () => {
    expect(diffValues({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });
});

describe('npm run diff', () => {
  let root: string;
  let site: string;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'ehc-diff-'));
    expect((await cli(['synth', '--out', root, '--no-validate'])).code).toBe(0);
    site = join(root, 'example');
  });

  const edit = (path: string, fn: (text: string) => string) => writeFileSync(join(site, path), fn(readFileSync(join(site, path), 'utf8')));

  it('exits 0 when the committed output is what the config renders', async () => {
    const { code, out } = await cli(['diff', '--against', root]);
    expect(code).toBe(0);
    expect(out).toEqual([`example: identical to ${site}/`]);
  });

  it('exits 1 and shows the changed field of the object', async () => {
    edit('61-web-api.yaml', (t) => t.replace(/replicas: 2/, 'replicas: 5'));
    const { code, out } = await cli(['diff', '--against', root]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out).toEqual([`example: 1 difference(s) against ${site}/`, '  ~ Deployment web/web-api (61-web-api.yaml)', '      spec.replicas: 5 → 2']);
  });

  it('reports objects the render adds and removes', async () => {
    // drop the Service from the committed file, and commit an object the config does not render
    edit('61-web-api.yaml', (t) => {
      const docs = parseAllDocuments(t) as { toJS(): { kind: string } }[];
      return docs
        .map((d) => d.toJS())
        .filter((o) => o.kind !== 'Service')
        .map((o) => `---\n${stringify(o)}`)
        .join('');
    });
    appendFileSync(join(site, '61-web-api.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale\n  namespace: web\n');
    const { code, out } = await cli(['diff', '--against', root]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out).toContain('  + Service web/web-api (61-web-api.yaml)');
    expect(out).toContain('  - ConfigMap web/stale (61-web-api.yaml)');
  });

  it('shows a multi-line field as a line diff', async () => {
    edit('never-pruned/10-coredns.yaml', (t) => t.replace('cache 30', 'cache 60'));
    const { out } = await cli(['diff', '--against', root]);
    const text = out.join('\n');
    expect(text).toContain('  ~ ConfigMap kube-system/coredns (never-pruned/10-coredns.yaml)');
    expect(text).toMatch(/data\.Corefile: \(text\)\n.*\n\s+-\s+cache 60\n\s+\+\s+cache 30/);
  });

  it('reports formatting-only changes of a chart file as a file change', async () => {
    edit('61-web-api.yaml', (t) => `# hand edit\n${t}`);
    const { code, out } = await cli(['diff', '--against', root]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out[1]).toBe('  ~ file 61-web-api.yaml');
    expect(out).toContain('      -# hand edit');
  });

  it('reports extra files that differ, are missing or are left over', async () => {
    edit('nodes/gpu-h100.nodeconfig.yaml', (t) => t.replace('maxPods: 110', 'maxPods: 100'));
    rmSync(join(site, 'COST.md'));
    writeFileSync(join(site, 'nodes', 'retired-pool.nodeconfig.yaml'), 'kind: NodeConfig\n');
    const { code, out } = await cli(['diff', '--against', root]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out).toContain('  + file COST.md');
    expect(out).toContain('  - file nodes/retired-pool.nodeconfig.yaml');
    expect(out).toContain('  ~ file nodes/gpu-h100.nodeconfig.yaml');
    expect(out).toContain('      -      maxPods: 100');
    expect(out).toContain('      +      maxPods: 110');
  });

  it('names a changed container by its name, not its position', async () => {
    edit('61-web-api.yaml', (t) => t.replace(/image: (\S+)/, 'image: $1-old'));
    const { out } = await cli(['diff', '--against', root]);
    expect(out.some((l) => /^ {6}spec\.template\.spec\.containers\[name=[a-z-]+\]\.image: ".*-old" → /.test(l))).toBe(true);
  });

  it('does not count manifest.json hashes of files reported anyway as a difference', async () => {
    // a stale commit: the chart file and its hash in manifest.json both differ from a fresh render
    edit('61-web-api.yaml', (t) => t.replace(/replicas: 2/, 'replicas: 5'));
    const stale = createHash('sha256').update(readFileSync(join(site, '61-web-api.yaml'))).digest('hex');
    edit('manifest.json', (t) => {
      const m = JSON.parse(t);
      m.files['61-web-api.yaml'] = stale;
      return `${JSON.stringify(m, null, 2)}\n`;
    });
    const { out } = await cli(['diff', '--against', root]);
    expect(out).toEqual([`example: 1 difference(s) against ${site}/`, '  ~ Deployment web/web-api (61-web-api.yaml)', '      spec.replicas: 5 → 2']);
  });

  it('reports what else changed in manifest.json field by field', async () => {
    edit('manifest.json', (t) => t.replace('"kubernetesVersion": "1.33"', '"kubernetesVersion": "1.32"'));
    const { out } = await cli(['diff', '--against', root]);
    expect(out).toEqual([`example: 1 difference(s) against ${site}/`, '  ~ file manifest.json', '      kubernetesVersion: "1.32" → "1.33"']);
  });

  it('compares JSON files field by field, with a multi-line string inside as lines', async () => {
    edit('addons/coredns-configuration-values.json', (t) => t.replace('cache 30', 'cache 60'));
    const { out } = await cli(['diff', '--against', root]);
    const text = out.join('\n');
    expect(text).toContain('  ~ file addons/coredns-configuration-values.json');
    expect(text).toMatch(/corefile: \(text\)\n.*\n\s+-\s+cache 60\n\s+\+\s+cache 30/);
  });

  it('cuts long changes after a screenful and says how to see them; --full shows every line', async () => {
    edit('nodes/gpu-h100.nodeconfig.yaml', (t) => t.replace(/^/gm, '#'));
    const cut = await cli(['diff', '--against', root]);
    expect(cut.out.at(-1)).toMatch(/^ {6}… \d+ more line\(s\) \(--full shows them\)$/);
    const full = await cli(['diff', '--against', root, '--full']);
    expect(full.out.join('\n')).not.toContain('more line(s)');
    expect(full.out.length).toBeGreaterThan(cut.out.length);
  });

  it('--output json: one document for CI bots, same exit codes', async () => {
    const same = await cli(['diff', '--against', root, '--output', 'json']);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.out.join('\n'))).toEqual({ sites: [{ site: 'example', against: site, exists: true, identical: true, objects: [], files: [] }], orphans: [] });
    edit('61-web-api.yaml', (t) => t.replace(/replicas: 2/, 'replicas: 5'));
    const changed = await cli(['diff', '--against', root, '--output', 'json']);
    expect(changed.code).toBe(EXIT_FINDINGS);
    expect(changed.out).toHaveLength(1);
    const report = JSON.parse(changed.out[0]);
    expect(report.sites[0]).toMatchObject({ identical: false, files: [] });
    expect(report.sites[0].objects).toEqual([
      { op: 'changed', object: 'Deployment web/web-api', file: '61-web-api.yaml', fromFile: '61-web-api.yaml', changes: [{ op: 'changed', path: 'spec.replicas', before: 5, after: 2 }] },
    ]);
    expect((await cli(['diff', '--against', root, '--output', 'xml'])).code).toBe(EXIT_BAD_INPUT);
  });

  it('reports everything as new when the site was never synthesized', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ehc-diff-empty-'));
    const { code, out } = await cli(['diff', '--against', empty]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out[0]).toMatch(/^example: \d+ difference\(s\) against .*\(no such folder: everything is new\)$/);
  });

  it('exits 2 on a bad site file or a missing --against folder', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'ehc-diff-bad-')), 'bad.yaml');
    writeFileSync(bad, 'name: Not_A_Label\n');
    const badSite = await cli(['diff', '--site', bad, '--against', root]);
    expect(badSite.code).toBe(EXIT_BAD_INPUT);
    expect(badSite.err.join('\n')).toContain(`${bad}: name: must be a DNS-1123 label`);
    const missing = await cli(['diff', '--against', join(root, 'nope')]);
    expect(missing.code).toBe(EXIT_BAD_INPUT);
    expect(missing.err).toEqual([`--against: ${join(root, 'nope')}: no such directory`]);
    // a file is a mistyped flag too, not an output root in which everything is new
    const file = await cli(['diff', '--against', join(site, 'manifest.json')]);
    expect(file.code).toBe(EXIT_BAD_INPUT);
    expect(file.err).toEqual([`--against: ${join(site, 'manifest.json')}: no such directory`]);
  });
});

describe('npm run diff -- --all', () => {
  it('flags an output folder whose site file is gone (it would still be applied), exit 1', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ehc-diff-all-'));
    expect((await cli(['synth', '--all', '--out', root])).code).toBe(0);
    expect((await cli(['diff', '--all', '--against', root])).code).toBe(0);
    // a site that was rendered once and whose file was deleted since
    cpSync(join(root, 'example'), join(root, 'old-lab'), { recursive: true });
    // a folder someone else put there is not ours to judge
    cpSync(join(root, 'example', 'nodes'), join(root, 'notes'), { recursive: true });
    const r = await cli(['diff', '--all', '--against', root]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toContain(`old-lab: ${join(root, 'old-lab')}/ has no site file in sites/ any more; delete the folder, or it stays applied`);
    expect(r.out.join('\n')).not.toContain('notes');
  });
});
