import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { structuredPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../core/json';
import { describeObject, objectIdentity, type Manifest } from '../core/manifest';
import type { OutputFile } from '../render/render';
import { formatPath, type DisplayPath } from '../core/paths';

/**
 * What changed between a site's committed output folder and a fresh render: cluster objects compared
 * field by field (so a reviewer sees `spec.replicas: 1 → 2`, not a YAML hunk), every other file (the
 * kustomization, manifest.json, NodeConfigs, reports) compared line by line.
 */

export type FieldChange =
  | { readonly op: 'changed'; readonly path: string; readonly before: unknown; readonly after: unknown }
  | { readonly op: 'added'; readonly path: string; readonly after: unknown }
  | { readonly op: 'removed'; readonly path: string; readonly before: unknown };

/** Only a changed object has a `fromFile`; the others declare it absent, so any diff can be asked for it. */
export type ObjectDiff =
  | { readonly op: 'added'; readonly object: string; readonly file: string; readonly fromFile?: undefined }
  | { readonly op: 'removed'; readonly object: string; readonly file: string; readonly fromFile?: undefined }
  | {
      readonly op: 'changed';
      readonly object: string;
      readonly file: string;
      readonly fromFile: string;
      readonly changes: readonly FieldChange[];
      /** The two versions of the object (the upgrade plan judges immutable fields on them). */
      readonly before: Manifest;
      readonly after: Manifest;
    };

/** A file that is not a chart file: JSON files compared field by field (`changes`), others by line (`hunks`). */
export type FileDiff =
  | { readonly op: 'added' | 'removed'; readonly path: string }
  | { readonly op: 'changed'; readonly path: string; readonly hunks: readonly string[] }
  | { readonly op: 'changed'; readonly path: string; readonly changes: readonly FieldChange[] };

export interface SiteDiff {
  readonly objects: readonly ObjectDiff[];
  readonly files: readonly FileDiff[];
}

export function isIdentical(diff: SiteDiff): boolean {
  return diff.objects.length === 0 && diff.files.length === 0;
}

type Json = unknown;

/** Fields that name a list item, in order of preference: containers, env, volumes by `name`, mounts by path, …. */
const ITEM_KEYS = ['name', 'mountPath', 'devicePath', 'containerPort', 'port', 'ip'] as const;

/** The field every item of both lists has, with values unique within each list; undefined: compare by position. */
function itemKey(before: readonly Json[], after: readonly Json[]): string | undefined {
  if (![...before, ...after].every(isRecord)) return undefined;
  return ITEM_KEYS.find((key) =>
    [before, after].every((list) => {
      const values = list.map((item) => (item as Record<string, unknown>)[key]);
      return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length;
    }),
  );
}

/**
 * Field-level differences of two JSON values. Lists of objects that carry a unique `name` (or mount path,
 * port, …) are matched by it, so inserting a container or an env var shows as one added item, not as
 * every later item changed; a new order of the same items is one `(order)` change. Other lists (args,
 * commands, rules) compare by position, where order is their meaning. Paths are written as in
 * validator findings, keyed items as `containers[name=gpus]`.
 */
export function diffValues(before: Json, after: Json, path: DisplayPath = []): FieldChange[] {
  if (isRecord(before) && isRecord(after)) {
    const out: FieldChange[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) {
      const p = [...path, key];
      if (!(key in after)) out.push({ op: 'removed', path: formatPath(p), before: before[key] });
      else if (!(key in before)) out.push({ op: 'added', path: formatPath(p), after: after[key] });
      else out.push(...diffValues(before[key], after[key], p));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = itemKey(before, after);
    return key === undefined ? diffByPosition(before, after, path) : diffByKey(before as Json[], after as Json[], key, path);
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ op: 'changed', path: formatPath(path) || '(root)', before, after }];
}

function diffByPosition(before: readonly Json[], after: readonly Json[], path: DisplayPath): FieldChange[] {
  const out: FieldChange[] = [];
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const p = [...path, i];
    if (i >= after.length) out.push({ op: 'removed', path: formatPath(p), before: before[i] });
    else if (i >= before.length) out.push({ op: 'added', path: formatPath(p), after: after[i] });
    else out.push(...diffValues(before[i], after[i], p));
  }
  return out;
}

