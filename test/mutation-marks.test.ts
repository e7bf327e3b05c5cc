// Every `// Stryker disable next-line <mutators>: <reason>` mark in charts/ and lib/ must take effect.
// StrykerJS reads a mark only from the leading comments of a syntax node, parsed by its own Babel set-up,
// and applies it to the mutants on that node's first line. A comment that leads no node (the last line
// of a block, just before `} catch {` or `} else {`; between the links of a method chain) is silently
// ignored: the mutant it explains is still counted as surviving, and a reader believes it is marked.
// This parses each file exactly as StrykerJS's TypeScript parser does (same Babel, presets and plugins,
// resolved through @stryker-mutator/core) and checks each mark: the directive form StrykerJS accepts,
// known mutator names, a reason, and a node it leads that starts on the next line.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const fromCore = createRequire(require.resolve('@stryker-mutator/core'));
const instrumenterEntry = fromCore.resolve('@stryker-mutator/instrumenter');
const fromInstrumenter = createRequire(instrumenterEntry);

interface Comment {
  readonly type: string;
  readonly value: string;
  readonly start: number;
  readonly loc: { readonly start: { readonly line: number } };
}
interface BabelFile {
  readonly comments?: readonly Comment[];
  readonly program: unknown;
}
const babel = fromInstrumenter('@babel/core') as { parseSync(text: string, options: Record<string, unknown>): BabelFile | null };

/** The options of @stryker-mutator/instrumenter's ts-parser (9.x) for a .ts file. */
function parse(text: string, filename: string): BabelFile {
  const file = babel.parseSync(text, {
    filename,
    parserOpts: { ranges: true },
    configFile: false,
    babelrc: false,
    presets: [[fromInstrumenter.resolve('@babel/preset-typescript'), { isTSX: false, allExtensions: true }]],
    plugins: [[fromInstrumenter.resolve('@babel/plugin-proposal-decorators'), { legacy: true }], [fromInstrumenter.resolve('@babel/plugin-transform-explicit-resource-management')]],
  });
  if (!file) throw new Error(`${filename}: no syntax tree`);
  return file;
}

/** For each comment that leads a node, the first lines of the nodes it leads (by the comment's offset). */
function ledLines(file: BabelFile): Map<number, number[]> {
  const led = new Map<number, number[]>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as { type?: unknown; loc?: { start: { line: number } }; leadingComments?: Comment[] };
    if (typeof n.type === 'string' && n.loc) {
      for (const c of n.leadingComments ?? []) led.set(c.start, [...(led.get(c.start) ?? []), n.loc.start.line]);
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'leadingComments' && key !== 'trailingComments' && key !== 'innerComments' && key !== 'loc') visit(value);
    }
  };
  visit(file.program);
  return led;
}

/** StrykerJS's directive pattern (DirectiveBookkeeper, 9.x). */
const DIRECTIVE = /^\s?Stryker (disable|restore)(?: (next-line))? ([a-zA-Z, ]+)(?::(.+)?)?/;

function sources(): string[] {
  return ['charts', 'lib']
    .flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(ROOT, dir, f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
}

/** Every problem with the marks of one file, as `<file>:<line>: <what>`. */
function markProblems(text: string, filename: string, mutators: ReadonlySet<string>): string[] {
  const file = parse(text, filename);
  const led = ledLines(file);
  const problems: string[] = [];
  for (const c of file.comments ?? []) {
    if (!/Stryker\s+(disable|restore)/.test(c.value)) continue;
    const where = `${filename}:${c.loc.start.line}`;
    const m = DIRECTIVE.exec(c.value);
    if (!m || c.type !== 'CommentLine') {
      problems.push(`${where}: not a directive StrykerJS reads`);
      continue;
    }
    const [, type, scope, names, reason] = m;
    if (type !== 'disable' || scope !== 'next-line') problems.push(`${where}: only "disable next-line" marks are used (one line, one reason)`);
    for (const name of names.split(',').map((s) => s.trim())) if (!mutators.has(name)) problems.push(`${where}: no mutator named ${JSON.stringify(name)}`);
    if (!reason?.trim()) problems.push(`${where}: no reason`);
    const lines = led.get(c.start) ?? [];
    if (!lines.includes(c.loc.start.line + 1)) {
      problems.push(`${where}: leads no syntax node on the next line, so StrykerJS ignores it${lines.length > 0 ? ` (it leads line ${lines.join(', ')})` : ''}`);
    }
  }
  return problems;
}

describe('Stryker disable marks', () => {
  it('each mark in charts/ and lib/ is one StrykerJS applies to the line after it, with known mutators and a reason', async () => {
    const { allMutators } = (await import(join(dirname(instrumenterEntry), 'mutators', 'index.js'))) as { allMutators: { name: string }[] };
    const mutators = new Set(allMutators.map((m) => m.name));
    expect(mutators.has('StringLiteral')).toBe(true);
    const files = sources();
    const problems = files.flatMap((f) => markProblems(readFileSync(f, 'utf8'), relative(ROOT, f), mutators));
    expect(problems).toEqual([]);
    // the files hold marks at all (a parse that attached no comment would pass the check above)
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('Stryker disable')).length).toBeGreaterThan(20);
  });

  it('tells the placements StrykerJS ignores from the ones it applies', () => {
    const mutators = new Set(['BlockStatement', 'StringLiteral']);
    const text = [
      'export function f(x: string): string {',
      '  try {',
      '    // Stryker disable next-line StringLiteral: applied, leads the return',
      "    return JSON.parse(x) + 'a';",
      '    // Stryker disable next-line BlockStatement: ignored, the last line of the try block',
      '  } catch {',
      "    return '';",
      '  }',
      '}',
      "const a = [1, 2]",
      '  // Stryker disable next-line StringLiteral: ignored, between the links of a chain',
      "  .map((n) => `${n}x`);",
      '// Stryker disable next-line Nonsense: no such mutator',
      "const b = 'b';",
      '// Stryker disable next-line StringLiteral',
      "const c = 'c';",
      '// Stryker disable next-line StringLiteral: a blank line after it',
      '',
      "const d = 'd';",
      '// Stryker disable StringLiteral: a whole-file mark',
      "export const e = [a, b, c, d, 'e'];",
    ].join('\n');
    expect(markProblems(text, 'x.ts', mutators)).toEqual([
      'x.ts:5: leads no syntax node on the next line, so StrykerJS ignores it',
      'x.ts:11: leads no syntax node on the next line, so StrykerJS ignores it',
      'x.ts:13: no mutator named "Nonsense"',
      'x.ts:15: no reason',
      'x.ts:17: leads no syntax node on the next line, so StrykerJS ignores it (it leads line 19)',
      'x.ts:20: only "disable next-line" marks are used (one line, one reason)',
    ]);
  });
});
