import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The pipeline stages of lib/, lowest first: a module may import its own stage and the stages before
 * it, never a later one. This list is the one place the order is declared (the README's "Layout"
 * table follows it). charts/ sits above render: charts import only the stages up to render, never
 * another chart, and nothing in lib/ imports charts (main.ts wires them in).
 */
const STAGES = [
  'core', // json, manifest identity, labels, paths, version matrix, bounded map: no project imports
  'config', // the site config schema (definitions only), loading, overlays, problems
  'model', // what the config means: placement, images, pull secrets, namespaces, DRA, cloud, monitoring
  'site', // the loaded site: semantic checks, advice, side inputs, loadSite
  'render', // charts → files: render, k8s, apply order, YAML
  'validate', // schema validator, policy checks, cluster prerequisites
  'artifacts', // NodeConfigs, eksctl, cost, site README, GitOps, ApplySet
  'pipeline', // site file → Site → render → validate → files in memory
  'output', // writer, diff, upgrade plan, migrate
  'cli', // the CLI and its commands
] as const;

/** The highest stage charts may import. */
const CHARTS_MAY_IMPORT_UP_TO = 'render';
/** The chart registry: the one chart module that imports the others. */
const CHART_REGISTRY = 'charts/index.ts';

type Graph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(ts|js)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = posix.join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/**
 * Every project module (lib/, charts/, main.ts) and the project modules it imports: static imports,
 * re-exports, `import()` and `require()`, found by TypeScript's own pre-processor. A relative import
 * that names no file is an error here, so a module cannot hide from the graph.
 */
function importGraph(): Map<string, string[]> {
  const files = ['main.ts', ...sourceFiles('lib'), ...sourceFiles('charts')];
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets: string[] = [];
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = posix.normalize(posix.join(dirname(file), fileName));
      const target = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.js`, `${base}/index.ts`].find((c) => known.has(c));
      if (target !== undefined) targets.push(target);
      else if (!existsSync(base)) throw new Error(`${file} imports ${fileName}, which names no file`);
    }
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The stage of a lib/ module: its first folder under lib/ (undefined for a file outside lib/ or loose in it). */
function stageOf(file: string): string | undefined {
  const m = /^lib\/([^/]+)\//.exec(file);
  return m ? m[1] : undefined;
}

function rank(stage: string): number {
  return (STAGES as readonly string[]).indexOf(stage);
}

/** The import circles: every strongly connected group of more than one module, or a module importing itself. */
function circles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** lib/ modules outside a declared stage folder. */
function unstaged(graph: Graph): string[] {
  return [...graph.keys()].filter((f) => f.startsWith('lib/') && (stageOf(f) === undefined || rank(stageOf(f)!) < 0));
}

/** Imports that run up the stages, and imports of charts or main.ts from lib/. */
function upwardImports(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const stage = stageOf(from);
    if (stage === undefined || rank(stage) < 0) continue;
    for (const to of targets) {
      const target = stageOf(to);
      if (target === undefined) out.push(`${from} (${stage}) imports ${to}, outside lib/`);
      else if (rank(target) > rank(stage)) out.push(`${from} (${stage}) imports ${to} (${target}, a later stage)`);
    }
  }
  return out;
}

/** Chart modules that import another chart (other than the registry), or lib/ beyond render. */
function chartViolations(graph: Graph): string[] {
  const out: string[] = [];
  const limit = rank(CHARTS_MAY_IMPORT_UP_TO);
  for (const [from, targets] of graph) {
    if (!from.startsWith('charts/')) continue;
    for (const to of targets) {
      if (to.startsWith('charts/') && (from !== CHART_REGISTRY || to === CHART_REGISTRY)) out.push(`${from} imports the chart ${to}`);
      else if (to.startsWith('lib/') && !(rank(stageOf(to) ?? '') >= 0 && rank(stageOf(to)!) <= limit)) {
        out.push(`${from} imports ${to} (${stageOf(to) ?? 'no stage'}), beyond ${CHARTS_MAY_IMPORT_UP_TO}`);
      } else if (!to.startsWith('lib/') && !to.startsWith('charts/')) out.push(`${from} imports ${to}`);
    }
  }
  return out;
}

describe('the import graph of lib/, charts/ and main.ts', () => {
  const graph = importGraph();

  it('finds the modules and their imports', () => {
    // a graph that missed files or imports would pass every rule below
    expect(graph.get('main.ts')).toEqual(expect.arrayContaining(['charts/index.ts', 'lib/cli/cli.ts']));
    expect(graph.get('lib/pipeline/pipeline.ts')).toContain('lib/site/site.ts');
    expect([...graph.values()].reduce((n, t) => n + t.length, 0)).toBeGreaterThan(300);
  });

  it('has a folder under lib/ for every stage and every lib/ module in one', () => {
    expect(unstaged(graph)).toEqual([]);
    expect(readdirSync('lib').filter((n) => statSync(join('lib', n)).isDirectory()).sort()).toEqual([...STAGES].sort());
  });

  it('has its stages listed in the README in this order', () => {
    const readme = readFileSync('README.md', 'utf8');
    const listed = [...readme.matchAll(/^\| `lib\/([a-z-]+)\/` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual([...STAGES]);
  });

  it('has no import circles', () => {
    expect(circles(graph).map((group) => `import circle: ${group.join(' ↔ ')}`)).toEqual([]);
  });

  it('has no import that runs up the stages', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has charts that import no other chart and lib/ only up to render', () => {
    expect(chartViolations(graph)).toEqual([]);
  });
});

describe('the rules themselves', () => {
  // The same functions on small graphs with the defect each rule guards against.
  const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges));

  it('find a circle, also one through three modules and a module importing itself', () => {
    expect(circles(graph({ 'lib/core/a.ts': ['lib/core/b.ts'], 'lib/core/b.ts': ['lib/core/a.ts'] }))).toEqual([['lib/core/a.ts', 'lib/core/b.ts']]);
    expect(circles(graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(circles(graph({ a: ['a'] }))).toEqual([['a']]);
    expect(circles(graph({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('find an upward import, an import of charts from lib/ and a module outside the stages', () => {
    expect(upwardImports(graph({ 'lib/config/schema.ts': ['lib/model/placement.ts', 'lib/core/json.ts'] }))).toEqual([
      'lib/config/schema.ts (config) imports lib/model/placement.ts (model, a later stage)',
    ]);
    expect(upwardImports(graph({ 'lib/render/render.ts': ['charts/index.ts'] }))).toEqual(['lib/render/render.ts (render) imports charts/index.ts, outside lib/']);
    expect(unstaged(graph({ 'lib/loose.ts': [], 'lib/extra/x.ts': [], 'lib/core/json.ts': [] }))).toEqual(['lib/loose.ts', 'lib/extra/x.ts']);
  });

  it('find a chart importing a chart or a stage beyond render', () => {
    expect(chartViolations(graph({ 'charts/a.ts': ['charts/b.ts', 'lib/validate/validator.ts', 'lib/render/k8s.ts'], 'charts/b.ts': ['charts/index.ts'] }))).toEqual([
      'charts/a.ts imports the chart charts/b.ts',
      'charts/a.ts imports lib/validate/validator.ts (validate), beyond render',
      'charts/b.ts imports the chart charts/index.ts',
    ]);
    expect(chartViolations(graph({ [CHART_REGISTRY]: ['charts/a.ts', 'lib/render/render.ts'] }))).toEqual([]);
  });
});
