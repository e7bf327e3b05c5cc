/**
 * `npm run test:mutation [-- <file or folder>...]`: mutation testing of charts/ and lib/ with StrykerJS
 * (stryker.config.json), incremental against the committed baseline, then a score table per folder.
 *
 *   npm run test:mutation                      every area (charts/, lib/config/ with lib/site/, the rest of lib/)
 *   npm run test:mutation -- charts/coredns.ts  one file (the other files' results stay in the baseline)
 *   npm run test:mutation -- lib/config         one folder
 *   npm run test:mutation -- --scores          only the table, from the baseline files, nothing run
 *   npm run test:mutation -- --survivors       every surviving mutant (line before and after) and every
 *                                              mutant marked equivalent (with its reason), from the
 *                                              baseline files, nothing run
 *   npm run test:mutation -- --force lib/render/yaml-emit.ts
 *                                              every mutant of those files re-tested, their baseline results
 *                                              ignored: after changing tests of code a module runs when it
 *                                              loads, whose "static" mutants StrykerJS's incremental mode
 *                                              re-uses when only tests changed (they record no covering test)
 *
 * Each area keeps its own baseline file under test/mutation/baseline/ (charts.json, lib-config.json for
 * the config schema and loader with the semantic checks, lib.json) so branches working on different areas do not edit the same file. StrykerJS re-tests only the
 * mutants whose code or covering tests changed since that file was written, and rewrites it. Reports:
 * reports/mutation/<area>/index.html and mutation.json; the table also goes to reports/mutation/scores.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const BASELINE_DIR = join(ROOT, 'test/mutation/baseline');
const REPORTS = join(ROOT, 'reports/mutation');

/** An area: the files it mutates and its baseline file. The first area whose `owns` matches takes a file. */
const AREAS = [
  { name: 'charts', owns: (f: string) => f.startsWith('charts/') },
  // the config schema and loader, and the site stage that checks and loads it (semantic checks, advice, side inputs)
  { name: 'lib-config', owns: (f: string) => f.startsWith('lib/config/') || f.startsWith('lib/site/') },
  { name: 'lib', owns: (f: string) => f.startsWith('lib/') },
] as const;

