import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSiteSource } from '../lib/config/load';
import { mergeOverlay, originOf, siteConfigError, splitPath } from '../lib/config/overlay';
import { formatPath } from '../lib/core/paths';
import { SiteConfigError } from '../lib/config/problems';
import { loadSite } from '../lib/site/site';

const FLEET = 'test/fixtures/fleet';

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes files into a fresh temp dir and returns its path. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-overlay-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function problemLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SiteConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a SiteConfigError');
}

describe('mergeOverlay', () => {
  it('merges maps key by key', () => {
    expect(mergeOverlay({ a: { x: 1, y: 2 }, b: 1 }, { a: { y: 3, z: 4 } })).toEqual({ a: { x: 1, y: 3, z: 4 }, b: 1 });
  });

  it('replaces lists as a whole, never item by item', () => {
    expect(mergeOverlay({ l: [{ a: 1, b: 2 }, { a: 2 }] }, { l: [{ a: 9 }] })).toEqual({ l: [{ a: 9 }] });
  });

  it('removes a key set to null, at any depth', () => {
    expect(mergeOverlay({ a: { x: 1, y: 2 }, b: 1 }, { a: { x: null }, b: null })).toEqual({ a: { y: 2 } });
  });

  it('replaces a scalar with a map and a map with a scalar', () => {
    expect(mergeOverlay({ a: 1 }, { a: { x: 1 } })).toEqual({ a: { x: 1 } });
    expect(mergeOverlay({ a: { x: 1 } }, { a: 'text' })).toEqual({ a: 'text' });
  });

  it('does not modify its inputs', () => {
    const base = { a: { x: 1 }, l: [1] };
    const overlay = { a: { y: 2 }, l: [2] };
    mergeOverlay(base, overlay);
    expect(base).toEqual({ a: { x: 1 }, l: [1] });
    expect(overlay).toEqual({ a: { y: 2 }, l: [2] });
  });
});

describe('splitPath', () => {
  it('inverts formatPath in config style', () => {
    for (const segments of [[], ['nodePools', 0, 'count'], ['nodePools', 1, 'labels', 'gpu.example.com/model'], ['a', 'b_c', 3]]) {
      expect(splitPath(formatPath(segments, 'config'))).toEqual(segments);
    }
    // indexes of more than one digit
    expect(splitPath('nodePools[12].taints[3]')).toEqual(['nodePools', 12, 'taints', 3]);
  });

  it('gives up on what is not a config path (a YAML position), from its first character on', () => {
    expect(splitPath('line 2, column 1')).toBeUndefined();
    expect(splitPath('a b')).toBeUndefined();
    expect(splitPath('a.[x]')).toBeUndefined();
  });
});

/**
 * A base for temp-dir sites: the example site (valid whatever other sections it grows) with its CA
 * file path made relative to `dir`, since file paths are relative to the site file on the command line.
 */
function exampleBase(dir: string, extra = ''): string {
  return `extends: ${resolve('sites/example.yaml')}\nregistry:\n  caFile: ${relative(dir, resolve('sites/example-harbor-ca.crt'))}\n${extra}`;
}

const POOL = 'nodePools:\n  - {name: gpu-h100, count: 2, vcpus: 224}\n';

