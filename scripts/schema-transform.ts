/**
 * Shared by the schema and CRD update scripts: turns an OpenAPI-flavoured Kubernetes schema into the
 * strict JSON Schema (draft-07 subset) that lib/validate/ loads, and writes JSON deterministically.
 *
 * Strict means what `kubeconform -strict` means: an object schema that lists its properties rejects
 * any other property, and `null` is never a valid value (the API server and kubectl would drop or
 * reject it; cdk8s turns mistyped quantities into `null`, which is exactly what we want to catch).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Keywords whose value is copied as is (no sub-schemas inside). */
const PLAIN_KEYWORDS = new Set([
  'type', 'enum', 'required', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
  'multipleOf', 'const',
]);
/** Keywords holding one sub-schema. */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'not']);
/** Keywords holding a list of sub-schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['oneOf', 'anyOf', 'allOf']);

export interface TransformOptions {
  /** Rewrites a `$ref` value (e.g. `#/$defs/X` → `#/definitions/X`). */
  readonly ref?: (ref: string) => string;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutNull(type: Json): Json {
  if (!Array.isArray(type)) return type;
  const kept = type.filter((t) => t !== 'null');
  return kept.length === 1 ? kept[0] : kept;
}

/**
 * Returns a strict copy of `schema`. Drops documentation (`description`, `title`, `example`),
 * `format` (validation of int32/date-time formats is left to the API server), `default`, CEL rules
 * and the `x-kubernetes-*` annotations after applying their meaning:
 * `x-kubernetes-int-or-string` → integer|string; `x-kubernetes-preserve-unknown-fields` → open
 * object; `x-kubernetes-embedded-resource` → still strict on listed properties.
 */
export function strictSchema(schema: Json, options: TransformOptions = {}): JsonObject {
  if (!isObject(schema)) throw new Error(`schema expected, got ${JSON.stringify(schema)}`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = options.ref ? options.ref(value) : value;
    else if (PLAIN_KEYWORDS.has(key)) out[key] = key === 'type' ? withoutNull(value) : value;
    else if (SCHEMA_KEYWORDS.has(key)) out[key] = typeof value === 'boolean' ? value : strictSchema(value, options);
    else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map((s) => strictSchema(s, options));
    else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, strictSchema(s, options)]));
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true && out.type === undefined && out.anyOf === undefined) {
    out.type = ['integer', 'string'];
  }
  // `nullable: true` (CRDs) is the one place null is allowed.
  if (schema.nullable === true && out.type !== undefined) {
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
  }
  simplifyTypeUnion(out);
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties !== undefined && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

/** `oneOf: [{type: string}, {type: number}]` (Quantity, IntOrString) → `type: [string, number]`: same meaning, clearer errors. */
function simplifyTypeUnion(out: JsonObject): void {
  const branches = out.oneOf;
  if (!Array.isArray(branches) || out.type !== undefined) return;
  const types: Json[] = [];
  for (const branch of branches) {
    if (!isObject(branch) || Object.keys(branch).length !== 1 || typeof branch.type !== 'string') return;
    types.push(branch.type);
  }
  delete out.oneOf;
  out.type = types;
}

/** Every `$ref` target (as written) inside a schema. */
export function refsOf(schema: Json, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, found));
  else if (isObject(schema)) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else refsOf(value, found);
    }
  }
  return found;
}

/** Recursively sorts object keys; arrays keep their order (it is meaningful in `required`, `enum`, `type`). */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

/** Writes JSON with sorted keys, one-space indent (reviewable diffs) and a trailing newline: reruns are byte-identical. */
export function writeJson(path: string, value: Json): number {
  const text = JSON.stringify(sortKeys(value), null, 1) + '\n';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}
