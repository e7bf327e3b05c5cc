import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { costCommand } from './commands/cost';
import { diffCommand } from './commands/diff';
import { migrateCommand } from './commands/migrate';
import { planCommand } from './commands/plan';
import { SiteConfigError, type Problem } from '../config/problems';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../core/labels';
import { buildSite, type Registry, type SiteBuild } from '../pipeline/pipeline';
import { describePrerequisite, missingOnCluster, sitePrerequisites, type MissingCrd, type Prerequisite } from '../validate/prerequisites';
import { formatFinding, type Finding } from '../validate/validator';
import { OutputWriteError, SWAP_MODES, writeSites, type SwapMode } from '../output/writer';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OUTPUT, forEachSite, kubernetesVersionOption, selectSites, siteFileOptions, type CommandFactory, type Io, type SiteSelection } from './sites';

export { DEFAULT_SITE, EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OUTPUT } from './sites';

function siteOptions(command: Command): Command {
  return siteFileOptions(command).addOption(kubernetesVersionOption());
}

/** Errors always block; warnings only with --strict (like `helm lint --strict`). */
function blockingFindings(findings: readonly Finding[], strict = false): number {
  return findings.filter((f) => strict || f.severity === 'error').length;
}

/**
 * Milliseconds since a `process.hrtime.bigint()` reading. Not `performance.now()`: the first use of that
 * global loads Node's perf_hooks (~5 ms of every run's start-up, for a figure in one line of output).
 */
function millisecondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** A cluster that cannot be asked (unreachable, bad kubeconfig, no kubectl) is bad input, not a crash. */
function askCluster(prerequisites: readonly Prerequisite[], kubeconfig: string): MissingCrd[] {
  try {
    return missingOnCluster(prerequisites, kubeconfig);
  } catch (err) {
    throw new SiteConfigError(kubeconfig, [{ path: '--cluster', message: (err as Error).message.split('\n')[0] }]);
  }
}

/**
 * An output root (`--out`, or `$CDK8S_OUTDIR`) must be a folder or not exist yet: a file there is a
 * mistyped flag, reported before any work, so no root is written when another cannot be.
 */
function checkOutRoot(out: string, source = '--out'): void {
  if (out === '') throw new SiteConfigError(source, [{ path: '""', message: 'must name a folder (empty, it would write into the current folder)' }]);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new SiteConfigError(source, [{ path: out, message: 'is a file, not a directory' }]);
  }
}

/** Two selected sites with the same `name` would write the same folder: the later one is a problem. */
function duplicateNames(builds: readonly SiteBuild[], outRoot: string): Problem[][] {
  const first = new Map<string, string>();
  return builds.map((b) => {
    const name = b.site.config.name;
    const other = first.get(name);
    if (other === undefined) {
      first.set(name, b.site.source.file);
      return [];
    }
    return [
      {
        path: 'name',
        message: `another site file selected in this run has the same name (${other}); both would write ${join(outRoot, name)}/`,
        value: name,
      },
    ];
  });
}

