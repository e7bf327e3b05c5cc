import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { freshnessIt } from './helpers/set-up';
import { Section } from '../lib/config/common';
import { SiteSchema } from '../lib/config/schema';
import { configurationMarkdown, DOCS_FILE, fieldDocs } from '../scripts/gen-config-docs';

describe('docs/configuration.md', () => {
  freshnessIt('is what `npm run docs` generates from the current schema (run it when this fails)', () => {
    expect(readFileSync(DOCS_FILE, 'utf8')).toBe(configurationMarkdown());
  });

  it('has a section for every top-level field of the schema', () => {
    const text = configurationMarkdown();
    for (const key of Object.keys(SiteSchema.properties)) expect(text).toContain(`### \`${key}\`\n`);
  });

  it('documents nested, list-item and map-value fields with defaults and allowed values', () => {
    const rows = new Map(fieldDocs().map((f) => [f.path, f]));
    expect(rows.get('nodePools[].gpu.mode')).toMatchObject({ type: 'string', required: false, default: 'none', allowed: '`"none"`, `"devicePlugin"`, `"dra"`' });
    expect(rows.get('cost.hoursPerMonth')).toMatchObject({ type: 'integer', default: 730, allowed: '≥ 1; ≤ 744' });
    expect(rows.get('cluster.name')).toMatchObject({ required: true });
    expect(rows.get('nodePools[].taints[].effect')?.allowed).toBe('`"NoSchedule"`, `"PreferNoSchedule"`, `"NoExecute"`');
  });
});

describe('fieldDocs', () => {
  it('walks any schema: objects, optional fields, lists of objects, maps of objects, unions', () => {
    const schema = Type.Object({
      a: Section({ b: Type.Integer({ minimum: 2, default: 3, description: 'B.' }), c: Type.Optional(Type.String()) }, { description: 'A.' }),
      list: Type.Array(Type.Object({ x: Type.Boolean() }), { default: [] }),
      map: Type.Record(Type.String(), Type.Object({ y: Type.Union([Type.Literal('p'), Type.Literal('q')]) })),
    });
    expect(fieldDocs(schema as never)).toEqual([
      { path: 'a', type: 'mapping', required: false, default: {}, allowed: '', description: 'A.' },
      { path: 'a.b', type: 'integer', required: false, default: 3, allowed: '≥ 2', description: 'B.' },
      { path: 'a.c', type: 'string', required: false, allowed: '', description: '' },
      { path: 'list', type: 'list of mapping', required: false, default: [], allowed: '', description: '' },
      { path: 'list[].x', type: 'boolean', required: true, allowed: '', description: '' },
      { path: 'map', type: 'map', required: true, allowed: '', description: '' },
      { path: 'map.<key>.y', type: 'string', required: true, allowed: '`"p"`, `"q"`', description: '' },
    ]);
  });
});
