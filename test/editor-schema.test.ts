// The JSON Schemas editors use (docs/site.schema.json, docs/site-overlay.schema.json): fresh, named by
// every site file, and agreeing with the loader on what a file may say.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { freshnessIt } from './helpers/set-up';
import { editorSchemaFiles, EDITOR_SCHEMA_FILE, OVERLAY_SCHEMA_FILE } from '../scripts/gen-editor-schema';

const files = editorSchemaFiles();
// errorMessage is for editors; ajv only needs to know it is not a typo
const ajv = addFormats(new Ajv({ allErrors: true, strict: true, keywords: ['errorMessage'] }));
const validators = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, ajv.compile(JSON.parse(text))]));

function errorsOf(schemaFile: string, doc: unknown): string[] {
  const validate = validators[schemaFile];
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const example = parse(readFileSync('sites/example.yaml', 'utf8')) as Record<string, any>;

describe('editor schemas', () => {
  freshnessIt.each(Object.keys(files))('%s is what `npm run docs` generates (run it when this fails)', (path) => {
    expect(readFileSync(path, 'utf8')).toBe(files[path]);
  });

  const siteFiles = readdirSync('sites', { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.yaml')).sort();

  it.each(siteFiles)('sites/%s names its schema on the first line and is valid against it', (name) => {
    const text = readFileSync(join('sites', name), 'utf8');
    const first = text.split('\n')[0];
    const doc = parse(text) as Record<string, unknown>;
    // a file that extends others, or a base others extend, is a part of a site
    const partial = 'extends' in doc || name.startsWith('base/');
    const expected = partial ? OVERLAY_SCHEMA_FILE : EDITOR_SCHEMA_FILE;
    const up = '../'.repeat(name.split('/').length);
    expect(first).toBe(`# yaml-language-server: $schema=${up}${expected}`);
    expect(errorsOf(expected, doc)).toEqual([]);
  });

  it('requires only fields without a default: a minimal site needs name, version, cluster, networks, registry and pools', () => {
    const minimal = { name: 'lab', kubernetesVersion: '1.34', cluster: example.cluster, networks: example.networks, registry: { hostname: 'harbor.lab.example', ip: '10.9.0.10' }, nodePools: [] };
    const missing = errorsOf(EDITOR_SCHEMA_FILE, {});
    expect(missing).toContain(" must have required property 'name'");
    expect(missing).not.toContain(" must have required property 'dns'");
    expect(errorsOf(EDITOR_SCHEMA_FILE, minimal).filter((e) => e.includes('required'))).toEqual([]);
  });

  it('rejects unknown keys and values outside the allowed set, like the loader', () => {
    expect(errorsOf(EDITOR_SCHEMA_FILE, { ...example, nodePool: [] })).toContain(' must NOT have additional properties');
    const badMode = { ...example, nodePools: [{ ...example.nodePools[0], gpu: { ...example.nodePools[0].gpu, mode: 'mig' } }] };
    expect(errorsOf(EDITOR_SCHEMA_FILE, badMode).some((e) => e.startsWith('/nodePools/0/gpu/mode'))).toBe(true);
    expect(errorsOf(EDITOR_SCHEMA_FILE, { ...example, extends: 'base.yaml' })).toContain(' must NOT have additional properties');
  });

  it('overlay schema (overlays and bases): every mapping field optional, null removes, list items stay complete', () => {
    expect(errorsOf(OVERLAY_SCHEMA_FILE, { extends: 'example.yaml', cluster: { region: 'eu-west-1' }, storage: { nfs: null } })).toEqual([]);
    expect(errorsOf(OVERLAY_SCHEMA_FILE, { nodeadm: { maxPods: 'many' } })).toContain('/nodeadm/maxPods must be integer');
    expect(errorsOf(OVERLAY_SCHEMA_FILE, { extends: 'example.yaml', nodePools: [{ count: 2 }] })).toContain("/nodePools/0 must have required property 'name'");
  });

  it('carries the loader’s messages for editors', () => {
    expect(files[EDITOR_SCHEMA_FILE]).toContain('"errorMessage": "must be a DNS-1123 label');
    expect(files[EDITOR_SCHEMA_FILE]).not.toContain('x-error');
  });
});
