import { spawnSync } from 'node:child_process';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { DEFAULT_SITE, runCli } from '../lib/cli/cli';
import { GENERATOR_VERSION } from '../lib/core/labels';
import { buildSite } from '../lib/pipeline/pipeline';
import { emit } from '../lib/render/k8s';
import { SUPPORTED_KUBERNETES_VERSIONS, supportsNvidiaDraDriver } from '../lib/core/versions';
import { siteVariantFile, withoutDra } from './helpers/site-variant';
import { snapshotTree } from './helpers/tree';
import { setUp } from './helpers/set-up';

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
const quiet = { out: () => {}, err: () => {} };

/**
 * The CLI as a real process, the way `npm run synth` runs it (scripts/run-bundle.cjs; test/fast-path.test.ts
 * shows it behaves exactly like `node --import tsx main.ts`, at a third of the start-up). stderr without
 * the note of a bundle rebuild, which a run right after an edit prints first.
 */
const RUN_BUNDLE = join(process.cwd(), 'scripts', 'run-bundle.cjs');
function cliProcess(args: readonly string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [RUN_BUNDLE, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr.replace(/^building build\/bundle\/main\.js \(.*\)\n/, '') };
}

describe('the example site pipeline', () => {
  let build!: ReturnType<typeof buildSite>;
  setUp(() => {
    build = buildSite(DEFAULT_SITE, registry);
  });

  it('renders without findings', () => {
    expect(build.findings).toEqual([]);
  });

  it('two synths give identical bytes', async () => {
    const a = mkdtempSync(join(tmpdir(), 'ehc-a-'));
    const b = mkdtempSync(join(tmpdir(), 'ehc-b-'));
    expect(await runCli(['synth', '--out', a], registry, quiet)).toBe(0);
    expect(await runCli(['synth', '--out', b], registry, quiet)).toBe(0);
    expect(snapshotTree(b)).toEqual(snapshotTree(a));
  });

  it('files carry a two-digit apply-order prefix, namespaces first, and kustomization.yaml lists them in order', () => {
    const chartFiles = build.result.files.map((f) => f.path);
    expect(chartFiles[0]).toBe('00-namespaces.yaml');
    for (const f of chartFiles) expect(f).toMatch(/^(never-pruned\/)?\d\d-[a-z0-9-]+\.yaml$/);
    const pruned = chartFiles.filter((f) => !f.startsWith('never-pruned/'));
    expect([...pruned].sort()).toEqual(pruned);
    const resources = (path: string) => parseAllDocuments(build.output.find((f) => f.path === path)!.content)[0].toJS().resources;
    expect(resources('kustomization.yaml')).toEqual(pruned);
    // kube-system/coredns is EKS's: updated, never pruned, so it is outside the root kustomization
    expect(resources('never-pruned/kustomization.yaml')).toEqual(['10-coredns.yaml']);
  });

  it('every object carries the standard labels and a stable name without a hash suffix', () => {
    for (const file of build.result.files) {
      for (const o of file.objects) {
        const labels = o.metadata.labels ?? {};
        expect(labels['app.kubernetes.io/managed-by'], `${file.path} ${o.kind}`).toBe('eks-hybrid-charts');
        expect(labels['app.kubernetes.io/part-of']).toBe('example');
        expect(labels['app.kubernetes.io/component']).toBeTruthy();
        expect(labels['app.kubernetes.io/version']).toBeTruthy();
        expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6}$/);
      }
    }
  });

  it('metadata reads name, namespace, labels, annotations in that order in every object', () => {
    for (const o of build.result.files.flatMap((f) => f.objects)) {
      const keys = Object.keys(o.metadata).filter((k) => ['name', 'namespace', 'labels', 'annotations'].includes(k));
      expect(keys, `${o.kind} ${o.metadata.name}`).toEqual(['name', 'namespace', 'labels', 'annotations'].filter((k) => k in o.metadata));
      expect(Object.keys(o.metadata).slice(0, keys.length)).toEqual(keys);
    }
  });

  it('written YAML parses back to exactly the rendered objects', () => {
    for (const file of build.result.files) {
      const text = build.output.find((f) => f.path === file.path)!.content;
      expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(file.objects);
    }
  });

  it('manifest.json records generator, version, site hash and the hash of every file', () => {
    const manifest = JSON.parse(build.output.find((f) => f.path === 'manifest.json')!.content);
    expect(manifest.generator).toEqual({ name: 'eks-hybrid-charts', version: GENERATOR_VERSION });
    expect(manifest.kubernetesVersion).toBe('1.33');
    // the hashes are of the bytes written: recomputed here from the site file and the rendered files, not
    // taken from the code (that dist/ holds these bytes is test/committed-output.test.ts's check)
    expect(manifest.siteConfigSha256).toBe(createHash('sha256').update(readFileSync(DEFAULT_SITE)).digest('hex'));
    const others = build.output.filter((f) => f.path !== 'manifest.json');
    expect(Object.keys(manifest.files)).toEqual(others.map((f) => f.path));
    for (const file of others) {
      expect(manifest.files[file.path], file.path).toBe(createHash('sha256').update(file.content).digest('hex'));
    }
  });

  it('namespaces enforce their Pod Security level pinned to the target minor', () => {
    const ns = build.result.files[0].objects;
    expect(ns.length).toBeGreaterThan(0);
    for (const o of ns) {
      expect(o.kind).toBe('Namespace');
      expect(o.metadata.namespace).toBeUndefined();
      expect(['privileged', 'baseline', 'restricted']).toContain(o.metadata.labels!['pod-security.kubernetes.io/enforce']);
      expect(o.metadata.labels!['pod-security.kubernetes.io/enforce-version']).toBe('v1.33');
    }
  });
});

