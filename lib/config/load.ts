import { createHash } from 'node:crypto';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { type Alias, type Document, isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { BoundedMap } from '../core/bounded-map';
import { ERROR_KEYWORD } from './common';
import { resolveSite, type ParsedFile } from './overlay';
import { configPath } from '../core/paths';
import { SiteConfigError, UnreadableSiteFileError, type Problem } from './problems';
import { readRegularFile, UnreadableFileError } from './read-file';
import { SiteSchema, type SiteConfig } from './schema';
import precompiledValidator from './site-validator.generated';

/** A site config as read from disk, before defaults: what the user wrote, with its origin. */
export interface SiteSource {
  /** The file as the user named it (used in every message). */
  readonly file: string;
  /** sha256 of the file's bytes; with `extends`, of every applied file in order (see lib/config/overlay.ts). */
  readonly sha256: string;
  /** The parsed document (merged with the files it extends, without `extends`). */
  readonly document: unknown;
  /** Every file read, in the order applied: the extended files first, this file last. */
  readonly files: readonly { readonly file: string; readonly sha256: string }[];
}

/** sha256 of the site config JSON Schema; the precompiled validator records the one it was compiled from. */
export function siteSchemaSha256(): string {
  return createHash('sha256').update(JSON.stringify(SiteSchema)).digest('hex');
}

/**
 * The one ajv set-up of the site config schema, used by scripts/compile-site-validator.ts (with
 * `source: true`, for ajv's standalone code) and by the loader when the precompiled validator is stale.
 * allErrors: report every problem at once; useDefaults: fill in defaults; verbose: errors carry
 * `parentSchema`, which holds the `x-error` message and the known keys for "did you mean"; strict,
 * with `x-error` declared as a keyword that validates nothing.
 */
export function compileSiteSchema(options: { readonly source?: boolean } = {}): { readonly ajv: Ajv; readonly validate: ValidateFunction } {
  // Required here rather than imported: a normal run uses the precompiled validator, and loading
  // ajv's compiler (60-odd modules) for nothing costs every start tens of milliseconds.
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
  const ajv = new AjvClass({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    keywords: [ERROR_KEYWORD],
    ...(options.source ? { code: { source: true } } : {}),
  });
  addFormats(ajv, ['ipv4']);
  return { ajv, validate: ajv.compile(SiteSchema) };
}

let compiled: typeof precompiledValidator | ValidateFunction | undefined;

/**
 * The precompiled validator (lib/config/site-validator.generated.js, `npm run schema:compile`): ajv
 * compiling the schema took about 100 ms of every start. When the schema changed since it was
 * generated, the schema is compiled here instead, so results are never stale, and a note says so.
 */
function validator(): typeof precompiledValidator | ValidateFunction {
  if (!compiled) {
    if (precompiledValidator.schemaSha256 === siteSchemaSha256()) {
      compiled = precompiledValidator;
    } else {
      console.error('note: lib/config/site-validator.generated.js is older than the site config schema; compiling the schema instead (run `npm run schema:compile`)');
      compiled = compileSiteSchema().validate;
    }
  }
  return compiled;
}

/**
 * Reads and parses a site file and the files it `extends`, merged: unreadable files, YAML syntax
 * errors, duplicate keys and `extends` cycles are problems.
 */
export function readSiteSource(file: string): SiteSource {
  const resolved = resolveSite(file, readSiteFile);
  return { file, sha256: resolved.sha256, document: resolved.document, files: resolved.files.map((f) => ({ file: f.file, sha256: f.sha256 })) };
}

/** What `!!` stands for in a YAML tag. */
const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';

/** Alias expansions a site file may use: plenty for anchors of pools and taints, nothing like a YAML bomb. */
const MAX_ALIAS_COUNT = 100;

/** Nesting a site file may use: the schema goes 6 levels deep; anything near this is a hostile document. */
export const MAX_NESTING_DEPTH = 64;

const TOO_DEEP = `the document nests too deeply; at most ${MAX_NESTING_DEPTH} levels are allowed`;

/**
 * Files parsed in this process, by name and exact bytes: a fleet's sites extend the same base, which is
 * then parsed once, not once per site. Only files that parsed without a problem are kept; each caller
 * gets its own copy of the document. Bounded, so a long run over many files does not grow without end.
 */
const parsedFiles = new BoundedMap<string, ParsedFile>(64);

function readSiteFile(file: string): ParsedFile {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, 'a site config YAML file');
  } catch (err) {
    if (!(err instanceof UnreadableFileError)) throw err;
    throw new UnreadableSiteFileError(file, err.reason);
  }
  // latin1 maps every byte to one character: the key holds the exact bytes
  const key = `${file}\0${bytes.toString('latin1')}`;
  let parsed = parsedFiles.get(key);
  if (parsed === undefined) {
    parsed = parseSiteFile(file, bytes);
    parsedFiles.set(key, parsed);
  }
  return { file: parsed.file, sha256: parsed.sha256, document: structuredClone(parsed.document) };
}