function synthCommand(registry: Registry, io: Io, setExit: (code: number) => void): Command {
  return siteOptions(new Command('synth'))
    .description('render site(s) into <out>/<site>/ (validated first; nothing is written when a site has findings)')
    .option('--out <dir>', 'output root', 'dist')
    .option('--no-validate', 'write even when the validator has errors (not recommended)')
    .option('--strict', 'treat validator warnings as errors')
    .addOption(new Option('--swap <mode>', 'how <out>/<site> is replaced: a plain folder renamed in, or a symlink flipped to a new tree (README)').choices(SWAP_MODES).default('rename'))
    .action(async (opts: SiteSelection & { out: string; validate: boolean; strict?: boolean; kubernetesVersion?: string; swap: SwapMode }) => {
      checkOutRoot(opts.out);
      const outRoots = [resolve(opts.out)];
      // `cdk8s synth` deletes its output folder before running the app, so dist/ is never that folder:
      // we write dist/ as usual and a disposable copy where the CLI expects one (see cdk8s.yaml).
      const cdk8sOut = process.env.CDK8S_OUTDIR;
      if (cdk8sOut && resolve(cdk8sOut) !== outRoots[0]) {
        checkOutRoot(cdk8sOut, 'CDK8S_OUTDIR');
        outRoots.push(resolve(cdk8sOut));
      }
      // All or nothing: every selected site is loaded, rendered and validated before anything is
      // written, so a bad site or a finding leaves the whole output root exactly as it was.
      let bad = false;
      const builds = await forEachSite(selectSites(opts), io, () => (bad = true), (file) => {
        const started = process.hrtime.bigint();
        const build = buildSite(file, registry, { kubernetesVersion: opts.kubernetesVersion, validate: opts.validate });
        return { build, ms: millisecondsSince(started) };
      });
      duplicateNames(
        builds.map((b) => b.build),
        opts.out,
      ).forEach((problems, i) => {
        if (problems.length === 0) return;
        io.err(new SiteConfigError(builds[i].build.site.source.file, problems).message);
        bad = true;
      });
      if (bad) {
        setExit(EXIT_BAD_INPUT);
        return;
      }
      let blocked = false;
      for (const { build } of builds) {
        for (const w of build.site.warnings) io.err(`warning: ${build.site.source.file}: ${w}`);
        for (const f of build.findings) io.err(formatFinding(f));
        const blocking = blockingFindings(build.findings, opts.strict);
        if (blocking > 0) {
          io.err(`${build.site.config.name}: ${blocking} finding(s) block the write; nothing written (use --no-validate to write anyway)`);
          blocked = true;
        }
      }
      if (blocked) {
        setExit(EXIT_FINDINGS);
        return;
      }
      // all or nothing across the selected sites too: staged together, swapped in together
      const started = process.hrtime.bigint();
      const sites = builds.map(({ build }) => ({ site: build.site.config.name, files: build.output }));
      for (const root of outRoots) writeSites(root, sites, { swap: opts.swap });
      const writeMs = millisecondsSince(started);
      for (const { build, ms } of builds) {
        const objects = build.result.files.reduce((n, f) => n + f.objects.length, 0);
        const total = Math.round(ms + writeMs / builds.length);
        const needs = sitePrerequisites(build.result.files).map(describePrerequisite);
        io.out(
          `${build.site.config.name}: ${objects} objects, ${build.output.length} files, ${total} ms -> ${join(opts.out, build.site.config.name)}/` +
            (needs.length > 0 ? `; needs ${needs.join(', ')}` : ''),
        );
      }
    });
}

function validateCommand(registry: Registry, io: Io, setExit: (code: number) => void): Command {
  return siteOptions(new Command('validate'))
    .description('render site(s) in memory and print every schema and policy finding; exit 1 when there is an error (or a warning, with --strict)')
    .option('--strict', 'treat warnings as errors')
    .option('--cluster <kubeconfig>', "also ask that cluster (through kubectl, or $KUBECTL) which prerequisite CRDs it lacks; exit 1 when one is missing")
    .action(async (opts: SiteSelection & { strict?: boolean; kubernetesVersion?: string; cluster?: string }) => {
      if (opts.cluster !== undefined && !existsSync(opts.cluster)) {
        throw new SiteConfigError('--cluster', [{ path: opts.cluster, message: 'no such kubeconfig file' }]);
      }
      await forEachSite(selectSites(opts), io, setExit, (file) => {
        const build = buildSite(file, registry, { kubernetesVersion: opts.kubernetesVersion });
        for (const w of build.site.warnings) io.err(`warning: ${file}: ${w}`);
        for (const f of build.findings) io.out(formatFinding(f));
        const objects = build.result.files.reduce((n, f) => n + f.objects.length, 0);
        const errors = build.findings.filter((f) => f.severity === 'error').length;
        io.out(
          `${build.site.config.name}: Kubernetes ${build.site.config.kubernetesVersion}, ${objects} objects, ${errors} error(s), ${build.findings.length - errors} warning(s)`,
        );
        if (blockingFindings(build.findings, opts.strict) > 0) setExit(EXIT_FINDINGS);
        if (opts.cluster !== undefined) {
          const prerequisites = sitePrerequisites(build.result.files);
          const missing = askCluster(prerequisites, opts.cluster);
          for (const m of missing) io.out(`${build.site.config.name}: cluster: CRD ${m.crd} ${m.problem}: install ${describePrerequisite(m.prerequisite)}`);
          const crds = prerequisites.reduce((n, p) => n + p.crds.length, 0);
          io.out(`${build.site.config.name}: cluster ${opts.cluster}: ${crds - missing.length} of ${crds} prerequisite CRD(s) served`);
          if (missing.length > 0) setExit(EXIT_FINDINGS);
        }
      });
    });
}

