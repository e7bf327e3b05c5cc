/**
 * Precompiled CLI that every `npm run <command>` runs (scripts/run-bundle.cjs): main.ts and its dependencies bundled by esbuild into one
 * CommonJS file, so a run skips tsx's on-the-fly TypeScript and most module resolution.
 *
 * The bundle sits two levels below the repository root (build/bundle/main.js) on purpose: code that
 * finds data relative to its own file (lib/validate/schema.ts reads `<__dirname>/../../imports/schemas`)
 * sees the same relative layout as from lib/validate/, so the bundle reads the repository's files.
 *
 * Beside it, inputs.json lists the files the bundle was built from (esbuild's list of our sources,
 * plus the files that configure the build and record the installed dependencies):
 * scripts/run-bundle.cjs rebuilds when one of them changed since the build started, so a command
 * never runs code older than the working tree.
 */
import { build, type Plugin } from 'esbuild';
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

/**
 * Node built-ins that a bundled module requires at its top but that a synth never calls: commander
 * (for subcommands run as separate executables, which we have none of), cdk8s (helm and import
 * helpers) and our `--cluster`/migrate code require child_process, whose first load compiles ~40 of
 * Node's internal modules (net, dgram, streams): ~8 ms of every start. Each is replaced by a stand-in
 * whose functions and getters require the real one on first use, so a run that never spawns never loads it.
 */
const LAZY_BUILTINS = ['child_process'];
/** The esbuild namespace of the stand-ins: generated modules, not files (metafile names them `<namespace>:<name>`). */
const LAZY_NAMESPACE = 'lazy-builtin';

function lazyBuiltins(): Plugin {
  const names = LAZY_BUILTINS.flatMap((name) => [name, `node:${name}`]);
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter }, (args) =>
        // the lazy module's own require of the real one stays an ordinary external require
        args.namespace === LAZY_NAMESPACE ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: LAZY_NAMESPACE },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, (args) => {
        // the export names of this Node's module, so esbuild's interop helpers see them without loading it
        const real = require(`node:${args.path}`) as Record<string, unknown>;
        const members = Object.keys(real).map((key) => {
          const name = JSON.stringify(key);
          // a function may be read at load time (cdk8s keeps `spawnSync` in an object): one that loads
          // the module when called stands in for it; classes and values are read when first used
          return typeof real[key] === 'function' && /^[a-z]/.test(key)
            ? `  ${name}: function (...args) { return real()[${name}].apply(this, args); },`
            : `  get ${name}() { return real()[${name}]; },`;
        });
        return {
          loader: 'js',
          contents: `let loaded;\nfunction real() { return (loaded ??= require('node:${args.path}')); }\nmodule.exports = {\n${members.join('\n')}\n};\n`,
        };
      });
    },
  };
}

export async function buildBundle(): Promise<void> {
  // inputs edited while esbuild runs must count as newer than the bundle: compare with the start
  const startedMs = Date.now();
  // the asynchronous API: esbuild runs plugins only there
  const result = await build({
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
    plugins: [lazyBuiltins()],
  });
  // Commands run in parallel (tests, a shell loop) may rebuild at the same time: each file is written
  // under a temporary name and renamed, so no run reads half a bundle. The bundle goes first, then the
  // list that declares it fresh; V8 code caches of older builds (scripts/run-bundle.cjs) are removed.
  mkdirSync(dirname(BUNDLE), { recursive: true });
  writeAtomically(BUNDLE, asciiOnly(result.outputFiles[0].text));
  // esbuild names inputs relative to absWorkingDir: a moved checkout still finds them (the lazy
  // built-ins are generated modules, not files)
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/') && !p.startsWith(`${LAZY_NAMESPACE}:`));
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
  buildBundle().then(
    () => console.log(`wrote ${relative(process.cwd(), BUNDLE)}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
