// lib/render/yaml-emit.ts must print exactly what yaml's stringify prints with toYaml's options: over every
// object of every committed site and of a generated fleet (EHC_FLEET_SITES=1000 for the bench's full
// fleet), over strings that stress yaml's quoting and block-scalar rules, and it must hand anything
// outside plain JSON back to yaml. The committed-output test covers the other files toYaml writes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { toYaml } from '../lib/render/site-files';
import { renderSite } from '../lib/render/render';
import { loadSite } from '../lib/site/site';
import { emitYaml, memoized, printedAsIs, YAML_OPTIONS } from '../lib/render/yaml-emit';
import { writeFleet } from '../scripts/fleet';

const byYaml = (value: unknown) => stringify(value, YAML_OPTIONS);

/** The objects whose emitted YAML differs from yaml's, as `<site> <kind>/<name>`. */
function mismatches(siteFile: string): string[] {
  const site = loadSite(siteFile);
  const { files } = renderSite(site, CHARTS, ARTIFACTS);
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((f) => f.objects.filter((o) => emitYaml(o) !== byYaml(o)).map((o) => `${site.config.name} ${o.kind}/${o.metadata.name}`));
}

const HOSTILE_STRINGS = [
  '', ' ', '-', '- x', '?', '? x', ':', 'a: b', 'a:b', 'x:', '#', 'a #b', 'a#b', '&a', '*a', '!t', '|', '>', "'", '"', '%x', '@x', '`x',
  '[x]', '{x}', 'a, b', 'yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'Null', 'true', 'False', '0', '-1', '+1', '0755', '0o17', '0x1F',
  '0b101', '1_000', '1:20', '1:20:30.5', '1e3', '1.5e-3', '.5', '.inf', '-.Inf', '.nan', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '---', '--- x', '...', '... x', 'a\n---\nb', 'line\n', 'line\n\n', 'line', 'a\nb', 'a\n\nb\n', '\nlead', '\n\nlead\n', '  indented\nx',
  'trailing \nx', 'x\n  ', 'tab\tin', '\ttab', 'cr\r\nlf', '\u0001ctl', '\u007f', '\u0085nel', '\u2028ls', 'é日本🙂', '\ud800', 'x'.repeat(300),
  `${'word '.repeat(40)}end`, "it's", 'say "hi"', 'back\\slash', 'a\n#b', 'a\n- b', 'key: |\n  x', '<<',
  // the simple-string shortcut: names, paths, image references, and what only looks like them
  'nginx', 'a.b-c_d', '/var/lib', './x', '_x', '.', '..', '...x', 'x...', 'a=b', 'img:1.2', 'img@sha256:0a', 'a:', '/p:', 'Yes', 'ON', 'nO',
  '0x', '0b', '0b2', '08', '0_7', '1_000:20', '1.2.3', '1.', '1e', 'e1', '2001-1-1', '2001-12-14t1:2:3', 'x-', 'NaN', '.NaN', '+.inf', 'Off',
];

