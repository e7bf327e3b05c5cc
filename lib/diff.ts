import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { structuredPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import { isRecord } from './json';
import { describeObject, objectIdentity, type Manifest } from './manifest';
import type { OutputFile } from './render';
import { formatPath, type FieldPath } from './validator/paths';

/**
 * What changed between a site's committed output folder and a fresh render: cluster objects compared
 * field by field (so a reviewer sees `spec.replicas: 1 → 2`, not a YAML hunk), every other file (the
 * kustomization, manifest.json, NodeConfigs, reports) compared line by line.
 */

export type FieldChange =
  | { readonly op: 'changed'; readonly path: string; readonly before: unknown; readonly after: unknown }
  | { readonly op: 'added'; readonly path: string; readonly after: unknown }
  | { readonly op: 'removed'; readonly path: string; readonly before: unknown };

export type ObjectDiff =
  | { readonly op: 'added'; readonly object: string; readonly file: string }
  | { readonly op: 'removed'; readonly object: string; readonly file: string }
  | { readonly op: 'changed'; readonly object: string; readonly file: string; readonly fromFile: string; readonly changes: readonly FieldChange[] };

export type FileDiff =
  | { readonly op: 'added' | 'removed'; readonly path: string }
  | { readonly op: 'changed'; readonly path: string; readonly hunks: readonly string[] };

export interface SiteDiff {
  readonly objects: readonly ObjectDiff[];
  readonly files: readonly FileDiff[];
}

export function isIdentical(diff: SiteDiff): boolean {
  return diff.objects.length === 0 && diff.files.length === 0;
}

type Json = unknown;

/** Field-level differences of two JSON values; lists compare item by item. Paths are written as in validator findings. */
export function diffValues(before: Json, after: Json, path: FieldPath = []): FieldChange[] {
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
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = [...path, i];
      if (i >= after.length) out.push({ op: 'removed', path: formatPath(p), before: before[i] });
      else if (i >= before.length) out.push({ op: 'added', path: formatPath(p), after: after[i] });
      else out.push(...diffValues(before[i], after[i], p));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ op: 'changed', path: formatPath(path) || '(root)', before, after }];
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
    const changes = diffValues(previous.object, object);
    if (changes.length > 0 || previous.file !== file) out.push({ op: 'changed', object: describeObject(object), file, fromFile: previous.file, changes });
  }
  for (const [key, { object, file }] of old) if (!now.has(key)) out.push({ op: 'removed', object: describeObject(object), file });
  return out;
}

/** Every file below `dir`, relative, skipping dot files (staging folders of an interrupted write). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
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
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null);
  return values.every((v) => isRecord(v) && typeof v.kind === 'string' && isRecord(v.metadata)) ? (values as Manifest[]) : undefined;
}

/** Chart files as kustomization.yaml lists them (the committed one may list other files than ours). */
function kustomizationResources(text: string | undefined): string[] {
  if (text === undefined) return [];
  const docs = parseAllDocuments(text);
  const value = Array.isArray(docs) ? (docs[0]?.toJS() as { resources?: unknown } | undefined) : undefined;
  return Array.isArray(value?.resources) ? value.resources.filter((r): r is string => typeof r === 'string') : [];
}

const MAX_HUNK_LINES = 12;

function lineHunks(path: string, before: string, after: string): string[] {
  const patch = structuredPatch(path, path, before, after, '', '', { context: 1 });
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
  const committedKustomization = committed.includes('kustomization.yaml') ? read('kustomization.yaml') : undefined;
  // chart files on the committed side: what its kustomization lists, and ours (never-pruned/ files are listed
  // by their own kustomization)
  const committedCharts = new Set(kustomizationResources(committedKustomization).filter((r) => committed.includes(r)));
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
  for (const path of [...new Set([...ours.keys(), ...committed])].sort()) {
    const now = ours.get(path);
    const was = committed.includes(path) ? read(path) : undefined;
    // chart files whose objects were compared: only report bytes when the objects are equal (formatting)
    const comparedAsObjects = objects.has(path) && committedCharts.has(path);
    if (now === undefined) {
      if (!committedCharts.has(path)) files.push({ op: 'removed', path });
    } else if (was === undefined) {
      if (!objects.has(path)) files.push({ op: 'added', path });
    } else if (now !== was) {
      const objectsDiffer = objectDiffs.some((d) => d.file === path || (d.op === 'changed' && d.fromFile === path));
      if (!comparedAsObjects || !objectsDiffer) files.push({ op: 'changed', path, hunks: lineHunks(path, was, now) });
    }
  }
  return { objects: objectDiffs, files };
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
  if (c.op === 'changed' && multiline(c.before) && multiline(c.after)) {
    return [`${c.path}: (text)`, ...lineHunks(c.path, c.before, c.after).slice(1).map((l) => `  ${l}`)];
  }
  if (c.op === 'changed') return [`${c.path}: ${show(c.before)} → ${show(c.after)}`];
  if (c.op === 'added') return [`+ ${c.path}: ${show(c.after)}`];
  return [`- ${c.path}: ${show(c.before)}`];
}

function capped(lines: readonly string[], max: number): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), `… ${lines.length - max} more line(s)`];
}

/** Compact, review-sized text of a site diff, indented under the site line. */
export function formatSiteDiff(diff: SiteDiff): string[] {
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
      lines.push(...capped(f.hunks, MAX_HUNK_LINES).map((l) => `      ${l}`));
    }
  }
  return lines;
}