/** Extra commands (diff, cost, plan, …) register here with the same registry and I/O. */
export const EXTRA_COMMANDS: CommandFactory[] = [costCommand, diffCommand, planCommand, migrateCommand];

/**
 * A command-line mistake in the form of every other bad input, `<flag>: <value>: <what is wrong>`
 * (`--kubernetes-version: 1.99: must be one of 1.30, …`; `(flag)` when there is no value), from
 * Commander's error (its message is English prose with the flag and value quoted).
 */
export function flagProblem(err: CommanderError): string {
  const message = err.message.replace(/^error: /, '').split('\n');
  const hint = message.slice(1).join(' ').replace(/^\((.*)\)$/, '$1');
  const quoted = [...message[0].matchAll(/'([^']*)'/g)].map((m) => m[1]);
  const flag = (quoted[0] ?? '').split(' ')[0];
  const suffix = hint ? `; ${hint.charAt(0).toLowerCase()}${hint.slice(1)}` : '';
  switch (err.code) {
    case 'commander.invalidArgument': {
      // Stryker disable next-line Regex: equivalent, Commander's message ends with the full stop, which the greedy match reaches anyway
      const choices = /Allowed choices are (.*)\.$/.exec(message[0])?.[1];
      return `${flag}: ${quoted[1] ?? '(flag)'}: ${choices ? `must be one of ${choices}` : 'is not a valid value'}`;
    }
    case 'commander.unknownOption':
      return `${flag}: (flag): unknown option${suffix}`;
    case 'commander.optionMissingArgument':
      return `${flag}: (flag): needs a value (${quoted[0]})`;
    case 'commander.missingMandatoryOptionValue':
      return `${flag}: (flag): is required (${quoted[0]})`;
    case 'commander.conflictingOption':
      return `${flag}: (flag): ${message[0].replace(/^option /, '')}`;
    case 'commander.unknownCommand':
      return `${flag}: (command): unknown command${suffix || '; --help lists the commands'}`;
    case 'commander.excessArguments':
      return `(arguments): (command): ${flag} takes no arguments; name site files with --site`;
    default:
      return `(command line): (flag): ${message[0]}${suffix}`;
  }
}

/**
 * Runs the CLI and returns the exit code. User mistakes (bad site files, bad flags) print one line per
 * problem and return 2 without a stack trace; anything else is a bug and propagates.
 */
export async function runCli(argv: readonly string[], registry: Registry, io: Io = { out: console.log, err: console.error }): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  // addCommand does not pass the output settings on: each subcommand gets them, or its flag errors
  // would bypass `io` and go straight to the process's stderr.
  // Commander's own error lines are replaced by `<flag>: <value>: …` lines (flagProblem), printed below.
  const output = { writeOut: (s: string) => io.out(s.trimEnd()), writeErr: (s: string) => io.err(s.trimEnd()), outputError: () => {} };
  const program = new Command(GENERATOR_NAME)
    .description('Typed cdk8s charts for an Amazon EKS Hybrid Nodes cluster')
    .version(GENERATOR_VERSION)
    .exitOverride()
    .configureOutput(output);
  for (const factory of [synthCommand, validateCommand, ...EXTRA_COMMANDS]) {
    program.addCommand(factory(registry, io, setExit).exitOverride().configureOutput(output));
  }
  // `cdk8s synth` runs the app without arguments: that means "synth the example site".
  const args = argv.length === 0 ? ['synth'] : [...argv];
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof SiteConfigError) {
      io.err(err.message);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof OutputWriteError) {
      io.err(err.message);
      return EXIT_OUTPUT;
    }
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, commander.helpDisplayed comes with exit code 0, returned above
      if (err.code !== 'commander.help' && err.code !== 'commander.helpDisplayed') io.err(flagProblem(err));
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
  return exitCode;
}