function diffByKey(before: readonly Json[], after: readonly Json[], key: string, path: DisplayPath): FieldChange[] {
  const idOf = (item: Json) => (item as Record<string, string | number>)[key];
  const old = new Map(before.map((item) => [idOf(item), item]));
  const now = new Map(after.map((item) => [idOf(item), item]));
  const out: FieldChange[] = [];
  for (const [id, item] of now) {
    const p = [...path, { key, value: id }];
    if (!old.has(id)) out.push({ op: 'added', path: formatPath(p), after: item });
    else out.push(...diffValues(old.get(id), item, p));
  }
  for (const [id, item] of old) if (!now.has(id)) out.push({ op: 'removed', path: formatPath([...path, { key, value: id }]), before: item });
  const kept = (ids: Iterable<string | number>, other: Map<string | number, Json>) => [...ids].filter((id) => other.has(id));
  const oldOrder = kept(old.keys(), now);
  const newOrder = kept(now.keys(), old);
  if (oldOrder.some((id, i) => id !== newOrder[i])) {
    out.push({ op: 'changed', path: `${formatPath(path) || '(root)'} (order)`, before: oldOrder, after: newOrder });
  }
  return out;
}

interface Located {
  readonly object: Manifest;
  readonly file: string;
}

function index(files: ReadonlyMap<string, readonly Manifest[]>): Map<string, Located> {
  const out = new Map<string, Located>();
  for (const [file, objects] of files) for (const object of objects) out.set(objectIdentity(object), { object, file });
  return out;
}

/** Object-level differences between two sets of chart files (path → objects). */
export function diffObjects(before: ReadonlyMap<string, readonly Manifest[]>, after: ReadonlyMap<string, readonly Manifest[]>): ObjectDiff[] {
  const old = index(before);
  const now = index(after);
  const out: ObjectDiff[] = [];
  for (const [key, { object, file }] of now) {
    const previous = old.get(key);
    if (!previous) {
      out.push({ op: 'added', object: describeObject(object), file });
      continue;
    }
    const changes = redactSecretChanges(object, diffValues(previous.object, object));
    if (changes.length > 0 || previous.file !== file) out.push({ op: 'changed', object: describeObject(object), file, fromFile: previous.file, changes, before: previous.object, after: object });
  }
  for (const [key, { object, file }] of old) if (!now.has(key)) out.push({ op: 'removed', object: describeObject(object), file });
  return out;
}

/**
 * A Secret's `data` and `stringData` values never appear in a diff (a reviewer, a CI log or a bot's
 * comment would hold the token): a change shows only that the value changed and its size before and
 * after, `<redacted, 120 bytes>` → `<redacted, 124 bytes>`.
 */
export function redactSecretChanges(object: Manifest, changes: readonly FieldChange[]): FieldChange[] {
  if (object.kind !== 'Secret') return [...changes];
  const secret = (path: string) => /^(data|stringData)(\.|\[|$)/.test(path);
  return changes.map((c) => {
    if (!secret(c.path)) return c;
    const base64 = c.path.startsWith('data'); // data holds base64, stringData the text itself
    if (c.op === 'changed') return { ...c, before: redacted(c.before, base64), after: redacted(c.after, base64) };
    if (c.op === 'added') return { ...c, after: redacted(c.after, base64) };
    return { ...c, before: redacted(c.before, base64) };
  });
}

function redacted(value: unknown, base64: boolean): unknown {
  if (typeof value === 'string') return `<redacted, ${base64 ? Buffer.byteLength(value, 'base64') : Buffer.byteLength(value)} bytes>`;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v, base64)]));
  return '<redacted>';
}

