/**
 * Performance of the generator, against the targets the project set itself:
 *   example site through `npm run synth`     ≤ 1.0 s (median of end-to-end runs, npm included)
 *   example site through `npm run synth:fast` ≤ 0.3 s (precompiled bundle, see scripts/build.ts; node
 *                                             running scripts/run-bundle.cjs, npm's own start excluded)
 *   100 generated sites in one process       ≤ 5 s and ≤ 300 MiB peak RSS
 *   validation of the example site           ≤ 150 ms in-process (warm)
 *
 *   npm run bench [-- --runs 5 --sites 100]
 *
 * Prints a line per measurement and exits 1 when a target is missed (so CI can track it). End-to-end
 * figures are medians after one warm-up run (OS file cache and tsx's transform cache warm), with the
 * fastest and slowest run beside them: on a shared machine a wide range means the median is noisy,
 * and the load average printed first and last says how busy the machine was.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts';
import { buildSite, validationContext, type Registry } from '../lib/pipeline';
import { renderSite } from '../lib/render';
import { loadSite } from '../lib/site';
import { validateFiles } from '../lib/validator';
import { SUPPORTED_KUBERNETES_VERSIONS, minorOf } from '../lib/versions';
import { writeSiteFiles } from '../lib/writer';
import { buildBundle } from './build';

const REGISTRY: Registry = { charts: CHARTS, artifacts: ARTIFACTS };
const EXAMPLE = 'sites/example.yaml';
const ROOT = resolve(__dirname, '..');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

const peakMiB = () => process.resourceUsage().maxRSS / 1024;
const results: { name: string; value: string; target?: string; ok?: boolean }[] = [];

function report(name: string, value: string, target?: { limit: number; actual: number; unit: string }) {
  const ok = target ? target.actual <= target.limit : undefined;
  const targetText = target ? `≤ ${target.limit} ${target.unit}` : undefined;
  results.push({ name, value, target: targetText, ok });
  console.log(`${name.padEnd(62)} ${value.padStart(10)}${targetText ? `   target ${targetText}: ${ok ? 'ok' : 'MISSED'}` : ''}`);
}

/**
 * A varied fleet: each site extends the example (so it exercises overlays) with its own name, a
 * Kubernetes minor from the supported list, 1–3 extra pools and varied server counts and sizes.
 * Sites older than 1.33 drop DRA, which EKS does not serve there.
 */
function writeFleet(dir: string, count: number): string[] {
  copyFileSync(join(ROOT, 'sites', 'example-harbor-ca.crt'), join(dir, 'example-harbor-ca.crt'));
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const version = SUPPORTED_KUBERNETES_VERSIONS[i % SUPPORTED_KUBERNETES_VERSIONS.length];
    const dra = minorOf(version) >= 33;
    const taint = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }];
    const pools = [
      { name: 'gpu-h100', count: 1 + (i % 8), vcpus: [112, 224, 256][i % 3], labels: { gpu: 'h100' }, taints: taint, gpu: { mode: 'devicePlugin', model: 'H100', perNode: 8 } },
      ...(dra ? [{ name: 'gpu-h100-dra', count: 1 + (i % 5), vcpus: 224, labels: { gpu: 'h100' }, taints: taint, gpu: { mode: 'dra', model: 'H100', perNode: 8 } }] : []),
      ...Array.from({ length: 1 + (i % 3) }, (_, p) => ({ name: `cpu-${p}`, count: 2 + ((i + p) % 10), vcpus: [32, 64, 96][(i + p) % 3] })),
    ];
    const site: Record<string, unknown> = {
      extends: join(ROOT, EXAMPLE),
      name: `site-${String(i).padStart(3, '0')}`,
      kubernetesVersion: version,
      cluster: { name: `fleet-${i}` },
      registry: { caFile: 'example-harbor-ca.crt' },
      nodePools: pools,
      ...(dra ? {} : { dra: { claimTemplates: [] }, samples: { mlTraining: { enabled: false } } }),
    };
    const file = join(dir, `site-${String(i).padStart(3, '0')}.yaml`);
    writeFileSync(file, stringify(site));
    files.push(file);
  }
  return files;
}

function inProcessExample(runs: number) {
  // first run in the process: pays for compiling the config schema and loading the Kubernetes schemas
  const load = time(() => loadSite(EXAMPLE));
  const render = time(() => renderSite(load.value, REGISTRY.charts, REGISTRY.artifacts));
  const validate = time(() => validateFiles(render.value.files, validationContext(load.value)));
  if (validate.value.length > 0) throw new Error(`the example site has ${validate.value.length} finding(s); fix them before benchmarking`);
  report('example, cold: load config (precompiled validator)', `${load.ms.toFixed(0)} ms`);
  report('example, cold: render charts and artefacts', `${render.ms.toFixed(0)} ms`);
  report('example, cold: validate (schemas loaded)', `${validate.ms.toFixed(0)} ms`, { limit: 150, actual: validate.ms, unit: 'ms' });
  const renders: number[] = [];
  const validations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const site = loadSite(EXAMPLE);
    const rendered = time(() => renderSite(site, REGISTRY.charts, REGISTRY.artifacts));
    renders.push(rendered.ms);
    validations.push(time(() => validateFiles(rendered.value.files, validationContext(site))).ms);
  }
  report('example, warm: load + render (median)', `${median(renders).toFixed(1)} ms`);
  report('example, warm: validate (median)', `${median(validations).toFixed(1)} ms`, { limit: 150, actual: median(validations), unit: 'ms' });
}

