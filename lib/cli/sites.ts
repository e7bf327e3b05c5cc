import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { SiteConfigError } from '../config/problems';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../core/versions';
import { EXIT_OUTPUT } from '../output/writer';
import type { Registry } from '../pipeline/pipeline';

// What cli.ts and the commands in commands/ share: which site files to work on, the options that say
// so, exit codes, and the loop over sites. cli.ts imports the commands, so they cannot import it.

export const DEFAULT_SITE = 'sites/example.yaml';
export const SITES_DIR = 'sites';

/** Exit codes: 0 fine, 1 findings or differences, 2 bad input, 3 the output could not be written (lib/output/writer.ts). */
export const EXIT_FINDINGS = 1;
export const EXIT_BAD_INPUT = 2;
export { EXIT_OUTPUT };

export interface SiteSelection {
  readonly site?: string[];
  readonly all?: boolean;
}

/**
 * Site files to work on: `--site` (repeatable), `--all` (every *.yaml in sites/, relative to the
 * working directory), else the example. Both flags at once, or --all without sites/, is bad input.
 */
export function selectSites(options: SiteSelection): string[] {
  if (options.all) {
    if (options.site && options.site.length > 0) {
      throw new SiteConfigError('--all', [{ path: '--site', message: `cannot be combined with --all, which renders every site file in ${SITES_DIR}/` }]);
    }
    if (!existsSync(SITES_DIR) || !statSync(SITES_DIR).isDirectory()) {
      throw new SiteConfigError('--all', [{ path: `${SITES_DIR}/`, message: `no such folder here (${process.cwd()}); run from the project folder or name files with --site` }]);
    }
    return readdirSync(SITES_DIR)
      .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
      .sort()
      .map((n) => join(SITES_DIR, n));
  }
  return options.site && options.site.length > 0 ? options.site : [DEFAULT_SITE];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--site` (repeatable) and `--all`, the options {@link selectSites} reads; every command that works on sites has them. */
export function siteFileOptions(command: Command): Command {
  return command
    .option('--site <file>', `site config file (repeatable; default ${DEFAULT_SITE})`, collect)
    .option('--all', `every site file in ${SITES_DIR}/`);
}

/** `--kubernetes-version`, for the commands that render. */
export function kubernetesVersionOption(): Option {
  return new Option('--kubernetes-version <minor>', 'render for this Kubernetes minor instead of the file\'s kubernetesVersion').choices([
    ...SUPPORTED_KUBERNETES_VERSIONS,
  ]);
}

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * Runs `work` for each site file; a bad site (SiteConfigError) is reported and sets exit 2, and the
 * other sites still run, so one run shows every broken site at once. Returns the results of the good ones.
 */
export async function forEachSite<T>(
  files: readonly string[],
  io: Io,
  setExit: (code: number) => void,
  work: (file: string) => T | Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const file of files) {
    try {
      results.push(await work(file));
    } catch (err) {
      if (!(err instanceof SiteConfigError)) throw err;
      io.err(err.message);
      setExit(EXIT_BAD_INPUT);
    }
  }
  return results;
}

export type CommandFactory = (registry: Registry, io: Io, setExit: (code: number) => void) => Command;
