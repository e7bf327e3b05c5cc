/**
 * A JSON Schema evaluator for the draft-07 subset our generated bundles use (see
 * scripts/schema-transform.ts): type, enum, const, properties, additionalProperties, required, items,
 * allOf/anyOf/oneOf/not, $ref into `#/definitions/`, and the string/number/array/object bounds.
 *
 * Why not compile with ajv at run time: compiling the pod spec tree costs 100–250 ms and the
 * ClusterSecretStore CRD alone 160–460 ms (measured), against a 150 ms budget for a whole site.
 * Evaluating only the schema nodes the data reaches costs a few ms. ajv stays the reference: the tests
 * check that both agree on every fixture.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { FieldPath } from '../core/paths';

export interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly allOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly not?: Schema;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

export interface SchemaError {
  readonly path: FieldPath;
  readonly message: string;
}

const DEFINITIONS = '#/definitions/';

const patternCache = new Map<string, RegExp | null>();

/**
 * CRD patterns are Go RE2 syntax: a leading `(?i)` becomes the `i` flag; anything JavaScript cannot
 * compile is skipped (the API server still checks it).
 */
function regexOf(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  // Stryker disable next-line ConditionalExpression: equivalent, the cache only spares compiling a pattern again
  if (re === undefined) {
    re = compile(pattern.replace(/\(\?i\)/g, ''), pattern.includes('(?i)') ? 'i' : '');
    patternCache.set(pattern, re);
  }
  return re;
}

/** Unicode mode first (as RE2 reads code points), else without it (`\_`, `\:` are errors in unicode mode), else null. */
function compile(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    // not valid in unicode mode: try without it
  }
  let compiled: RegExp | null = null;
  try {
    compiled = new RegExp(source, flags);
  } catch {
    // not valid either: null, and the pattern is skipped
  }
  return compiled;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      // NaN and the infinities are not numbers here (ajv lets them pass): JSON cannot write them, so no API server gets them
      return Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  // JSON would write NaN and the infinities as null
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JSON equality, as ajv's: by content, fields in any order, an array never equal to an object. */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const other = b as Record<string, unknown>;
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(other, k) && equal((a as Record<string, unknown>)[k], other[k]));
}

function unknownField(name: string, known: readonly string[]): string {
  const sameLetters = known.find((k) => k.toLowerCase() === name.toLowerCase());
  const near = sameLetters ?? (known.length > 0 && distance(name, closest(name, known)) <= 2 ? closest(name, known) : undefined);
  return near ? `unknown field "${name}" (did you mean "${near}"?)` : `unknown field "${name}"`;
}

/** Evaluates data against a schema whose `$ref`s point into `definitions`. */
export class SchemaEvaluator {
  constructor(private readonly definitions: Readonly<Record<string, Schema>>) {}

  validate(schema: Schema, data: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    this.check(schema, data, [], errors);
    return errors;
  }

  private resolve(ref: string): Schema {
    const name = ref.slice(DEFINITIONS.length);
    if (!ref.startsWith(DEFINITIONS) || !Object.hasOwn(this.definitions, name)) throw new Error(`unresolvable schema reference ${ref}`);
    return this.definitions[name];
  }

