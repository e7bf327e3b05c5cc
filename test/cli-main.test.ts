import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Chart } from 'cdk8s';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Construct } from 'constructs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OUTPUT, flagProblem, runCli } from '../lib/cli/cli';
import { SiteConfigError } from '../lib/config/problems';
import { GENERATOR_VERSION } from '../lib/core/labels';
import type { Manifest } from '../lib/core/manifest';
import type { Registry } from '../lib/pipeline/pipeline';
import { emit } from '../lib/render/k8s';
import { loadSite, type Site } from '../lib/site/site';
import { siteVariantFile } from './helpers/site-variant';
import { snapshotTree } from './helpers/tree';
import { captureCli } from './helpers/run-cli';

/**
 * lib/cli/cli.ts in-process (runCli with captured I/O), so that the mutation run sees what the CLI's own
 * code decides: which findings block a write, what each summary line counts, which second output root
 * is written, how `--cluster` reports, and how Commander's errors are reworded (flagProblem).
 *
 * The sites are example variants; what they render comes from a small registry of two charts (fast, and
 * with findings on demand, which the real charts never have for a valid site):
 * - every site: ConfigMaps `a` (01-probe-a.yaml) and `b` (02-probe-b.yaml), valid;
 * - sites `errors` and `mixed`: two ConfigMaps whose data value is a number, two schema errors;
 * - sites `warnings` and `mixed` (Kubernetes 1.34): a resource.k8s.io/v1beta1 ResourceClaimTemplate, one
 *   schema warning (beta, off by default there), and the DeviceClass it names.
 */

const ERROR_SITES = ['errors', 'mixed'];
const WARNING_SITES = ['warnings', 'mixed'];

function configMap(name: string, value: unknown): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value } } as Manifest;
}

function probeChart(id: string, order: number, objects: (site: Site) => Manifest[]) {
  return {
    id,
    order,
    component: 'probe',
    enabled: () => true,
    build: (scope: Construct, chartId: string, site: Site) => {
      const chart = new Chart(scope, chartId, { disableResourceNameHashes: true });
      for (const object of objects(site)) emit(chart, object);
      return chart;
    },
  };
}

