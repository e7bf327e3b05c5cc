import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Manifest } from '../lib/core/manifest';
import { diffObjects, diffSiteOutput, diffValues, type FieldChange, type FileDiff, formatSiteDiff, isIdentical, type ObjectDiff, redactSecretChanges } from '../lib/output/diff';
import type { OutputFile } from '../lib/render/render';

// Small hand-made objects and folders: each test states its input and the whole expected answer.

const cm = (name: string, data: Record<string, string> = {}): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data });
const yaml = (...objects: readonly unknown[]): string => objects.map((o) => stringify(o)).join('---\n');
const charts = (entries: Record<string, readonly Manifest[]>): Map<string, readonly Manifest[]> => new Map(Object.entries(entries));
const output = (files: Record<string, string>): OutputFile[] => Object.entries(files).map(([path, content]) => ({ path, content }));

/** A committed site folder holding `files` (path → text), nested folders made as needed. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-diff-units-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** diffSiteOutput of a render (`ours`, with its chart files' objects) against a folder holding `committed`. */
function siteDiff(committed: Record<string, string>, ours: Record<string, string>, objects: Record<string, readonly Manifest[]> = {}) {
  return diffSiteOutput(output(ours), charts(objects), folder(committed));
}

describe('isIdentical', () => {
  it('is true only when no object and no file differs', () => {
    expect(isIdentical({ objects: [], files: [] })).toBe(true);
    expect(isIdentical({ objects: [{ op: 'added', object: 'ConfigMap ns/a', file: 'a.yaml' }], files: [] })).toBe(false);
    expect(isIdentical({ objects: [], files: [{ op: 'removed', path: 'README.md' }] })).toBe(false);
  });
});

