// test/mutation/ignore-config-docs.mjs: the StrykerJS ignorer that leaves the config schema's description
// texts unmutated. It must take exactly those: a description elsewhere (an alert's annotation in a chart)
// reaches the output and stays mutated, and so does every other property of the schema.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types (StrykerJS loads it as a plugin)
import { REASON, configDocsIgnorer, strykerPlugins } from './mutation/ignore-config-docs.mjs';

const property = (filename: string, key: Record<string, unknown>, computed = false) => ({
  hub: { file: { opts: { filename } } },
  node: { type: 'ObjectProperty', computed, key },
});
const ignored = (path: unknown): string | undefined => configDocsIgnorer.shouldIgnore(path);

describe('the config-docs ignorer', () => {
  it('ignores `description` properties in lib/config/*.ts, named or quoted, with its reason', () => {
    expect(ignored(property('/w/lib/config/gpu.ts', { type: 'Identifier', name: 'description' }))).toBe(REASON);
    expect(ignored(property('lib/config/registry.ts', { type: 'StringLiteral', value: 'description' }))).toBe(REASON);
    expect(REASON).toMatch(/^documentation text/); // what scripts/mutation.ts counts apart
  });

  it('mutates everything else: other keys, computed keys, other node types, other folders', () => {
    expect(ignored(property('/w/lib/config/gpu.ts', { type: 'Identifier', name: 'maximum' }))).toBeUndefined();
    expect(ignored(property('/w/lib/config/gpu.ts', { type: 'Identifier', name: 'description' }, true))).toBeUndefined();
    expect(ignored({ ...property('/w/lib/config/gpu.ts', { type: 'Identifier', name: 'description' }), node: { type: 'StringLiteral', value: 'description' } })).toBeUndefined();
    for (const file of ['/w/charts/prometheus.ts', '/w/lib/site/semantic.ts', '/w/lib/config-old/gpu.ts', '/w/lib/config/sub/x.ts', '']) {
      expect(ignored(property(file, { type: 'Identifier', name: 'description' })), file).toBeUndefined();
    }
    expect(ignored({ node: { type: 'ObjectProperty', computed: false, key: { type: 'Identifier', name: 'description' } } })).toBeUndefined();
  });

  it('is declared as the Ignore plugin stryker.config.json names', async () => {
    const config = JSON.parse((await import('node:fs')).readFileSync('stryker.config.json', 'utf8'));
    expect(strykerPlugins).toEqual([{ kind: 'Ignore', name: 'config-docs', value: configDocsIgnorer }]);
    expect(config.ignorers).toEqual(['config-docs']);
    expect(config.plugins).toContain('./test/mutation/ignore-config-docs.mjs');
  });
});