describe('site overlays', () => {
  it('renders a fleet site from its bases: maps merged, lists replaced, extends gone', () => {
    const site = loadSite(join(FLEET, 'site-a.yaml'));
    expect(site.config.name).toBe('site-a');
    // cluster.name from the site, region from base.yaml, the rest of the example untouched
    expect(site.config.cluster).toEqual({ name: 'site-a-cluster', region: 'ap-northeast-1' });
    expect(site.config.registry).toMatchObject({ hostname: 'harbor.fleet.example', ip: '192.168.1.200' });
    expect(site.config.networks.vpc).toBe('10.0.0.0/16');
    expect(site.config.nodePools.map((p) => [p.name, p.count])).toEqual([
      ['gpu-h100', 4],
      ['gpu-h100-dra', 1],
    ]);
    expect(site.config).not.toHaveProperty('extends');
  });

  it('hashes every input file in order for manifest.json, named relative to the site file', () => {
    const files = ['sites/example.yaml', join(FLEET, 'base.yaml'), join(FLEET, 'site-a.yaml')];
    const source = readSiteSource(join(FLEET, 'site-a.yaml'));
    expect(source.files.map((f) => resolve(f.file))).toEqual(files.map((f) => resolve(f)));
    const names = ['../../../sites/example.yaml', 'base.yaml', 'site-a.yaml'];
    const lines = files.map((f, i) => `${sha256(readFileSync(f))}  ${names[i]}\n`).join('');
    expect(source.sha256).toBe(sha256(lines));
  });

  it('gives the same hash however the site file is spelled on the command line (output is byte-identical)', () => {
    const expected = readSiteSource(join(FLEET, 'site-a.yaml')).sha256;
    for (const spelling of [`./${FLEET}/site-a.yaml`, resolve(FLEET, 'site-a.yaml'), `${FLEET}/../fleet/site-a.yaml`]) {
      expect(readSiteSource(spelling).sha256, spelling).toBe(expected);
    }
  });

  it('keeps the plain sha256 of the bytes for a site without extends', () => {
    const source = readSiteSource('sites/example.yaml');
    expect(source.sha256).toBe(sha256(readFileSync('sites/example.yaml')));
    expect(source.files).toHaveLength(1);
  });

  it('changes the hash when a base changes', () => {
    const site = 'extends: base.yaml\nname: s\n';
    const a = tree({ 'base.yaml': 'kubernetesVersion: "1.33"\n', 'site.yaml': site });
    const b = tree({ 'base.yaml': 'kubernetesVersion: "1.34"\n', 'site.yaml': site });
    expect(readSiteSource(join(a, 'site.yaml')).sha256).not.toBe(readSiteSource(join(b, 'site.yaml')).sha256);
  });

  it('applies a list of bases in order, later bases winning, and resolves paths relative to each file', () => {
    const dir = tree({
      'common/network.yaml': 'extends: ../common/k8s.yaml\nnetworks: {vpc: 10.1.0.0/16}\n',
      'common/k8s.yaml': 'kubernetesVersion: "1.32"\n',
      'common/late.yaml': 'kubernetesVersion: "1.34"\n',
      'site.yaml': 'extends: [common/network.yaml, common/late.yaml]\nname: s\n',
    });
    const { document, files } = readSiteSource(join(dir, 'site.yaml'));
    expect(files.map((f) => f.file)).toEqual([
      join(dir, 'common', 'k8s.yaml'),
      join(dir, 'common', 'network.yaml'),
      join(dir, 'common', 'late.yaml'),
      join(dir, 'site.yaml'),
    ]);
    expect(JSON.parse(JSON.stringify(document))).toEqual({ kubernetesVersion: '1.34', networks: { vpc: '10.1.0.0/16' }, name: 's' });
  });

  it('applies a base reached twice (diamond) once, at its first place', () => {
    const dir = tree({
      'd.yaml': 'name: from-d\nkubernetesVersion: "1.30"\n',
      'b.yaml': 'extends: d.yaml\nkubernetesVersion: "1.31"\n',
      'c.yaml': 'extends: d.yaml\n',
      'a.yaml': 'extends: [b.yaml, c.yaml]\n',
    });
    const { document, files } = readSiteSource(join(dir, 'a.yaml'));
    expect(files.map((f) => f.file.slice(dir.length + 1))).toEqual(['d.yaml', 'b.yaml', 'c.yaml', 'a.yaml']);
    // c's base d did not re-apply over b
    expect(document).toMatchObject({ kubernetesVersion: '1.31' });
    // a site that extends the same base twice lists (and hashes) it once
    writeFileSync(join(dir, 'twice.yaml'), 'extends: [d.yaml, ./d.yaml]\n');
    expect(readSiteSource(join(dir, 'twice.yaml')).files.map((f) => f.file.slice(dir.length + 1))).toEqual(['d.yaml', 'twice.yaml']);
  });

  it('removes an inherited key with null', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'site.yaml'), `${exampleBase(dir)}name: s\ndns: null\n`);
    expect(loadSite(join(dir, 'site.yaml')).config.dns.stubZones).toEqual([]);
  });

  it('names the file that set a bad value', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir, POOL.replace('count: 2', 'count: two')));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\nname: s\nregistry: {ip: not-an-ip}\n');
    const lines = problemLines(() => loadSite(join(dir, 'site.yaml')));
    expect(lines).toContain(`${join(dir, 'base.yaml')}: nodePools[0].count: must be a whole number (got "two")`);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'site.yaml')}: registry.ip: must be an IPv4 address`))).toBe(true);
    // every problem at once: the pool has no GPUs, so the example's GPU samples have nowhere to run (true
    // problems, reported beside the schema's); nothing else
    expect(lines.filter((l) => !/: no node pool has /.test(l))).toHaveLength(2);
  });

  it('blames the overriding file for a whole list it replaced', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir));
    writeFileSync(join(dir, 'site.yaml'), `extends: base.yaml\nname: s\n${POOL.replace('count: 2', 'count: -1')}`);
    const lines = problemLines(() => loadSite(join(dir, 'site.yaml')));
    expect(lines[0]).toBe(`${join(dir, 'site.yaml')}: nodePools[0].count: must be >= 0 (got -1)`);
    expect(lines.slice(1).filter((l) => !/: no node pool has /.test(l))).toEqual([]);
  });

  it('blames the file that removed a required field with null', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'site.yaml'), `${exampleBase(dir)}name: s\ncluster: {region: null}\n`);
    expect(problemLines(() => loadSite(join(dir, 'site.yaml')))).toEqual([`${join(dir, 'site.yaml')}: cluster.region: is required`]);
  });

  it('attributes semantic problems too', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\nname: s\nnetworks: {serviceNetwork: 10.0.0.0/16}\n');
    const lines = problemLines(() => loadSite(join(dir, 'site.yaml')));
    // each side of the overlap names the file that set it
    expect(lines).toEqual([
      `${join(dir, 'site.yaml')}: networks.serviceNetwork: overlaps networks.vpc (10.0.0.0/16); networks.vpc is set in ${resolve('sites/example.yaml')} (got "10.0.0.0/16")`,
    ]);
  });

  it('blames the overlay, not the base, for an overlap the overlay caused', () => {
    // the issue's case: the overlay widens the VPC; the base's pod network now overlaps it
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\nname: s\nnetworks: {vpc: 10.0.0.0/8}\n');
    const lines = problemLines(() => loadSite(join(dir, 'site.yaml')));
    expect(lines.some((l) => l.includes(`overlaps networks.vpc (10.0.0.0/8); networks.vpc is set in ${join(dir, 'site.yaml')}`))).toBe(true);
  });

  it('names the file of each related field set elsewhere, in order', () => {
    const dir = tree({ 'base.yaml': 'kubernetesVersion: "1.34"\ncluster: {region: r}\n', 'site.yaml': 'extends: base.yaml\nname: s\n' });
    const source = readSiteSource(join(dir, 'site.yaml'));
    const err = siteConfigError(source.file, source.document, [{ path: 'name', message: 'clashes', related: ['kubernetesVersion', 'name', 'cluster.region'] }]);
    expect(err.message).toBe(`${join(dir, 'site.yaml')}: name: clashes; kubernetesVersion is set in ${join(dir, 'base.yaml')}, cluster.region is set in ${join(dir, 'base.yaml')}`);
  });

  it('says nothing more about the other side of an overlap set in the same file', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\nname: s\nnetworks: {vpc: 10.0.0.0/16, serviceNetwork: 10.0.0.0/16}\n');
    expect(problemLines(() => loadSite(join(dir, 'site.yaml')))).toEqual([`${join(dir, 'site.yaml')}: networks.serviceNetwork: overlaps networks.vpc (10.0.0.0/16) (got "10.0.0.0/16")`]);
  });

  it('reads registry.caFile relative to the file that sets it, and blames that file when it cannot be read', () => {
    const dir = tree({});
    mkdirSync(join(dir, 'base'));
    copyFileSync('test/fixtures/registry/lab-harbor-ca.crt', join(dir, 'base', 'lab-harbor-ca.crt'));
    const base = (caFile: string) => `extends: ${resolve('sites/example.yaml')}\nregistry:\n  caFile: ${caFile}\n`;
    writeFileSync(join(dir, 'base', 'base.yaml'), base('lab-harbor-ca.crt'));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base/base.yaml\nname: s\n');
    expect(loadSite(join(dir, 'site.yaml')).inputs.registryCa?.certificates[0].subject).toContain('CN=Lab Harbor CA');
    writeFileSync(join(dir, 'base', 'base.yaml'), base('missing.crt'));
    expect(problemLines(() => loadSite(join(dir, 'site.yaml')))).toEqual([
      `${join(dir, 'base', 'base.yaml')}: registry.caFile: ${join(dir, 'base', 'missing.crt')} cannot be read (no such file); registry.caFile is relative to the file that sets it (got "missing.crt")`,
    ]);
    // the example's own caFile is found beside the example, wherever the site extending it lives
    writeFileSync(join(dir, 'plain.yaml'), `extends: ${resolve('sites/example.yaml')}\nname: s\n`);
    expect(loadSite(join(dir, 'plain.yaml')).inputs.registryCa?.certificates[0].subject).toContain('CN=Example Harbor CA');
  });

  it('keeps attribution when the Kubernetes version is overridden (matrix renders)', () => {
    const dir = tree({});
    writeFileSync(join(dir, 'base.yaml'), exampleBase(dir, 'cost: {hoursPerMonth: 0}\n'));
    writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\nname: s\n');
    const lines = problemLines(() => loadSite(join(dir, 'site.yaml'), { kubernetesVersion: '1.34' }));
    expect(lines).toEqual([`${join(dir, 'base.yaml')}: cost.hoursPerMonth: must be >= 1 (got 0)`]);
  });
  it('reports a cycle with the chain of files', () => {
    const dir = tree({ 'a.yaml': 'extends: b.yaml\nname: a\n', 'b.yaml': 'extends: [c.yaml]\n', 'c.yaml': 'extends: a.yaml\n' });
    const lines = problemLines(() => readSiteSource(join(dir, 'a.yaml')));
    expect(lines).toEqual([
      `${join(dir, 'c.yaml')}: extends: extends cycle: ${['a', 'b', 'c', 'a'].map((n) => join(dir, `${n}.yaml`)).join(' -> ')} (got "a.yaml")`,
    ]);
  });

  it('reports a file that extends itself', () => {
    const dir = tree({ 'a.yaml': 'extends: ./a.yaml\nname: a\n' });
    const a = join(dir, 'a.yaml');
    expect(problemLines(() => readSiteSource(a))).toEqual([`${a}: extends: extends cycle: ${a} -> ${a} (got "./a.yaml")`]);
  });

  it('names the files of a cycle as the site file was named: relative beside it, absolute outside its folder', () => {
    const dir = tree({ 'site/a.yaml': 'extends: ../common/b.yaml\n', 'common/b.yaml': 'extends: [../site/c.yaml]\n', 'site/c.yaml': 'extends: a.yaml\n' });
    const site = relative(process.cwd(), join(dir, 'site'));
    expect(problemLines(() => readSiteSource(join(site, 'a.yaml')))).toEqual([
      `${join(site, 'c.yaml')}: extends: extends cycle: ${join(site, 'a.yaml')} -> ${join(dir, 'common', 'b.yaml')} -> ${join(site, 'c.yaml')} -> ${join(site, 'a.yaml')} (got "a.yaml")`,
    ]);
  });

  it('blames the extending file for a missing base, and the base for its own syntax errors', () => {
    const missing = tree({ 'site.yaml': 'name: s\nextends: [nope.yaml]\n' });
    expect(problemLines(() => readSiteSource(join(missing, 'site.yaml')))).toEqual([
      `${join(missing, 'site.yaml')}: extends[0]: cannot read the extended file ${join(missing, 'nope.yaml')} (no such file) (got "nope.yaml")`,
    ]);
    const broken = tree({ 'site.yaml': 'extends: base.yaml\n', 'base.yaml': 'name: a\nname: b\n' });
    expect(problemLines(() => readSiteSource(join(broken, 'site.yaml')))[0]).toMatch(new RegExp(`^${join(broken, 'base.yaml')}: line 2, column 1: duplicate key`));
  });

  it('rejects an extends that is not a file name or list of them', () => {
    const dir = tree({ 'site.yaml': 'extends: {a: 1}\nname: s\n' });
    expect(problemLines(() => readSiteSource(join(dir, 'site.yaml')))).toEqual([
      `${join(dir, 'site.yaml')}: extends: must be a file name or a non-empty list of file names (got {"a":1})`,
    ]);
  });

  it('rejects an empty name, an empty list and a list with an empty name or a non-name, before reading anything', () => {
    const dir = tree({ 'base.yaml': 'name: b\n' });
    for (const [value, got] of [
      ['""', '""'],
      ['[]', '[]'],
      ['[base.yaml, ""]', '["base.yaml",""]'],
      ['["", base.yaml]', '["","base.yaml"]'],
      ['[base.yaml, 1]', '["base.yaml",1]'],
      ['[base.yaml, null]', '["base.yaml",null]'],
    ]) {
      writeFileSync(join(dir, 'site.yaml'), `extends: ${value}\nname: s\n`);
      expect(problemLines(() => readSiteSource(join(dir, 'site.yaml')))).toEqual([
        `${join(dir, 'site.yaml')}: extends: must be a file name or a non-empty list of file names (got ${got})`,
      ]);
    }
  });

  it('blames the site file for a top-level field no file sets', () => {
    const dir = tree({ 'base.yaml': 'kubernetesVersion: "1.34"\n', 'site.yaml': 'extends: base.yaml\nname: s\n' });
    const source = readSiteSource(join(dir, 'site.yaml'));
    expect(originOf(source.file, source.document, 'cluster')).toBe(join(dir, 'site.yaml'));
    expect(originOf(source.file, source.document, 'cluster.region')).toBe(join(dir, 'site.yaml'));
    expect(originOf(source.file, source.document, '(root)')).toBe(join(dir, 'site.yaml'));
    expect(originOf(source.file, source.document, 'kubernetesVersion')).toBe(join(dir, 'base.yaml'));
  });

  it('keeps attribution on a copy of the document made with a spread (a caller overriding a field)', () => {
    const dir = tree({ 'base.yaml': 'kubernetesVersion: "1.34"\n', 'site.yaml': 'extends: base.yaml\nname: s\n' });
    const source = readSiteSource(join(dir, 'site.yaml'));
    const copy = { ...(source.document as object), name: 't' };
    expect(originOf(source.file, copy, 'kubernetesVersion')).toBe(join(dir, 'base.yaml'));
  });
});

describe('YAML inside one site file', () => {
  it('resolves anchors, aliases and merge keys (<<) the way kubectl and go-yaml do; explicit keys win', () => {
    const dir = tree({
      'site.yaml': [
        'name: s',
        'nodePools:',
        '  - &gpu {name: a, count: 2, vcpus: 224, taints: &t [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]}',
        '  - <<: *gpu',
        '    name: b',
        '    count: 1',
        'cloudNodeGroups:',
        '  - {name: g, instanceType: g5.xlarge, minSize: 1, maxSize: 2, desiredCapacity: 1, taints: *t}',
        '',
      ].join('\n'),
    });
    const { document } = readSiteSource(join(dir, 'site.yaml'));
    const taints = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }];
    expect(JSON.parse(JSON.stringify(document))).toEqual({
      name: 's',
      nodePools: [
        { name: 'a', count: 2, vcpus: 224, taints },
        { name: 'b', count: 1, vcpus: 224, taints },
      ],
      cloudNodeGroups: [{ name: 'g', instanceType: 'g5.xlarge', minSize: 1, maxSize: 2, desiredCapacity: 1, taints }],
    });
  });
});