describe('matrix: the example site for every supported Kubernetes version', () => {
  const draVersions = SUPPORTED_KUBERNETES_VERSIONS.filter(supportsNvidiaDraDriver);

  it('DRA runs from 1.33 on (EKS serves the beta API from 1.33)', () => {
    expect(draVersions).toEqual(['1.33', '1.34', '1.35', '1.36']);
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)('%s renders and validates with no finding', (version) => {
    // Below 1.33 the example's DRA pool is a config error (tested below); the rest of the site renders.
    const file = supportsNvidiaDraDriver(version) ? DEFAULT_SITE : siteVariantFile(withoutDra());
    const build = buildSite(file, registry, { kubernetesVersion: version });
    expect(build.findings.map((f) => `${f.file}: ${f.object}: ${f.field ?? ''}: ${f.message}`)).toEqual([]);
    expect(JSON.parse(build.output.find((f) => f.path === 'manifest.json')!.content).kubernetesVersion).toBe(version);
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS.filter((v) => !supportsNvidiaDraDriver(v)))(
    '%s: the example with its DRA pool is refused with a clear message (exit 2)',
    async (version) => {
      const err: string[] = [];
      const code = await runCli(['validate', '--kubernetes-version', version], registry, { out: () => {}, err: (l) => err.push(l) });
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/^sites\/example\.yaml: nodePools\[1\]\.gpu\.mode: .*1\.33/m);
    },
  );
});

describe('the CLI', () => {
  it('--all renders every site in sites/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-all-'));
    const lines: string[] = [];
    expect(await runCli(['synth', '--all', '--out', out], registry, { out: (l) => lines.push(l), err: () => {} })).toBe(0);
    const siteFiles = readdirSync('sites').filter((n) => n.endsWith('.yaml'));
    expect(siteFiles.length).toBeGreaterThan(1);
    expect(lines).toHaveLength(siteFiles.length);
    for (const l of lines) expect(l).toMatch(/^[a-z0-9-]+: \d+ objects, \d+ files, \d+ ms -> /);
    expect(readdirSync(out).sort()).toEqual(lines.map((l) => l.split(':')[0]).sort());
    expect(lines.some((l) => l.startsWith('example: '))).toBe(true);
  });

  it('with several sites, one bad site stops every write and every problem is reported (exit 2)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-multi-'));
    const err: string[] = [];
    const lines: string[] = [];
    const bad1 = 'test/fixtures/bad-sites/version-unsupported.yaml';
    const bad2 = 'test/fixtures/bad-sites/region-bad.yaml';
    const code = await runCli(['synth', '--site', DEFAULT_SITE, '--site', bad1, '--site', 'sites/example-operator.yaml', '--site', bad2, '--out', out], registry, {
      out: (l) => lines.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(lines).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
    expect(err.some((l) => l.startsWith(`${bad1}: kubernetesVersion: `))).toBe(true);
    expect(err.some((l) => l.startsWith(`${bad2}: cluster.region: `))).toBe(true);
  });

  it('refuses two sites with the same name: the second would overwrite the first (exit 2, nothing written)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-same-'));
    const twin = siteVariantFile({ webApi: { replicas: 5 } });
    const err: string[] = [];
    expect(await runCli(['synth', '--site', DEFAULT_SITE, '--site', twin, '--out', out], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err).toEqual([`${twin}: name: another site file selected in this run has the same name (${DEFAULT_SITE}); both would write ${join(out, 'example')}/ (got "example")`]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('validate and cost go on after a bad site and report every one (exit 2)', async () => {
    for (const command of ['validate', 'cost', 'diff']) {
      const err: string[] = [];
      const lines: string[] = [];
      const bad = 'test/fixtures/bad-sites/region-bad.yaml';
      const code = await runCli([command, '--site', bad, '--site', DEFAULT_SITE], registry, { out: (l) => lines.push(l), err: (l) => err.push(l) });
      expect(code, command).toBe(2);
      expect(err.some((l) => l.startsWith(`${bad}: cluster.region: `)), command).toBe(true);
      expect(lines.join('\n'), command).toMatch(/^example/m);
    }
  });

  it('--out naming a file is bad input (exit 2), not a crash', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ehc-outfile-')), 'not-a-dir');
    writeFileSync(file, 'x\n');
    const err: string[] = [];
    expect(await runCli(['synth', '--out', file], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err).toEqual([`--out: ${file}: is a file, not a directory`]);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
  });

  it('writes site folders with the usual permissions, not the private mode of a temp folder', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-mode-'));
    expect(await runCli(['synth', '--out', out], registry, quiet)).toBe(0);
    // a GitOps checkout is read by other users and tools (CI runners, Argo CD): 0700 locks them out
    const reference = join(out, 'reference');
    mkdirSync(reference);
    const usual = statSync(reference).mode & 0o777;
    expect(statSync(join(out, 'example')).mode & 0o777).toBe(usual);
    expect(statSync(join(out, 'example', 'nodes')).mode & 0o777).toBe(usual);
  });

  it('--all where there is no sites/ folder is bad input (exit 2), not a crash', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ehc-cwd-'));
    const r = cliProcess(['synth', '--all'], elsewhere);
    expect(r.stderr).toBe(`--all: sites/: no such folder here (${elsewhere}); run from the project folder or name files with --site\n`);
    expect(r.status).toBe(2);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('--all with --site is bad input (exit 2): one of them would be ignored', async () => {
    const err: string[] = [];
    const out = mkdtempSync(join(tmpdir(), 'ehc-all-site-'));
    expect(await runCli(['synth', '--all', '--site', DEFAULT_SITE, '--out', out], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err).toEqual(['--all: --site: cannot be combined with --all, which renders every site file in sites/']);
    expect(readdirSync(out)).toEqual([]);
  });

  it('an unknown flag is bad input (exit 2), reported through the CLI output, not stray stderr', async () => {
    const err: string[] = [];
    expect(await runCli(['synth', '--colour'], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err).toEqual(['--colour: (flag): unknown option']);
  });

  it('runs as a process: bad input exits 2 with no stack trace', () => {
    const r = cliProcess(['synth', '--site', 'test/fixtures/bad-sites/version-unsupported.yaml', '--out', mkdtempSync(join(tmpdir(), 'ehc-p-'))]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('kubernetesVersion: unsupported Kubernetes version');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs as a process: bad input leaves the output root exactly as it was', () => {
    const out = mkdtempSync(join(tmpdir(), 'ehc-p-'));
    // an earlier output that differs from what the good site renders now, so a write would show
    expect(cliProcess(['synth', '--kubernetes-version', '1.34', '--out', out]).status).toBe(0);
    const before = snapshotTree(out);
    const r = cliProcess(['synth', '--site', DEFAULT_SITE, '--site', 'test/fixtures/bad-sites/version-unsupported.yaml', '--out', out]);
    expect(r.status).toBe(2);
    // the good site listed first is not written either: a rerun after fixing the bad one writes both at once
    expect(snapshotTree(out)).toEqual(before);
    expect(existsSync(join(out, 'bad'))).toBe(false);
  });
});

describe('buildSite validates unless asked not to', () => {
  // a registry whose one chart renders an object the schema refuses (a ConfigMap's data value must be a string)
  const broken = {
    charts: [
      {
        id: 'broken',
        order: 1,
        component: 'broken',
        enabled: () => true,
        build: (scope: Construct, id: string) => {
          const chart = new Chart(scope, id, { disableResourceNameHashes: true });
          emit(chart, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { n: 1 as unknown as string } });
          return chart;
        },
      },
    ],
    artifacts: [],
  };

  it('by default the findings of the rendered objects are returned; with validate: false none are looked for', () => {
    const findings = buildSite(DEFAULT_SITE, broken).findings;
    expect(findings.map((f) => `${f.object} ${f.field ?? ''}`)).toEqual(['ConfigMap default/x data.n']);
    expect(buildSite(DEFAULT_SITE, broken, { validate: true }).findings).toHaveLength(1);
    expect(buildSite(DEFAULT_SITE, broken, { validate: false }).findings).toStrictEqual([]);
  });
});