const PROBE: Registry = {
  charts: [
    probeChart('probe-a', 1, (site) => [configMap('a', 'x'), ...(ERROR_SITES.includes(site.config.name) ? [configMap('bad-one', 1), configMap('bad-two', 2)] : [])]),
    probeChart('probe-b', 2, (site) => [
      configMap('b', 'y'),
      ...(WARNING_SITES.includes(site.config.name)
        ? ([
            {
              apiVersion: 'resource.k8s.io/v1',
              kind: 'DeviceClass',
              metadata: { name: 'gpu.nvidia.com' },
              spec: { selectors: [{ cel: { expression: "device.driver == 'gpu.nvidia.com'" } }] },
            },
            {
              apiVersion: 'resource.k8s.io/v1beta1',
              kind: 'ResourceClaimTemplate',
              metadata: { name: 'w', namespace: 'default' },
              spec: { spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com' }] } } },
            },
          ] as Manifest[])
        : []),
    ]),
  ],
  artifacts: [],
};

const REAL: Registry = { charts: CHARTS, artifacts: ARTIFACTS };

/** A registry whose one chart throws `error` while rendering any site: nothing is ever written. */
function throwing(error: (site: Site) => Error): Registry {
  return {
    charts: [
      probeChart('throws', 1, (site) => {
        throw error(site);
      }),
    ],
    artifacts: [],
  };
}

const ERROR_LINES = [
  '01-probe-a.yaml: ConfigMap default/bad-one: data.value: must be string (got 1) [schema]',
  '01-probe-a.yaml: ConfigMap default/bad-two: data.value: must be string (got 2) [schema]',
];
const WARNING_LINE =
  '02-probe-b.yaml: ResourceClaimTemplate default/w: apiVersion: warning: resource.k8s.io/v1beta1 ResourceClaimTemplate is beta and off by default in Kubernetes 1.34 (served only with --runtime-config); use resource.k8s.io/v1 [schema]';
const blockLine = (name: string, n: number) => `${name}: ${n} finding(s) block the write; nothing written (use --no-validate to write anyway)`;

const cli = (args: readonly string[], registry: Registry = PROBE) => captureCli(args, registry);

let tmp: string;
const sites: Record<'clean' | 'errors' | 'warnings' | 'mixed', string> = { clean: '', errors: '', warnings: '', mixed: '' };
/** `warning: <file>: <text>` for each of a site file's own warnings (loading a site is cheap; rendering is not needed). */
const siteWarnings = (file: string) => loadSite(file).warnings.map((w) => `warning: ${file}: ${w}`);
/** A fresh, not yet existing output root. */
let outCount = 0;
const freshOut = () => join(tmp, `out-${++outCount}`);

/** `text` as a literal in a RegExp. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every file below `dir`, recursively (following the site's symlink). */
function fileCount(dir: string): number {
  return Object.keys(snapshotTree(dir)).length;
}

function script(name: string, body: string): string {
  const path = join(tmp, 'bin', name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}`);
  chmodSync(path, 0o755);
  return path;
}

const savedEnv = { CDK8S_OUTDIR: process.env.CDK8S_OUTDIR, KUBECTL: process.env.KUBECTL };
function restore(name: keyof typeof savedEnv): void {
  if (savedEnv[name] === undefined) delete process.env[name];
  else process.env[name] = savedEnv[name];
}
/** Set in every test: a kubectl that fails loudly, so no test (nor a mutant) ever asks a real cluster. */
let refusingKubectl: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ehc-cli-main-'));
  sites.clean = siteVariantFile({ name: 'clean' });
  sites.errors = siteVariantFile({ name: 'errors' });
  sites.warnings = siteVariantFile({ name: 'warnings', kubernetesVersion: '1.34' });
  sites.mixed = siteVariantFile({ name: 'mixed', kubernetesVersion: '1.34' });
  refusingKubectl = script('refusing-kubectl', 'echo "no cluster in this test" >&2\nexit 1\n');
});

beforeEach(() => {
  delete process.env.CDK8S_OUTDIR;
  process.env.KUBECTL = refusingKubectl;
});

afterAll(() => {
  restore('CDK8S_OUTDIR');
  restore('KUBECTL');
  for (const file of Object.values(sites)) if (file) rmSync(dirname(file), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('synth', () => {
  it('a site with errors blocks the write: exit 1, its findings and one line with their count; an existing output root is left as it was', async () => {
    const out = freshOut();
    // an earlier write of another site, and a file of the user's
    expect((await cli(['synth', '--site', sites.clean, '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const before = snapshotTree(out);
    const entries = readdirSync(out).sort();

    const r = await cli(['synth', '--site', sites.errors, '--out', out]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([...siteWarnings(sites.errors), ...ERROR_LINES, blockLine('errors', 2)]);
    expect(snapshotTree(out)).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(entries);
  });

  it('a blocked write does not create the output root', async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', sites.mixed, '--out', out]);
    expect(r.code).toBe(EXIT_FINDINGS);
    // errors only: the warning is printed but does not count without --strict
    expect(r.err.slice(-4)).toEqual([...ERROR_LINES, WARNING_LINE, blockLine('mixed', 2)]);
    expect(existsSync(out)).toBe(false);
  });

  it('with several sites, one blocked site means none is written', async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', sites.clean, '--site', sites.errors, '--out', out]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toEqual([]);
    expect(r.err.filter((l) => l.includes('block the write'))).toEqual([blockLine('errors', 2)]);
    expect(existsSync(out)).toBe(false);
  });

  it('--no-validate writes a site with errors anyway, without looking for findings', async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', sites.errors, '--out', out, '--no-validate']);
    expect(r.code).toBe(0);
    expect(r.err).toEqual(siteWarnings(sites.errors));
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^errors: 4 objects, \\d+ files, \\d+ ms -> ${escape(out)}/errors/$`))]);
    expect(readFileSync(join(out, 'errors', '01-probe-a.yaml'), 'utf8')).toContain('name: bad-two');
  });

  it('warnings do not block without --strict: printed, written, exit 0', async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', sites.warnings, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([...siteWarnings(sites.warnings), WARNING_LINE]);
    expect(r.out).toHaveLength(1);
    expect(readdirSync(join(out, 'warnings'))).toContain('02-probe-b.yaml');
  });

  it('--strict makes warnings block: the count is of errors and warnings', async () => {
    const out = freshOut();
    const warnings = await cli(['synth', '--site', sites.warnings, '--out', out, '--strict']);
    expect(warnings.code).toBe(EXIT_FINDINGS);
    expect(warnings.err.slice(-2)).toEqual([WARNING_LINE, blockLine('warnings', 1)]);
    const mixed = await cli(['synth', '--site', sites.mixed, '--out', out, '--strict']);
    expect(mixed.code).toBe(EXIT_FINDINGS);
    expect(mixed.err.slice(-1)).toEqual([blockLine('mixed', 3)]);
    expect(existsSync(out)).toBe(false);
  });

  it("prints the site's own warnings as `warning: <file>: <text>`, and one summary line per site: objects, files, time, folder; no `; needs` without prerequisites", async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', sites.clean, '--out', out]);
    expect(r.code).toBe(0);
    const warnings = siteWarnings(sites.clean);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/^warning: .*\/site\.yaml: nodePools: DRA on Kubernetes 1\.33 /);
    expect(r.err).toEqual(warnings);
    expect(r.out).toHaveLength(1);
    const line = new RegExp(`^clean: 2 objects, (\\d+) files, \\d+ ms -> ${escape(out)}/clean/$`);
    expect(r.out[0]).toMatch(line);
    expect(Number(line.exec(r.out[0])![1])).toBe(fileCount(join(out, 'clean')));
  });

  it('the time on each summary line is its share of the run, in milliseconds: never more than the whole call took', async () => {
    const out = freshOut();
    const started = process.hrtime.bigint();
    const r = await cli(['synth', '--site', sites.clean, '--site', sites.warnings, '--out', out]);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(r.code).toBe(0);
    const times = r.out.map((line) => Number(/, (\d+) ms -> /.exec(line)?.[1]));
    expect(times).toHaveLength(2);
    for (const ms of times) {
      expect(ms).toBeGreaterThanOrEqual(0);
      // rounded to whole milliseconds
      expect(ms).toBeLessThanOrEqual(Math.ceil(wallMs));
    }
  });

  it('the summary line names the prerequisites when the site has some', async () => {
    const out = freshOut();
    const r = await cli(['synth', '--site', 'sites/example.yaml', '--out', out], REAL);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^example: \\d+ objects, \\d+ files, \\d+ ms -> ${escape(out)}/example/; needs External Secrets Operator ≥ 0\\.17$`))]);
  });

  it('--swap symlink is passed to the writer: the site folder becomes a symlink (rename, the default, makes a folder)', async () => {
    const renamed = freshOut();
    expect((await cli(['synth', '--site', sites.clean, '--out', renamed])).code).toBe(0);
    expect(lstatSync(join(renamed, 'clean')).isSymbolicLink()).toBe(false);
    const linked = freshOut();
    expect((await cli(['synth', '--site', sites.clean, '--out', linked, '--swap', 'symlink'])).code).toBe(0);
    expect(lstatSync(join(linked, 'clean')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(linked, 'clean'))).toBe('.clean.v1');
    expect(snapshotTree(join(linked, 'clean'))).toEqual(snapshotTree(join(renamed, 'clean')));
  });

  it('--out "" is bad input (exit 2), reported before any work', async () => {
    // the errors site: were the check missing, the write would still be blocked, never made into the current folder
    const r = await cli(['synth', '--site', sites.errors, '--out', '']);
    expect(r).toEqual({ code: EXIT_BAD_INPUT, out: [], err: ['--out: "": must name a folder (empty, it would write into the current folder)'] });
  });

  describe('CDK8S_OUTDIR (set by `cdk8s synth`)', () => {
    it('another folder than --out: both are written, the summary names --out', async () => {
      const out = freshOut();
      const cdk8sOut = freshOut();
      process.env.CDK8S_OUTDIR = cdk8sOut;
      const r = await cli(['synth', '--site', sites.clean, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.out).toEqual([expect.stringMatching(new RegExp(` -> ${escape(out)}/clean/$`))]);
      expect(readdirSync(cdk8sOut)).toEqual(['clean']);
      expect(snapshotTree(cdk8sOut)).toEqual(snapshotTree(out));
    });

    it('a file, not a folder: bad input (exit 2) before any work, so --out is not written either', async () => {
      const out = freshOut();
      const file = `${freshOut()}.file`;
      writeFileSync(file, 'x\n');
      process.env.CDK8S_OUTDIR = file;
      const r = await cli(['synth', '--site', sites.clean, '--out', out]);
      expect(r).toEqual({ code: EXIT_BAD_INPUT, out: [], err: [`CDK8S_OUTDIR: ${file}: is a file, not a directory`] });
      expect(existsSync(out)).toBe(false);
    });

    it('the same folder as --out (spelled differently): written once', async () => {
      // symlink mode writes on every call (a second write would fill the second slot and flip the link)
      const once = freshOut();
      expect((await cli(['synth', '--site', sites.clean, '--out', once, '--swap', 'symlink'])).code).toBe(0);
      const out = freshOut();
      process.env.CDK8S_OUTDIR = join(out, '..', basename(out), '.');
      expect((await cli(['synth', '--site', sites.clean, '--out', out, '--swap', 'symlink'])).code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(readdirSync(once).sort());
      expect(readlinkSync(join(out, 'clean'))).toBe('.clean.v1');
      expect(existsSync(join(out, '.clean.v2'))).toBe(false);
    });
  });
});

describe('validate', () => {
  const summary = (name: string, version: string, objects: number, errors: number, warnings: number) =>
    `${name}: Kubernetes ${version}, ${objects} objects, ${errors} error(s), ${warnings} warning(s)`;

  it('a clean site: its summary line on stdout, its own warnings on stderr, exit 0', async () => {
    const r = await cli(['validate', '--site', sites.clean]);
    expect(r).toEqual({ code: 0, out: [summary('clean', '1.33', 2, 0, 0)], err: siteWarnings(sites.clean) });
  });

  it('errors and warnings: every finding, then the counts; exit 1', async () => {
    const r = await cli(['validate', '--site', sites.mixed]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toEqual([...ERROR_LINES, WARNING_LINE, summary('mixed', '1.34', 6, 2, 1)]);
  });

  it('errors only: exit 1', async () => {
    const r = await cli(['validate', '--site', sites.errors]);
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toEqual([...ERROR_LINES, summary('errors', '1.33', 4, 2, 0)]);
  });

  it('warnings only: exit 0, and 1 with --strict', async () => {
    const plain = await cli(['validate', '--site', sites.warnings]);
    expect(plain.code).toBe(0);
    expect(plain.out).toEqual([WARNING_LINE, summary('warnings', '1.34', 4, 0, 1)]);
    const strict = await cli(['validate', '--site', sites.warnings, '--strict']);
    expect(strict.code).toBe(EXIT_FINDINGS);
    expect(strict.out).toEqual(plain.out);
  });

  describe('--cluster <kubeconfig> (kubectl from $KUBECTL)', () => {
    // sites/example-operator.yaml needs External Secrets (2 CRDs) and the Prometheus Operator (3 CRDs)
    const SITE = 'sites/example-operator.yaml';
    const CRDS = {
      clustersecretstores: 'clustersecretstores.external-secrets.io   v1,v1beta1',
      externalsecrets: 'externalsecrets.external-secrets.io   v1,v1beta1',
      podmonitors: 'podmonitors.monitoring.coreos.com   v1',
      scrapeconfigs: 'scrapeconfigs.monitoring.coreos.com   v1alpha1',
      servicemonitors: 'servicemonitors.monitoring.coreos.com   v1',
    };
    let kubeconfig: string;
    const kubectl = (name: string, lines: readonly string[]) =>
      script(name, `printf '%s\\n' "$@" > "$0.args"\ncat <<'EOF'\n${lines.join('\n')}\nEOF\n`);
    beforeAll(() => {
      kubeconfig = join(tmp, 'kubeconfig');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
    });

    it('every prerequisite CRD served: a count line, exit 0; kubectl is asked with that kubeconfig', async () => {
      const fake = kubectl('kubectl-all', Object.values(CRDS));
      process.env.KUBECTL = fake;
      const r = await cli(['validate', '--site', SITE, '--cluster', kubeconfig], REAL);
      expect(r.code).toBe(0);
      expect(r.out).toEqual([expect.stringMatching(/^example-operator: Kubernetes 1\.33, \d+ objects, 0 error\(s\), 0 warning\(s\)$/), `example-operator: cluster ${kubeconfig}: 5 of 5 prerequisite CRD(s) served`]);
      expect(readFileSync(`${fake}.args`, 'utf8').split('\n').slice(0, 2)).toEqual(['--kubeconfig', kubeconfig]);
    });

    it('a CRD missing and one without the needed version: one line each naming what to install, the count, exit 1', async () => {
      process.env.KUBECTL = kubectl('kubectl-missing', [CRDS.clustersecretstores, 'externalsecrets.external-secrets.io   v1beta1', CRDS.podmonitors, CRDS.scrapeconfigs]);
      const r = await cli(['validate', '--site', SITE, '--cluster', kubeconfig], REAL);
      expect(r.code).toBe(EXIT_FINDINGS);
      expect(r.out.slice(1)).toEqual([
        'example-operator: cluster: CRD externalsecrets.external-secrets.io installed, but does not serve v1 (served: v1beta1): install External Secrets Operator ≥ 0.17',
        'example-operator: cluster: CRD servicemonitors.monitoring.coreos.com not installed: install Prometheus Operator ≥ 0.65',
        `example-operator: cluster ${kubeconfig}: 3 of 5 prerequisite CRD(s) served`,
      ]);
    });

    it('a kubectl that fails is bad input (exit 2): the first line of its error, under --cluster', async () => {
      const fake = script('kubectl-failing', 'echo "error: You must be logged in to the server (Unauthorized)" >&2\necho "second line" >&2\nexit 1\n');
      process.env.KUBECTL = fake;
      const r = await cli(['validate', '--site', SITE, '--cluster', kubeconfig], REAL);
      expect(r.code).toBe(EXIT_BAD_INPUT);
      expect(r.err.filter((l) => !l.startsWith('warning: '))).toEqual([
        `${kubeconfig}: --cluster: ${fake} get customresourcedefinitions failed: error: You must be logged in to the server (Unauthorized)`,
      ]);
    });

    it('a kubectl that cannot run is bad input (exit 2)', async () => {
      const missing = join(tmp, 'no-such-dir', 'kubectl');
      process.env.KUBECTL = missing;
      const r = await cli(['validate', '--site', SITE, '--cluster', kubeconfig], REAL);
      expect(r.code).toBe(EXIT_BAD_INPUT);
      expect(r.err.filter((l) => !l.startsWith('warning: '))).toEqual([`${kubeconfig}: --cluster: cannot run ${missing}: spawnSync ${missing} ENOENT`]);
    });
  });
});

describe('flagProblem: Commander errors as `<flag>: <value>: <what is wrong>`', () => {
  /** The line runCli prints for a command-line mistake (exit 2, nothing on stdout). */
  async function mistake(args: readonly string[]): Promise<string> {
    const r = await cli(args);
    expect(r.code, args.join(' ')).toBe(EXIT_BAD_INPUT);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    return r.err[0];
  }

  /** The CommanderError a small program of our own throws for `args`. */
  function commanderError(program: Command, args: readonly string[]): CommanderError {
    program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    try {
      program.parse(args, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return err;
      throw err;
    }
    throw new Error(`no error for ${args.join(' ')}`);
  }

  it('a value outside the choices names them', async () => {
    expect(await mistake(['synth', '--swap', 'bogus'])).toBe('--swap: bogus: must be one of rename, symlink');
    expect(await mistake(['validate', '--kubernetes-version', '1.99'])).toBe('--kubernetes-version: 1.99: must be one of 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36');
  });

  it('an invalid value without choices (a parser that refuses it) is "not a valid value"', () => {
    const program = new Command().option('--port <n>', 'a port', () => {
      throw new InvalidArgumentError('Not a number.');
    });
    const err = commanderError(program, ['--port', 'abc']);
    expect(err.code).toBe('commander.invalidArgument');
    expect(flagProblem(err)).toBe('--port: abc: is not a valid value');
    // no quoted value: (flag); nothing quoted at all: no flag either
    expect(flagProblem(new CommanderError(1, 'commander.invalidArgument', "error: option '--port <n>' is invalid."))).toBe('--port: (flag): is not a valid value');
    expect(flagProblem(new CommanderError(1, 'commander.invalidArgument', 'error: the value is invalid.'))).toBe(': (flag): is not a valid value');
  });

  it('conflicting options (no command has any today): the sentence without its leading "option "', () => {
    const program = new Command().addOption(new Option('--all').conflicts('site')).option('--site <file>');
    const err = commanderError(program, ['--all', '--site', 'x.yaml']);
    expect(err.code).toBe('commander.conflictingOption');
    expect(flagProblem(err)).toBe("--all: (flag): '--all' cannot be used with option '--site <file>'");
    // Commander's wording when the value came from an environment variable: the inner "option " stays
    const fromEnv = new CommanderError(1, 'commander.conflictingOption', "error: environment variable 'EHC_ALL' cannot be used with option '--site <file>'");
    expect(flagProblem(fromEnv)).toBe("EHC_ALL: (flag): environment variable 'EHC_ALL' cannot be used with option '--site <file>'");
  });

  it('an unknown command, with Commander\'s suggestion or else a pointer to --help', async () => {
    expect(await mistake(['sytnh'])).toBe('sytnh: (command): unknown command; did you mean synth?');
    expect(await mistake(['frobnicate'])).toBe('frobnicate: (command): unknown command; --help lists the commands');
  });

  it('an unknown option, with the suggestion when there is one', async () => {
    expect(await mistake(['synth', '--strictt'])).toBe('--strictt: (flag): unknown option; did you mean --strict?');
    expect(await mistake(['synth', '--colour'])).toBe('--colour: (flag): unknown option');
  });

  it('a missing value, a missing mandatory option, arguments where none are taken', async () => {
    expect(await mistake(['synth', '--out'])).toBe('--out: (flag): needs a value (--out <dir>)');
    expect(await mistake(['plan'])).toBe('--to: (flag): is required (--to <minor>)');
    expect(await mistake(['validate', 'extra.yaml'])).toBe('(arguments): (command): validate takes no arguments; name site files with --site');
  });

  it('any other error: `(command line): (flag): <message>`, with its hint', () => {
    const missingArgument = commanderError(new Command().argument('<file>'), []);
    expect(missingArgument.code).toBe('commander.missingArgument');
    expect(flagProblem(missingArgument)).toBe("(command line): (flag): missing required argument 'file'");
    // a hint of several lines is joined with spaces; only a hint wholly in parentheses loses them
    const other = (message: string) => flagProblem(new CommanderError(1, 'commander.other', message));
    expect(other('error: bad\nFirst part\nsecond part')).toBe('(command line): (flag): bad; first part second part');
    expect(other('error: bad\n(Did you mean x?)')).toBe('(command line): (flag): bad; did you mean x?');
    expect(other('error: bad\nsee the docs (README)')).toBe('(command line): (flag): bad; see the docs (README)');
    expect(other('error: bad\n(README) says more')).toBe('(command line): (flag): bad; (README) says more');
    // only a leading "error: " is Commander's prefix
    expect(other('config: error: bad')).toBe('(command line): (flag): config: error: bad');
  });
});

describe('runCli', () => {
  it('without arguments renders the default site, as `synth` does (a chart that refuses it keeps ./dist from being written)', async () => {
    const refusing = throwing((site) => new SiteConfigError(site.source.file, [{ path: '(probe)', message: 'refused' }]));
    const expected = { code: EXIT_BAD_INPUT, out: [], err: ['sites/example.yaml: (probe): refused'] };
    expect(await cli(['synth'], refusing)).toEqual(expected);
    expect(await cli([], refusing)).toEqual(expected);
  });

  it('an error that is not bad input (a bug) propagates', async () => {
    await expect(cli(['validate', '--site', sites.clean], throwing(() => new Error('a bug in a chart')))).rejects.toThrow('a bug in a chart');
  });

  it('without an io, prints through console.log and console.error', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runCli(['--version'], PROBE)).toBe(0);
      expect(await runCli(['frobnicate'], PROBE)).toBe(EXIT_BAD_INPUT);
      expect(log.mock.calls).toEqual([[GENERATOR_VERSION]]);
      expect(error.mock.calls).toEqual([['frobnicate: (command): unknown command; --help lists the commands']]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it('--help: the help on stdout, without a trailing blank line; exit 0 and nothing on stderr', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^Usage: eks-hybrid-charts \[options\] \[command\]\n\nTyped cdk8s charts for an Amazon EKS Hybrid Nodes cluster\n/);
    expect(r.out[0]).toMatch(/\n {2}help \[command\] +display help for command$/);
  });

  it("each command's help describes it and its options", async () => {
    const help = async (command: string) => {
      const r = await cli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.err).toEqual([]);
      expect(r.out[0]).not.toMatch(/\s$/);
      return r.out.join('\n').replace(/\s+/g, ' ');
    };
    const synth = await help('synth');
    expect(synth).toContain('render site(s) into <out>/<site>/ (validated first; nothing is written when a site has findings)');
    expect(synth).toContain('--out <dir> output root (default: "dist")');
    expect(synth).toContain('--no-validate write even when the validator has errors (not recommended)');
    expect(synth).toContain('--strict treat validator warnings as errors');
    expect(synth).toContain('--swap <mode> how <out>/<site> is replaced: a plain folder renamed in, or a symlink flipped to a new tree (README)');
    const validate = await help('validate');
    expect(validate).toContain('render site(s) in memory and print every schema and policy finding; exit 1 when there is an error (or a warning, with --strict)');
    expect(validate).toContain('--strict treat warnings as errors');
    expect(validate).toContain('--cluster <kubeconfig> also ask that cluster (through kubectl, or $KUBECTL) which prerequisite CRDs it lacks; exit 1 when one is missing');
  });

  it('--version prints the version, exit 0', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: [GENERATOR_VERSION], err: [] });
  });

  it('no command at all (only `--`): the help on stderr, trimmed, exit 2, and no problem line', async () => {
    const r = await cli(['--']);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^Usage: eks-hybrid-charts /);
    expect(r.err[0]).not.toMatch(/\s$/);
  });

  it('an output root that cannot be written: exit 3 with the writer\'s one-line message', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a folder');
    const out = join(file, 'out');
    const r = await cli(['synth', '--site', sites.clean, '--out', out]);
    expect(r.code).toBe(EXIT_OUTPUT);
    expect(r.out).toEqual([]);
    expect(r.err.slice(siteWarnings(sites.clean).length)).toEqual([expect.stringMatching(new RegExp(`^${escape(out)}: .*\\(ENOTDIR\\); nothing in ${escape(out)} was changed$`))]);
  });

  it('another synth holding the lock (a live process of ours): exit 3 naming its pid, nothing written', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const pid = holder.pid!;
      const out = freshOut();
      mkdirSync(out);
      writeFileSync(join(out, '.synth.lock'), `${pid} ${hostname()}\n`);
      const r = await cli(['synth', '--site', sites.clean, '--out', out]);
      expect(r.code).toBe(EXIT_OUTPUT);
      expect(r.out).toEqual([]);
      expect(r.err.slice(siteWarnings(sites.clean).length)).toEqual([`${out}: another synth is writing ${out} (pid ${pid}); if none is running, delete ${join(out, '.synth.lock')}`]);
      expect(readdirSync(out)).toEqual(['.synth.lock']);
    } finally {
      holder.kill();
    }
  });
});
