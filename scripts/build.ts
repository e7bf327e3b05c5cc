/**
 * Precompiled CLI that every `npm run <command>` runs (scripts/run-bundle.cjs): main.ts and its dependencies bundled by esbuild into one
 * CommonJS file, so a run skips tsx's on-the-fly TypeScript and most module resolution.
 *
 * The bundle sits two levels below the repository root (build/bundle/main.js) on purpose: code that
 * finds data relative to its own file (lib/validator/schema.ts reads `<__dirname>/../../imports/schemas`)
 * sees the same relative layout as from lib/validator/, so the bundle reads the repository's files.
 *
 * Beside it, inputs.json lists the files the bundle was built from (esbuild's list of our sources,
 * plus the files that configure the build and record the installed dependencies):
 * scripts/run-bundle.cjs rebuilds when one of them changed since the build started, so a command
 * never runs code older than the working tree.
 */
import { buildSync } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
export const BUNDLE = join(ROOT, 'build', 'bundle', 'main.js');
export const BUNDLE_INPUTS = join(ROOT, 'build', 'bundle', 'inputs.json');

/**
 * Files that change the bundle without being our sources: the build's configuration, and npm's record
 * of the installed tree (rewritten by every install that changes node_modules), which stands for the
 * ~500 dependency files so the freshness check stats ~80 files, not ~550.
 */
const BUILD_CONFIG = ['scripts/build.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];

/**
 * cdk8s ships its own copy of `yaml` (a bundled dependency) that our code never reaches (we take
 * chart.toJson(), not cdk8s's YAML output); when it is the same release as ours, every `yaml` import
 * resolves to ours, so the bundle holds and initialises one copy instead of two (~260 KB less to load
 * on every start).
 */
function oneYamlCopy(): Record<string, string> {
  const version = (dir: string): string | undefined => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return undefined; // no nested copy (a future cdk8s may not bundle one): nothing to alias
    }
  };
  const ours = version('node_modules/yaml');
  return ours !== undefined && ours === version('node_modules/cdk8s/node_modules/yaml') ? { yaml: './node_modules/yaml' } : {};
}

export function buildBundle(): void {
  // inputs edited while esbuild runs must count as newer than the bundle: compare with the start
  const startedMs = Date.now();
  const result = buildSync({
    entryPoints: [join(ROOT, 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: BUNDLE,
    write: false,
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: ROOT,
    alias: oneYamlCopy(),
  });
  // Commands run in parallel (tests, a shell loop) may rebuild at the same time: each file is written
  // under a temporary name and renamed, so no run reads half a bundle. The bundle goes first, then the
  // list that declares it fresh; V8 code caches of older builds (scripts/run-bundle.cjs) are removed.
  mkdirSync(dirname(BUNDLE), { recursive: true });
  writeAtomically(BUNDLE, asciiOnly(result.outputFiles[0].text));
  // esbuild names inputs relative to absWorkingDir: a moved checkout still finds them
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
  const inputs = [...BUILD_CONFIG, ...sources];
  writeAtomically(BUNDLE_INPUTS, `${JSON.stringify({ startedMs, inputs: [...new Set(inputs)].sort() }, null, 1)}\n`);
  for (const name of readdirSync(dirname(BUNDLE))) {
    if (name.endsWith('.cache') && !name.startsWith(`main.js.${startedMs}-`)) rmSync(join(dirname(BUNDLE), name), { force: true });
  }
}

/**
 * The bundle in ASCII, so scripts/run-bundle.cjs reads it as Latin-1 (a third of the time of UTF-8
 * decoding, and a one-byte string for V8, half the memory). esbuild already escapes every non-ASCII
 * character of strings, identifiers and regular expressions; what is left is in comments kept from
 * dependencies, where a `\u` escape is as good. Throws if anything non-ASCII survives.
 */
function asciiOnly(code: string): string {
  const ascii = code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!/^[\x00-\x7f]*$/.test(ascii)) throw new Error('the bundle is not ASCII after escaping');
  return ascii;
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

if (require.main === module) {
  buildBundle();
  console.log(`wrote ${relative(process.cwd(), BUNDLE)}`);
}
