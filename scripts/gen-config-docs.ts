/**
 * Generates docs/configuration.md from the site config's JSON Schema (lib/config/schema.ts): every
 * field with its path, type, whether it is required, its default, allowed values and constraints, and
 * its description. Generic over the schema: a field added to any section appears without touching this.
 * It also writes the editor schemas of scripts/gen-editor-schema.ts.
 *
 *   npm run docs            # rewrite docs/configuration.md
 *   npm run docs -- --check # exit 1 when the committed file is stale (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SiteSchema } from '../lib/config/schema';
import { isRecord } from '../lib/core/json';
import { editorSchemaFiles } from './gen-editor-schema';

export const DOCS_FILE = join(__dirname, '..', 'docs', 'configuration.md');

type Schema = Record<string, unknown> & {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
};

export interface FieldDoc {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly allowed: string;
  readonly description: string;
}

function literalValues(schema: Schema): unknown[] | undefined {
  if (schema.enum) return schema.enum;
  if (schema.anyOf && schema.anyOf.every((s) => 'const' in s)) return schema.anyOf.map((s) => s.const);
  return undefined;
}

function typeName(schema: Schema): string {
  const literals = literalValues(schema);
  if (literals) return [...new Set(literals.map((v) => typeof v))].join(' or ');
  if (schema.anyOf) return schema.anyOf.map(typeName).join(' or ');
  if (schema.type === 'array') return `list of ${schema.items ? typeName(schema.items) : 'any'}`;
  if (schema.type === 'object') return schema.patternProperties ? 'map' : 'mapping';
  return schema.type ?? 'any';
}

/** Allowed values and constraints in words, from the keywords the schema uses. */
function constraints(schema: Schema): string {
  const literals = literalValues(schema);
  if (literals) return literals.map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  const parts: string[] = [];
  const s = schema as Record<string, unknown>;
  if (s.format) parts.push(`format ${s.format}`);
  if (s.pattern) parts.push(`pattern \`${s.pattern}\``);
  if (isRecord(s.not) && s.not.pattern) parts.push(`not matching \`${s.not.pattern}\``);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`at least ${s.minLength} character(s)`);
  if (s.maxLength !== undefined) parts.push(`at most ${s.maxLength} characters`);
  if (s.minItems !== undefined) parts.push(`at least ${s.minItems} item(s)`);
  if (s.maxItems !== undefined) parts.push(`at most ${s.maxItems} item(s)`);
  if (schema.patternProperties) {
    const [keyPattern, value] = Object.entries(schema.patternProperties)[0];
    if (keyPattern !== '^(.*)$') parts.push(`keys match \`${keyPattern}\``);
    const valueConstraints = constraints(value);
    if (valueConstraints) parts.push(`values: ${valueConstraints}`);
  }
  if (schema.anyOf) parts.push(...schema.anyOf.map(constraints).filter(Boolean));
  if (schema.type === 'array' && schema.items && schema.items.type !== 'object') {
    const itemConstraints = constraints(schema.items);
    if (itemConstraints) parts.push(`items: ${itemConstraints}`);
  }
  return parts.join('; ');
}

/** Every field of the schema, depth first, in declaration order. */
export function fieldDocs(schema: Schema = SiteSchema as unknown as Schema): FieldDoc[] {
  const out: FieldDoc[] = [];
  const walk = (node: Schema, path: string, required: boolean) => {
    if (path !== '') {
      out.push({
        path,
        type: typeName(node),
        required: required && node.default === undefined,
        ...(node.default === undefined ? {} : { default: node.default }),
        allowed: constraints(node),
        description: node.description ?? '',
      });
    }
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key, (node.required ?? []).includes(key));
    } else if (node.type === 'object' && node.patternProperties) {
      const value = Object.values(node.patternProperties)[0];
      if (value.type === 'object') walk(value, `${path}.<key>`, true);
    } else if (node.type === 'array' && node.items && node.items.type === 'object') {
      walk(node.items, `${path}[]`, true);
    }
  };
  walk(schema, '', true);
  // list items are documented through their fields; the item row itself says nothing new
  return out.filter((f) => !f.path.endsWith('[]') && !f.path.endsWith('.<key>'));
}

/** Table-safe text: pipes escaped, and `<…>` outside code spans kept from turning into HTML tags. */
function escapeCell(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

function defaultCell(value: unknown): string {
  if (value === undefined) return '';
  if (isRecord(value) && Object.keys(value).length === 0) return '`{}`';
  return `\`${JSON.stringify(value)}\``;
}

/** The whole of docs/configuration.md. */
export function configurationMarkdown(): string {
  const fields = fieldDocs();
  const sections = [...new Set(fields.map((f) => f.path.split(/[.[]/)[0]))];
  return [
    '# Site configuration reference',
    '',
    '<!-- Generated by `npm run docs` from lib/config/schema.ts; do not edit by hand (a test fails when this file is stale). -->',
    '',
    'A site is one YAML file in `sites/` (see `sites/example.yaml`). Unknown keys are errors; every field with a default may be left out.',
    'Bad values stop `synth` with one line per problem: `<file>: <field.path>: <what is wrong> (got <value>)`, exit code 2.',
    '',
    '## Overlays (`extends`)',
    '',
    'A site file may start from other files: `extends: base.yaml` or `extends: [base.yaml, region.yaml]`, relative to the file that says it.',
    '',
    '- Files apply in order: the bases depth-first (each after its own bases, in the order listed), then the file itself; a file reached twice applies once, at its first place.',
    '- Mappings merge key by key; lists and scalars replace (restate a whole list to change one item); `null` removes a key.',
    '- A problem names the file that set the offending value. Cycles are errors. `extends` never reaches the rendered config.',
    '- Other file paths in the config (such as `registry.caFile`) are relative to the file that sets them, like `extends`: a base can ship its CA beside it.',
    '- `manifest.json` records the sha256 of all the files, in order.',
    '',
    '## Fields',
    '',
    'Paths use `[]` for list items and `<key>` for map keys. "Required" means no default exists and the field must be given.',
    '',
    ...sections.flatMap((section) => [
      `### \`${section}\``,
      '',
      '| Field | Type | Required | Default | Allowed values / constraints | Description |',
      '| --- | --- | --- | --- | --- | --- |',
      ...fields
        .filter((f) => f.path === section || f.path.startsWith(`${section}.`) || f.path.startsWith(`${section}[`))
        .map((f) => `| \`${f.path}\` | ${f.type} | ${f.required ? 'yes' : ''} | ${escapeCell(defaultCell(f.default))} | ${escapeCell(f.allowed)} | ${escapeCell(f.description)} |`),
      '',
    ]),
  ].join('\n');
}

if (require.main === module) {
  const files: Record<string, string> = { [DOCS_FILE]: configurationMarkdown() };
  for (const [path, text] of Object.entries(editorSchemaFiles())) files[join(__dirname, '..', path)] = text;
  if (process.argv.includes('--check')) {
    for (const [path, text] of Object.entries(files)) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== text) {
        console.error(`${relative(process.cwd(), path)} is stale: run \`npm run docs\``);
        process.exitCode = 1;
      }
    }
  } else {
    for (const [path, text] of Object.entries(files)) {
      writeFileSync(path, text);
      console.log(`wrote ${relative(process.cwd(), path)}`);
    }
  }
}
