/**
 * The YAML of lib/render/site-files.ts's toYaml without building a YAML document tree: the `yaml` package's
 * `stringify` first converts every value into Document nodes and then prints them, which was 40% of a
 * site's time in the fleet benchmark. This walks plain JSON data (objects, arrays, strings, finite
 * numbers, booleans, null) and lays out block maps and sequences exactly as yaml 2's stringifier does
 * for those options (its stringifyPair/stringifyBlockCollection rules, without comments, anchors or
 * flow style), while every scalar is still printed by yaml's own code (its string tag and number
 * stringifiers, with a context built from the same defaults), so quoting, block scalars and YAML 1.1
 * resolution stay yaml's.
 *
 * Anything outside that subset (a Date, a Map, a class instance, a bigint, the string `<<` (YAML 1.1's merge key), -0, a top-level
 * scalar, a key over 1,024 characters) makes emitYaml return undefined, and toYaml falls back to
 * yaml's stringify. test/yaml-emit.test.ts checks byte identity with yaml's stringify over every
 * committed site, a generated fleet and a set of hostile strings.
 */
import { Document, stringify, type ToStringOptions } from 'yaml';
import { stringTag } from 'yaml/util';
import { BoundedMap } from '../core/bounded-map';

/** The options toYaml passes to yaml's stringify. */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

const doc = new Document(null, YAML_OPTIONS);

/** yaml's createStringifyContext for YAML_OPTIONS: its defaults, then the schema's, then ours. */
const YAML_DEFAULTS = {
  blockQuote: true,
  defaultKeyType: null,
  defaultStringType: 'PLAIN',
  directives: null,
  doubleQuotedAsJSON: false,
  doubleQuotedMinMultiLineLength: 40,
  falseStr: 'false',
  flowCollectionPadding: true,
  indentSeq: true,
  lineWidth: 80,
  minContentWidth: 20,
  nullStr: 'null',
  simpleKeys: false,
  singleQuote: null,
  trailingComma: false,
  trueStr: 'true',
  verifyAliasOrder: true,
};
const options = {
  ...YAML_DEFAULTS,
  ...(doc.schema as unknown as { toStringOptions: ToStringOptions | null }).toStringOptions,
  ...YAML_OPTIONS,
};
const baseContext = { anchors: new Set<string>(), doc, flowCollectionPadding: ' ', indentStep: '  ', inFlow: null, options };
const INDENT_STEP = '  ';

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

/** yaml's test in plainString as one expression: the schema's tags (null, bool, int, float, timestamp, merge) that would claim the string. */
const otherTypeTags = (doc.schema.tags as { default?: boolean; tag: string; test?: RegExp }[]).filter((t) => t.default && t.tag !== stringTag.tag && t.test);
const OTHER_TYPE = (doc.schema as { compat?: unknown }).compat == null && otherTypeTags.every((t) => t.test?.flags === '') ? new RegExp(otherTypeTags.map((t) => `(?:${t.test?.source})`).join('|')) : undefined;

function stringText(value: string, indent: string, implicitKey: boolean): string {
  const memo = implicitKey ? keyMemo : valueMemo;
  const known = memo.get(value);
  if (known !== undefined) return known;
  // YAML 1.1's merge key: yaml resolves the string itself differently
  if (value === '<<') throw new Unsupported();
  const plain = OTHER_TYPE !== undefined && SIMPLE_STRING.test(value) && !value.endsWith(':') && !value.startsWith('...') && !OTHER_TYPE.test(value);
  const text = plain ? value : stringifyTaggedString({ value }, { ...baseContext, indent, implicitKey });
  if (!value.includes('\n') && !DOCUMENT_MARKER.test(value)) memo.set(value, text);
  return text;
}

function numberText(value: number): string {
  let text = numberMemo.get(value);
  if (text === undefined) {
    // yaml's number tags ignore the context: the root-level text is the text everywhere
    text = stringify(value, YAML_OPTIONS).slice(0, -1);
    numberMemo.set(value, text);
  }
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
      const item: unknown = value[i];
      if (item === undefined) throw new Unsupported();
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
      pair = scalar === '' || scalar[0] === '\n' ? `${keyText}:${scalar}` : `${keyText}: ${scalar}`;
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