function parseSiteFile(file: string, bytes: Buffer): ParsedFile {
  const text = bytes.toString('utf8');
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return `line ${pos.line}, column ${pos.col}`;
  };
  // merge: YAML 1.1 merge keys (`<<: *anchor`), which kubectl's YAML reader accepts too; explicit keys win.
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, lineCounter });
  if (doc.errors.length > 0) {
    // After a syntax error the parser's view of keys is unreliable (it reports phantom duplicates):
    // report the syntax errors alone then.
    const syntax = doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
    // a document far too deep makes the parser give up at many places: the first one says it
    const firstDeep = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
    const problems = doc.errors.flatMap((e) => {
      const path = at(e.pos[0]);
      if (e.code === 'RESOURCE_EXHAUSTION') return e === firstDeep ? [{ path, message: TOO_DEEP }] : [];
      if (e.code !== 'DUPLICATE_KEY') return [{ path, message: `YAML syntax error: ${firstLine(e.message)}` }];
      // the last alternative matches the empty text: exec always matches, at the start of the text
      const key = (/\s*("[^"]*"|'[^']*'|[^:\n]*)/.exec(text.slice(e.pos[0])) as RegExpExecArray)[1].trim();
      if (syntax) return [];
      return [{ path, message: `duplicate key "${key.replace(/^["']|["']$/g, '')}"; each key may appear once in a mapping` }];
    });
    throw new SiteConfigError(file, dedupe(problems));
  }
  // `---` alone (or with a comment) is an empty document too: its contents are a null with no source text
  const nothing = isScalar(doc.contents) && doc.contents.value === null && doc.contents.source === '';
  if (doc.contents === null || text.trim() === '' || nothing) {
    throw new SiteConfigError(file, [{ path: '(root)', message: 'the file is empty; expected a site config mapping' }]);
  }
  if (!isMap(doc.contents)) {
    // never the value: a file that is not a mapping may be anything (a token, /etc/passwd)
    const kind = isSeq(doc.contents) ? 'a list' : isScalar(doc.contents) ? 'a single value' : 'not a mapping';
    throw new SiteConfigError(file, [{ path: '(root)', message: `must be a YAML mapping of site config fields; this file is ${kind} (its content is not shown)` }]);
  }
  const problems = [
    // unknown tags (`!!python/object:os.system`, `!foo`): a site file uses none, and ignoring one hides a mistake
    ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED').map((w) => ({ path: at(w.pos[0]), message: `unknown YAML tag ${tagOf(text, w.pos[0])}; site files use no tags` })),
    ...structureProblems(doc, at),
  ];
  if (problems.length > 0) throw new SiteConfigError(file, dedupe(problems));
  let document: unknown;
  try {
    // the yaml package counts the anchored node as one use of its anchor: + 1 lets MAX_ALIAS_COUNT aliases through
    document = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT + 1 });
  } catch (err) {
    // the yaml package refuses documents whose aliases expand without bound (it throws a ReferenceError);
    // anything else it throws is reported in words, never as a stack trace
    const message = err instanceof Error ? firstLine(err.message) : String(err);
    if (err instanceof ReferenceError && /excessive alias count/i.test(message)) {
      throw new SiteConfigError(file, [
        { path: '(root)', message: `too many YAML alias expansions (a "billion laughs" document?); at most ${MAX_ALIAS_COUNT} are allowed` },
      ]);
    }
    if (err instanceof RangeError) throw new SiteConfigError(file, [{ path: '(root)', message: TOO_DEEP }]);
    throw new SiteConfigError(file, [{ path: '(root)', message: `cannot be read as YAML: ${message}` }]);
  }
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), document };
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The tag an unknown-tag warning is about, to its first 60 characters after the "!". The yaml package
 * places that warning at the tag's "!" (its `compat` option, unused here, would add some at a value).
 */
