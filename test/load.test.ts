// lib/config/load.ts in-process: the exact problems the loader reports for a site file (YAML syntax,
// duplicate keys, structure, tags), the schema's problems, and which later checks and problems the
// refused fields keep out. Most other tests run the CLI or only check the "<file>: <path>: …" shape.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkSchema, compileSiteSchema, MAX_NESTING_DEPTH, outsideOf, readSiteSource, siteSchemaSha256, whereCheckable } from '../lib/config/load';
import { SiteConfigError, UnreadableSiteFileError, type Problem } from '../lib/config/problems';
import { SiteSchema, type SiteConfig } from '../lib/config/schema';

let dir: string | undefined;
let count = 0;

/** Writes `text` to a new file in this file's temp folder and returns its path. */
function siteFile(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'ehc-load-'));
  const file = join(dir, `site-${count++}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The document of a site file holding `text`. */
function documentOf(text: string): unknown {
  return readSiteSource(siteFile(text)).document;
}

/** The problems a site file holding `text` is refused with. */
function problemsOf(text: string): readonly Problem[] {
  const file = siteFile(text);
  try {
    readSiteSource(file);
  } catch (err) {
    if (!(err instanceof SiteConfigError)) throw err;
    expect(err.file).toBe(file);
    return err.problems;
  }
  throw new Error('expected a SiteConfigError');
}

const nested = (depth: number, inner = '') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const TOO_DEEP = `the document nests too deeply; at most ${MAX_NESTING_DEPTH} levels are allowed`;
const EMPTY = [{ path: '(root)', message: 'the file is empty; expected a site config mapping' }];
const notAMapping = (kind: string) => [{ path: '(root)', message: `must be a YAML mapping of site config fields; this file is ${kind} (its content is not shown)` }];
const COLLECTION_KEY = 'a list or mapping is used as a key; site config keys are text';
const BAD_INDENT = 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]';

describe('YAML syntax errors', () => {
  it("are one problem each, at the line and column, in the yaml package's words", () => {
    expect(problemsOf('a: [1\n')).toStrictEqual([{ path: 'line 2, column 1', message: BAD_INDENT }]);
    expect(problemsOf('a: "x\n')).toStrictEqual([{ path: 'line 2, column 1', message: 'YAML syntax error: Missing closing "quote' }]);
    expect(problemsOf('a: b: c\n')).toStrictEqual([{ path: 'line 1, column 4', message: 'YAML syntax error: Nested mappings are not allowed in compact mappings' }]);
    // far into the file: the yaml package's own " at line N, column M:" is not repeated in the message
    expect(problemsOf(`${'# comment\n'.repeat(11)}${' '.repeat(10)}a: b: c\n`)).toStrictEqual([
      { path: 'line 12, column 14', message: 'YAML syntax error: Nested mappings are not allowed in compact mappings' },
    ]);
  });

  it('says an error the parser repeats at one place once, and keeps two errors at one place', () => {
    // three unclosed lists: the same error three times at the end of the file
    expect(problemsOf('a: [[[\n')).toStrictEqual([{ path: 'line 2, column 1', message: BAD_INDENT }]);
    expect(problemsOf('a: [1,\n2]\n')).toStrictEqual([
      { path: 'line 2, column 1', message: BAD_INDENT },
      { path: 'line 2, column 1', message: 'YAML syntax error: Implicit map keys need to be followed by map values' },
    ]);
  });
});

describe('duplicate keys', () => {
  const duplicate = (path: string, key: string) => ({ path, message: `duplicate key "${key}"; each key may appear once in a mapping` });

  it('are reported at the second key, by name, in document order', () => {
    expect(problemsOf('a: 1\na: 2\n')).toStrictEqual([duplicate('line 2, column 1', 'a')]);
    expect(problemsOf('x:\n  a: 1\n  a: 2\n')).toStrictEqual([duplicate('line 3, column 3', 'a')]);
    expect(problemsOf('a: 1\na: 2\na: 3\n')).toStrictEqual([duplicate('line 2, column 1', 'a'), duplicate('line 3, column 1', 'a')]);
  });

  it('name the key without its quotes or the spaces before its colon', () => {
    expect(problemsOf('a  : 1\na  : 2\n')).toStrictEqual([duplicate('line 2, column 1', 'a')]);
    expect(problemsOf('"a b": 1\n"a b": 2\n')).toStrictEqual([duplicate('line 2, column 1', 'a b')]);
    // a colon inside quotes is part of the key
    expect(problemsOf('"a:b": 1\n"a:b": 2\n')).toStrictEqual([duplicate('line 2, column 1', 'a:b')]);
    expect(problemsOf("'c:d': 1\n'c:d': 2\n")).toStrictEqual([duplicate('line 2, column 1', 'c:d')]);
    // a quote inside a key is kept
    expect(problemsOf("it's: 1\nit's: 2\n")).toStrictEqual([duplicate('line 2, column 1', "it's")]);
  });

  it('are left out next to a syntax error, after which the parser reports phantom duplicates', () => {
    expect(problemsOf('a: 1\na: 2\nb: [\n')).toStrictEqual([{ path: 'line 4, column 1', message: BAD_INDENT }]);
  });
});

describe('files that are not a mapping', () => {
  it('an empty file, blank lines, only a comment or only Unicode spaces: the file is empty', () => {
    for (const text of ['', '   \n\n', '# only a comment\n', '\u00a0\n', '\u3000', '---\n', '--- # a comment\n...\n']) {
      expect(problemsOf(text), JSON.stringify(text)).toStrictEqual(EMPTY);
    }
  });

  it('says what the file is instead, never its content', () => {
    expect(problemsOf('- a\n- b\n')).toStrictEqual(notAMapping('a list'));
    expect(problemsOf('&a [1]\n')).toStrictEqual(notAMapping('a list'));
    expect(problemsOf('42\n')).toStrictEqual(notAMapping('a single value'));
    expect(problemsOf('null\n')).toStrictEqual(notAMapping('a single value'));
    // an empty string is a value, not an empty document
    expect(problemsOf('--- ""\n')).toStrictEqual(notAMapping('a single value'));
    expect(problemsOf('!foo secret\n')).toStrictEqual(notAMapping('a single value'));
    // an alias (of nothing) as the whole document
    expect(problemsOf('*a\n')).toStrictEqual(notAMapping('not a mapping'));
  });
});

describe('YAML tags', () => {
  it('an unknown tag is a problem at its position, naming it', () => {
    expect(problemsOf('a: !foo x\n')).toStrictEqual([{ path: 'line 1, column 4', message: 'unknown YAML tag !foo; site files use no tags' }]);
    expect(problemsOf('a:\n  - !!python/object:os.system [ls]\n')).toStrictEqual([
      { path: 'line 2, column 5', message: 'unknown YAML tag !!python/object:os.system; site files use no tags' },
    ]);
  });

  it('each unknown tag is named at its own place', () => {
    expect(problemsOf('a: !foo x\nb: !bar [1]\n')).toStrictEqual([
      { path: 'line 1, column 4', message: 'unknown YAML tag !foo; site files use no tags' },
      { path: 'line 2, column 4', message: 'unknown YAML tag !bar; site files use no tags' },
    ]);
  });

  it('a tag is shown to its first 60 characters after the "!"', () => {
    const tag = `!${'x'.repeat(70)}`;
    expect(problemsOf(`a: ${tag} 1\n`)).toStrictEqual([{ path: 'line 1, column 4', message: `unknown YAML tag ${tag.slice(0, 61)}; site files use no tags` }]);
  });

  it('a tag the yaml package knows but JSON has no value for is refused at its field (a Set, bytes, a date, a symbol)', () => {
    const text = 'a: !!set {x}\nb: !!binary aGk=\nc: !!timestamp 2001-12-14\nd: !!omap [b: 1]\ne: !!pairs [b: 1]\nf: !!merge x\n';
    expect(problemsOf(text)).toStrictEqual(
      [['a', '!!set', 1, 10], ['b', '!!binary', 2, 13], ['c', '!!timestamp', 3, 16], ['d', '!!omap', 4, 11], ['e', '!!pairs', 5, 12], ['f', '!!merge', 6, 12]].map(
        ([path, tag, line, column]) => ({ path, message: `the YAML tag ${tag} is not allowed: a site file holds only strings, numbers, true/false, null, lists and mappings (line ${line}, column ${column})` }),
      ),
    );
    // !!set on a list is silently a list to the yaml package: refused too
    expect(problemsOf('labels: !!set [x]\n').map((p) => p.path)).toEqual(['labels']);
  });

  it('tags of JSON values are allowed and do what they say', () => {
    expect(documentOf('a: !!str 5\nb: !!int "7"\nc: !!float 1.5\nd: !!bool true\ne: !!null ""\nf: !!map {x: 1}\ng: !!seq [1]\n')).toEqual({
      a: '5', b: 7, c: 1.5, d: true, e: null, f: { x: 1 }, g: [1],
    });
  });

  it('other YAML warnings (an unknown directive) are no problem', () => {
    expect(documentOf('%FOO bar\n---\na: 1\n')).toEqual({ a: 1 });
  });
});

describe('aliases', () => {
  it('an alias without an anchor: its field path, and where it is', () => {
    expect(problemsOf('a: *x\n')).toStrictEqual([
      { path: 'a', message: 'alias *x names no anchor; an anchor (&x) must be set before its alias (line 1, column 4)' },
    ]);
    // the anchor must come first
    expect(problemsOf('a: *x\nb: &x 1\n')).toStrictEqual([
      { path: 'a', message: 'alias *x names no anchor; an anchor (&x) must be set before its alias (line 1, column 4)' },
    ]);
  });

  it('paths into lists of lists', () => {
    expect(problemsOf('a: [[1, *q], [2, [*r]]]\n')).toStrictEqual([
      { path: 'a[0][1]', message: 'alias *q names no anchor; an anchor (&q) must be set before its alias (line 1, column 9)' },
      { path: 'a[1][1][0]', message: 'alias *r names no anchor; an anchor (&r) must be set before its alias (line 1, column 19)' },
    ]);
  });

  it('an alias inside the node its anchor names is refused: the value would contain itself', () => {
    expect(problemsOf('a: &x [*x]\n')).toStrictEqual([
      { path: 'a[0]', message: 'alias *x is inside the node its anchor (&x) names: a value cannot contain itself (line 1, column 8)' },
    ]);
    expect(problemsOf('cluster: &c\n  region: x\n  name: *c\n')).toStrictEqual([
      { path: 'cluster.name', message: 'alias *c is inside the node its anchor (&c) names: a value cannot contain itself (line 3, column 9)' },
    ]);
    // an alias of a node beside it, or of a node inside its own parent's sibling, is a plain copy
    expect(documentOf('a: &x [1]\nb: [*x, {c: *x}]\n')).toEqual({ a: [1], b: [[1], { c: [1] }] });
  });

  it('100 alias expansions are allowed, 101 are not, and a "billion laughs" is refused in words', () => {
    const aliases = (n: number) => `a: &a 1\nb: [${Array(n).fill('*a').join(', ')}]\n`;
    expect(documentOf(aliases(100))).toEqual({ a: 1, b: Array(100).fill(1) });
    const tooMany = [{ path: '(root)', message: 'too many YAML alias expansions (a "billion laughs" document?); at most 100 are allowed' }];
    expect(problemsOf(aliases(101))).toStrictEqual(tooMany);
    const laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (const name of 'bcdefghi') laughs.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`).join(', ')}]`);
    expect(problemsOf(`${laughs.join('\n')}\n`)).toStrictEqual(tooMany);
  });

  it('an alias as a key names the field *<anchor>; a list or mapping as a key names it (complex key)', () => {
    expect(problemsOf('a: &k x\n*k : *zz\n')).toStrictEqual([
      { path: '["*k"]', message: 'alias *zz names no anchor; an anchor (&zz) must be set before its alias (line 2, column 6)' },
    ]);
    expect(problemsOf('? [a, b]\n: *zz\n')).toStrictEqual([
      { path: '(root)', message: `${COLLECTION_KEY} (line 1, column 3)` },
      { path: '["(complex key)"]', message: 'alias *zz names no anchor; an anchor (&zz) must be set before its alias (line 2, column 3)' },
    ]);
  });

  it('a list or mapping as a key, or an alias of one, is refused (the yaml package would make it text, warning on stderr)', () => {
    expect(problemsOf('x:\n  {a: 1}: 2\n')).toStrictEqual([{ path: 'x', message: `${COLLECTION_KEY} (line 2, column 3)` }]);
    expect(problemsOf('a: &k [1]\n*k : 2\n')).toStrictEqual([{ path: '(root)', message: `${COLLECTION_KEY} (line 2, column 1)` }]);
    // an alias of text is a key like any other
    expect(documentOf('a: &k x\n*k : 2\n')).toEqual({ a: 'x', x: 2 });
  });

  it('inside a key, an alias is checked too (at the mapping the key is in)', () => {
    expect(problemsOf('*zz : 1\n')).toStrictEqual([
      { path: '(root)', message: 'alias *zz names no anchor; an anchor (&zz) must be set before its alias (line 1, column 1)' },
    ]);
    expect(problemsOf('x:\n  ? [1, *zz]\n  : 1\n')).toStrictEqual([
      { path: 'x', message: `${COLLECTION_KEY} (line 2, column 5)` },
      { path: 'x[1]', message: 'alias *zz names no anchor; an anchor (&zz) must be set before its alias (line 2, column 9)' },
    ]);
  });
});

describe('merge keys', () => {
  const notMappings = (path: string, at: string) => ({ path, message: `merge key <<: must be an alias of a mapping (<<: *anchor) or a list of them (${at})` });

  it('merge an alias, a list of aliases or a mapping; explicit keys win', () => {
    expect(documentOf('a: &a {x: 1, y: 1}\nb:\n  <<: *a\n  y: 2\n')).toEqual({ a: { x: 1, y: 1 }, b: { x: 1, y: 2 } });
    expect(documentOf('a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n')).toEqual({ a: { x: 1 }, b: { y: 2 }, c: { x: 3, y: 2 } });
    expect(documentOf('a:\n  <<: {x: 1}\n  y: 2\n')).toEqual({ a: { x: 1, y: 2 } });
  });

  it('an empty list, a value, or a list with a value in it: the mapping the merge key is in, and where the key is', () => {
    expect(problemsOf('a: &a {x: 1}\nb:\n  <<: []\n')).toStrictEqual([notMappings('b', 'line 3, column 3')]);
    expect(problemsOf('a: &a {x: 1}\nb:\n  <<: 1\n')).toStrictEqual([notMappings('b', 'line 3, column 3')]);
    expect(problemsOf('a: &a {x: 1}\nb:\n  <<: [*a, 1]\n')).toStrictEqual([notMappings('b', 'line 3, column 3')]);
    expect(problemsOf('s: &s [1]\nb:\n  <<: *s\n')).toStrictEqual([notMappings('b', 'line 3, column 3')]);
    expect(problemsOf('<<: 1\n')).toStrictEqual([notMappings('(root)', 'line 1, column 1')]);
  });

  it('an alias without an anchor, alone or in a list, is named', () => {
    expect(problemsOf('a:\n  b:\n    <<: *q\n')).toStrictEqual([
      { path: 'a.b', message: 'merge key <<: alias *q names no anchor; an anchor (&q) must be set before its alias (line 3, column 9)' },
    ]);
    expect(problemsOf('a: &a {x: 1}\nb:\n  <<: [*a, *zz]\n')).toStrictEqual([
      { path: 'b', message: 'merge key <<: alias *zz names no anchor; an anchor (&zz) must be set before its alias (line 3, column 12)' },
    ]);
  });
});

describe('numbers that are not finite', () => {
  const notFinite = (path: string, source: string, at: string) => ({
    path,
    message: `must be a finite number; ${source} is not one (YAML .nan, .inf and numbers beyond ±1.7e308) (${at})`,
  });

  it('.nan, .inf, -.inf and 1e400 are refused as written; a long number is shown to 40 characters', () => {
    expect(problemsOf('a: .nan\nb: .inf\nc: [-.inf]\nd: 1e400\n')).toStrictEqual([
      notFinite('a', '.nan', 'line 1, column 4'),
      notFinite('b', '.inf', 'line 2, column 4'),
      notFinite('c[0]', '-.inf', 'line 3, column 5'),
      notFinite('d', '1e400', 'line 4, column 4'),
    ]);
    expect(problemsOf(`a: ${'9'.repeat(400)}\n`)).toStrictEqual([notFinite('a', '9'.repeat(40), 'line 1, column 4')]);
  });

  it('as keys they are only names', () => {
    expect(documentOf('.inf: 1\nx:\n  1e400: a\n  .nan: b\n')).toEqual({ Infinity: 1, x: { Infinity: 'a', NaN: 'b' } });
  });
});

describe('nesting', () => {
  it(`${MAX_NESTING_DEPTH} levels are allowed; one more is refused where it starts`, () => {
    expect(documentOf(`a: ${nested(MAX_NESTING_DEPTH)}\n`)).toEqual({ a: JSON.parse(nested(MAX_NESTING_DEPTH)) });
    expect(problemsOf(`a: ${nested(MAX_NESTING_DEPTH + 1)}\n`)).toStrictEqual([{ path: 'line 1, column 68', message: TOO_DEEP }]);
    // mappings and lists count alike
    expect(problemsOf(`a: ${'{b: '.repeat(MAX_NESTING_DEPTH)}1${'}'.repeat(MAX_NESTING_DEPTH)}\n`)).toStrictEqual([
      { path: `line 1, column ${4 + 4 * MAX_NESTING_DEPTH}`, message: TOO_DEEP },
    ]);
    expect(documentOf(`a: ${'{b: '.repeat(MAX_NESTING_DEPTH - 1)}1${'}'.repeat(MAX_NESTING_DEPTH - 1)}\n`)).toBeTypeOf('object');
  });

  it('inside a key as well', () => {
    expect(problemsOf(`? ${nested(MAX_NESTING_DEPTH + 1)}\n: 1\n`)).toStrictEqual([
      { path: '(root)', message: `${COLLECTION_KEY} (line 1, column 3)` },
      { path: 'line 1, column 67', message: TOO_DEEP },
    ]);
  });

  it('a key without a value just past the limit: its field path, to 8 segments (a null has no position)', () => {
    expect(problemsOf(`a: ${nested(MAX_NESTING_DEPTH - 1, '{b}')}\n`)).toStrictEqual([{ path: 'a[0][0][0][0][0][0][0]', message: TOO_DEEP }]);
    // and within the limit it is null
    expect(documentOf('a: {b}\nc: [{d}]\n')).toEqual({ a: { b: null }, c: [{ d: null }] });
  });

  it('far too deep for the parser: refused once, where its stack first ran out', () => {
    // the parser gives up at several columns, which depend on the stack size: the first is said
    const flow = `${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`;
    // two deep values: the parser gives up in each (two errors whatever the stack size), one problem is said
    for (const text of [`name: ${nested(20_000)}\n`, `name: ${flow}\n`, `a: ${flow}\nb: ${flow}\n`]) {
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0].message).toBe(TOO_DEEP);
      expect(problems[0].path).toMatch(/^line 1, column \d+$/);
    }
    // after a syntax error too
    const both = problemsOf(`a: b: c\nname: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`);
    expect(both.map((p) => p.message)).toEqual(['YAML syntax error: Nested mappings are not allowed in compact mappings', TOO_DEEP]);
  });
});

describe('problems of the structure', () => {
  it('tags first, then the rest in document order', () => {
    const text = 'a: *x\nb:\n  c: .inf\n  d: [1, *y]\ne: !foo 1\nf: [{g: *z}]\n';
    expect(problemsOf(text)).toStrictEqual([
      { path: 'line 5, column 4', message: 'unknown YAML tag !foo; site files use no tags' },
      { path: 'a', message: 'alias *x names no anchor; an anchor (&x) must be set before its alias (line 1, column 4)' },
      { path: 'b.c', message: 'must be a finite number; .inf is not one (YAML .nan, .inf and numbers beyond ±1.7e308) (line 3, column 6)' },
      { path: 'b.d[1]', message: 'alias *y names no anchor; an anchor (&y) must be set before its alias (line 4, column 10)' },
      { path: 'f[0].g', message: 'alias *z names no anchor; an anchor (&z) must be set before its alias (line 6, column 9)' },
    ]);
  });
});

describe('a site source', () => {
  it('the file as named, the sha256 of its bytes, its document', () => {
    const text = 'name: x\nlist: [1, "two", null]\n';
    const file = siteFile(text);
    const sha256 = createHash('sha256').update(text).digest('hex');
    expect(readSiteSource(file)).toStrictEqual({ file, sha256, document: { name: 'x', list: [1, 'two', null] }, files: [{ file, sha256 }] });
  });

  it('a file that cannot be read says why in words', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ehc-load-')), 'missing.yaml');
    let error: unknown;
    try {
      readSiteSource(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnreadableSiteFileError);
    expect((error as UnreadableSiteFileError).problems).toStrictEqual([{ path: '(root)', message: 'cannot read the file: no such file' }]);
  });
});

// These load a fresh lib/config/load.ts with a dependency swapped (as test/site-validator.test.ts does).
describe('the parse cache', () => {
  afterEach(() => {
    vi.doUnmock('yaml');
    vi.resetModules();
  });

  it('whatever else turning the document into values throws is said in words, never as a stack trace', async () => {
    // after the structure checks only the alias limit is known to throw; the rest is a guard, tested here with a stand-in
    const thrown: unknown[] = [new ReferenceError('Excessive alias count indicates a resource exhaustion attack'), new ReferenceError('x is not defined'), new RangeError('Maximum call stack size exceeded'), new TypeError('first line\nsecond line at line 3, column 4:'), 'a string', new TypeError('a value at line 3, column 4: is odd')];
    vi.resetModules();
    let next = 0;
    vi.doMock('yaml', async (importOriginal) => {
      const yaml = await importOriginal<typeof import('yaml')>();
      const parseDocument = (text: string, options: object) => {
        const doc = yaml.parseDocument(text, options);
        const err = thrown[next++];
        doc.toJS = () => {
          throw err;
        };
        return doc;
      };
      return { ...yaml, parseDocument };
    });
    const { readSiteSource: read } = await import('../lib/config/load.js');
    const refused = (text: string): readonly Problem[] => {
      try {
        read(siteFile(text));
      } catch (err) {
        if (err instanceof Error && 'problems' in err) return (err as SiteConfigError).problems;
        throw err;
      }
      throw new Error('expected a SiteConfigError');
    };
    const root = (message: string) => [{ path: '(root)', message }];
    expect(refused('a: 1\n')).toStrictEqual(root('too many YAML alias expansions (a "billion laughs" document?); at most 100 are allowed'));
    expect(refused('a: 2\n')).toStrictEqual(root('cannot be read as YAML: x is not defined'));
    expect(refused('a: 3\n')).toStrictEqual(root(TOO_DEEP));
    expect(refused('a: 4\n')).toStrictEqual(root('cannot be read as YAML: first line'));
    expect(refused('a: 5\n')).toStrictEqual(root('cannot be read as YAML: a string'));
    // only a position at the end of the line is the yaml package's own suffix
    expect(refused('a: 6\n')).toStrictEqual(root('cannot be read as YAML: a value at line 3, column 4: is odd'));
  });

  it('parses a file once per content; every caller gets its own copy; changed bytes are parsed again', async () => {
    vi.resetModules();
    const parsed: string[] = [];
    vi.doMock('yaml', async (importOriginal) => {
      const yaml = await importOriginal<typeof import('yaml')>();
      const parseDocument = (text: string, options: object) => {
        parsed.push(text);
        return yaml.parseDocument(text, options);
      };
      return { ...yaml, parseDocument };
    });
    const { readSiteSource: read } = await import('../lib/config/load.js');
    const file = siteFile('a: {b: [1]}\n');
    const first = read(file).document as { a: { b: number[] } };
    first.a.b.push(2);
    expect(read(file).document).toEqual({ a: { b: [1] } });
    expect(parsed).toEqual(['a: {b: [1]}\n']);
    writeFileSync(file, 'a: 2\n');
    expect(read(file).document).toEqual({ a: 2 });
    expect(parsed).toEqual(['a: {b: [1]}\n', 'a: 2\n']);
    // the same bytes in another file: parsed for that file, which its source names
    const other = siteFile('a: 2\n');
    expect(read(other).files).toEqual([{ file: other, sha256: createHash('sha256').update('a: 2\n').digest('hex') }]);
    expect(parsed).toEqual(['a: {b: [1]}\n', 'a: 2\n', 'a: 2\n']);
  });
});

describe('reading the file', () => {
  afterEach(() => {
    vi.doUnmock('../lib/config/read-file');
    vi.resetModules();
  });

  it('an error that is not about the file (a bug) is not reported as an unreadable file', async () => {
    vi.resetModules();
    vi.doMock('../lib/config/read-file', async (importOriginal) => {
      const readFile = await importOriginal<typeof import('../lib/config/read-file')>();
      return {
        ...readFile,
        readRegularFile: () => {
          throw new TypeError('a bug');
        },
      };
    });
    const { readSiteSource: read } = await import('../lib/config/load.js');
    expect(() => read(siteFile('a: 1\n'))).toThrow(new TypeError('a bug'));
  });
});

const EXAMPLE = readSiteSource('sites/example.yaml').document as Record<string, any>;
/** The example site with some fields replaced. */
const example = (fields: Record<string, unknown>) => ({ ...structuredClone(EXAMPLE), ...fields });

describe('checkSchema', () => {
  it('a valid document: no problems, nothing refused, defaults filled in, the document untouched', () => {
    const document = structuredClone(EXAMPLE);
    const checked = checkSchema(document);
    expect(checked).toMatchObject({ schemaValid: true, problems: [], refused: [] });
    expect(checked.config.gitops.enabled).toBe(false);
    expect(document).toEqual(EXAMPLE);
    expect(document).not.toHaveProperty('gitops');
  });

  it('an unknown key: "did you mean" within max(2, a third of its length) edits, else the known keys', () => {
    const cluster = { ...EXAMPLE.cluster, zone: 1, rxxxon: 2, regionnnn: 3, regionnnnn: 4 };
    const rootKeys = Object.keys(SiteSchema.properties).join(', ');
    expect(checkSchema(example({ nmae: 'x', kubernetesVer: 'x', kubernetesVe: 'x', cluster })).problems).toStrictEqual([
      // 4 characters, 2 edits: 2 are always allowed
      { path: 'nmae', message: 'unknown key; did you mean "name"?' },
      // 13 characters, 4 edits; 12 characters, 5 edits
      { path: 'kubernetesVer', message: 'unknown key; did you mean "kubernetesVersion"?' },
      { path: 'kubernetesVe', message: `unknown key (known keys: ${rootKeys})` },
      { path: 'cluster.zone', message: 'unknown key (known keys: name, region)' },
      // 6 characters, 3 edits
      { path: 'cluster.rxxxon', message: 'unknown key (known keys: name, region)' },
      // 9 characters, 3 edits; 10 characters, 4 edits
      { path: 'cluster.regionnnn', message: 'unknown key; did you mean "region"?' },
      { path: 'cluster.regionnnnn', message: 'unknown key (known keys: name, region)' },
    ]);
    const taints = [{ key: 'k', effect: 'NoSchedule', efect: 'x', valeu: 'y', operator: 'Exists' }];
    expect(checkSchema(example({ nodePools: [{ ...EXAMPLE.nodePools[0], taints }] })).problems).toStrictEqual([
      { path: 'nodePools[0].taints[0].efect', message: 'unknown key; did you mean "effect"?' },
      { path: 'nodePools[0].taints[0].valeu', message: 'unknown key; did you mean "value"?' },
      { path: 'nodePools[0].taints[0].operator', message: 'unknown key (known keys: key, value, effect)' },
    ]);
  });

  it('a missing field is required, without a value', () => {
    const { name: _name, ...rest } = EXAMPLE;
    const checked = checkSchema({ ...rest, cluster: { region: 'ap-northeast-2' } });
    expect(checked.problems).toStrictEqual([
      { path: 'name', message: 'is required' },
      { path: 'cluster.name', message: 'is required' },
    ]);
    expect(checked.schemaValid).toBe(false);
    expect(checked.refused).toEqual(['name', 'cluster.name']);
  });

  it('a value of the wrong type names the type in words, with the value', () => {
    const pool = { ...EXAMPLE.nodePools[0], count: 'two' };
    const checked = checkSchema(
      example({
        gitops: 5,
        registry: { ...EXAMPLE.registry, caFile: 5 },
        cost: { guideFlatUsdPerVcpuHour: 'cheap' },
        devicePlugin: { enabled: 'yes' },
        nodePools: [pool],
        dns: { stubZones: {} },
      }),
    );
    expect(checked.problems).toStrictEqual([
      { path: 'registry.caFile', message: 'must be a string', value: 5 },
      { path: 'dns.stubZones', message: 'must be a list', value: {} },
      { path: 'nodePools[0].count', message: 'must be a whole number', value: 'two' },
      { path: 'devicePlugin.enabled', message: 'must be true or false', value: 'yes' },
      { path: 'cost.guideFlatUsdPerVcpuHour', message: 'must be a number', value: 'cheap' },
      { path: 'gitops', message: 'must be a mapping', value: 5 },
    ]);
  });

  it("the schema's own message (x-error) once per field, for every error ajv has there", () => {
    expect(checkSchema(example({ kubernetesVersion: '9.99' })).problems).toStrictEqual([
      {
        path: 'kubernetesVersion',
        message: 'unsupported Kubernetes version; supported: 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36 (write it as a quoted string)',
        value: '9.99',
      },
    ]);
  });

  it('keys with "/" and "~" and keys of digits are keys; list indexes of two digits are indexes', () => {
    const labels = { 'a/b': 1, 'c~d': 2, '~1': 3, '1': 4, '01': 5, gpu1: 6, ok: 'x' };
    expect(checkSchema(example({ nodePools: [{ ...EXAMPLE.nodePools[0], labels }] })).problems).toStrictEqual([
      // JavaScript lists integer keys first
      { path: 'nodePools[0].labels["1"]', message: 'must be a string', value: 4 },
      { path: 'nodePools[0].labels["a/b"]', message: 'must be a string', value: 1 },
      { path: 'nodePools[0].labels["c~d"]', message: 'must be a string', value: 2 },
      { path: 'nodePools[0].labels["~1"]', message: 'must be a string', value: 3 },
      { path: 'nodePools[0].labels["01"]', message: 'must be a string', value: 5 },
      { path: 'nodePools[0].labels.gpu1', message: 'must be a string', value: 6 },
    ]);
    const networks = { ...EXAMPLE.networks, remoteNodeNetworks: [...Array(10).fill('10.1.0.0/16'), 'not a cidr'] };
    expect(checkSchema(example({ networks })).problems).toStrictEqual([
      {
        path: 'networks.remoteNodeNetworks[10]',
        message: 'must be an IPv4 CIDR such as 10.0.0.0/16 (octets 0-255 without leading zeros, prefix 0-32)',
        value: 'not a cidr',
      },
    ]);
  });
});

// The loader's own ajv set-up (compileSiteSchema) with a stand-in for the site schema: the precompiled
// validator, made from the real schema, is then not used (as in test/site-validator.test.ts).
describe('checkSchema, for keywords the site schema does not use today', () => {
  afterEach(() => {
    vi.doUnmock('../lib/config/schema');
    vi.restoreAllMocks();
    vi.resetModules();
  });

  const STAND_IN = {
    type: 'object',
    additionalProperties: false,
    properties: {
      size: { enum: ['small', 'large', 3] },
      note: { type: ['string', 'null'] },
      closed: { type: 'object', additionalProperties: false },
      box: { type: 'object', default: { size: 'huge' }, properties: { size: { enum: ['small'] } } },
      mode: { anyOf: [{ const: 'a' }, { const: 'b' }] },
    },
  };

  it("an enum, a nullable type, a closed mapping without keys, an error in a default, a union without x-error: in words, each with the document's value", async () => {
    vi.resetModules();
    vi.doMock('../lib/config/schema', async (importOriginal) => ({ ...(await importOriginal<typeof import('../lib/config/schema')>()), SiteSchema: STAND_IN }));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { checkSchema: check } = await import('../lib/config/load.js');
    const checked = check({ size: 'medium', note: 5, closed: { extra: 1 }, mode: 'c' });
    expect(checked.problems).toStrictEqual([
      { path: 'size', message: 'must be one of "small", "large", 3', value: 'medium' },
      { path: 'note', message: 'must be a string or null', value: 5 },
      // no "did you mean" and no list of known keys when there are none
      { path: 'closed.extra', message: 'unknown key' },
      // the document has no value there: the schema's default has the error
      { path: 'box.size', message: 'must be one of "small"' },
      // ajv's words, each once
      { path: 'mode', message: 'must be equal to constant', value: 'c' },
      { path: 'mode', message: 'must match a schema in anyOf', value: 'c' },
    ]);
    expect(checked.config).toEqual({ size: 'medium', note: 5, closed: { extra: 1 }, mode: 'c', box: { size: 'huge' } });
  });
});

/** A config for whereCheckable: only what the checks below read. */
const CONFIG = {
  name: 'site',
  cluster: { name: 'c', region: 'r' },
  nodePools: Array.from({ length: 11 }, (_, i) => ({ name: `p${i}`, count: i })),
  nodePoolsX: 'x',
  registry: { caFile: null },
} as unknown as SiteConfig;

describe('whereCheckable', () => {
  const poolNames = (c: SiteConfig) => c.nodePools.map((p) => p.name).join(',');

  it('without refused fields, runs the check on the config itself and lets what it throws through', () => {
    expect(whereCheckable(CONFIG, [], (c) => c.cluster)).toBe(CONFIG.cluster);
    expect(() =>
      whereCheckable(CONFIG, [], () => {
        throw new Error('a bug');
      }),
    ).toThrow('a bug');
  });

  it('(root) refuses every check that reads a field', () => {
    expect(whereCheckable(CONFIG, ['(root)'], (c) => c.name)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['(root)'], () => 'reads nothing')).toBe('reads nothing');
  });

  it('a check that reads a refused field, or a field under it, is left out', () => {
    expect(whereCheckable(CONFIG, ['cluster'], (c) => c.cluster.name)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['cluster.name'], (c) => c.cluster.name)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['nodePools[3]'], poolNames)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['nodePools[10].count'], (c) => c.nodePools[10].count)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['nodePools[10]'], (c) => c.nodePools[10])).toBeUndefined();
  });

  it('a check that reads only other fields runs, also beside fields whose names start alike', () => {
    expect(whereCheckable(CONFIG, ['cluster.name'], (c) => c.cluster.region)).toBe('r');
    expect(whereCheckable(CONFIG, ['nodePools'], (c) => (c as unknown as { nodePoolsX: string }).nodePoolsX)).toBe('x');
    expect(whereCheckable(CONFIG, ['nodePools[1]'], (c) => c.nodePools[10].name)).toBe('p10');
    expect(whereCheckable(CONFIG, ['cluster.nam'], (c) => c.cluster.name)).toBe('c');
  });

  it('any one of several refused fields is enough', () => {
    expect(whereCheckable(CONFIG, ['name', 'cluster.region'], (c) => c.cluster.region)).toBeUndefined();
    expect(whereCheckable(CONFIG, ['name', 'cluster.region'], (c) => c.cluster.name)).toBe('c');
  });

  it('the length and methods of a list, and iterating it, touch no item; the items read do', () => {
    expect(whereCheckable(CONFIG, ['nodePools[0]'], (c) => c.nodePools.length)).toBe(11);
    expect(whereCheckable(CONFIG, ['nodePools[0]'], (c) => typeof c.nodePools.map)).toBe('function');
    expect(whereCheckable(CONFIG, ['name'], poolNames)).toBe('p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,p10');
    expect(whereCheckable(CONFIG, ['name'], (c) => [...c.nodePools].length)).toBe(11);
    expect(whereCheckable(CONFIG, ['name'], (c) => `${c.cluster}`)).toBe('[object Object]');
    expect(whereCheckable(CONFIG, ['nodePools[5]'], (c) => [...c.nodePools].map((p) => p.count).join(''))).toBeUndefined();
  });

  it('a null field is read as null', () => {
    expect(whereCheckable(CONFIG, ['name'], (c) => c.registry.caFile)).toBeNull();
  });

  it('a check that throws (on a value of the wrong type) is left out', () => {
    const wrong = { ...CONFIG, cluster: 'not a mapping' } as unknown as SiteConfig;
    expect(whereCheckable(wrong, ['name'], (c) => (c.cluster.name as unknown as string).toUpperCase())).toBeUndefined();
  });
});

describe('outsideOf', () => {
  const at = (path: string, related?: string[]): Problem => ({ path, message: `about ${path}`, ...(related ? { related } : {}) });
  const paths = (refused: string[], problems: Problem[]) => outsideOf(refused, problems).map((p) => p.path);

  it('without refused fields, keeps every problem (in a new list)', () => {
    const problems = [at('a'), at('b')];
    const kept = outsideOf([], problems);
    expect(kept).toStrictEqual(problems);
    expect(kept).not.toBe(problems);
  });

  it('leaves out problems at a refused field and under it; (root) leaves out all', () => {
    const problems = [at('a'), at('a.b'), at('a[0]'), at('ab'), at('a_b'), at('b.a'), at('(root)')];
    expect(paths(['a'], problems)).toEqual(['ab', 'a_b', 'b.a', '(root)']);
    expect(paths(['a.b'], problems)).toEqual(['a', 'a[0]', 'ab', 'a_b', 'b.a', '(root)']);
    expect(paths(['(root)'], problems)).toEqual([]);
    expect(paths(['nodePools'], [at('nodePools[1].count'), at('nodePoolsX'), at('nodePools.x')])).toEqual(['nodePoolsX']);
  });

  it('any one of several refused fields is enough', () => {
    expect(paths(['x', 'a', 'y'], [at('a.b'), at('b')])).toEqual(['b']);
  });

  it('leaves out problems related to a refused field', () => {
    const problems = [at('b', ['a.c']), at('c', ['d']), at('a', ['d']), at('e', [])];
    expect(paths(['a'], problems)).toEqual(['c', 'e']);
  });
});

describe('compileSiteSchema', () => {
  it('is strict: a keyword ajv does not know is an error, x-error is known', () => {
    const { ajv } = compileSiteSchema();
    expect(() => ajv.compile({ type: 'object', foo: 1 })).toThrow(new Error('strict mode: unknown keyword: "foo"'));
    expect(() => ajv.compile({ type: 'string', 'x-error': 'must be text' })).not.toThrow();
  });

  it('with source: true, ajv keeps the code for standalone output (scripts/compile-site-validator.ts)', () => {
    const { ajv, validate } = compileSiteSchema({ source: true });
    expect(ajv.opts.code.source).toBe(true);
    expect(standaloneCode(ajv, validate)).toContain(`"$id":"${SiteSchema.$id}"`);
    expect(() => standaloneCode(compileSiteSchema().ajv, compileSiteSchema().validate)).toThrow(
      new Error('moduleCode: ajv instance must have code.source option'),
    );
  });

  it('siteSchemaSha256 is the sha256 of the schema JSON', () => {
    expect(siteSchemaSha256()).toBe(createHash('sha256').update(JSON.stringify(SiteSchema)).digest('hex'));
  });
});