  private check(schema: Schema, data: unknown, path: FieldPath, errors: SchemaError[]): void {
    if (schema.$ref !== undefined) this.check(this.resolve(schema.$ref), data, path, errors);

    if (schema.type !== undefined) {
      const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
      if (!types.some((t) => hasType(data, t))) {
        errors.push({ path, message: `must be ${types.join(' or ')} (got ${describeValue(data)})` });
        return; // the other keywords would only repeat that the value has the wrong shape
      }
    }
    if (schema.enum !== undefined && !schema.enum.some((v) => equal(v, data))) {
      errors.push({ path, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(data)})` });
    }
    if (schema.const !== undefined && !equal(schema.const, data)) {
      errors.push({ path, message: `must be ${JSON.stringify(schema.const)} (got ${describeValue(data)})` });
    }

    if (typeof data === 'string') this.checkString(schema, data, path, errors);
    else if (typeof data === 'number') this.checkNumber(schema, data, path, errors);
    else if (Array.isArray(data)) this.checkArray(schema, data, path, errors);
    else if (hasType(data, 'object')) this.checkObject(schema, data as Record<string, unknown>, path, errors);

    for (const sub of schema.allOf ?? []) this.check(sub, data, path, errors);
    if (schema.anyOf !== undefined) this.checkAlternatives(schema.anyOf, data, path, errors, false);
    if (schema.oneOf !== undefined) this.checkAlternatives(schema.oneOf, data, path, errors, true);
    if (schema.not !== undefined && this.validate(schema.not, data).length === 0) {
      errors.push({ path, message: 'matches a shape that is not allowed here' });
    }
  }

  private checkString(schema: Schema, data: string, path: FieldPath, errors: SchemaError[]): void {
    // Stryker disable next-line ConditionalExpression: equivalent, only spares counting the characters of a string without bounds
    if (schema.minLength !== undefined || schema.maxLength !== undefined) {
      const length = [...data].length;
      if (length < (schema.minLength ?? 0)) errors.push({ path, message: `must be at least ${schema.minLength} characters long` });
      if (length > (schema.maxLength ?? Infinity)) errors.push({ path, message: `must be at most ${schema.maxLength} characters long` });
    }
    if (schema.pattern !== undefined) {
      const re = regexOf(schema.pattern);
      if (re && !re.test(data)) errors.push({ path, message: `must match pattern ${schema.pattern} (got ${describeValue(data)})` });
    }
  }

  private checkNumber(schema: Schema, data: number, path: FieldPath, errors: SchemaError[]): void {
    if (data < (schema.minimum ?? -Infinity)) errors.push({ path, message: `must be >= ${schema.minimum} (got ${data})` });
    if (data > (schema.maximum ?? Infinity)) errors.push({ path, message: `must be <= ${schema.maximum} (got ${data})` });
    if (data <= (schema.exclusiveMinimum ?? -Infinity)) errors.push({ path, message: `must be > ${schema.exclusiveMinimum} (got ${data})` });
    if (data >= (schema.exclusiveMaximum ?? Infinity)) errors.push({ path, message: `must be < ${schema.exclusiveMaximum} (got ${data})` });
    if (schema.multipleOf !== undefined && !Number.isInteger(data / schema.multipleOf)) errors.push({ path, message: `must be a multiple of ${schema.multipleOf} (got ${data})` });
  }

  private checkArray(schema: Schema, data: readonly unknown[], path: FieldPath, errors: SchemaError[]): void {
    if (data.length < (schema.minItems ?? 0)) errors.push({ path, message: `must have at least ${schema.minItems} items` });
    if (data.length > (schema.maxItems ?? Infinity)) errors.push({ path, message: `must have at most ${schema.maxItems} items` });
    // a duplicate is an item whose first equal item comes before it
    if (schema.uniqueItems === true && data.some((d, i) => data.findIndex((e) => equal(d, e)) < i)) {
      errors.push({ path, message: 'must not contain duplicate items' });
    }
    if (schema.items !== undefined) data.forEach((item, i) => this.check(schema.items!, item, [...path, i], errors));
  }

  private checkObject(schema: Schema, data: Record<string, unknown>, path: FieldPath, errors: SchemaError[]): void {
    // A field set to `undefined` (TypeScript optional props) is absent from the YAML we write.
    const keys = Object.keys(data).filter((k) => data[k] !== undefined);
    if (keys.length < (schema.minProperties ?? 0)) errors.push({ path, message: `must have at least ${schema.minProperties} fields` });
    if (keys.length > (schema.maxProperties ?? Infinity)) errors.push({ path, message: `must have at most ${schema.maxProperties} fields` });
    for (const name of schema.required ?? []) {
      if (data[name] === undefined) errors.push({ path: [...path, name], message: `required field "${name}" is missing` });
    }
    const properties = schema.properties ?? {};
    for (const key of keys) {
      const sub = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
      if (sub !== undefined) this.check(sub, data[key], [...path, key], errors);
      else if (schema.additionalProperties === false) errors.push({ path: [...path, key], message: unknownField(key, Object.keys(properties)) });
      else if (typeof schema.additionalProperties === 'object') this.check(schema.additionalProperties, data[key], [...path, key], errors);
    }
  }

  /**
   * anyOf/oneOf: valid when some (oneOf: exactly one) branch is. Otherwise report the branch that came
   * closest, or one merged type error when every branch wants a different type.
   */
  private checkAlternatives(branches: readonly Schema[], data: unknown, path: FieldPath, errors: SchemaError[], exactlyOne: boolean): void {
    const results = branches.map((b) => this.validate(b, data));
    const passed = results.filter((r) => r.length === 0).length;
    if (passed > 0) {
      if (exactlyOne && passed > 1) errors.push({ path, message: `matches ${passed} of the allowed shapes; it must match exactly one` });
      return;
    }
    const typeOnly = results.every((r) => r.length === 1 && r[0].path.length === path.length && r[0].message.startsWith('must be ') && r[0].message.includes(' (got '));
    // with one branch the merged message is that branch's own (anyOf/oneOf always have a branch: JSON Schema and the API server require it)
    if (typeOnly) {
      const wanted = results.map((r) => r[0].message.slice('must be '.length, r[0].message.indexOf(' (got ')));
      errors.push({ path, message: `must be ${[...new Set(wanted)].join(' or ')} (got ${describeValue(data)})` });
      return;
    }
    const best = [...results].sort((a, b) => a.length - b.length)[0];
    errors.push(...best);
  }
}