function tagOf(text: string, offset: number): string {
  return (/!\S{0,60}/.exec(text.slice(offset)) as RegExpExecArray)[0];
}

/**
 * What the yaml package would otherwise throw on, or turn into `null`, found on the parsed nodes
 * (iteratively: a deep document must not overflow the stack here either), each with its field path and
 * position: nesting deeper than MAX_NESTING_DEPTH, an alias without an anchor, an alias inside the node it
 * names (`a: &x [*x]`, a value that contains itself: no JSON can hold it), a merge key (`<<`) whose value
 * is not a mapping or a list of mappings, and numbers that are not finite (`.nan`, `.inf`, `1e400`).
 */
function structureProblems(doc: Document, at: (offset: number) => string): Problem[] {
  // each problem with the offset it is about (a null has none: its parent's), sorted into document order at the end
  const found: { offset: number; problem: Problem }[] = [];
  // every node the yaml package parses has its range; a missing value is null, not a node
  const offsetOf = (node: unknown, fallback: number): number => (node as { range: readonly number[] } | null)?.range[0] ?? fallback;
  const where = (node: unknown) => ` (${at((node as { range: readonly number[] }).range[0])})`;
  // `parents`: the collections the node is in, outermost first
  const stack: { node: unknown; segments: (string | number)[]; depth: number; parents: readonly unknown[]; offset: number }[] = [
    {
      node: doc.contents,
      segments: [],
      depth: 0,
      // Stryker disable next-line ArrayDeclaration: equivalent, the root is a mapping (parseSiteFile checked), so its own parents are never searched; they only start its children's, which are searched for a node, never for anything else
      parents: [],
      offset: offsetOf(doc.contents, 0),
    },
  ];
  const anchored = (node: Alias): unknown => node.resolve(doc);
  // Tags the yaml package resolves that make no JSON value (!!set, !!omap, !!pairs, !!binary, !!timestamp,
  // !!merge as a value): the value would be a Set, a Uint8Array, a Date or a symbol, or silently not what was
  // written. Tags it cannot resolve are reported from its warnings (parseSiteFile).
  // (knownTags: the tags it resolves only when written out, none of them a JSON type)
  const nonJsonTag = (node: unknown): string | undefined => {
    const tag = (node as { tag?: string } | null)?.tag;
    return tag && Object.hasOwn(doc.schema.knownTags, tag) ? `!!${tag.slice(YAML_TAG_PREFIX.length)}` : undefined;
  };
  while (stack.length > 0) {
    const { node, segments, depth, parents, offset } = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) {
      // a key without a value (`{b}`, `? b`) has the value null, which has no position
      const range = (node as { range?: number[] } | null)?.range;
      found.push({ offset, problem: { path: range ? at(range[0]) : configPath(segments.slice(0, 8)), message: TOO_DEEP } });
      break;
    }
    const tag = nonJsonTag(node);
    if (tag !== undefined) {
      found.push({ offset, problem: { path: configPath(segments), message: `the YAML tag ${tag} is not allowed: a site file holds only strings, numbers, true/false, null, lists and mappings${where(node as Node)}` } });
      continue;
    }
    if (isAlias(node)) {
      const target = anchored(node);
      if (target === undefined) {
        found.push({ offset, problem: { path: configPath(segments), message: `alias *${node.source} names no anchor; an anchor (&${node.source}) must be set before its alias${where(node)}` } });
      } else if (parents.includes(target)) {
        found.push({ offset, problem: { path: configPath(segments), message: `alias *${node.source} is inside the node its anchor (&${node.source}) names: a value cannot contain itself${where(node)}` } });
      }
    } else if (isScalar(node)) {
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
        const source = (node.source ?? String(node.value)).slice(0, 40);
        found.push({ offset, problem: { path: configPath(segments), message: `must be a finite number; ${source} is not one (YAML .nan, .inf and numbers beyond ±1.7e308)${where(node)}` } });
      }
    } else if (isMap(node)) {
      const inner = [...parents, node];
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && typeof key.value === 'symbol') {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          const ok = sources.length > 0 && sources.every((s) => isMap(s) || (isAlias(s) && isMap(anchored(s))));
          const dangling = sources.find((s) => isAlias(s) && anchored(s) === undefined);
          if (isAlias(dangling)) {
            const problem = { path: configPath(segments), message: `merge key <<: alias *${dangling.source} names no anchor; an anchor (&${dangling.source}) must be set before its alias${where(dangling)}` };
            found.push({ offset: offsetOf(dangling, offset), problem });
          } else if (!ok) {
            found.push({ offset: offsetOf(key, offset), problem: { path: configPath(segments), message: `merge key <<: must be an alias of a mapping (<<: *anchor) or a list of them${where(key)}` } });
          }
          continue;
        }
        const name = isScalar(key) ? String(key.value) : isAlias(key) ? `*${key.source}` : '(complex key)';
        // a list or mapping as a key (`? [a, b]`, an alias of one) would be turned into text, with a warning on stderr
        if (isCollection(key) || (isAlias(key) && isCollection(anchored(key)))) {
          found.push({ offset: offsetOf(key, offset), problem: { path: configPath(segments), message: `a list or mapping is used as a key; site config keys are text${where(key)}` } });
        }
        if (isCollection(key) || isAlias(key)) stack.push({ node: key, segments, depth: depth + 1, parents: inner, offset: offsetOf(key, offset) });
        stack.push({ node: pair.value, segments: [...segments, name], depth: depth + 1, parents: inner, offset: offsetOf(pair.value, offsetOf(key, offset)) });
      }
    } else if (isSeq(node)) {
      const inner = [...parents, node];
      node.items.forEach((item, i) => stack.push({ node: item, segments: [...segments, i], depth: depth + 1, parents: inner, offset: offsetOf(item, offset) }));
    }
  }
  return found.sort((x, y) => x.offset - y.offset).map((f) => f.problem);
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:$/, '');
}