describe('diffValues', () => {
  it('names a change of the whole value (root)', () => {
    expect(diffValues(1, 2)).toEqual([{ op: 'changed', path: '(root)', before: 1, after: 2 }]);
    expect(diffValues('same', 'same')).toEqual([]);
  });

  it('reports a record replaced by a scalar, or the reverse, as one change', () => {
    expect(diffValues({ a: 1 }, 5)).toEqual([{ op: 'changed', path: '(root)', before: { a: 1 }, after: 5 }]);
    expect(diffValues(5, { a: 1 })).toEqual([{ op: 'changed', path: '(root)', before: 5, after: { a: 1 } }]);
  });

  it('reports a list replaced by a string, or the reverse, as one change', () => {
    expect(diffValues({ l: [1] }, { l: 'x' })).toEqual([{ op: 'changed', path: 'l', before: [1], after: 'x' }]);
    expect(diffValues({ l: 'x' }, { l: [1] })).toEqual([{ op: 'changed', path: 'l', before: 'x', after: [1] }]);
  });

  it('reports items removed from the end of a positional list, each at its index', () => {
    expect(diffValues({ args: ['a', 'b', 'c'] }, { args: ['a'] })).toEqual([
      { op: 'removed', path: 'args[1]', before: 'b' },
      { op: 'removed', path: 'args[2]', before: 'c' },
    ]);
    expect(diffValues(['a'], ['a', 'b'])).toEqual([{ op: 'added', path: '[1]', after: 'b' }]);
  });

  it('compares a list holding null items by position', () => {
    expect(diffValues({ l: [null, { name: 'a' }] }, { l: [null, { name: 'b' }] })).toEqual([{ op: 'changed', path: 'l[1].name', before: 'a', after: 'b' }]);
  });

  it('matches items by each identifying field when it is the only one: devicePath, port, ip', () => {
    expect(diffValues({ d: [{ devicePath: '/dev/a', x: 1 }] }, { d: [{ devicePath: '/dev/b', x: 1 }, { devicePath: '/dev/a', x: 2 }] })).toEqual([
      { op: 'added', path: 'd[devicePath=/dev/b]', after: { devicePath: '/dev/b', x: 1 } },
      { op: 'changed', path: 'd[devicePath=/dev/a].x', before: 1, after: 2 },
    ]);
    expect(diffValues({ ports: [{ port: 80, targetPort: 8080 }] }, { ports: [{ port: 443, targetPort: 8443 }, { port: 80, targetPort: 9090 }] })).toEqual([
      { op: 'added', path: 'ports[port=443]', after: { port: 443, targetPort: 8443 } },
      { op: 'changed', path: 'ports[port=80].targetPort', before: 8080, after: 9090 },
    ]);
    expect(diffValues({ hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }] }, { hostAliases: [{ ip: '10.0.0.2', hostnames: ['b'] }, { ip: '10.0.0.1', hostnames: ['c'] }] })).toEqual([
      { op: 'added', path: 'hostAliases[ip=10.0.0.2]', after: { ip: '10.0.0.2', hostnames: ['b'] } },
      { op: 'changed', path: 'hostAliases[ip=10.0.0.1].hostnames[0]', before: 'a', after: 'c' },
    ]);
    expect(diffValues({ p: [{ containerPort: 80, protocol: 'TCP' }] }, { p: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 80, protocol: 'UDP' }] })).toEqual([
      { op: 'added', path: 'p[containerPort=53]', after: { containerPort: 53, protocol: 'UDP' } },
      { op: 'changed', path: 'p[containerPort=80].protocol', before: 'TCP', after: 'UDP' },
    ]);
  });

  it('prefers name over mountPath, and falls back to mountPath when names repeat (volumeMounts of one volume)', () => {
    expect(diffValues({ v: [{ name: 'a', mountPath: '/x', r: 1 }] }, { v: [{ name: 'a', mountPath: '/y', r: 1 }] })).toEqual([
      { op: 'changed', path: 'v[name=a].mountPath', before: '/x', after: '/y' },
    ]);
    const mounts = [
      { name: 'cfg', mountPath: '/etc/a', subPath: 'a' },
      { name: 'cfg', mountPath: '/etc/b', subPath: 'b' },
    ];
    expect(diffValues({ m: mounts }, { m: [{ ...mounts[1], subPath: 'c' }, mounts[0]] })).toEqual([
      { op: 'changed', path: 'm[mountPath=/etc/b].subPath', before: 'b', after: 'c' },
      { op: 'changed', path: 'm (order)', before: ['/etc/a', '/etc/b'], after: ['/etc/b', '/etc/a'] },
    ]);
  });

  it('does not match items by a field that is not a string or number', () => {
    const t = { name: true, x: 1 };
    const f = { name: false, x: 2 };
    expect(diffValues({ l: [t, f] }, { l: [f, t] })).toEqual([
      { op: 'changed', path: 'l[0].name', before: true, after: false },
      { op: 'changed', path: 'l[0].x', before: 1, after: 2 },
      { op: 'changed', path: 'l[1].name', before: false, after: true },
      { op: 'changed', path: 'l[1].x', before: 2, after: 1 },
    ]);
  });

  it('does not match items by a field only some items have', () => {
    expect(diffValues({ l: [{ name: 'a', v: 1 }, { v: 2 }] }, { l: [{ v: 2 }, { name: 'a', v: 1 }] })).toEqual([
      { op: 'removed', path: 'l[0].name', before: 'a' },
      { op: 'changed', path: 'l[0].v', before: 1, after: 2 },
      { op: 'changed', path: 'l[1].v', before: 2, after: 1 },
      { op: 'added', path: 'l[1].name', after: 'a' },
    ]);
  });

  it('does not match items by a field that is unique in one list but repeats in the other', () => {
    expect(diffValues({ l: [{ name: 'a' }, { name: 'b' }] }, { l: [{ name: 'a' }, { name: 'a' }] })).toEqual([{ op: 'changed', path: 'l[1].name', before: 'b', after: 'a' }]);
  });

  it('reports a new order of kept items once, even when some keep their place', () => {
    const item = (name: string) => ({ name });
    expect(diffValues({ l: [item('a'), item('b'), item('c')] }, { l: [item('b'), item('a'), item('c')] })).toEqual([
      { op: 'changed', path: 'l (order)', before: ['a', 'b', 'c'], after: ['b', 'a', 'c'] },
    ]);
  });

  it('names keyed items and their order at the root', () => {
    expect(diffValues([{ name: 'a', v: 1 }, { name: 'b' }], [{ name: 'b' }, { name: 'a', v: 2 }])).toEqual([
      { op: 'changed', path: '[name=a].v', before: 1, after: 2 },
      { op: 'changed', path: '(root) (order)', before: ['a', 'b'], after: ['b', 'a'] },
    ]);
  });

  it('does not count inserted and removed items as a new order of the kept ones', () => {
    const item = (name: string) => ({ name });
    expect(diffValues({ l: [item('a'), item('b'), item('c')] }, { l: [item('x'), item('a'), item('c')] })).toEqual([
      { op: 'added', path: 'l[name=x]', after: { name: 'x' } },
      { op: 'removed', path: 'l[name=b]', before: { name: 'b' } },
    ]);
  });

  it('reports every item replaced as additions and removals, without an order change', () => {
    expect(diffValues({ l: [{ name: 'a' }] }, { l: [{ name: 'b' }] })).toEqual([
      { op: 'added', path: 'l[name=b]', after: { name: 'b' } },
      { op: 'removed', path: 'l[name=a]', before: { name: 'a' } },
    ]);
  });
});