/** Every file below `dir`, relative, in no set order, skipping dot files (staging folders of an interrupted write). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}

/** The objects of a YAML file, or undefined when it does not parse as Kubernetes objects. */
function parseObjects(text: string): Manifest[] | undefined {
  const docs = parseAllDocuments(text, { version: '1.1' });
  if (docs.some((d) => d.errors.length > 0)) return undefined;
  const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null);
  return values.every((v) => isRecord(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && isRecord(v.metadata)) ? (values as Manifest[]) : undefined;
}

/** The `files` a kustomization.yaml lists as resources, in its order (the committed one may list other files than ours). */
function kustomizationResources(kustomization: string, files: readonly string[]): string[] {
  const value = parseAllDocuments(kustomization)[0]?.toJS() as { resources?: unknown } | undefined;
  return Array.isArray(value?.resources) ? value.resources.filter((r) => files.includes(r)) : [];
}

const MAX_HUNK_LINES = 12;

function lineHunks(path: string, before: string, after: string): string[] {
  const patch = structuredPatch(path, path, before, after, undefined, undefined, { context: 1 });
  const lines: string[] = [];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    lines.push(...hunk.lines.filter((l) => !l.startsWith('\\')));
  }
  return lines;
}

/**
 * Compares a fresh render (`output`: every file of dist/<site>/, `objects`: the chart files' objects)
 * with the folder `dir`. A missing folder is all added.
 */
export function diffSiteOutput(output: readonly OutputFile[], objects: ReadonlyMap<string, readonly Manifest[]>, dir: string): SiteDiff {
  const committed = existsSync(dir) ? listFiles(dir) : [];
  const read = (p: string) => readFileSync(join(dir, p), 'utf8');
  // chart files on the committed side: what its kustomization lists, and ours (never-pruned/ files are listed
  // by their own kustomization)
  const committedCharts = new Set(committed.includes('kustomization.yaml') ? kustomizationResources(read('kustomization.yaml'), committed) : []);
  for (const path of objects.keys()) if (committed.includes(path)) committedCharts.add(path);

  const before = new Map<string, Manifest[]>();
  const files: FileDiff[] = [];
  for (const path of committedCharts) {
    const parsed = parseObjects(read(path));
    if (parsed) before.set(path, parsed);
    else committedCharts.delete(path); // compared as text below
  }
  const objectDiffs = diffObjects(before, objects);

  const ours = new Map(output.map((f) => [f.path, f.content]));
  let manifestAt = 0;
  for (const path of [...new Set([...ours.keys(), ...committed])].sort()) {
    if (path === MANIFEST) {
      manifestAt = files.length; // its place in path order; compared below, once the other differences are known
      continue;
    }
    const now = ours.get(path);
    const was = committed.includes(path) ? read(path) : undefined;
    // chart files whose objects were compared: only report bytes when the objects are equal (formatting)
    const comparedAsObjects = objects.has(path) && committedCharts.has(path);
    if (now === undefined) {
      if (!committedCharts.has(path)) files.push({ op: 'removed', path });
    } else if (was === undefined) {
      if (!objects.has(path)) files.push({ op: 'added', path });
    } else if (now !== was) {
      const objectsDiffer = objectDiffs.some((d) => d.file === path || d.fromFile === path);
      if (!comparedAsObjects || !objectsDiffer) files.push(fileChange(path, was, now));
    }
  }
  const manifest = manifestDiff(ours.get(MANIFEST), committed.includes(MANIFEST) ? read(MANIFEST) : undefined, objectDiffs, files);
  if (manifest) files.splice(manifestAt, 0, manifest);
  return { objects: objectDiffs, files };
}

const MANIFEST = 'manifest.json';

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    // not JSON: the caller compares the text
  }
  return undefined;
}