/** Whether `path` is a refused field or lies under one; `(root)` refuses every path. */
function isRefused(refused: readonly string[], path: string): boolean {
  return refused.some((r) => r === '(root)' || path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
}

/** A document checked against the schema; `config` is typed only when `schemaValid`. */
export interface SchemaCheckedDocument {
  /** The document with defaults filled in. */
  readonly config: SiteConfig;
  readonly schemaValid: boolean;
  /** The schema's problems. */
  readonly problems: readonly Problem[];
  /** Paths the schema refused: problems of later checks at or under them are left out (see {@link outsideOf}). */
  readonly refused: readonly string[];
}

/**
 * Validates a parsed document against the schema, filling in defaults. The semantic checks come after
 * it (lib/site/checks.ts), also when the schema found problems: `refused` says which fields they must
 * not judge.
 */
export function checkSchema(document: unknown): SchemaCheckedDocument {
  const data = structuredClone(document);
  const validate = validator();
  const schemaValid = validate(data) as boolean;
  const config = data as SiteConfig;
  // ajv sets errors whenever it returns false
  const problems = schemaValid ? [] : schemaProblems(validate.errors!, document);
  return { config, schemaValid, problems, refused: problems.map((p) => p.path) };
}

/**
 * `check(config)` when it reads no value the schema refused, else undefined: a check that read a
 * refused value (a `count` of "two") would judge nonsense (no pool has servers) and report it as if it
 * were a problem of its own. What it reads is recorded through a Proxy; a check that throws on a value
 * of the wrong type is left out too.
 */
export function whereCheckable<T>(config: SiteConfig, refused: readonly string[], check: (config: SiteConfig) => T): T | undefined {
  if (refused.length === 0) return check(config);
  let touched = false;
  const touches = (path: string) => isRefused(refused, path);
  const wrap = (value: unknown, segments: (string | number)[]): unknown => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value as object, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key === 'symbol') return child;
        // a list's length and methods are no item of it
        // Stryker disable next-line ConditionalExpression,Regex: equivalent, recorded, such a read would be the path <list>[NaN], which is refused only where <list> is, and reading <list> touched it already; a list has no other keys with digits
        if (Array.isArray(target) && !/^\d+$/.test(key)) return child;
        const path = [...segments, Array.isArray(target) ? Number(key) : key];
        if (touches(configPath(path))) touched = true;
        return wrap(child, path);
      },
    });
  };
  let result: T | undefined;
  try {
    result = check(wrap(config, []) as SiteConfig);
  } catch {
    // left out: result stays undefined
  }
  return touched ? undefined : result;
}