describe('redactSecretChanges', () => {
  const secret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' } };

  it('leaves the changes of any other kind as they are', () => {
    const changes: FieldChange[] = [
      { op: 'changed', path: 'data.token', before: 'aGVsbG8=', after: 'YQ==' },
      { op: 'added', path: 'stringData.password', after: 'hello' },
    ];
    expect(redactSecretChanges(cm('c'), changes)).toEqual(changes);
  });

  it('shows a changed, added or removed data value as its decoded size, never the value', () => {
    expect(
      redactSecretChanges(secret, [
        { op: 'changed', path: 'data.token', before: 'aGVsbG8=', after: 'aGVsbG8gd29ybGQ=' },
        { op: 'added', path: 'data[".dockerconfigjson"]', after: 'e30=' },
        { op: 'removed', path: 'data.old', before: 'YQ==' },
      ]),
    ).toEqual([
      { op: 'changed', path: 'data.token', before: '<redacted, 5 bytes>', after: '<redacted, 11 bytes>' },
      { op: 'added', path: 'data[".dockerconfigjson"]', after: '<redacted, 2 bytes>' },
      { op: 'removed', path: 'data.old', before: '<redacted, 1 bytes>' },
    ]);
  });

  it('shows a stringData value as its UTF-8 size', () => {
    expect(redactSecretChanges(secret, [{ op: 'changed', path: 'stringData.password', before: 'héllo', after: 'pässwört' }])).toEqual([
      { op: 'changed', path: 'stringData.password', before: '<redacted, 6 bytes>', after: '<redacted, 10 bytes>' },
    ]);
  });

  it('redacts each value of a whole data or stringData map, and values that are not strings', () => {
    expect(
      redactSecretChanges(secret, [
        { op: 'added', path: 'data', after: { a: 'YQ==', b: 'YmI=' } },
        { op: 'removed', path: 'stringData', before: { k: 'abc' } },
        { op: 'changed', path: 'data.n', before: 5, after: ['x'] },
      ]),
    ).toEqual([
      { op: 'added', path: 'data', after: { a: '<redacted, 1 bytes>', b: '<redacted, 2 bytes>' } },
      { op: 'removed', path: 'stringData', before: { k: '<redacted, 3 bytes>' } },
      { op: 'changed', path: 'data.n', before: '<redacted>', after: '<redacted>' },
    ]);
  });

  it("shows a Secret's other fields, including ones whose name only begins or ends with data", () => {
    const changes: FieldChange[] = [
      { op: 'changed', path: 'metadata.labels.app', before: 'a', after: 'b' },
      { op: 'changed', path: 'type', before: 'Opaque', after: 'kubernetes.io/tls' },
      { op: 'added', path: 'dataset', after: 'x' },
      { op: 'added', path: 'stringDatum', after: 'y' },
    ];
    expect(redactSecretChanges(secret, changes)).toEqual(changes);
  });
});

