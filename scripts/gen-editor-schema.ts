/**
 * JSON Schemas for editors (yaml-language-server, VS Code, IntelliJ), generated from the site config
 * schema of lib/config/schema.ts by `npm run docs` (with docs/configuration.md):
 *
 * - docs/site.schema.json: a complete site file. A field is required only when it has no default
 *   (the loader fills defaults in), so an editor does not ask for what may be left out.
 * - docs/site-overlay.schema.json: a file that `extends` others, or a base that others extend. Mappings
 *   merge key by key, so no mapping field is required there and `null` (which removes a key) is allowed;
 *   lists replace whole lists, so a list item is checked like a complete one.
 *
 * The loader's own error text (`x-error`) becomes `errorMessage`, the keyword editors show.
 */
import { SiteSchema } from '../lib/config/schema';
import { ERROR_KEYWORD } from '../lib/config/common';
import { isRecord } from '../lib/core/json';

type Json = Record<string, unknown>;

export const EDITOR_SCHEMA_FILE = 'docs/site.schema.json';
export const OVERLAY_SCHEMA_FILE = 'docs/site-overlay.schema.json';


/** `schema` with required narrowed to fields without a default, x-error renamed; `partial` as described above. */
function editorView(schema: unknown, partial: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => editorView(s, partial));
  if (!isRecord(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === ERROR_KEYWORD) out.errorMessage = value;
    else if (key === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, field]) => [name, partial ? nullable(editorView(field, true)) : editorView(field, false)]),
      );
    } else if (key === 'items') out.items = editorView(value, false);
    else if (key === 'required' && Array.isArray(value)) {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = partial ? [] : value.filter((name) => !(isRecord(properties[name]) && 'default' in properties[name]));
      if (required.length > 0) out.required = required;
    } else out[key] = editorView(value, partial);
  }
  return out;
}

function nullable(schema: unknown): unknown {
  return { anyOf: [schema, { type: 'null', description: 'Removes the value the extended file set.' }] };
}

function withHeader(schema: Json, id: string, title: string): Json {
  const { $id: _id, title: _title, ...rest } = schema;
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: id, title, ...rest };
}

/** The schema of a complete site file (one that extends nothing: the overlay schema covers the others). */
export function siteEditorSchema(): Json {
  const view = editorView(SiteSchema, false) as Json;
  const { extends: _extends, ...properties } = view.properties as Json;
  return withHeader({ ...view, properties }, 'https://eks-hybrid-charts.local/site.schema.json', 'eks-hybrid-charts site file');
}

/** The schema of a part of a site: a file that `extends` others, or a base file. */
export function overlayEditorSchema(): Json {
  const view = editorView(SiteSchema, true) as Json;
  const { required: _required, ...partial } = view;
  return withHeader(
    { ...partial, properties: { ...(view.properties as Json), extends: editorView(SiteSchema.properties.extends, false) } },
    'https://eks-hybrid-charts.local/site-overlay.schema.json',
    'eks-hybrid-charts site overlay or base file (part of a site)',
  );
}

/** The files' contents, as written. */
export function editorSchemaFiles(): Record<string, string> {
  return {
    [EDITOR_SCHEMA_FILE]: `${JSON.stringify(siteEditorSchema(), null, 2)}\n`,
    [OVERLAY_SCHEMA_FILE]: `${JSON.stringify(overlayEditorSchema(), null, 2)}\n`,
  };
}