/** The problems that neither are about nor relate to a field at or under one of `refused`. */
export function outsideOf(refused: readonly string[], problems: readonly Problem[]): Problem[] {
  const touches = (path: string) => isRefused(refused, path);
  return problems.filter((p) => !touches(p.path) && !p.related?.some(touches));
}

/**
 * Where a JSON pointer leads in `document`: its path segments (a number only for an index of a list, so a
 * label key "1" stays a key) and the value there (undefined where the document has none).
 */
function locate(pointer: string, document: unknown): { segments: (string | number)[]; value: unknown } {
  const segments: (string | number)[] = [];
  let value = document;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const s = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    segments.push(Array.isArray(value) ? Number(s) : s);
    // a segment is under an object the document has, or under a default the schema filled in (undefined here)
    value = (value as Record<string, unknown> | undefined)?.[s];
  }
  return { segments, value };
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** Turns ajv errors into one problem per field, preferring the schema's own `x-error` message. */
function schemaProblems(errors: readonly ErrorObject[], document: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const custom = new Map<string, string>();
  for (const e of errors) {
    // verbose: every error carries its parentSchema
    const message = (e.parentSchema as Record<string, unknown>)[ERROR_KEYWORD];
    if (typeof message === 'string' && !custom.has(e.instancePath)) custom.set(e.instancePath, message);
  }
  const add = (segments: (string | number)[], message: string, value?: unknown) => {
    const key = `${configPath(segments)}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ path: configPath(segments), message, ...(value === undefined ? {} : { value }) });
  };
  for (const e of errors) {
    const { segments, value } = locate(e.instancePath, document);
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      // closest of no keys (a closed mapping without properties) is undefined: no hint
      const suggestion = closest(key, allowed) as string | undefined;
      const hint = suggestion && distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${suggestion}"?` : '';
      const known = allowed.length > 0 ? ` (known keys: ${allowed.join(', ')})` : '';
      add([...segments, key], `unknown key${hint}${hint ? '' : known}`);
    } else if (e.keyword === 'required') {
      add([...segments, String(e.params.missingProperty)], 'is required');
    } else if (custom.has(e.instancePath)) {
      // said once per field: a union's members report one error each, and its x-error covers them
      add(segments, custom.get(e.instancePath)!, value);
    } else if (e.keyword === 'type') {
      const expected = String(e.params.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
      add(segments, `must be ${expected}`, value);
    } else if (e.keyword === 'enum') {
      add(segments, `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, value);
    } else {
      // ajv's words (a union without x-error: "must be equal to constant" once, "must match a schema in anyOf")
      // Stryker disable next-line StringLiteral: equivalent, ajv gives every error a message (its option `messages`, on by default, compileSiteSchema leaves on)
      add(segments, e.message ?? 'is not valid', value);
    }
  }
  return problems;
}
