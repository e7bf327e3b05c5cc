import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshnessIt } from './helpers/set-up';
import { compileSiteSchema, readSiteSource, siteSchemaSha256 } from '../lib/config/load';
import { SiteConfigError } from '../lib/config/problems';
import precompiled from '../lib/config/site-validator.generated';
import { SITE_VALIDATOR_DTS, SITE_VALIDATOR_JS, siteValidatorFiles } from '../scripts/compile-site-validator';

const STALE = 'is stale: run `npm run schema:compile` and commit lib/config/site-validator.generated.*';

/** Every site document the repository has: the good sites and the broken corpus (minus files that do not parse). */
function documents(): { readonly file: string; readonly document: unknown }[] {
  const files = [
    ...readdirSync('sites').filter((n) => n.endsWith('.yaml')).map((n) => join('sites', n)),
    ...readdirSync('test/fixtures/bad-sites').filter((n) => n.endsWith('.yaml')).map((n) => join('test/fixtures/bad-sites', n)),
  ];
  return files.flatMap((file) => {
    try {
      return [{ file, document: readSiteSource(file).document }];
    } catch (err) {
      if (err instanceof SiteConfigError) return [];
      throw err;
    }
  });
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

describe('precompiled site config validator', () => {
  freshnessIt('is what scripts/compile-site-validator.ts generates from the current schema and ajv', () => {
    const expected = siteValidatorFiles();
    expect(readFileSync(SITE_VALIDATOR_JS, 'utf8') === expected.js, `lib/config/site-validator.generated.js ${STALE}`).toBe(true);
    expect(readFileSync(SITE_VALIDATOR_DTS, 'utf8'), `lib/config/site-validator.generated.d.ts ${STALE}`).toBe(expected.dts);
    expect(precompiled.schemaSha256).toBe(siteSchemaSha256());
  });

  it('fills in the same defaults and reports the same errors as ajv compiling the schema at run time', () => {
    const runtime = compileSiteSchema().validate;
    const docs = documents();
    // the broken corpus must reach the schema, or this compares nothing but successes
    expect(docs.filter((d) => d.file.startsWith('test/')).length).toBeGreaterThanOrEqual(20);
    let failures = 0;
    for (const { file, document } of docs) {
      const a = structuredClone(document);
      const b = structuredClone(document);
      const ok = precompiled(a);
      expect(ok, file).toBe(runtime(b));
      expect(a, file).toEqual(b);
      // verbose errors: parentSchema carries the x-error messages and the known keys. Through JSON
      // because the runtime schema objects also carry TypeBox's symbol keys, which nothing reads.
      expect(plain(precompiled.errors), file).toEqual(plain(runtime.errors));
      if (!ok) failures++;
    }
    expect(failures).toBeGreaterThanOrEqual(10);
  });

  it('keeps parentSchema in its errors, which the x-error messages come from', () => {
    const data = { ...(structuredClone(readSiteSource('sites/example.yaml').document) as object), name: 'Not_A_Label' };
    expect(precompiled(data)).toBe(false);
    const error = precompiled.errors?.find((e) => e.instancePath === '/name');
    expect((error?.parentSchema as Record<string, unknown> | undefined)?.['x-error']).toMatch(/^must be a DNS-1123 label/);
  });
});

describe('a stale precompiled validator', () => {
  afterEach(() => {
    vi.doUnmock('../lib/config/site-validator.generated');
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('is not used: the loader compiles the schema instead and says so once', async () => {
    vi.resetModules();
    const wrong = Object.assign(() => true, { schemaSha256: 'not the schema', errors: null });
    vi.doMock('../lib/config/site-validator.generated', () => ({ default: wrong }));
    const notes = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { readSiteSource: read } = await import('../lib/config/load.js');
    const { validateSiteDocument } = await import('../lib/site/checks.js');
    const document = { ...(read('sites/example.yaml').document as object), name: 'Not_A_Label' };
    expect(() => validateSiteDocument('bad.yaml', document)).toThrow(/name: must be a DNS-1123 label/);
    expect(validateSiteDocument('good.yaml', read('sites/example.yaml').document).name).toBe('example');
    expect(notes).toHaveBeenCalledTimes(1);
    expect(String(notes.mock.calls[0][0])).toMatch(/site-validator\.generated\.js is older than the site config schema.*npm run schema:compile/);
  });
});
