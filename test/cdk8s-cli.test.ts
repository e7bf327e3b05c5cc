// `cdk8s synth` is a documented way to render: the pinned cdk8s-cli must run it after `npm ci`, with no
// network (`npx --no-install`), for the default site and for any other.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { buildSite } from '../lib/pipeline/pipeline';
import { snapshotTree } from './helpers/tree';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
const cdk8s = resolve('node_modules/.bin/cdk8s');

function fresh(site: string): Record<string, string> {
  return Object.fromEntries(buildSite(site, registry).output.map((f) => [f.path, Buffer.from(f.content).toString('base64')]));
}

function run(args: string[], cwd: string) {
  // --no-check-upgrade is not passed: the CLI's own upgrade check must not break an offline run
  return spawnSync(cdk8s, args, { cwd, encoding: 'utf8', env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'ehc-home-')) } });
}

describe('cdk8s synth', () => {
  it('with cdk8s.yaml as committed renders the example into dist/example/ and a disposable copy into .cdk8s.out/', () => {
    // a project folder of links to this one, so the run cannot touch the committed dist/
    const project = mkdtempSync(join(tmpdir(), 'ehc-cdk8s-'));
    for (const name of ['cdk8s.yaml', 'main.ts', 'charts', 'lib', 'imports', 'scripts', 'sites', 'node_modules', 'package.json', 'tsconfig.json']) {
      symlinkSync(resolve(name), join(project, name));
    }
    const r = run(['synth'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(snapshotTree(join(project, 'dist', 'example'))).toEqual(fresh('sites/example.yaml'));
    expect(snapshotTree(join(project, '.cdk8s.out', 'example'))).toEqual(fresh('sites/example.yaml'));
  });

  it('renders any site with --app, into --out', () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-cdk8s-out-'));
    const copy = mkdtempSync(join(tmpdir(), 'ehc-cdk8s-copy-'));
    const app = `${process.execPath} scripts/run-bundle.cjs synth --site sites/example-operator.yaml --out ${out}`;
    const r = run(['synth', '--app', app, '--output', copy], process.cwd());
    expect(r.status, r.stderr).toBe(0);
    expect(snapshotTree(join(out, 'example-operator'))).toEqual(fresh('sites/example-operator.yaml'));
    expect(snapshotTree(join(copy, 'example-operator'))).toEqual(fresh('sites/example-operator.yaml'));
  });
});