describe('diffObjects', () => {
  it('reports new objects, then changed ones in the order of the render, then removed ones in their committed order', () => {
    const before = charts({ '10-a.yaml': [cm('a', { x: '1' }), cm('c')], '20-d.yaml': [cm('d')] });
    const after = charts({ '30-b.yaml': [cm('b')], '10-a.yaml': [cm('a', { x: '2' })] });
    expect(diffObjects(before, after)).toEqual<ObjectDiff[]>([
      { op: 'added', object: 'ConfigMap ns/b', file: '30-b.yaml' },
      {
        op: 'changed',
        object: 'ConfigMap ns/a',
        file: '10-a.yaml',
        fromFile: '10-a.yaml',
        changes: [{ op: 'changed', path: 'data.x', before: '1', after: '2' }],
        before: cm('a', { x: '1' }),
        after: cm('a', { x: '2' }),
      },
      { op: 'removed', object: 'ConfigMap ns/c', file: '10-a.yaml' },
      { op: 'removed', object: 'ConfigMap ns/d', file: '20-d.yaml' },
    ]);
  });

  it('does not report an equal object in the same file', () => {
    expect(diffObjects(charts({ 'a.yaml': [cm('a', { x: '1' })] }), charts({ 'a.yaml': [cm('a', { x: '1' })] }))).toEqual([]);
  });

  it('reports an equal object that moved to another file, with no field changes', () => {
    expect(diffObjects(charts({ 'a.yaml': [cm('a')] }), charts({ 'b.yaml': [cm('a')] }))).toEqual([
      { op: 'changed', object: 'ConfigMap ns/a', file: 'b.yaml', fromFile: 'a.yaml', changes: [], before: cm('a'), after: cm('a') },
    ]);
  });

  it('identifies an object by API group, not version, and by namespace', () => {
    const deployment = (apiVersion: string, namespace: string): Manifest => ({ apiVersion, kind: 'Deployment', metadata: { name: 'web', namespace } });
    expect(diffObjects(charts({ 'a.yaml': [deployment('apps/v1beta1', 'one')] }), charts({ 'a.yaml': [deployment('apps/v1', 'one'), deployment('apps/v1', 'two')] }))).toEqual([
      {
        op: 'changed',
        object: 'Deployment one/web',
        file: 'a.yaml',
        fromFile: 'a.yaml',
        changes: [{ op: 'changed', path: 'apiVersion', before: 'apps/v1beta1', after: 'apps/v1' }],
        before: deployment('apps/v1beta1', 'one'),
        after: deployment('apps/v1', 'one'),
      },
      { op: 'added', object: 'Deployment two/web', file: 'a.yaml' },
    ]);
  });

  it("redacts the values of a Secret's changed data", () => {
    const secret = (token: string): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token } });
    const [d] = diffObjects(charts({ 's.yaml': [secret('YQ==')] }), charts({ 's.yaml': [secret('YmI=')] }));
    expect(d.op === 'changed' && d.changes).toEqual([{ op: 'changed', path: 'data.token', before: '<redacted, 1 bytes>', after: '<redacted, 2 bytes>' }]);
  });
});

