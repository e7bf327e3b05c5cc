/**
 * Precompiled CLI for `npm run synth:fast`: main.ts and its dependencies bundled by esbuild into one
 * CommonJS file, so a run skips tsx's on-the-fly TypeScript and most module resolution.
 *
 * The bundle sits two levels below the repository root (build/bundle/main.js) on purpose: code that
 * finds data relative to its own file (lib/validator/schema.ts reads `<__dirname>/../../imports/schemas`)
 * sees the same relative layout as from lib/validator/, so the bundle reads the repository's files.
 */
import { buildSync } from 'esbuild';
import { join } from 'node:path';

export const BUNDLE = join(__dirname, '..', 'build', 'bundle', 'main.js');

export function buildBundle(): void {
  buildSync({
    entryPoints: [join(__dirname, '..', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: BUNDLE,
    logLevel: 'warning',
  });
}

if (require.main === module) {
  buildBundle();
  console.log(`wrote ${BUNDLE}`);
}
