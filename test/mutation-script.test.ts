import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreTable, survivorList } from '../scripts/mutation';

/** scripts/mutation.ts's read-only views of the baselines: the score table and the survivor list. */

const loc = (line: number, column: number, endLine: number, endColumn: number) => ({ start: { line, column }, end: { line: endLine, column: endColumn } });

function baselines(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-mutation-'));
  const source = ['const a = b < c;', 'const d = f(', '  // Stryker disable next-line StringLiteral: equivalent, because', "  'x',", ');', '// Stryker disable next-line Regex,StringLiteral: placed for another line', 'const g = 1;'].join('\n');
  writeFileSync(
    join(dir, 'lib.json'),
    JSON.stringify({
      files: {
        'lib/z/two.ts': { source: 'return x;', mutants: [{ status: 'Killed', mutatorName: 'BlockStatement', replacement: '{}', location: loc(1, 1, 1, 10) }] },
        'lib/a/one.ts': {
          source,
          mutants: [
            { status: 'NoCoverage', mutatorName: 'ArrayDeclaration', replacement: '[]', location: loc(2, 11, 5, 2) },
            { status: 'Survived', mutatorName: 'EqualityOperator', replacement: 'b <= c', location: loc(1, 11, 1, 16) },
            { status: 'Ignored', mutatorName: 'StringLiteral', statusReason: 'equivalent, because', location: loc(4, 3, 4, 6) },
            { status: 'Ignored', mutatorName: 'StringLiteral', statusReason: 'documentation text of the schema', location: loc(4, 3, 4, 6) },
            { status: 'Timeout', mutatorName: 'ConditionalExpression', replacement: 'true', location: loc(1, 11, 1, 16) },
            { status: 'CompileError', mutatorName: 'ConditionalExpression', replacement: 'false', location: loc(1, 11, 1, 16) },
          ],
        },
      },
    }),
  );
  return dir;
}

describe('scripts/mutation.ts', () => {
  it('--survivors: each surviving or uncovered mutant with its line before and after, in file and line order; then the marked ones with their reasons, then the marks that marked nothing', () => {
    expect(survivorList(baselines())).toBe(
      [
        'Surviving or uncovered mutants: 2',
        'lib/a/one.ts:1:11 Survived EqualityOperator',
        '  - const a = b < c;',
        '  + const a = b <= c;',
        'lib/a/one.ts:2:11 NoCoverage ArrayDeclaration',
        '  - const d = f(',
        '  + const d = [] …',
        '',
        'Marked equivalent: 1',
        'lib/a/one.ts:4:3 StringLiteral: equivalent, because',
        '',
        'Marks that disabled no mutant on the line after them: 1',
        'lib/a/one.ts:6 Regex,StringLiteral: placed for another line',
        '',
      ].join('\n'),
    );
  });

  it('--scores: killed and timed-out over killed, timed-out, surviving and uncovered; marked and documentation apart; errors not counted', () => {
    const table = scoreTable(baselines()).split('\n');
    expect(table).toContain('| lib/a | 33.33 % | 0 | 1 | 1 | 1 | 1 | 1 |');
    expect(table).toContain('| lib/z | 100.00 % | 1 | 0 | 0 | 0 | 0 | 0 |');
    expect(table).toContain('| **all** | 50.00 % | 1 | 1 | 1 | 1 | 1 | 1 |');
  });
});
