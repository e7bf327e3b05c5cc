// lib/config/load.ts keeps the files it parsed and lib/site/inputs.ts the CA certificates it read, per
// process, so a fleet whose sites extend one base parses it once (issue 18). A cache must never change
// what a load returns: an edited file is read again, and no caller can change what the next one gets.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRegistryCa } from '../lib/site/inputs';
import { readSiteSource } from '../lib/config/load';
import { loadSite } from '../lib/site/site';

const NOW = new Date('2027-01-01T00:00:00Z');

function twoSitesOnOneBase() {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-parse-cache-'));
  copyFileSync('sites/example.yaml', join(dir, 'base.yaml'));
  copyFileSync('sites/example-harbor-ca.crt', join(dir, 'example-harbor-ca.crt'));
  writeFileSync(join(dir, 'a.yaml'), 'extends: base.yaml\nname: site-a\n');
  writeFileSync(join(dir, 'b.yaml'), 'extends: base.yaml\nname: site-b\n');
  return dir;
}

describe('files parsed once per process', () => {
  it('a caller that changes its document changes nothing another load returns', () => {
    const dir = twoSitesOnOneBase();
    const first = readSiteSource(join(dir, 'a.yaml'));
    const json = (d: unknown) => JSON.parse(JSON.stringify(d)) as unknown;
    const pristine = json(first.document);
    const doc = first.document as { cluster: { name: string }; nodePools: unknown[] };
    doc.cluster.name = 'changed-by-a-caller';
    doc.nodePools.length = 0;
    expect(json(readSiteSource(join(dir, 'a.yaml')).document)).toEqual(pristine);
    // the same for a file that extends nothing (its document is the parsed one, not a merge)
    const alone = readSiteSource(join(dir, 'base.yaml')).document as { cluster: { name: string }; nodePools: unknown[] };
    const alonePristine = json(alone);
    alone.cluster.name = 'changed-by-a-caller';
    alone.nodePools.length = 0;
    expect(json(readSiteSource(join(dir, 'base.yaml')).document)).toEqual(alonePristine);
    const b = readSiteSource(join(dir, 'b.yaml')).document as { name: string; cluster: { name: string }; nodePools: unknown[] };
    expect(b.name).toBe('site-b');
    expect(b.cluster.name).toBe((pristine as { cluster: { name: string } }).cluster.name);
    expect(b.nodePools.length).toBeGreaterThan(0);
  });

  it('an edited base is read again: the next load sees the edit, and the sha256 follows the bytes', () => {
    const dir = twoSitesOnOneBase();
    const before = loadSite(join(dir, 'a.yaml'));
    const base = join(dir, 'base.yaml');
    writeFileSync(base, readFileSync(base, 'utf8').replace(/^(\s+)name: (\S+)$/m, '$1name: $2-edited'));
    const after = loadSite(join(dir, 'a.yaml'));
    expect(after.config.cluster.name).toBe(`${before.config.cluster.name}-edited`);
    expect(after.source.sha256).not.toBe(before.source.sha256);
    expect(after.source.files.find((f) => f.file.endsWith('base.yaml'))?.sha256).not.toBe(before.source.files.find((f) => f.file.endsWith('base.yaml'))?.sha256);
  });

  it('a base edited into a broken file is refused, though its good version was parsed before', () => {
    const dir = twoSitesOnOneBase();
    expect(() => loadSite(join(dir, 'a.yaml'))).not.toThrow();
    writeFileSync(join(dir, 'base.yaml'), `${readFileSync(join(dir, 'base.yaml'), 'utf8')}\nname: twice\n`);
    expect(() => loadSite(join(dir, 'a.yaml'))).toThrow(/duplicate key "name"/);
  });
});

describe('CA certificates parsed once per process', () => {
  it('a CA file replaced by another certificate is read again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehc-ca-cache-'));
    const file = join(dir, 'ca.crt');
    copyFileSync('sites/example-harbor-ca.crt', file);
    const first = readRegistryCa(file, dir, NOW);
    expect(first.problems).toEqual([]);
    copyFileSync('test/fixtures/registry/lab-harbor-ca.crt', file);
    const second = readRegistryCa(file, dir, NOW);
    expect(second.problems).toEqual([]);
    expect(second.ca?.certificates[0].fingerprint256).not.toBe(first.ca?.certificates[0].fingerprint256);
    expect(second.ca?.certificates).toEqual(readRegistryCa('test/fixtures/registry/lab-harbor-ca.crt', '.', NOW).ca?.certificates);
    copyFileSync('test/fixtures/registry/expired-ca.crt', file);
    expect(readRegistryCa(file, dir, NOW).problems[0]?.message).toMatch(/expired on/);
  });
});
