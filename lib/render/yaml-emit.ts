/**
 * The YAML of lib/render/site-files.ts's toYaml without building a YAML document tree: the `yaml` package's
 * `stringify` first converts every value into Document nodes and then prints them, which was 40% of a
 * site's time in the fleet benchmark. This walks plain JSON data (objects, arrays, strings, finite
 * numbers, booleans, null) and lays out block maps and sequences exactly as yaml 2's stringifier does
 * for those options (its stringifyPair/stringifyBlockCollection rules, without comments, anchors or
 * flow style), while every scalar is still printed by yaml's own code (its string tag and number
 * stringifiers, with the context yaml itself builds for these options), so quoting, block scalars and YAML 1.1
 * resolution stay yaml's.
 *
 * Anything outside that subset (a Date, a Map, a class instance, a bigint, the string `<<` (YAML 1.1's merge key), -0, a top-level
 * scalar, a key over 1,024 characters) makes emitYaml return undefined, and toYaml falls back to
 * yaml's stringify. test/yaml-emit.test.ts checks byte identity with yaml's stringify over every
 * committed site, a generated fleet and a set of hostile strings.
 */
import { Document, Scalar, stringify, type ScalarTag } from 'yaml';
import { stringTag } from 'yaml/util';
import { BoundedMap } from '../core/bounded-map';

/** The options toYaml passes to yaml's stringify. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

const doc = new Document(null, YAML_OPTIONS);

interface StringifyContext {
  readonly flowCollectionPadding: string;
  readonly indentStep: string;
  readonly inFlow: boolean | null;
  readonly options: { readonly trueStr: string; readonly falseStr: string; readonly nullStr: string } & Record<string, unknown>;
}

/**
 * The context yaml's stringify gives a scalar's stringifier under YAML_OPTIONS (its defaults, then the
 * schema's, then ours), taken from yaml itself rather than copied: a document holding one value of a
 * custom tag is printed, and that tag's stringifier keeps the context it is handed.
 */
function yamlContext(): StringifyContext {
  let captured: StringifyContext | undefined;
  const capture = {
    tag: 'tag:eks-hybrid-charts,2026:context',
    stringify: (_item: unknown, ctx: StringifyContext) => {
      captured = ctx;
      // what the marker prints is thrown away
      return 'x';
    },
  } as unknown as ScalarTag; // only printed, never parsed or chosen for a value: no resolve, no identify
  // a scalar carrying the tag explicitly, so yaml picks the tag by name
  const marker = new Scalar(null);
  marker.tag = capture.tag;
  new Document(marker, { ...YAML_OPTIONS, customTags: [capture] }).toString(YAML_OPTIONS);
  return captured ?? contextMissing();
}

/** A guard for a future yaml release; yaml 2.9 always prints the marker. */
// Stryker disable next-line BlockStatement: equivalent, never called with this yaml release (always prints the marker)
function contextMissing(): never {
  // Stryker disable next-line StringLiteral: equivalent, never thrown with this yaml release
  throw new Error('yaml did not print the context marker: lib/render/yaml-emit.ts needs updating for this yaml release');
}

const context = yamlContext();
const options = context.options;
/** The fields of yaml's context a string's stringifier reads, with `doc` the plain YAML 1.1 document (no custom tag). */
const baseContext = { anchors: new Set<string>(), doc, flowCollectionPadding: context.flowCollectionPadding, indentStep: context.indentStep, inFlow: context.inFlow, options };
const INDENT_STEP = context.indentStep;

type StringStringifier = (item: { value: string }, ctx: object) => string;
const stringifyTaggedString = stringTag.stringify as unknown as StringStringifier;

/** Thrown inside the walk when a value is outside the plain-JSON subset; emitYaml returns undefined. */
class Unsupported extends Error {}

/**
 * Keys, values and numbers printed on one line, whose text depends only on the value: most names,
 * labels and image references repeat across objects and sites. Only such texts are ever stored, so a
 * hit needs no further test.
 */
const MEMO_LIMIT = 50_000;
const keyMemo = new BoundedMap<string, string>(MEMO_LIMIT);
const valueMemo = new BoundedMap<string, string>(MEMO_LIMIT);
const numberMemo = new BoundedMap<number, string>(MEMO_LIMIT);

/** yaml moves these to a block scalar or quotes them differently depending on the indentation. */
const DOCUMENT_MARKER = /^(?:%|---|\.\.\.)/m;