describe('diffSiteOutput', () => {
  const a1 = cm('a', { x: '1' });
  const a2 = cm('a', { x: '2' });

  it('reports every file and object as new when the folder does not exist', () => {
    const missing = join(folder({}), 'never-written');
    const ours = { '10-a.yaml': yaml(a1), 'README.md': 'readme\n', 'manifest.json': '{"files":{}}\n' };
    expect(diffSiteOutput(output(ours), charts({ '10-a.yaml': [a1] }), missing)).toEqual({
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
      files: [
        { op: 'added', path: 'README.md' },
        { op: 'added', path: 'manifest.json' },
      ],
    });
  });

  it('finds nothing in an equal folder, reading nested folders and skipping dot files', () => {
    const ours = {
      'kustomization.yaml': 'resources:\n- 10-a.yaml\n',
      '10-a.yaml': yaml(a1),
      'nodes/gpu.nodeconfig.yaml': 'kind: NodeConfig\n',
      'manifest.json': '{"files":{"10-a.yaml":"h1"}}\n',
    };
    const committed = { ...ours, '.staging/10-a.yaml': 'half written', '.lock': '' };
    expect(siteDiff(committed, ours, { '10-a.yaml': [a1] })).toEqual({ objects: [], files: [] });
  });

  it('reports files the render adds or no longer writes, in path order, and no manifest.json when neither side has one', () => {
    expect(siteDiff({ 'a.txt': 'old\n', 'same.txt': 'same\n' }, { 'z.txt': 'new\n', 'same.txt': 'same\n' })).toEqual({
      objects: [],
      files: [
        { op: 'removed', path: 'a.txt' },
        { op: 'added', path: 'z.txt' },
      ],
    });
  });

  it('reports a changed object of a chart file, not the file', () => {
    expect(siteDiff({ '10-a.yaml': yaml(a1) }, { '10-a.yaml': yaml(a2) }, { '10-a.yaml': [a2] })).toEqual({
      objects: [{ op: 'changed', object: 'ConfigMap ns/a', file: '10-a.yaml', fromFile: '10-a.yaml', changes: [{ op: 'changed', path: 'data.x', before: '1', after: '2' }], before: a1, after: a2 }],
      files: [],
    });
  });

  it('reports a chart file whose objects are equal but whose text differs as lines, next to another file whose object changed', () => {
    const b1 = cm('b', { y: '1' });
    const b2 = cm('b', { y: '2' });
    const diff = siteDiff({ '10-a.yaml': `# hand edit\n${yaml(a1)}`, '20-b.yaml': yaml(b1) }, { '10-a.yaml': yaml(a1), '20-b.yaml': yaml(b2) }, { '10-a.yaml': [a1], '20-b.yaml': [b2] });
    expect(diff.files).toEqual([{ op: 'changed', path: '10-a.yaml', hunks: ['@@ -1,2 +1,1 @@', '-# hand edit', ' apiVersion: v1'] }]);
    expect(diff.objects.map((d) => [d.op, d.object])).toEqual([['changed', 'ConfigMap ns/b']]);
  });

  it('reports an object moved between chart files once, not the two files or their manifest.json hashes', () => {
    const [b, c] = [cm('b'), cm('c')];
    const committed = { '10-a.yaml': yaml(a1, b), '20-c.yaml': yaml(c), 'manifest.json': '{"files":{"10-a.yaml":"h1","20-c.yaml":"h2"}}' };
    const ours = { '10-a.yaml': yaml(a1), '20-c.yaml': yaml(c, b), 'manifest.json': '{"files":{"10-a.yaml":"h3","20-c.yaml":"h4"}}' };
    expect(siteDiff(committed, ours, { '10-a.yaml': [a1], '20-c.yaml': [c, b] })).toEqual({
      objects: [{ op: 'changed', object: 'ConfigMap ns/b', file: '20-c.yaml', fromFile: '10-a.yaml', changes: [], before: b, after: b }],
      files: [],
    });
  });

  it("compares the chart files the committed kustomization lists, so a renamed file's objects show as moved", () => {
    const committed = { 'kustomization.yaml': 'resources:\n- 10-old.yaml\n- 99-missing.yaml\n', '10-old.yaml': yaml(a1) };
    const ours = { 'kustomization.yaml': 'resources:\n- 10-new.yaml\n', '10-new.yaml': yaml(a1) };
    expect(siteDiff(committed, ours, { '10-new.yaml': [a1] })).toEqual({
      objects: [{ op: 'changed', object: 'ConfigMap ns/a', file: '10-new.yaml', fromFile: '10-old.yaml', changes: [], before: a1, after: a1 }],
      files: [{ op: 'changed', path: 'kustomization.yaml', hunks: ['@@ -1,3 +1,2 @@', ' resources:', '-- 10-old.yaml', '-- 99-missing.yaml', '+- 10-new.yaml'] }],
    });
  });

  it('reports a committed chart file that the render writes as plain text as removed objects and a changed file', () => {
    const kustomization = 'resources:\n- notes.yaml\n';
    const committed = { 'kustomization.yaml': kustomization, 'notes.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n' };
    expect(siteDiff(committed, { 'kustomization.yaml': kustomization, 'notes.yaml': 'notes\n' })).toEqual({
      objects: [{ op: 'removed', object: 'ConfigMap notes', file: 'notes.yaml' }],
      files: [{ op: 'changed', path: 'notes.yaml', hunks: ['@@ -1,3 +1,1 @@', '-apiVersion: v1', '-kind: ConfigMap', '-metadata: {name: notes}', '+notes'] }],
    });
  });

  it('reads a committed kustomization that is empty or lists no resources', () => {
    for (const kustomization of ['', 'kind: Kustomization\n']) {
      const diff = siteDiff({ 'kustomization.yaml': kustomization, 'old.yaml': yaml(a1) }, { 'kustomization.yaml': kustomization });
      expect(diff).toEqual({ objects: [], files: [{ op: 'removed', path: 'old.yaml' }] });
    }
  });

  it('parses committed chart files as YAML 1.1, as kubectl does (yes is true)', () => {
    const thing: Manifest = { apiVersion: 'v1', kind: 'Thing', metadata: { name: 't' }, spec: { enabled: true } };
    const text = 'apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  enabled: yes\n';
    expect(siteDiff({ 't.yaml': text }, { 't.yaml': text }, { 't.yaml': [thing] })).toEqual({ objects: [], files: [] });
  });

  it('skips the empty document after a trailing ---', () => {
    const text = `${yaml(a1)}---\n`;
    expect(siteDiff({ '10-a.yaml': text }, { '10-a.yaml': text }, { '10-a.yaml': [a1] })).toEqual({ objects: [], files: [] });
  });

  it('compares a committed chart file that is not valid YAML as text, its objects as new', () => {
    const broken = 'kind: X\nmetadata: {name: a}\ndata: {a: 1\n';
    expect(siteDiff({ '10-a.yaml': broken }, { '10-a.yaml': 'fixed\n' }, { '10-a.yaml': [a1] })).toEqual({
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
      files: [{ op: 'changed', path: '10-a.yaml', hunks: ['@@ -1,3 +1,1 @@', '-kind: X', '-metadata: {name: a}', '-data: {a: 1', '+fixed'] }],
    });
  });

  it('compares a committed chart file as text when one of its documents has a YAML error, even one that still reads as an object', () => {
    // A repeated key is an error (kubectl refuses the file), though the parser still builds an object from it.
    const repeated = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n';
    expect(siteDiff({ '10-a.yaml': `${yaml(a1)}---\n${repeated}` }, { '10-a.yaml': yaml(a1) }, { '10-a.yaml': [a1] })).toEqual({
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
      files: [{ op: 'changed', path: '10-a.yaml', hunks: ['@@ -7,7 +7,1 @@', '   x: "1"', '----', '-apiVersion: v1', '-kind: ConfigMap', '-metadata:', '-  name: b', '-  name: c'] }],
    });
  });

  it('compares a committed chart file as text when only some of its documents are objects', () => {
    expect(siteDiff({ '10-a.yaml': `${yaml(a1)}---\njust text\n` }, { '10-a.yaml': yaml(a1) }, { '10-a.yaml': [a1] })).toEqual({
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
      files: [{ op: 'changed', path: '10-a.yaml', hunks: ['@@ -7,3 +7,1 @@', '   x: "1"', '----', '-just text'] }],
    });
  });

  it('does not read committed YAML without a string apiVersion, a string kind and a metadata map as objects', () => {
    const notObjects = [
      'apiVersion: v1\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: ConfigMap\n',
      'apiVersion: v1\nkind: 5\nmetadata:\n  name: a\n',
      'kind: ConfigMap\nmetadata:\n  name: a\n',
      'apiVersion: 1\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'just text\n',
    ];
    for (const text of notObjects) {
      expect(siteDiff({ '10-a.yaml': text }, { '10-a.yaml': text }, { '10-a.yaml': [a1] }), text).toEqual({
        objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
        files: [],
      });
    }
  });

  it('compares a hand-edited chart file whose object lost its apiVersion as text, instead of failing', () => {
    const edited = yaml(a1).replace('apiVersion: v1\n', '');
    expect(siteDiff({ '10-a.yaml': edited }, { '10-a.yaml': yaml(a1) }, { '10-a.yaml': [a1] })).toEqual({
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' }],
      files: [{ op: 'changed', path: '10-a.yaml', hunks: ['@@ -1,1 +1,2 @@', '+apiVersion: v1', ' kind: ConfigMap'] }],
    });
  });

  it('compares changed JSON files field by field', () => {
    expect(siteDiff({ 'a.json': '{"a":1,"b":[1]}\n' }, { 'a.json': '{"a":2,"b":[1]}\n' }).files).toEqual<FileDiff[]>([
      { op: 'changed', path: 'a.json', changes: [{ op: 'changed', path: 'a', before: 1, after: 2 }] },
    ]);
  });

  it('compares by line a JSON text in another file, JSON that does not parse on either side, and JSON that differs only in layout', () => {
    const committed = { 'b.txt': '{"a":1}\n', 'c.json': 'oops\n', 'd.json': '{"a":1}\n', 'e.json': '{"a":1}\n' };
    const ours = { 'b.txt': '{"a":2}\n', 'c.json': '{"a":2}\n', 'd.json': '{ "a": 1 }\n', 'e.json': 'oops\n' };
    expect(siteDiff(committed, ours).files).toEqual<FileDiff[]>([
      { op: 'changed', path: 'b.txt', hunks: ['@@ -1,1 +1,1 @@', '-{"a":1}', '+{"a":2}'] },
      { op: 'changed', path: 'c.json', hunks: ['@@ -1,1 +1,1 @@', '-oops', '+{"a":2}'] },
      { op: 'changed', path: 'd.json', hunks: ['@@ -1,1 +1,1 @@', '-{"a":1}', '+{ "a": 1 }'] },
      { op: 'changed', path: 'e.json', hunks: ['@@ -1,1 +1,1 @@', '-{"a":1}', '+oops'] },
    ]);
  });

  it('shows line changes with one line of context and without "no newline" markers', () => {
    const committed = { 'a.txt': 'a\nb\nc\nd\ne\n', 'n.txt': 'a\nb' };
    const ours = { 'a.txt': 'a\nb\nC\nd\ne\n', 'n.txt': 'a\nc' };
    expect(siteDiff(committed, ours).files).toEqual<FileDiff[]>([
      { op: 'changed', path: 'a.txt', hunks: ['@@ -2,3 +2,3 @@', ' b', '-c', '+C', ' d'] },
      { op: 'changed', path: 'n.txt', hunks: ['@@ -1,2 +1,2 @@', ' a', '-b', '+c'] },
    ]);
  });

  it('reports a manifest.json that only the committed folder has as removed', () => {
    expect(siteDiff({ 'manifest.json': '{"files":{}}' }, {})).toEqual({ objects: [], files: [{ op: 'removed', path: 'manifest.json' }] });
  });

  it('reports what changed in manifest.json besides the hashes of files reported anyway, sorted among the files', () => {
    const b = cm('b');
    const committed = {
      'a.txt': 'old\n',
      'b.txt': 'same\n',
      '10-a.yaml': yaml(a1),
      'manifest.json': JSON.stringify({ version: '1', files: { 'a.txt': 'h1', 'b.txt': 'h2', '10-a.yaml': 'h3' } }),
    };
    const ours = {
      'a.txt': 'new\n',
      'b.txt': 'same\n',
      '10-a.yaml': yaml(a2),
      '30-b.yaml': yaml(b),
      'z.txt': 'z\n',
      'manifest.json': JSON.stringify({ version: '2', files: { 'a.txt': 'h4', 'b.txt': 'h5', '10-a.yaml': 'h6', '30-b.yaml': 'h7', 'z.txt': 'h8' } }),
    };
    const diff = siteDiff(committed, ours, { '10-a.yaml': [a2], '30-b.yaml': [b] });
    expect(diff.objects.map((d) => [d.op, d.object])).toEqual([
      ['changed', 'ConfigMap ns/a'],
      ['added', 'ConfigMap ns/b'],
    ]);
    expect(diff.files).toEqual<FileDiff[]>([
      { op: 'changed', path: 'a.txt', hunks: ['@@ -1,1 +1,1 @@', '-old', '+new'] },
      {
        op: 'changed',
        path: 'manifest.json',
        changes: [
          { op: 'changed', path: 'version', before: '1', after: '2' },
          { op: 'changed', path: 'files.b.txt', before: 'h2', after: 'h5' },
        ],
      },
      { op: 'added', path: 'z.txt' },
    ]);
  });

  it('compares a manifest.json that is not JSON, or has no files map, as a plain file', () => {
    const cases: [string, string, FileDiff][] = [
      ['oops\n', '{"files":{}}\n', { op: 'changed', path: 'manifest.json', hunks: ['@@ -1,1 +1,1 @@', '-oops', '+{"files":{}}'] }],
      ['{"files":{}}\n', 'null\n', { op: 'changed', path: 'manifest.json', changes: [{ op: 'changed', path: '(root)', before: { files: {} }, after: null }] }],
      [
        '{"version":1}',
        '{"version":2,"files":{}}',
        {
          op: 'changed',
          path: 'manifest.json',
          changes: [
            { op: 'changed', path: 'version', before: 1, after: 2 },
            { op: 'added', path: 'files', after: {} },
          ],
        },
      ],
      [
        '{"version":1,"files":{}}',
        '{"version":2}',
        {
          op: 'changed',
          path: 'manifest.json',
          changes: [
            { op: 'changed', path: 'version', before: 1, after: 2 },
            { op: 'removed', path: 'files', before: {} },
          ],
        },
      ],
    ];
    for (const [was, now, expected] of cases) expect(siteDiff({ 'manifest.json': was }, { 'manifest.json': now }), `${was} → ${now}`).toEqual({ objects: [], files: [expected] });
  });
});