describe('emitYaml', () => {
  it.each(readdirSync('sites').filter((n) => n.endsWith('.yaml')))('prints every object of sites/%s as yaml does', (file) => {
    expect(mismatches(join('sites', file))).toEqual([]);
  });

  const fleetDir = mkdtempSync(join(tmpdir(), 'ehc-yaml-emit-'));
  afterAll(() => rmSync(fleetDir, { recursive: true, force: true }));
  const fleetSize = Number(process.env.EHC_FLEET_SITES ?? 7);
  it(`prints every object of a generated fleet of ${fleetSize} sites (the first seven: one per supported minor) as yaml does`, () => {
    const bad = writeFleet(fleetDir, fleetSize).flatMap(mismatches);
    expect(bad).toEqual([]);
  }, 600_000);

  it('prints hostile strings as yaml does, as values, keys, sequence items and nested at every depth', () => {
    const shapes = (s: string) => [
      { v: s },
      { [s]: 'v' },
      { [s]: { [s]: [s, { [s]: s }] } },
      [s, [s], { k: s }],
      { list: [{ a: s, b: [s] }] },
      { top: { deeper: { deepest: s } } },
    ];
    const values = HOSTILE_STRINGS.flatMap(shapes);
    expect(values.filter((v) => toYaml(v) !== byYaml(v)).map((v) => JSON.stringify(v))).toEqual([]);
    // all but YAML 1.1's merge key `<<` take the direct path
    const handedBack = values.filter((v) => emitYaml(v) === undefined).map((v) => JSON.stringify(v));
    expect(handedBack.every((v) => v.includes('"<<"'))).toBe(true);
    expect(handedBack).toHaveLength(shapes('<<').length);
  });

  it('prints numbers, booleans, null, empty collections and left-out undefined values as yaml does', () => {
    const values = [
      { n: [0, 1, -1, 1.5, -2.25, 1e21, 1e-7, 0.1, 2 ** 53, 123456789012], b: [true, false], z: null, u: undefined },
      { e: {}, a: [], ea: [{}, [], [[]]], allUndefined: { x: undefined }, nested: { e: {} } },
      [null, true, 3],
    ];
    for (const v of values) expect(emitYaml(v)).toBe(byYaml(v));
  });

  it('prints names, paths and image references without asking yaml, and only strings yaml prints plain', () => {
    const names = ['nginx', 'kube-system', 'a.b-c_d', '/var/lib/kubelet', './x', 'nvidia.com/gpu', 'harbor.example.com/nvidia/k8s-device-plugin:v0.17.1', 'img@sha256:0a', 'a=b', 'v1', '1.34.2'];
    expect(names.filter((s) => !printedAsIs(s))).toEqual([]);
    // another type, an indicator, a space, a trailing ':' or a leading '...': yaml decides
    const notClaimed = ['yes', 'No', 'null', '~', 'true', '0', '1.5', '0x1F', '1:20', '2001-12-14', '.inf', 'x:', '...x', '-', '- x', 'a b', '#', 'a#b', '', "it's"];
    expect(notClaimed.filter((s) => printedAsIs(s))).toEqual([]);
    // sound over every hostile string: what the shortcut claims, yaml prints as it is
    const claimed = HOSTILE_STRINGS.filter((s) => printedAsIs(s));
    expect(claimed.length).toBeGreaterThan(10);
    expect(claimed.filter((s) => byYaml({ v: s }) !== `v: ${s}\n`)).toEqual([]);
  });

  it('keeps a value text for the next time only when it does not depend on the indentation', () => {
    const kept = ['memo-name', 'memo a---b', 'memo: quoted', 'memo 100%'];
    const printedAfresh = ['memo\nmulti-line', '--- memo', '... memo', '%memo', 'x\n--- memo'];
    const values = [...kept, ...printedAfresh];
    expect(emitYaml({ list: values })).toBe(byYaml({ list: values }));
    expect(values.filter(memoized)).toEqual(kept);
  });

  it('takes null-prototype maps and keys of up to 1,024 characters directly, as yaml prints them', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 'b', c: [1, { d: null }] });
    expect(emitYaml(bare)).toBe(byYaml(bare));
    const longest = { ['k'.repeat(1024)]: 1 };
    expect(emitYaml(longest)).toBe(byYaml(longest));
    // one more and yaml writes an explicit `? key`: handed back
    expect(emitYaml({ ['k'.repeat(1025)]: 1 })).toBeUndefined();
  });

  it('passes on an error that is not about the value being outside plain JSON', () => {
    const throwing = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new TypeError('getter failed'); } });
    expect(() => emitYaml({ nested: throwing })).toThrow('getter failed');
  });

  it('hands values outside plain JSON back to yaml (toYaml still prints them as yaml does)', () => {
    const outside = [undefined, new Date(0), { d: new Date(0) }, { m: new Map([['a', 1]]) }, [1, undefined], { n: Number.NaN }, { n: -0 }, { n: 10n }, 'scalar', 3, null, { '<<': { a: 1 } }, { [`${'k'.repeat(1100)}`]: 1 }, { j: { toJSON: () => 'x' } }, Object.defineProperty({ a: 1 }, 'toJSON', { value: () => 'x', enumerable: false })];
    for (const v of outside) {
      expect(emitYaml(v)).toBeUndefined();
      expect(toYaml(v)).toBe(byYaml(v));
    }
  });
});