/**
 * Strings yaml prints plain, as they are, unless the schema would read them as another type: no
 * indicator first, no space, no comment or flow character, no `:` at the end (yaml's plainString rules
 * all pass), no `...` document marker, no control character.
 */
const SIMPLE_STRING = /^[A-Za-z0-9_./][A-Za-z0-9_./=+@:-]*$/;

/**
 * The tests of the schema's tags that would read a plain string as another type (null, bool, int, float,
 * timestamp, merge): yaml's plainString quotes a string one of them matches. The document is YAML 1.1
 * without a compat schema, so these are all it asks; the string tag has no test.
 */
const OTHER_TYPE_TESTS = (doc.schema.tags as { test?: RegExp }[]).flatMap((t) => (t.test ? [t.test] : []));

/**
 * Whether a string is printed as it is without asking yaml: the shortcut for names, paths and image
 * references. It must only claim strings yaml prints plain; a string it does not claim goes to yaml.
 */
export function printedAsIs(value: string): boolean {
  return SIMPLE_STRING.test(value) && !value.endsWith(':') && !value.startsWith('...') && !OTHER_TYPE_TESTS.some((test) => test.test(value));
}

function stringText(value: string, indent: string, implicitKey: boolean): string {
  const memo = implicitKey ? keyMemo : valueMemo;
  return memo.get(value) ?? printString(value, indent, implicitKey, memo);
}

function printString(value: string, indent: string, implicitKey: boolean, memo: BoundedMap<string, string>): string {
  // YAML 1.1's merge key: yaml resolves the string itself differently
  if (value === '<<') throw new Unsupported();
  const text = printedAsIs(value) ? value : stringifyTaggedString({ value }, { ...baseContext, indent, implicitKey });
  if (!value.includes('\n') && !DOCUMENT_MARKER.test(value)) memo.set(value, text);
  return text;
}

/** Whether a value's text is kept for the next time (only texts that do not depend on the indentation are). */
export function memoized(value: string): boolean {
  return valueMemo.get(value) !== undefined;
}

function numberText(value: number): string {
  return numberMemo.get(value) ?? printNumber(value);
}

function printNumber(value: number): string {
  // yaml's number tags ignore the context: the root-level text is the text everywhere
  const text = stringify(value, YAML_OPTIONS).slice(0, -1);
  numberMemo.set(value, text);
  return text;
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
};

/** A scalar as yaml prints it, or undefined when the value is a collection. */
function scalarText(value: unknown, indent: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringText(value, indent, false);
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) throw new Unsupported();
      return numberText(value);
    case 'boolean':
      return value ? options.trueStr : options.falseStr;
    case 'object':
      if (value === null) return options.nullStr;
      if (Array.isArray(value) || isPlainObject(value)) return undefined;
      throw new Unsupported();
    default:
      throw new Unsupported();
  }
}

/** A block map or sequence at `indent` (yaml's stringifyBlockCollection), `{}` / `[]` when empty. */
function collectionText(value: object, indent: string): string {
  let text = '';
  if (Array.isArray(value)) {
    const itemIndent = indent + INDENT_STEP;
    for (let i = 0; i < value.length; i++) {
      // an undefined item (yaml prints null, JSON.stringify null) is outside plain JSON: scalarText throws
      const item: unknown = value[i];
      const itemText = scalarText(item, itemIndent) ?? collectionText(item as object, itemIndent);
      text += i === 0 ? `- ${itemText}` : `\n${indent}- ${itemText}`;
    }
    return text === '' ? '[]' : text;
  }
  const valueIndent = indent + INDENT_STEP;
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const keyText = stringText(key, valueIndent, true);
    if (keyText.length > 1024) throw new Unsupported();
    let pair: string;
    const scalar = scalarText(item, valueIndent);
    if (scalar !== undefined) {
      // never empty nor starting with a line break: yaml quotes '' and starts block scalars with | or >
      pair = `${keyText}: ${scalar}`;
    } else {
      const nested = collectionText(item as object, valueIndent);
      // an empty collection stays on the key's line as {} or []
      pair = nested === '{}' || nested === '[]' ? `${keyText}: ${nested}` : `${keyText}:\n${valueIndent}${nested}`;
    }
    text += text === '' ? pair : `\n${indent}${pair}`;
  }
  return text === '' ? '{}' : text;
}

/** The YAML document yaml's `stringify(value, YAML_OPTIONS)` prints, or undefined outside plain JSON maps and sequences. */
export function emitYaml(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !(Array.isArray(value) || isPlainObject(value))) return undefined;
  try {
    return `${collectionText(value, '')}\n`;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
