import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isRecord } from '../core/json';
import { configPath } from '../core/paths';
import { formatProblem, SiteConfigError, UnreadableSiteFileError, type Problem } from './problems';

/**
 * Site overlays: a site file may say `extends: base.yaml` (or a list) to start from other files.
 *
 * Rules, in the order a reviewer needs them:
 * - Files apply in order: the bases depth-first (each base after its own bases, in the order listed),
 *   then the file itself. A file reached twice (a diamond) applies once, at its first place.
 * - Mappings merge key by key; anything else (lists, strings, numbers) replaces what was there;
 *   `null` removes the key. A list cannot be patched item by item: restate the whole list.
 * - `extends` is resolved here and never reaches the schema or the charts; its paths are relative to
 *   the file that names them; a cycle is an error. Other file paths in the config (registry.caFile)
 *   are relative to the file that set them too (see originOf).
 * - Every problem found later (schema or semantic) names the file that set the offending value.
 */

/** One file read from disk: as the user (or an `extends`) named it, its bytes' hash and its document. */
export interface ParsedFile {
  readonly file: string;
  readonly sha256: string;
  readonly document: unknown;
}

/** Reads and parses one file, throwing SiteConfigError for its own problems (unreadable, bad YAML). */
export type FileReader = (file: string) => ParsedFile;

export interface ResolvedSite {
  /** The merged document, without `extends`. */
  readonly document: unknown;
  /** The files in the order they were applied (bases first, the site file last). */
  readonly files: readonly ParsedFile[];
  /**
   * sha256 of the site file's bytes when it extends nothing; otherwise sha256 of one
   * `<sha256>  <file>` line per applied file, in order (sha256sum format), so it covers every input;
   * `<file>` is relative to the site file's folder, so the hash does not depend on how it was named.
   */
  readonly sha256: string;
}

type Doc = Record<string, unknown>;

/** Reads `file` and everything it extends, and merges them by the rules above. */
export function resolveSite(file: string, read: FileReader): ResolvedSite {
  const top = read(file);
  if (!isRecord(top.document) || !('extends' in top.document)) {
    return { document: top.document, files: [top], sha256: top.sha256 };
  }
  const order: ParsedFile[] = [];
  const applied = new Set<string>();
  const visit = (parsed: ParsedFile, stack: readonly string[]) => {
    const key = resolve(parsed.file);
    const doc = parsed.document as Doc;
    for (const [i, base] of ('extends' in doc ? extendsList(parsed.file, doc) : []).entries()) {
      const baseFile = isAbsolute(base.name) ? base.name : join(dirname(parsed.file), base.name);
      const baseKey = resolve(baseFile);
      const path = base.indexed ? configPath(['extends', i]) : 'extends';
      if (baseKey === key || stack.includes(baseKey)) {
        const chain = [...stack, key, baseKey].map((k) => relativeName(k, file));
        throw new SiteConfigError(parsed.file, [{ path, message: `extends cycle: ${chain.join(' -> ')}`, value: base.name }]);
      }
      if (applied.has(baseKey)) continue;
      let baseParsed: ParsedFile;
      try {
        baseParsed = read(baseFile);
      } catch (err) {
        // an unreadable base is the extending file's mistake; a broken base is the base's own
        if (!(err instanceof UnreadableSiteFileError)) throw err;
        throw new SiteConfigError(parsed.file, [{ path, message: `cannot read the extended file ${baseFile} (${err.reason})`, value: base.name }]);
      }
      visit(baseParsed, [...stack, key]);
    }
    // a file is visited only when it is not applied yet, and applied once its bases are
    applied.add(key);
    order.push(parsed);
  };
  visit(top, []);

  let merged: unknown = {};
  for (const parsed of order) merged = mergeOverlay(merged, withoutExtends(parsed.document as Doc));
  // Names relative to the site file's folder: `sites/a.yaml`, `./sites/a.yaml`, an absolute path or
  // another working directory must give the same manifest.json (same input, same bytes).
  const topDir = resolve(dirname(file));
  const sha256 = createHash('sha256')
    .update(order.map((p) => `${p.sha256}  ${relative(topDir, resolve(p.file)).split(sep).join('/')}\n`).join(''))
    .digest('hex');
  const document = attachOrigins(merged as Doc, order);
  return { document, files: order, sha256 };
}