describe('formatSiteDiff', () => {
  const change = (path: string, before: unknown, after: unknown): FieldChange => ({ op: 'changed', path, before, after });
  const changedObject = (changes: FieldChange[]): ObjectDiff => ({ op: 'changed', object: 'Deployment ns/d', file: 'd.yaml', fromFile: 'd.yaml', changes, before: cm('d'), after: cm('d') });
  const numbered = (n: number) => Array.from({ length: n }, (_, i) => change(`f${i}`, i, i + 1));

  it('lists added, removed, changed and moved objects with their files, field changes indented below', () => {
    const diff = {
      objects: [
        { op: 'added', object: 'ConfigMap ns/a', file: '10-a.yaml' },
        { op: 'removed', object: 'Secret ns/s', file: '20-s.yaml' },
        changedObject([change('spec.replicas', 1, 2)]),
        { op: 'changed', object: 'Service ns/svc', file: '40-b.yaml', fromFile: '40-a.yaml', changes: [], before: cm('x'), after: cm('x') },
      ] satisfies ObjectDiff[],
      files: [],
    };
    expect(formatSiteDiff(diff)).toEqual([
      '  + ConfigMap ns/a (10-a.yaml)',
      '  - Secret ns/s (20-s.yaml)',
      '  ~ Deployment ns/d (d.yaml)',
      '      spec.replicas: 1 → 2',
      '  ~ Service ns/svc (40-a.yaml → 40-b.yaml)',
    ]);
  });

  it('lists added, removed and changed files after the objects, with line hunks or field changes below', () => {
    const diff = {
      objects: [{ op: 'added', object: 'ConfigMap ns/a', file: 'a.yaml' }] satisfies ObjectDiff[],
      files: [
        { op: 'added', path: 'COST.md' },
        { op: 'removed', path: 'old.txt' },
        { op: 'changed', path: 'n.yaml', hunks: ['@@ -1,1 +1,1 @@', '-a', '+b'] },
        { op: 'changed', path: 'm.json', changes: [{ op: 'removed', path: 'x', before: 1 }] },
      ] satisfies FileDiff[],
    };
    expect(formatSiteDiff(diff)).toEqual([
      '  + ConfigMap ns/a (a.yaml)',
      '  + file COST.md',
      '  - file old.txt',
      '  ~ file n.yaml',
      '      @@ -1,1 +1,1 @@',
      '      -a',
      '      +b',
      '  ~ file m.json',
      '      - x: 1',
    ]);
  });

  it('writes values as JSON, added and removed fields marked, a value JSON cannot write as text', () => {
    const changes: FieldChange[] = [change('s', 'a', 'b'), { op: 'added', path: 'n', after: { k: [1] } }, { op: 'removed', path: 'r', before: null }, { op: 'added', path: 'u', after: undefined }];
    expect(formatSiteDiff({ objects: [changedObject(changes)], files: [] }).slice(1)).toEqual(['      s: "a" → "b"', '      + n: {"k":[1]}', '      - r: null', '      + u: undefined']);
  });

  it('cuts a value longer than 100 characters to 97 and an ellipsis', () => {
    const fits = 'x'.repeat(98); // 100 characters with its quotes
    const long = 'y'.repeat(99);
    expect(formatSiteDiff({ objects: [changedObject([change('a', fits, long)])], files: [] })[1]).toBe(`      a: "${fits}" → "${'y'.repeat(96)}...`);
  });

  it('shows a change between two multi-line texts as a line diff, and any other change of a text as values', () => {
    const changes = [change('data.Corefile', 'a\nb\nc\n', 'a\nB\nc\n'), change('one', 'a\nb', 'ab'), change('two', 'ab', 'a\nb')];
    expect(formatSiteDiff({ objects: [changedObject(changes)], files: [] }).slice(1)).toEqual([
      '      data.Corefile: (text)',
      '         a',
      '        -b',
      '        +B',
      '         c',
      '      one: "a\\nb" → "ab"',
      '      two: "ab" → "a\\nb"',
    ]);
  });

  it('shows up to 20 lines of field changes, then says how many more --full shows', () => {
    const twenty = formatSiteDiff({ objects: [changedObject(numbered(20))], files: [] });
    expect(twenty).toHaveLength(21);
    expect(twenty.at(-1)).toBe('      f19: 19 → 20');
    const more = formatSiteDiff({ objects: [changedObject(numbered(25))], files: [] });
    expect(more).toHaveLength(22);
    expect(more.slice(-2)).toEqual(['      f19: 19 → 20', '      … 5 more line(s) (--full shows them)']);
    const fileFields = formatSiteDiff({ objects: [], files: [{ op: 'changed', path: 'm.json', changes: numbered(21) }] });
    expect(fileFields.slice(-2)).toEqual(['      f19: 19 → 20', '      … 1 more line(s) (--full shows them)']);
  });

  it('shows up to 12 lines of a file hunk, then says how many more --full shows', () => {
    const hunks = (n: number) => Array.from({ length: n }, (_, i) => `+line ${i}`);
    expect(formatSiteDiff({ objects: [], files: [{ op: 'changed', path: 'f.txt', hunks: hunks(12) }] })).toEqual(['  ~ file f.txt', ...hunks(12).map((l) => `      ${l}`)]);
    expect(formatSiteDiff({ objects: [], files: [{ op: 'changed', path: 'f.txt', hunks: hunks(13) }] })).toEqual([
      '  ~ file f.txt',
      ...hunks(12).map((l) => `      ${l}`),
      '      … 1 more line(s) (--full shows them)',
    ]);
  });

  it('shows every line with full', () => {
    const lines = formatSiteDiff({ objects: [changedObject(numbered(25))], files: [{ op: 'changed', path: 'f.txt', hunks: Array.from({ length: 15 }, (_, i) => `+${i}`) }] }, { full: true });
    expect(lines).toHaveLength(1 + 25 + 1 + 15);
    expect(lines.filter((l) => l.includes('more line(s)'))).toEqual([]);
    expect(lines[25]).toBe('      f24: 24 → 25');
    expect(lines.at(-1)).toBe('      +14');
  });
});