function sourceFiles(path: string): string[] {
  const abs = resolve(ROOT, path);
  if (!existsSync(abs)) throw new Error(`${path}: no such file or folder`);
  if (statSync(abs).isFile()) return [relative(ROOT, abs)];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => relative(ROOT, join(abs, f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && statSync(join(ROOT, f)).isFile())
    .sort();
}

function areaOf(file: string) {
  const area = AREAS.find((a) => a.owns(file));
  if (!area) throw new Error(`${file}: mutation testing covers charts/ and lib/ only`);
  return area;
}

function run(area: string, files: string[], force: boolean): number {
  const dir = join(REPORTS, area);
  mkdirSync(dir, { recursive: true });
  mkdirSync(BASELINE_DIR, { recursive: true });
  const base = JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8'));
  const config = {
    ...base,
    mutate: files,
    incrementalFile: relative(ROOT, join(BASELINE_DIR, `${area}.json`)),
    htmlReporter: { fileName: relative(ROOT, join(dir, 'index.html')) },
    jsonReporter: { fileName: relative(ROOT, join(dir, 'mutation.json')) },
  };
  delete config.$schema;
  const configFile = join(dir, 'stryker.config.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  process.stdout.write(`\n== ${area}: ${files.length} file(s), baseline ${config.incrementalFile}\n`);
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', relative(ROOT, configFile), ...(force ? ['--force'] : [])], { cwd: ROOT, stdio: 'inherit' });
  // StrykerJS writes the baseline indented (5 MB for charts/ alone); without the indentation it is less
  // than half of that in the working tree and a quarter less in git, and StrykerJS reads it the same
  const baseline = join(ROOT, config.incrementalFile);
  if (existsSync(baseline)) writeFileSync(baseline, `${JSON.stringify(JSON.parse(readFileSync(baseline, 'utf8')))}\n`);
  return r.status ?? 1;
}

interface Mutant {
  status: string;
  statusReason?: string;
  mutatorName?: string;
  replacement?: string;
  location?: { start: { line: number; column: number }; end: { line: number; column: number } };
}
type Report = { files: Record<string, { source?: string; mutants: Mutant[] }> };

function baselineFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
}
type Counts = { killed: number; survived: number; noCoverage: number; timeout: number; equivalent: number; documentation: number; errors: number };
const noCounts = (): Counts => ({ killed: 0, survived: 0, noCoverage: 0, timeout: 0, equivalent: 0, documentation: 0, errors: 0 });

/** Score as StrykerJS computes it: detected (killed, timeout) over valid mutants (detected, survived, no coverage). */
const score = (c: Counts) => {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid === 0 ? 'n/a' : `${((100 * (c.killed + c.timeout)) / valid).toFixed(2)} %`;
};

export function scoreTable(dir = BASELINE_DIR): string {
  const byFolder = new Map<string, Counts>();
  const files = baselineFiles(dir);
  for (const baseline of files) {
    const report = JSON.parse(readFileSync(join(dir, baseline), 'utf8')) as Report;
    for (const [file, { mutants }] of Object.entries(report.files)) {
      const folder = dirname(file);
      const c = byFolder.get(folder) ?? noCounts();
      for (const m of mutants) {
        if (m.status === 'Killed') c.killed++;
        else if (m.status === 'Survived') c.survived++;
        else if (m.status === 'NoCoverage') c.noCoverage++;
        else if (m.status === 'Timeout') c.timeout++;
        // The config schema's description texts (test/mutation/ignore-config-docs.mjs): documentation.
        else if (m.status === 'Ignored' && m.statusReason?.startsWith('documentation text')) c.documentation++;
        // A `// Stryker disable next-line <mutator>: <reason>` comment: the mutant is marked equivalent.
        else if (m.status === 'Ignored') c.equivalent++;
        else c.errors++; // CompileError, RuntimeError: not a valid mutant, not in the score
      }
      byFolder.set(folder, c);
    }
  }
  const rows = [...byFolder.entries()].sort(([a], [b]) => a.localeCompare(b));
  const total = noCounts();
  for (const [, c] of rows) for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += c[k];
  const line = (name: string, c: Counts) => `| ${name} | ${score(c)} | ${c.killed} | ${c.survived} | ${c.noCoverage} | ${c.timeout} | ${c.equivalent} | ${c.documentation} |`;
  return [
    `Mutation score per folder (from ${files.map((f) => `test/mutation/baseline/${f}`).join(', ') || 'no baseline yet'})`,
    '',
    '| folder | score | killed | survived | no coverage | timeout | equivalent (marked) | schema descriptions (not mutated) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(([folder, c]) => line(folder, c)),
    line('**all**', total),
    '',
  ].join('\n');
}

const clip = (text: string) => (text.length > 160 ? `${text.slice(0, 157)}...` : text);

/**
 * The mutants a reader of the score must account for, from the baselines: each surviving or uncovered one
 * as `file:line:column status mutator` with its line before (-) and after (+) the change, then each one
 * marked equivalent with the reason its comment gives, then each mark that marked nothing (a mutator the
 * next line does not have). Schema descriptions are left out (see the table).
 */
export function survivorList(dir = BASELINE_DIR): string {
  const survivors: string[] = [];
  const equivalents: string[] = [];
  const idle: string[] = [];
  for (const baseline of baselineFiles(dir)) {
    const report = JSON.parse(readFileSync(join(dir, baseline), 'utf8')) as Report;
    for (const [file, { source = '', mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
      const lines = source.split('\n');
      const at = (m: Mutant) => m.location?.start ?? { line: 0, column: 0 };
      const sorted = [...mutants].sort((a, b) => at(a).line - at(b).line || at(a).column - at(b).column);
      for (const m of sorted) {
        const { line, column } = at(m);
        const where = `${file}:${line}:${column}`;
        if (m.status === 'Survived' || m.status === 'NoCoverage') {
          const original = lines[line - 1] ?? '';
          const end = m.location?.end ?? { line, column };
          const replacement = m.replacement ?? '';
          // a change within one line is shown whole; one over several lines, up to its first line break
          const mutated =
            end.line === line
              ? original.slice(0, column - 1) + replacement + original.slice(end.column - 1)
              : `${original.slice(0, column - 1)}${replacement.split('\n')[0]} …`;
          survivors.push(`${where} ${m.status} ${m.mutatorName ?? '?'}`, `  - ${clip(original.trim())}`, `  + ${clip(mutated.trim())}`);
        } else if (m.status === 'Ignored' && !m.statusReason?.startsWith('documentation text')) {
          equivalents.push(`${where} ${m.mutatorName ?? '?'}: ${m.statusReason ?? '(no reason)'}`);
        }
      }
      // a mark applies to the line after it (test/mutation-marks.test.ts): one that ignored no mutant there
      // names a mutator that line does not have, or was placed for another line
      lines.forEach((text, i) => {
        const mark = /\/\/ Stryker disable next-line ([A-Za-z, ]+):(.*)$/.exec(text);
        if (!mark) return;
        const names = mark[1].split(',').map((n) => n.trim());
        const used = mutants.some((m) => m.status === 'Ignored' && at(m).line === i + 2 && names.includes(m.mutatorName ?? '') && m.statusReason === mark[2].trim());
        if (!used) idle.push(`${file}:${i + 1} ${names.join(',')}:${mark[2]}`);
      });
    }
  }
  return [
    `Surviving or uncovered mutants: ${survivors.length / 3}`,
    ...survivors,
    '',
    `Marked equivalent: ${equivalents.length}`,
    ...equivalents,
    '',
    `Marks that disabled no mutant on the line after them: ${idle.length}`,
    ...idle,
    '',
  ].join('\n');
}

function main(args: string[]): number {
  if (args.includes('--survivors')) {
    process.stdout.write(survivorList());
    return 0;
  }
  let status = 0;
  if (!args.includes('--scores')) {
    const force = args.includes('--force');
    const paths = args.filter((a) => a !== '--force');
    const targets = paths.length > 0 ? paths : ['charts', 'lib'];
    const byArea = new Map<string, string[]>();
    for (const file of targets.flatMap(sourceFiles)) {
      const area = areaOf(file).name;
      byArea.set(area, [...(byArea.get(area) ?? []), file]);
    }
    for (const area of AREAS.map((a) => a.name)) {
      const files = byArea.get(area);
      if (files) status ||= run(area, files, force);
    }
  }
  const table = scoreTable();
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, 'scores.md'), table);
  process.stdout.write(`\n${table}`);
  return status;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`test:mutation: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