/** A changed file: JSON that parses on both sides field by field (a Corefile inside shows as lines), else by line. */
function fileChange(path: string, was: string, now: string): FileDiff {
  if (path.endsWith('.json')) {
    const before = parseJson(was);
    const after = parseJson(now);
    const changes = before !== undefined && after !== undefined ? diffValues(before, after) : [];
    if (changes.length > 0) return { op: 'changed', path, changes };
  }
  return { op: 'changed', path, hunks: lineHunks(path, was, now) };
}

/**
 * manifest.json records a hash per file, so it changes whenever another file does: those hashes are not
 * a difference of their own. What is left (generator, version, site inputs, the hash of a file that is
 * reported nowhere else) is.
 */
function manifestDiff(now: string | undefined, was: string | undefined, objects: readonly ObjectDiff[], files: readonly FileDiff[]): FileDiff | undefined {
  if (now === was) return undefined;
  if (now === undefined) return { op: 'removed', path: MANIFEST };
  if (was === undefined) return { op: 'added', path: MANIFEST };
  const before = parseJson(was);
  const after = parseJson(now);
  if (!isRecord(before) || !isRecord(after) || !isRecord(before.files) || !isRecord(after.files)) return fileChange(MANIFEST, was, now);
  const reported = new Set([...files.map((f) => f.path), ...objects.flatMap((d) => [d.file, d.fromFile])]);
  const unreported = (hashes: Record<string, unknown>) => Object.fromEntries(Object.entries(hashes).filter(([path]) => !reported.has(path)));
  const changes = diffValues({ ...before, files: unreported(before.files) }, { ...after, files: unreported(after.files) });
  return changes.length === 0 ? undefined : { op: 'changed', path: MANIFEST, changes };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function multiline(value: unknown): value is string {
  return typeof value === 'string' && value.includes('\n');
}

const MAX_FIELD_LINES = 20;

function formatChange(c: FieldChange): string[] {
  if (c.op === 'added') return [`+ ${c.path}: ${show(c.after)}`];
  if (c.op === 'removed') return [`- ${c.path}: ${show(c.before)}`];
  if (multiline(c.before) && multiline(c.after)) {
    return [`${c.path}: (text)`, ...lineHunks(c.path, c.before, c.after).slice(1).map((l) => `  ${l}`)];
  }
  return [`${c.path}: ${show(c.before)} → ${show(c.after)}`];
}

export interface FormatOptions {
  /** Every line: no cap on long field and file changes. */
  readonly full?: boolean;
}

/** Compact, review-sized text of a site diff, indented under the site line (`full`: nothing left out). */
export function formatSiteDiff(diff: SiteDiff, options: FormatOptions = {}): string[] {
  const capped = (lines: readonly string[], max: number): string[] =>
    options.full || lines.length <= max ? [...lines] : [...lines.slice(0, max), `… ${lines.length - max} more line(s) (--full shows them)`];
  const lines: string[] = [];
  for (const d of diff.objects) {
    if (d.op === 'added') lines.push(`  + ${d.object} (${d.file})`);
    else if (d.op === 'removed') lines.push(`  - ${d.object} (${d.file})`);
    else {
      lines.push(`  ~ ${d.object} (${d.fromFile === d.file ? d.file : `${d.fromFile} → ${d.file}`})`);
      lines.push(...capped(d.changes.flatMap(formatChange), MAX_FIELD_LINES).map((l) => `      ${l}`));
    }
  }
  for (const f of diff.files) {
    if (f.op !== 'changed') lines.push(`  ${f.op === 'added' ? '+' : '-'} file ${f.path}`);
    else {
      lines.push(`  ~ file ${f.path}`);
      const body = 'changes' in f ? capped(f.changes.flatMap(formatChange), MAX_FIELD_LINES) : capped(f.hunks, MAX_HUNK_LINES);
      lines.push(...body.map((l) => `      ${l}`));
    }
  }
  return lines;
}
