/**
 * The schema evaluator the validator runs (lib/validate/json-schema.ts), keyword by keyword: each bound
 * at both edges, the message and the field path of each problem, and for every case the verdict ajv
 * (the reference) gives on the same schema and data.
 */
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { type Schema, SchemaEvaluator } from '../lib/validate/json-schema';

const DEFINITIONS: Record<string, Schema> = {
  name: { type: 'string', minLength: 1 },
  port: { type: 'integer', minimum: 1, maximum: 65535 },
};
const evaluator = new SchemaEvaluator(DEFINITIONS);
const ajv = new Ajv({ strict: false, allErrors: true });

/** Problems as `path: message`, after checking that ajv agrees on valid/invalid. */
function problems(schema: Schema, data: unknown): string[] {
  const found = evaluator.validate(schema, data).map((e) => `${e.path.join('.')}: ${e.message}`);
  const reference = ajv.validate({ ...schema, definitions: DEFINITIONS }, data);
  expect(found.length === 0, `ajv says ${reference ? 'valid' : 'invalid'} for ${JSON.stringify(data)}: ${found.join('; ')}`).toBe(reference);
  return found;
}

describe('json-schema evaluator', () => {
  it('type: one or several, integer versus number, null, and no other keyword checked on the wrong type', () => {
    expect(problems({ type: 'string' }, 'x')).toEqual([]);
    expect(problems({ type: 'string', minLength: 5 }, 3)).toEqual([': must be string (got 3)']);
    expect(problems({ type: ['string', 'null'] }, null)).toEqual([]);
    expect(problems({ type: ['string', 'null'] }, 1)).toEqual([': must be string or null (got 1)']);
    expect(problems({ type: 'integer' }, 2)).toEqual([]);
    expect(problems({ type: 'integer' }, 2.5)).toEqual([': must be integer (got 2.5)']);
    expect(problems({ type: 'number' }, 2.5)).toEqual([]);
    expect(problems({ type: 'object' }, [])).toEqual([': must be object (got array)']);
    expect(problems({ type: 'object' }, null)).toEqual([': must be object (got null)']);
    expect(problems({ type: 'array' }, {})).toEqual([': must be array (got object)']);
    expect(problems({ type: 'null' }, 0)).toEqual([': must be null (got 0)']);
    expect(problems({ type: 'boolean' }, 'true')).toEqual([': must be boolean (got "true")']);
    expect(problems({ type: 'string' }, [1])).toEqual([': must be string (got array)']);
    expect(problems({ type: 'string' }, { a: 1 })).toEqual([': must be string (got object)']);
    expect(problems({ type: 'string' }, null)).toEqual([': must be string (got null)']);
  });

  it('NaN and the infinities are neither numbers nor integers: JSON cannot write them, so no API server can take them (ajv lets them pass)', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(evaluator.validate({ type: 'number' }, value)).toEqual([{ path: [], message: `must be number (got ${value})` }]);
      expect(evaluator.validate({ type: 'integer' }, value)).toEqual([{ path: [], message: `must be integer (got ${value})` }]);
    }
    expect(evaluator.validate({ type: 'string' }, Number.NaN)).toEqual([{ path: [], message: 'must be string (got NaN)' }]);
    expect(evaluator.validate({ type: 'string' }, 1.5)).toEqual([{ path: [], message: 'must be string (got 1.5)' }]);
    expect(ajv.validate({ type: 'number' }, Number.NaN)).toBe(true);
    expect(ajv.validate({ type: 'integer' }, Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('describes a long value by its first 57 characters, and a missing one as nothing', () => {
    const long = 'x'.repeat(80);
    expect(problems({ type: 'number' }, long)).toEqual([`: must be number (got "${'x'.repeat(56)}...)`]);
    const sixty = 'y'.repeat(58); // 60 characters with its quotes: shown whole
    expect(problems({ type: 'number' }, sixty)).toEqual([`: must be number (got "${sixty}")`]);
    expect(evaluator.validate({ type: 'string' }, undefined)).toEqual([{ path: [], message: 'must be string (got nothing)' }]);
  });

  it('enum and const compare values, objects by content', () => {
    expect(problems({ enum: ['a', 'b'] }, 'b')).toEqual([]);
    expect(problems({ enum: ['a', 'b'] }, 'c')).toEqual([': must be one of "a", "b" (got "c")']);
    expect(problems({ enum: [{ k: 1 }] }, { k: 1 })).toEqual([]);
    expect(problems({ enum: [{ k: 1 }] }, { k: 2 })).toEqual([': must be one of {"k":1} (got object)']);
    expect(problems({ const: 'x' }, 'x')).toEqual([]);
    expect(problems({ const: 'x' }, 'y')).toEqual([': must be "x" (got "y")']);
    expect(problems({ const: [1, 2] }, [1, 2])).toEqual([]);
    expect(problems({ const: 1 }, '1')).toEqual([': must be 1 (got "1")']);
    // fields in any order; an array is not the object with the same indexes; nested values compared too
    expect(problems({ const: { a: 1, b: [1, { c: 2 }] } }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
    expect(problems({ const: { a: 1, b: [1, { c: 2 }] } }, { a: 1, b: [1, { c: 3 }] })).toEqual([': must be {"a":1,"b":[1,{"c":2}]} (got object)']);
    expect(problems({ const: ['x'] }, { 0: 'x' })).toEqual([': must be ["x"] (got object)']);
    expect(problems({ const: { 0: 'x' } }, ['x'])).toEqual([': must be {"0":"x"} (got array)']);
    expect(problems({ const: { a: 1 } }, { a: 1, b: 2 })).toEqual([': must be {"a":1} (got object)']);
    expect(problems({ const: { a: 1, b: undefined } }, { a: 1, c: undefined })).toEqual([': must be {"a":1} (got object)']);
    expect(problems({ enum: [null] }, {})).toEqual([': must be one of null (got object)']);
    expect(problems({ enum: [{}] }, null)).toEqual([': must be one of {} (got null)']);
    expect(problems({ enum: [null, 0] }, null)).toEqual([]);
    // a number or string is never equal to an object or array, either way round
    expect(problems({ enum: [1] }, {})).toEqual([': must be one of 1 (got object)']);
    expect(problems({ enum: [{}] }, 1)).toEqual([': must be one of {} (got 1)']);
    expect(problems({ const: [] }, '')).toEqual([': must be [] (got "")']);
  });

  it('string length in characters (not UTF-16 units), at both edges, and patterns', () => {
    const schema: Schema = { type: 'string', minLength: 2, maxLength: 3 };
    expect(problems(schema, 'a')).toEqual([': must be at least 2 characters long']);
    expect(problems(schema, 'ab')).toEqual([]);
    expect(problems(schema, 'abc')).toEqual([]);
    expect(problems(schema, 'abcd')).toEqual([': must be at most 3 characters long']);
    expect(problems({ maxLength: 2 }, '😀😀')).toEqual([]); // 4 UTF-16 units, 2 characters
    expect(problems({ maxLength: 2 }, 'abc')).toEqual([': must be at most 2 characters long']);
    expect(problems({ minLength: 2 }, 'abcdef')).toEqual([]);
    expect(problems({ minLength: 3 }, '😀😀')).toEqual([': must be at least 3 characters long']);
    expect(problems({ pattern: '^[a-z]+$' }, 'abc')).toEqual([]);
    expect(problems({ pattern: '^[a-z]+$' }, 'aBc')).toEqual([': must match pattern ^[a-z]+$ (got "aBc")']);
    expect(problems({ pattern: 'b' }, 'abc')).toEqual([]); // unanchored, as in JSON Schema
  });

  it("reads Go RE2's (?i) as case-insensitive and skips a pattern JavaScript cannot compile", () => {
    expect(evaluator.validate({ pattern: '(?i)^abc$' }, 'ABC')).toEqual([]);
    expect(evaluator.validate({ pattern: '(?i)^abc$' }, 'abd').map((e) => e.message)).toEqual(['must match pattern (?i)^abc$ (got "abd")']);
    expect(evaluator.validate({ pattern: '^abc$' }, 'ABC')).toHaveLength(1);
    // valid without the u flag only (an escaped "_" is an error in unicode mode)
    expect(() => new RegExp('^a\\_b$', 'u')).toThrow(SyntaxError);
    expect(evaluator.validate({ pattern: '^a\\_b$' }, 'a_b')).toEqual([]);
    expect(evaluator.validate({ pattern: '^a\\_b$' }, 'a-b').map((e) => e.message)).toEqual(['must match pattern ^a\\_b$ (got "a-b")']);
    // and read as code points where unicode mode compiles it: one emoji is one "."
    expect(evaluator.validate({ pattern: '^.$' }, '😀')).toEqual([]);
    // no JavaScript flags compile it: the API server checks it
    expect(evaluator.validate({ pattern: '(?P<x>a)[' }, 'anything')).toEqual([]);
  });

  it('number bounds at both edges, inclusive and exclusive, and multipleOf', () => {
    const inclusive: Schema = { type: 'number', minimum: 1, maximum: 3 };
    expect(problems(inclusive, 0.5)).toEqual([': must be >= 1 (got 0.5)']);
    expect(problems(inclusive, 1)).toEqual([]);
    expect(problems(inclusive, 3)).toEqual([]);
    expect(problems(inclusive, 3.5)).toEqual([': must be <= 3 (got 3.5)']);
    const exclusive: Schema = { type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 3 };
    expect(problems(exclusive, 1)).toEqual([': must be > 1 (got 1)']);
    expect(problems(exclusive, 1.5)).toEqual([]);
    expect(problems(exclusive, 2.5)).toEqual([]);
    expect(problems(exclusive, 3)).toEqual([': must be < 3 (got 3)']);
    expect(problems({ multipleOf: 0.5 }, 1.5)).toEqual([]);
    expect(problems({ multipleOf: 0.5 }, 1.25)).toEqual([': must be a multiple of 0.5 (got 1.25)']);
    // each bound alone, and 0 as a bound
    expect(problems({ minimum: 0 }, -1)).toEqual([': must be >= 0 (got -1)']);
    expect(problems({ minimum: 0 }, 1e300)).toEqual([]);
    expect(problems({ maximum: 0 }, -1e300)).toEqual([]);
    expect(problems({ maximum: 0 }, 1)).toEqual([': must be <= 0 (got 1)']);
    expect(problems({ exclusiveMinimum: 0 }, 0)).toEqual([': must be > 0 (got 0)']);
    expect(problems({ exclusiveMinimum: 0 }, 1e300)).toEqual([]);
    expect(problems({ exclusiveMaximum: 0 }, -1e300)).toEqual([]);
    expect(problems({ exclusiveMaximum: 0 }, 0)).toEqual([': must be < 0 (got 0)']);
    expect(problems({}, -1e300)).toEqual([]);
  });

  it('array length at both edges, unique items by content, and each item at its index', () => {
    const schema: Schema = { type: 'array', minItems: 1, maxItems: 2 };
    expect(problems(schema, [])).toEqual([': must have at least 1 items']);
    expect(problems(schema, [1])).toEqual([]);
    expect(problems(schema, [1, 2])).toEqual([]);
    expect(problems(schema, [1, 2, 3])).toEqual([': must have at most 2 items']);
    expect(problems({ uniqueItems: true }, [{ a: 1 }, { a: 2 }])).toEqual([]);
    expect(problems({ uniqueItems: true }, [{ a: 1 }, { a: 1 }])).toEqual([': must not contain duplicate items']);
    expect(problems({ uniqueItems: false }, [1, 1])).toEqual([]);
    // by content, fields in any order, at any distance
    expect(problems({ uniqueItems: true }, [{ a: 1, b: 2 }, 3, { b: 2, a: 1 }])).toEqual([': must not contain duplicate items']);
    expect(problems({ uniqueItems: true }, [1, '1', [1], { 0: 1 }])).toEqual([]);
    expect(problems({ minItems: 1 }, [1, 2, 3])).toEqual([]);
    expect(problems({ maxItems: 1 }, [1, 2])).toEqual([': must have at most 1 items']);
    expect(problems({ items: { type: 'string' } }, ['a', 2, 'c', 4])).toEqual(['1: must be string (got 2)', '3: must be string (got 4)']);
  });

  it('objects: field counts at both edges, required fields, unknown fields with a suggestion, additionalProperties as a schema', () => {
    const counted: Schema = { type: 'object', minProperties: 1, maxProperties: 2 };
    expect(problems(counted, {})).toEqual([': must have at least 1 fields']);
    expect(problems(counted, { a: 1 })).toEqual([]);
    expect(problems(counted, { a: 1, b: 2 })).toEqual([]);
    expect(problems(counted, { a: 1, b: 2, c: 3 })).toEqual([': must have at most 2 fields']);
    expect(problems({ minProperties: 1 }, { a: 1, b: 2, c: 3 })).toEqual([]);
    expect(problems({ maxProperties: 1 }, { a: 1, b: 2 })).toEqual([': must have at most 1 fields']);
    // object keywords apply to objects only: a string, a boolean, null or an array passes them
    for (const value of ['abc', true, null, [1, 2]]) expect(problems({ required: ['a'], additionalProperties: false, minProperties: 1 }, value), JSON.stringify(value)).toEqual([]);
    // a field set to undefined is not there (it is not written to the YAML)
    expect(evaluator.validate(counted, { a: 1, b: 2, c: undefined })).toEqual([]);
    expect(evaluator.validate({ required: ['a'] }, { a: undefined })).toEqual([{ path: ['a'], message: 'required field "a" is missing' }]);
    const strict: Schema = { type: 'object', properties: { replicas: { type: 'integer' }, name: { $ref: '#/definitions/name' } }, required: ['name'], additionalProperties: false };
    expect(problems(strict, { name: 'x', replicas: 2 })).toEqual([]);
    expect(problems(strict, { replicas: 'two' })).toEqual(['name: required field "name" is missing', 'replicas: must be integer (got "two")']);
    expect(problems(strict, { name: 'x', replica: 2 })).toEqual(['replica: unknown field "replica" (did you mean "replicas"?)']);
    expect(problems(strict, { name: 'x', NAME: 'y' })).toEqual(['NAME: unknown field "NAME" (did you mean "name"?)']);
    // a suggestion up to two edits away, none at three
    expect(problems(strict, { name: 'x', rplicaz: 2 })).toEqual(['rplicaz: unknown field "rplicaz" (did you mean "replicas"?)']);
    expect(problems(strict, { name: 'x', rplcaz: 2 })).toEqual(['rplcaz: unknown field "rplcaz"']);
    expect(problems(strict, { name: 'x', labels: {} })).toEqual(['labels: unknown field "labels"']);
    expect(problems({ additionalProperties: false }, { a: 1 })).toEqual(['a: unknown field "a"']);
    // additional fields allowed by default, or checked against a schema
    expect(problems({ properties: { a: { type: 'string' } } }, { b: 1 })).toEqual([]);
    expect(problems({ additionalProperties: { type: 'string' } }, { a: 'x', b: 1 })).toEqual(['b: must be string (got 1)']);
    // a field named like an Object.prototype member is a field like any other
    expect(problems(strict, { name: 'x', toString: 1 })).toEqual(['toString: unknown field "toString"']);
    expect(problems(strict, { name: '' })).toEqual(['name: must be at least 1 characters long']);
  });

  it('follows $ref into the definitions, to any depth of path, and refuses references it cannot resolve', () => {
    const service: Schema = { properties: { ports: { items: { properties: { port: { $ref: '#/definitions/port' } } } } } };
    expect(problems(service, { ports: [{ port: 80 }, { port: 0 }, { port: 65536 }] })).toEqual(['ports.1.port: must be >= 1 (got 0)', 'ports.2.port: must be <= 65535 (got 65536)']);
    expect(() => evaluator.validate({ $ref: '#/definitions/missing' }, 1)).toThrow('unresolvable schema reference #/definitions/missing');
    expect(() => evaluator.validate({ $ref: 'other.json#/definitions/name' }, 1)).toThrow('unresolvable schema reference other.json#/definitions/name');
    // a reference elsewhere whose tail happens to name a definition, and a name every object inherits
    expect(() => evaluator.validate({ $ref: 'schemas.json#/port' }, 1)).toThrow('unresolvable schema reference schemas.json#/port');
    expect(() => evaluator.validate({ $ref: '#/definitions/toString' }, 1)).toThrow('unresolvable schema reference #/definitions/toString');
  });

  it('allOf reports every branch; not refuses what matches', () => {
    expect(problems({ allOf: [{ minimum: 2 }, { maximum: 1 }] }, 1.5)).toEqual([': must be >= 2 (got 1.5)', ': must be <= 1 (got 1.5)']);
    expect(problems({ not: { type: 'string' } }, 1)).toEqual([]);
    expect(problems({ not: { type: 'string' } }, 'x')).toEqual([': matches a shape that is not allowed here']);
  });

  it('anyOf: any branch will do; oneOf: exactly one; otherwise the closest branch, or one merged type error', () => {
    const intOrString: Schema = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    expect(problems(intOrString, 80)).toEqual([]);
    expect(problems(intOrString, 'http')).toEqual([]);
    expect(problems(intOrString, true)).toEqual([': must be integer or string (got true)']);
    expect(problems({ anyOf: [{ type: 'integer' }, { type: 'integer' }] }, 'x')).toEqual([': must be integer (got "x")']);
    const overlap: Schema = { oneOf: [{ type: 'number' }, { type: 'integer' }] };
    expect(problems(overlap, 1.5)).toEqual([]);
    expect(problems(overlap, 1)).toEqual([': matches 2 of the allowed shapes; it must match exactly one']);
    expect(problems({ anyOf: [{ type: 'number' }, { type: 'integer' }] }, 1)).toEqual([]);
    // the branch with the fewest problems is reported, in full
    const shapes: Schema = {
      anyOf: [
        { type: 'object', required: ['a', 'b', 'c'] },
        { type: 'object', required: ['x'], properties: { y: { type: 'string' } } },
      ],
    };
    expect(problems(shapes, { y: 1 })).toEqual(['x: required field "x" is missing', 'y: must be string (got 1)']);
    expect(problems(shapes, { a: 1, b: 2 })).toEqual(['c: required field "c" is missing']);
    // not merged into one type error when a branch's problem is deeper than the value itself; a tie goes to the first branch
    const nested: Schema = { anyOf: [{ type: 'string' }, { properties: { a: { type: 'string' } } }] };
    expect(problems(nested, { a: 1 })).toEqual([': must be string (got object)']);
    expect(problems({ anyOf: [{ properties: { a: { type: 'string' } } }, { type: 'string' }] }, { a: 1 })).toEqual(['a: must be string (got 1)']);
    // a bound phrased like a type ("must be >= 5 (got 1)") merges too
    expect(problems({ anyOf: [{ type: 'string' }, { type: 'integer', minimum: 5 }] }, 1)).toEqual([': must be string or >= 5 (got 1)']);
    // not a problem of that form: the first of the closest branches
    expect(problems({ anyOf: [{ type: 'string' }, { not: { type: 'integer' } }] }, 1)).toEqual([': must be string (got 1)']);
    expect(problems({ anyOf: [{ not: { type: 'integer' } }, { type: 'string' }] }, 1)).toEqual([': matches a shape that is not allowed here']);
    // merged only when every problem is "must be … (got …)": a length and a pattern problem are not
    expect(problems({ anyOf: [{ type: 'integer' }, { type: 'string', minLength: 5 }] }, 'ab')).toEqual([': must be integer (got "ab")']);
    expect(problems({ anyOf: [{ type: 'string', minLength: 5 }, { type: 'integer' }] }, 'ab')).toEqual([': must be at least 5 characters long']);
    expect(problems({ anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^a$' }] }, 'b')).toEqual([': must be integer (got "b")']);
    // one branch: its own problems
    expect(problems({ oneOf: [{ type: 'integer' }] }, 'x')).toEqual([': must be integer (got "x")']);
    expect(problems({ oneOf: [{ type: 'integer' }] }, 2)).toEqual([]);
    expect(problems({ oneOf: [{ type: 'integer' }, { type: 'string' }] }, 2)).toEqual([]);
    // a lone branch is reported as it is
    expect(problems({ anyOf: [{ type: 'string' }] }, 1)).toEqual([': must be string (got 1)']);
    expect(problems({ anyOf: [{ minimum: 5 }, { type: 'string' }] }, 1)).toEqual([': must be >= 5 or string (got 1)']);
    // two branches with several problems each: the fewest win
    expect(problems({ oneOf: [{ minimum: 5, multipleOf: 2 }, { type: 'string' }] }, 1)).toEqual([': must be string (got 1)']);
  });
});
