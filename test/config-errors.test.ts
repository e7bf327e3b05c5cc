import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, runCli } from '../lib/cli/cli';
import { snapshotTree } from './helpers/tree';

const CORPUS = 'test/fixtures/bad-sites';

/** Expected messages live in the fixture as `# expect: …` lines (or a sidecar for the empty file). */
function expectations(file: string): string[] {
  const sidecar = file.replace(/\.yaml$/, '.expect');
  const text = readFileSync(existsSync(sidecar) ? sidecar : file, 'utf8');
  return [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
}

const cases = readdirSync(CORPUS).filter((n) => n.endsWith('.yaml')).sort();

describe('broken site configs', () => {
  let outRoot: string;
  let before: Record<string, string>;

  beforeAll(() => {
    // A previous good output that every failing run must leave exactly as it was: the committed one
    // (copied, not rendered, so the mutation run does not count the charts as run outside any test).
    outRoot = mkdtempSync(join(tmpdir(), 'ehc-bad-'));
    cpSync('dist', outRoot, { recursive: true });
    cpSync(join(outRoot, 'example'), join(outRoot, 'bad'), { recursive: true });
    before = snapshotTree(outRoot);
  });

  it('has a corpus of at least 30 cases, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const name of cases) expect(expectations(join(CORPUS, name)), name).not.toEqual([]);
  });

  it.each(cases)('%s: exit 2, the expected message, output untouched', async (name) => {
    const file = join(CORPUS, name);
    const err: string[] = [];
    const out: string[] = [];
    const code = await runCli(['synth', '--site', file, '--out', outRoot], { charts: CHARTS, artifacts: ARTIFACTS }, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(out).toEqual([]);
    const lines = err.join('\n').split('\n');
    for (const expected of expectations(file)) {
      expect(lines.some((l) => l.startsWith(`${file}: ${expected}`)), `missing "${file}: ${expected}" in:\n${lines.join('\n')}`).toBe(true);
    }
    // one problem per line, each naming the file; never a stack trace
    for (const line of lines) expect(line.startsWith(`${file}: `), line).toBe(true);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
    expect(snapshotTree(outRoot)).toEqual(before);
  });

  it('a --site that names no file: exit 2, said in words, output untouched', async () => {
    const err: string[] = [];
    const file = join(CORPUS, 'no-such-site.yaml');
    expect(existsSync(file)).toBe(false);
    const code = await runCli(['synth', '--site', file, '--out', outRoot], { charts: CHARTS, artifacts: ARTIFACTS }, { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(err).toEqual([`${file}: (root): cannot read the file: no such file`]);
    expect(snapshotTree(outRoot)).toEqual(before);
  });
});
