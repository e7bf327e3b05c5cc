import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandFactory } from '../cli';
import { EXIT_FINDINGS, forEachSite, selectSites } from '../cli';
import { SiteConfigError } from '../config/problems';
import { buildSite } from '../pipeline';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../versions';

/**
 * `diff`: renders each selected site in memory and compares it with its committed output
 * (`<against>/<site>/`): exit 0 when identical, 1 when different, 2 on bad input, so it can gate a
 * GitOps pull request ("dist/ is what the config renders"). A function declaration: lib/cli.ts
 * registers it while this file imports lib/cli.
 */
export function diffCommand(...[registry, io, setExit]: Parameters<CommandFactory>): Command {
  return new Command('diff')
    .description('compare a fresh render with the committed output: per object added/removed/changed fields, other files by line; exit 1 when different')
    .option('--site <file>', 'site config file (repeatable; default sites/example.yaml)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'every site file in sites/')
    .option('--against <root>', 'output root holding <site>/ to compare with', 'dist')
    .addOption(new Option('--kubernetes-version <minor>', 'render for this Kubernetes minor instead of the file\'s kubernetesVersion').choices([...SUPPORTED_KUBERNETES_VERSIONS]))
    .action(async (opts: { site?: string[]; all?: boolean; against: string; kubernetesVersion?: string }, command: Command) => {
      // a mistyped --against would otherwise report every file as added
      if (command.getOptionValueSource('against') !== 'default' && !existsSync(opts.against)) {
        throw new SiteConfigError('--against', [{ path: opts.against, message: 'no such directory' }]);
      }
      // loaded here, not at the top: every CLI start registers this command, few run it ("diff" package, YAML parsing)
      const { diffSiteOutput, formatSiteDiff, isIdentical } = await import('../diff.js');
      await forEachSite(selectSites(opts), io, setExit, (file) => {
        const build = buildSite(file, registry, { kubernetesVersion: opts.kubernetesVersion, validate: false });
        const dir = join(opts.against, build.site.config.name);
        const objects = new Map(build.result.files.map((f) => [f.path, f.objects]));
        const diff = diffSiteOutput(build.output, objects, dir);
        if (isIdentical(diff)) {
          io.out(`${build.site.config.name}: identical to ${dir}/`);
          return;
        }
        const count = diff.objects.length + diff.files.length;
        io.out(`${build.site.config.name}: ${count} difference(s) against ${dir}/${existsSync(dir) ? '' : ' (no such folder: everything is new)'}`);
        for (const line of formatSiteDiff(diff)) io.out(line);
        setExit(EXIT_FINDINGS);
      });
    });
}