function extendsList(file: string, doc: Doc): { name: string; indexed: boolean }[] {
  const value = doc.extends;
  if (typeof value === 'string' && value !== '') return [{ name: value, indexed: false }];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) {
    return (value as string[]).map((name) => ({ name, indexed: true }));
  }
  throw new SiteConfigError(file, [{ path: 'extends', message: 'must be a file name or a non-empty list of file names', value }]);
}

function withoutExtends(doc: Doc): Doc {
  const { extends: _ignored, ...rest } = doc;
  return rest;
}

function relativeName(absolute: string, topFile: string): string {
  const base = resolve(dirname(topFile));
  return absolute.startsWith(`${base}/`) ? join(dirname(topFile), absolute.slice(base.length + 1)) : absolute;
}

/** `base` overlaid with `overlay`: maps merge, everything else replaces, `null` removes. Inputs are not modified. */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (!isRecord(base) || !isRecord(overlay)) return structuredClone(overlay);
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key];
    else out[key] = key in base ? mergeOverlay(base[key], value) : mergeOverlay(undefined, value);
  }
  return out;
}

/**
 * The origin lookup travels with the document as a symbol-keyed property: callers copy the document
 * to override a field (`{ ...document, kubernetesVersion }`) and a spread keeps it, while ajv,
 * structuredClone and YAML output never see symbol keys.
 */
const ORIGINS = Symbol('site-config-origins');

/** Which applied file set the value at a field path. */
export type OriginLookup = (segments: readonly (string | number)[]) => string;

function attachOrigins(document: Doc, order: readonly ParsedFile[]): Doc {
  // The last file that sets the longest prefix of the path. A list is set as a whole (hasPath does not
  // go into lists), so the file that set the list set every item in it; a missing field (`is required`,
  // or removed by `null`) is blamed on the file that set its parent; the empty prefix, which every file
  // has, on the site file itself.
  const lookup: OriginLookup = (segments) => {
    for (let len = segments.length; ; len--) {
      const prefix = segments.slice(0, len);
      const setter = order.findLast((parsed) => hasPath(parsed.document, prefix));
      if (setter) return setter.file;
    }
  };
  Object.defineProperty(document, ORIGINS, { value: lookup, enumerable: true });
  return document;
}

function hasPath(document: unknown, segments: readonly (string | number)[]): boolean {
  let node = document;
  for (const s of segments) {
    if (!isRecord(node) || !Object.hasOwn(node, String(s))) return false;
    node = node[String(s)];
  }
  return true;
}

/** `nodePools[0].labels["gpu.example.com/x"]` → `['nodePools', 0, 'labels', 'gpu.example.com/x']` (inverse of formatPath in config style). */
export function splitPath(path: string): (string | number)[] | undefined {
  if (path === '(root)') return [];
  const segments: (string | number)[] = [];
  const token = /^(?:\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;
  let rest = path;
  while (rest.length > 0) {
    const m = token.exec(rest);
    if (!m) return undefined;
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
    rest = rest.slice(m[0].length);
  }
  return segments;
}

/** Bad config assembled from several files: each problem line names the file that set the value. */
export class OverlayConfigError extends SiteConfigError {
  constructor(
    file: string,
    problems: readonly Problem[],
    /** The file each problem comes from, index for index. */
    readonly problemFiles: readonly string[],
  ) {
    super(file, problems);
    this.message = problems.map((p, i) => formatProblem(problemFiles[i], p)).join('\n');
  }
}

function originLookup(document: unknown): OriginLookup | undefined {
  return isRecord(document) ? ((document as Record<symbol, unknown>)[ORIGINS] as OriginLookup | undefined) : undefined;
}

/** The file that set the field at `path` of a merged document: `file` when it was not merged from several. */
export function originOf(file: string, document: unknown, path: string): string {
  const lookup = originLookup(document);
  const segments = splitPath(path);
  return lookup && segments ? lookup(segments) : file;
}

/** The error to throw for problems found in `document`: attributed per file when it was merged from several. */
export function siteConfigError(file: string, document: unknown, problems: readonly Problem[]): SiteConfigError {
  const files = problems.map((p) => originOf(file, document, p.path));
  // the other side of a two-field problem may come from another file: say which
  const located = problems.map((p, i) => {
    const elsewhere = (p.related ?? []).filter((r) => originOf(file, document, r) !== files[i]);
    if (elsewhere.length === 0) return p;
    return { ...p, message: `${p.message}; ${elsewhere.map((r) => `${r} is set in ${originOf(file, document, r)}`).join(', ')}` };
  });
  return new OverlayConfigError(file, located, files);
}