function fleet(count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-bench-fleet-'));
  const out = mkdtempSync(join(tmpdir(), 'ehc-bench-out-'));
  try {
    const files = writeFleet(dir, count);
    const tty = process.stderr.isTTY;
    let objects = 0;
    let findings = 0;
    const total = time(() => {
      files.forEach((file, i) => {
        const build = buildSite(file, REGISTRY);
        findings += build.findings.length;
        objects += build.result.files.reduce((n, f) => n + f.objects.length, 0);
        writeSiteFiles(out, build.site.config.name, build.output);
        const line = `[${i + 1}/${files.length}] ${build.site.config.name} (Kubernetes ${build.site.config.kubernetesVersion})`;
        if (tty) process.stderr.write(`\r${line.padEnd(60)}`);
        else if ((i + 1) % 10 === 0 || i + 1 === files.length) console.error(line);
      });
    });
    if (tty) process.stderr.write('\n');
    report(`fleet: ${count} sites synthesized + validated + written`, `${(total.ms / 1000).toFixed(2)} s`, { limit: 5, actual: total.ms / 1000, unit: 's' });
    report('fleet: per site', `${(total.ms / count).toFixed(1)} ms`);
    report('fleet: objects rendered / validator findings', `${objects} / ${findings}`);
    report('bench process: peak RSS (maxRSS)', `${peakMiB().toFixed(0)} MiB`, { limit: 300, actual: peakMiB(), unit: 'MiB' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

interface Runs {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Wall times of a command run `runs` times after one warm-up run that fills caches, in ms. */
function endToEnd(command: string, args: string[], runs: number, env: NodeJS.ProcessEnv = {}): Runs {
  const out = mkdtempSync(join(tmpdir(), 'ehc-bench-e2e-'));
  try {
    const once = () => time(() => execFileSync(command, [...args, '--out', out], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, ...env } })).ms;
    once();
    const times = Array.from({ length: runs }, once);
    return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const spread = (r: Runs) => `${seconds(r.median)} s (${seconds(r.min)}–${seconds(r.max)})`;

function reportRuns(name: string, runs: Runs, limitSeconds?: number) {
  report(name, spread(runs), limitSeconds === undefined ? undefined : { limit: limitSeconds, actual: runs.median / 1000, unit: 's' });
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function main() {
  const runs = option('runs', 5);
  const sites = option('sites', 100);
  console.log(`Node ${process.version}, ${runs} runs per end-to-end measurement, fleet of ${sites} sites; load average ${load()}\n`);
  inProcessExample(10);
  fleet(sites);
  const tsx = ['--import', 'tsx', 'main.ts', 'synth'];
  const npm = endToEnd('npm', ['run', '--silent', 'synth', '--'], runs);
  reportRuns('example: `npm run synth` end to end (median, min–max)', npm, 1.0);
  const node = endToEnd(process.execPath, tsx, runs);
  reportRuns('example: node --import tsx main.ts synth (same, without npm)', node);
  reportRuns('example: same, tsx without its transform cache (fresh clone)', endToEnd(process.execPath, tsx, runs, { TSX_DISABLE_CACHE: '1' }));
  const tsxCli = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.ts', 'synth'];
  reportRuns('example: tsx main.ts synth (tsx CLI, the former script)', endToEnd(process.execPath, tsxCli, runs));
  const built = time(() => buildBundle());
  report('precompiled bundle: esbuild build time', `${built.ms.toFixed(0)} ms`);
  const fast = endToEnd(process.execPath, [join(ROOT, 'scripts', 'run-bundle.cjs'), 'synth'], runs);
  reportRuns('example: `npm run synth:fast` without npm (median, min–max)', fast, 0.3);
  const fastNpm = endToEnd('npm', ['run', '--silent', 'synth:fast', '--'], runs);
  reportRuns('example: `npm run synth:fast` end to end (median, min–max)', fastNpm);
  report('node alone (`node -e 0`, median)', `${seconds(endToEnd(process.execPath, ['-e', '0', '--'], runs).median)} s`);
  report('ratio synth / synth:fast, both without npm', `${(node.median / fast.median).toFixed(1)}×`);
  report('ratio synth / synth:fast, both through npm', `${(npm.median / fastNpm.median).toFixed(1)}×`);
  console.log(`\nload average ${load()}`);
  const missed = results.filter((r) => r.ok === false);
  console.log(missed.length === 0 ? '\nall targets met' : `\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join('; ')}`);
  if (missed.length > 0) process.exitCode = 1;
}

main();
