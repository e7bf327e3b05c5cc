import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandFactory } from '../sites';
import { EXIT_FINDINGS, forEachSite, kubernetesVersionOption, selectSites, siteFileOptions, SITES_DIR } from '../sites';
import { GENERATOR_NAME } from '../../core/labels';
import { SiteConfigError } from '../../config/problems';
import { buildSite } from '../../pipeline/pipeline';

/**
 * `diff`: renders each selected site in memory and compares it with its committed output
 * (`<against>/<site>/`): exit 0 when identical, 1 when different, 2 on bad input, so it can gate a
 * GitOps pull request ("dist/ is what the config renders").
 */
export function diffCommand(...[registry, io, setExit]: Parameters<CommandFactory>): Command {
  return siteFileOptions(new Command('diff'))
    .description('compare a fresh render with the committed output: per object added/removed/changed fields, other files by line; exit 1 when different')
    .option('--against <root>', 'output root holding <site>/ to compare with', 'dist')
    .option('--full', 'show every changed line (default: long changes are cut after a screenful)')
    .addOption(new Option('--output <format>', 'text for people, json for CI bots (one document on stdout)').choices(['text', 'json']).default('text'))
    .addOption(kubernetesVersionOption())
    .action(async (opts: DiffOptions, command: Command) => {
      // a mistyped --against would otherwise report every file as added
      if (command.getOptionValueSource('against') !== 'default' && !(existsSync(opts.against) && statSync(opts.against).isDirectory())) {
        throw new SiteConfigError('--against', [{ path: opts.against, message: 'no such directory' }]);
      }
      // loaded here, not at the top: every CLI start registers this command, few run it ("diff" package, YAML parsing)
      const { diffSiteOutput, formatSiteDiff, isIdentical } = await import('../../output/diff.js');
      const json = opts.output === 'json';
      const report: { sites: unknown[]; orphans: string[] } = { sites: [], orphans: [] };
      let bad = false;
      const names = await forEachSite(selectSites(opts), io, (code) => {
        // forEachSite calls this for a bad site only
        bad = true;
        setExit(code);
      }, (file) => {
        const build = buildSite(file, registry, { kubernetesVersion: opts.kubernetesVersion, validate: false });
        const name = build.site.config.name;
        diffOne(build);
        return name;
      });
      // With --all, a folder we rendered once whose site file is gone would still be applied from Git:
      // that is a difference too. Skipped after bad input (the broken site's folder is not an orphan).
      if (opts.all && !bad) {
        for (const orphan of orphanSiteFolders(opts.against, new Set(names))) {
          if (json) report.orphans.push(join(opts.against, orphan));
          else io.out(`${orphan}: ${join(opts.against, orphan)}/ has no site file in ${SITES_DIR}/ any more; delete the folder, or it stays applied`);
          setExit(EXIT_FINDINGS);
        }
      }
      if (json) io.out(JSON.stringify(report, null, 2));

      function diffOne(build: ReturnType<typeof buildSite>): void {
        const dir = join(opts.against, build.site.config.name);
        const objects = new Map(build.result.files.map((f) => [f.path, f.objects]));
        const diff = diffSiteOutput(build.output, objects, dir);
        if (!isIdentical(diff)) setExit(EXIT_FINDINGS);
        if (json) {
          // the field changes say what changed; the whole objects (kept for plan) would drown them
          // Stryker disable next-line ConditionalExpression: equivalent, an added or removed diff has only op, object and file, and JSON.stringify drops the undefined fromFile and changes
          const objects = diff.objects.map((d) => (d.op === 'changed' ? { op: d.op, object: d.object, file: d.file, fromFile: d.fromFile, changes: d.changes } : d));
          report.sites.push({ site: build.site.config.name, against: dir, exists: existsSync(dir), identical: isIdentical(diff), objects, files: diff.files });
          return;
        }
        if (isIdentical(diff)) {
          io.out(`${build.site.config.name}: identical to ${dir}/`);
          return;
        }
        const count = diff.objects.length + diff.files.length;
        io.out(`${build.site.config.name}: ${count} difference(s) against ${dir}/${existsSync(dir) ? '' : ' (no such folder: everything is new)'}`);
        for (const line of formatSiteDiff(diff, { full: opts.full })) io.out(line);
      }
    });
}

interface DiffOptions {
  readonly site?: string[];
  readonly all?: boolean;
  readonly against: string;
  readonly full?: boolean;
  readonly output: 'text' | 'json';
  readonly kubernetesVersion?: string;
}

/**
 * Folders of `root` that hold our output (a manifest.json by this generator) for none of `names`. A site
 * written with `--swap symlink` is a link to a hidden slot (lib/output/writer.ts), so links count too: any
 * entry whose `<name>/manifest.json` reads as ours is one (a plain file has no such path).
 */
function orphanSiteFolders(root: string, names: ReadonlySet<string>): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => !name.startsWith('.') && !names.has(name))
    .filter((name) => {
      let generator: string | undefined;
      try {
        // Stryker disable next-line OptionalChaining: equivalent, without a generator the TypeError is caught below and generator stays undefined as well
        generator = (JSON.parse(readFileSync(join(root, name, 'manifest.json'), 'utf8')) as { generator?: { name?: string } }).generator?.name;
      } catch {
        // no manifest, or not JSON: not ours
      }
      return generator === GENERATOR_NAME;
    })
    .sort();
}

