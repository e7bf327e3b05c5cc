/**
 * Acceptance test against a real kube-apiserver (npm run test:cluster).
 *
 * For each Kubernetes minor (default 1.33 and 1.34) and each site in sites/ (one fresh environment each):
 *   1. build, or reuse from the cache, etcd/kube-apiserver/kubectl of that minor (tools/testenv/build);
 *   2. render the site for that minor into a temp dir;
 *   3. start etcd + kube-apiserver on 127.0.0.1 (tools/testenv launcher); check that `kubectl kustomize` builds the
 *      folder into exactly the rendered objects (what `kubectl apply -k` applies), in an order that creates every
 *      RuntimeClass, DeviceClass, ResourceClaimTemplate, PV and PVC before the first workload (lib/render/apply-order.ts);
 *   4. apply CRDs (imports/crds/*.yaml and rendered ones) and Namespaces, wait until CRDs are Established;
 *   5. server-side apply everything else with --validate=strict (webhook configurations and APIServices with
 *      --dry-run=server only), apply a second time and check that no object changed;
 *   6. dry-run create the Pod each workload (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob) would
 *      create, since no controller runs here: PodSecurity "enforce" and Pod validation judge them as in a cluster;
 *   7. send the negative cases in test/cluster/negative/ (must be rejected, with the text in their
 *      test.eks-hybrid-charts.io/expect-rejection annotation);
 *   7b. apply the site's gitops/ objects (Argo CD ApplicationSets, Flux GitRepository and Kustomizations), if any;
 *   8. stop the environment and check that no process, port or temp dir is left.
 * Then, for each pair of consecutive minors among --versions and each site, an in-place upgrade on the same etcd data
 * that follows `npm run plan` (testInPlaceUpgrade).
 *
 * Then per version, in a fresh environment: `validate --cluster` with and without the operator CRDs, and pruning
 * with kubectl ApplySets as the README says (testPruning; --skip-pruning leaves it out).
 * Then per version, migration off Helm (test/cluster/migrate.ts; --skip-migration leaves it out, --migration-only runs
 * nothing else).
 *
 * Options: --versions 1.33,1.34   --sites sites/example.yaml,…   --manifests DIR (use DIR/<minor>/kustomization.yaml instead of rendering)
 *          --keep-logs DIR (copy etcd/kube-apiserver logs)   --verbose
 * Server warnings (e.g. PodSecurity "warn" labels) are printed, not failed.
 * Last line: "N passed, M failed": checks that passed (object accepted and unchanged, pod template admitted, negative
 * case rejected) and checks that failed. Exit status 0 only if nothing failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseAllDocuments, stringify } from 'yaml';
import { applyOrderProblems } from '../../lib/render/apply-order';
import type { Manifest } from '../../lib/core/manifest';
import { testMigration, type MigrationHarness } from './migrate';

// Works whether this file is loaded as CommonJS or as an ES module (tsx sets argv[1] to this file).
const REPO = resolve(dirname(process.argv[1]), '..', '..');
/** Site files rendered and applied: every site in sites/ (`--sites a.yaml,b.yaml` to choose). */
export function defaultSites(): string[] {
  return readdirSync(join(REPO, 'sites'))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => `sites/${f}`);
}
const FIELD_MANAGER = 'eks-hybrid-charts';
const CRD_IMPORT_DIR = join(REPO, 'imports', 'crds');
const NEGATIVE_DIR = join(REPO, 'test', 'cluster', 'negative');
const EXPECT_REJECTION = 'test.eks-hybrid-charts.io/expect-rejection';
const NEVER_PRUNED = 'never-pruned';

/** Runs a command without blocking the event loop (so that signals are handled while it runs). */
export function exec(
  cmd: string,
  args: string[],
  o: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; inheritStderr?: boolean } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const c = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['pipe', 'pipe', o.inheritStderr ? 'inherit' : 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout!.on('data', (d: Buffer) => out.push(d));
    c.stderr?.on('data', (d: Buffer) => err.push(d));
    c.once('error', (e) => res({ status: 127, stdout: '', stderr: String(e) }));
    c.once('close', (code, signal) =>
      res({
        status: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    c.stdin!.on('error', () => undefined);
    c.stdin!.end(o.input ?? '');
  });
}

/** The one place that knows how the site is rendered. Returns the directory holding kustomization.yaml. */
export async function renderSite(version: string, outDir: string, siteFile: string): Promise<string> {
  const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
  const args = ['main.ts', 'synth', '--site', siteFile, '--kubernetes-version', version, '--out', outDir];
  const r = await exec(tsx, args, { cwd: REPO });
  if (r.status !== 0) {
    throw new Error(`rendering failed: tsx ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  }
  // The folder is named after the site's `name`; the output root holds nothing else.
  return join(outDir, readdirSync(outDir).filter((n) => !n.startsWith('.'))[0]);
}

/** Objects that are only sent with --dry-run=server: nothing in this test cluster could serve them. */
export function isDryRunOnly(o: K8sObject): boolean {
  const g = groupOf(o.apiVersion);
  return (
    (g === 'admissionregistration.k8s.io' &&
      (o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration')) ||
    (g === 'apiregistration.k8s.io' && o.kind === 'APIService')
  );
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}
export interface Entry {
  obj: K8sObject;
  source: string;
}
export interface Ready {
  kubeconfig: string;
  server: string;
  dir: string;
  version: string;
  etcdPid: number;
  apiserverPid: number;
  apiserverPort: number;
  etcdPort: number;
  /** with the launcher's --simulate */
  controllerManagerPid?: number;
  schedulerPid?: number;
  kwokPid?: number;
  kwokNodeAnnotation?: string;
}

/** Run as `npm run test:cluster`; imported (by test/sim/run.ts) only for its helpers, without side effects. */
const isMain = /test[\\/]cluster[\\/]run\.[cm]?[jt]s$/.test(process.argv[1] ?? '');
export const opts = parseArgs(isMain ? process.argv.slice(2) : []);
let passed = 0;
let failed = 0;
const failures: string[] = [];

function parseArgs(argv: string[]) {
  const o = { versions: ['1.33', '1.34'], sites: [] as string[], manifests: '', keepLogs: '', verbose: false, skipPruning: false, skipMigration: false, migrationOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--versions') o.versions = argv[++i].split(',').filter(Boolean);
    else if (a === '--manifests') o.manifests = resolve(argv[++i]);
    else if (a === '--sites') o.sites = argv[++i].split(',').filter(Boolean);
    else if (a === '--keep-logs') o.keepLogs = resolve(argv[++i]);
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--skip-pruning') o.skipPruning = true;
    else if (a === '--skip-migration') o.skipMigration = true;
    else if (a === '--migration-only') o.migrationOnly = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (process.env.TEST_CLUSTER_VERSIONS) o.versions = process.env.TEST_CLUSTER_VERSIONS.split(',');
  return o;
}

const logName = { current: 'test:cluster' };
/** The prefix of every log line (test/sim/run.ts sets its own). */
export function setLogName(name: string): void {
  logName.current = name;
}
export function log(msg: string): void {
  process.stdout.write(`[${logName.current}] ${msg}\n`);
}
/** Checks passed and failed so far (by the helpers below too). */
export function results(): { passed: number; failed: number; failures: string[] } {
  return { passed, failed, failures };
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export function describe(o: K8sObject): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.kind}.${o.apiVersion} ${ns}${o.metadata?.name ?? '<unnamed>'}`;
}

/** Identity used to match kubectl's answers to the objects sent. Namespace-less input matches "default". */
export function keyOf(o: K8sObject, defaultNs = ''): string {
  return [groupOf(o.apiVersion), o.kind, o.metadata?.namespace ?? defaultNs, o.metadata?.name ?? ''].join('|');
}

export function readYamlObjects(file: string): Entry[] {
  const out: Entry[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const v = doc.toJS() as K8sObject | null;
    if (!v) continue;
    if (v.kind === 'List' && Array.isArray(v.items)) {
      for (const item of v.items as K8sObject[]) out.push({ obj: item, source: file });
    } else out.push({ obj: v, source: file });
  }
  return out;
}

/** Exactly the files listed in kustomization.yaml resources (directories: their own kustomization.yaml). */
export function loadKustomization(dir: string): Entry[] {
  const kfile = join(dir, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new Error(`no kustomization.yaml in ${dir}`);
  const k = readYamlObjects(kfile)[0]?.obj as unknown as { resources?: string[] };
  const out: Entry[] = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    if (statSync(p).isDirectory()) out.push(...loadKustomization(p));
    else out.push(...readYamlObjects(p));
  }
  return out;
}

export function importedCrds(): Entry[] {
  if (!existsSync(CRD_IMPORT_DIR)) return [];
  return readdirSync(CRD_IMPORT_DIR)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => readYamlObjects(join(CRD_IMPORT_DIR, f)))
    .filter((e) => e.obj.kind === 'CustomResourceDefinition');
}

function serviceNetwork(siteFile: string): string | undefined {
  try {
    const site = readYamlObjects(join(REPO, siteFile))[0]?.obj as unknown as { networks?: { serviceNetwork?: string } };
    return site?.networks?.serviceNetwork;
  } catch {
    return undefined;
  }
}

export async function build(what: string): Promise<string> {
  const t0 = Date.now();
  const r = await exec(join(REPO, 'tools', 'testenv', 'build'), [what], { cwd: REPO, inheritStderr: true });
  if (r.status !== 0) throw new Error(`tools/testenv/build ${what} failed (exit ${r.status})`);
  const dir = r.stdout.trim().split('\n').pop()!;
  log(`build ${what}: ${dir} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  return dir;
}

export class Kubectl {
  private n = 0;
  private readonly warned = new Set<string>();
  constructor(
    private readonly bin: string,
    private readonly ready: Ready,
    private readonly work: string,
  ) {}

  /** Fresh discovery cache per call, so kinds of just-established CRDs are always seen. */
  async run(args: string[], input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
    const cache = join(this.work, `kube-cache-${this.n++}`);
    const r = await exec(this.bin, [...args, `--cache-dir=${cache}`], {
      input,
      env: { ...process.env, KUBECONFIG: this.ready.kubeconfig },
    });
    rmSync(cache, { recursive: true, force: true });
    return r;
  }

  applyArgs(dryRun: boolean): string[] {
    const a = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '-o', 'json', '-f', '-'];
    if (dryRun) a.push('--dry-run=server');
    return a;
  }

  /**
   * Applies the objects in one kubectl call; objects missing from kubectl's answer are sent again one by one
   * to get the server's message for each. Returns the answers by key and the errors by key.
   */
  async apply(entries: Entry[], dryRun: boolean): Promise<{ applied: Map<string, K8sObject>; errors: Map<string, string> }> {
    const applied = new Map<string, K8sObject>();
    const errors = new Map<string, string>();
    if (entries.length === 0) return { applied, errors };
    const stream = (es: Entry[]) => es.map((e) => JSON.stringify(e.obj)).join('\n---\n');
    const r = await this.run(this.applyArgs(dryRun), stream(entries));
    for (const o of parseKubectlJson(r.stdout)) applied.set(keyOf(o), o);
    const found = (e: Entry) => applied.has(keyOf(e.obj)) || applied.has(keyOf(e.obj, 'default'));
    const missing = entries.filter((e) => !found(e));
    if (opts.verbose && r.stderr.trim()) log(`kubectl: ${r.stderr.trim()}`);
    // Server warnings (deprecated APIs, PodSecurity "would violate", unknown-field hints) are shown, not failed.
    for (const w of new Set(r.stderr.split('\n').filter((l) => l.startsWith('Warning:')))) {
      if (!this.warned.has(w)) log(w);
      this.warned.add(w);
    }
    for (const e of missing) {
      const one = await this.run(this.applyArgs(dryRun), stream([e]));
      const got = parseKubectlJson(one.stdout);
      // Accepted alone but not in the batch: it needs an object that comes after it in apply order, so a
      // one-shot `kubectl apply -k` would reject it. That is a failure with the batch's message.
      if (one.status === 0 && got.length === 1) {
        errors.set(keyOf(e.obj), `rejected in apply order, accepted only when sent again after the others:\n${r.stderr.trim()}`);
      } else errors.set(keyOf(e.obj), (one.stderr || one.stdout || `kubectl exit ${one.status}`).trim());
    }
    return { applied, errors };
  }

  lookup(applied: Map<string, K8sObject>, e: Entry): K8sObject | undefined {
    return applied.get(keyOf(e.obj)) ?? applied.get(keyOf(e.obj, 'default'));
  }
}

export function parseKubectlJson(stdout: string): K8sObject[] {
  if (!stdout.trim()) return [];
  // kubectl prints one object, or a List for several.
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    const v = doc.toJS() as K8sObject | null;
    if (!v) continue;
    if (v.kind === 'List' && Array.isArray(v.items)) out.push(...(v.items as K8sObject[]));
    else out.push(v);
  }
  return out;
}

/** The Pod a workload controller would create from this object's template (none for other kinds). */
function podFromTemplate(e: Entry): Entry[] {
  const o = e.obj as K8sObject & { spec?: Record<string, any> };
  const g = groupOf(o.apiVersion);
  let template: { metadata?: Record<string, unknown>; spec?: unknown } | undefined;
  if (g === 'apps' && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) template = o.spec?.template;
  else if (g === '' && o.kind === 'ReplicationController') template = o.spec?.template;
  else if (g === 'batch' && o.kind === 'Job') template = o.spec?.template;
  else if (g === 'batch' && o.kind === 'CronJob') template = o.spec?.jobTemplate?.spec?.template;
  if (!template?.spec) return [];
  const name = `${o.kind}-${o.metadata.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
  const pod: K8sObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(template.metadata ?? {}), name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
    spec: template.spec,
  };
  return [{ obj: pod, source: `${e.source} (pod template of ${describe(o)})` }];
}

/**
 * What the second apply must leave as it was: the object without status and resourceVersion (controllers in
 * kube-apiserver, e.g. the CRD status controller, move those), and only our own managedFields entry, whose
 * timestamp moves if and only if an apply changed something.
 */
function comparable(o: K8sObject | undefined): string {
  if (!o) return 'undefined';
  const { status: _status, ...rest } = o;
  const { resourceVersion: _rv, managedFields, ...meta } = o.metadata as K8sObject['metadata'] & { managedFields?: { manager?: string }[] };
  const ours = (managedFields ?? []).filter((m) => m.manager === FIELD_MANAGER);
  return JSON.stringify(sortKeys({ ...rest, metadata: { ...meta, managedFields: ours } }));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function reportRejected(e: Entry, message: string, prefix = 'REJECTED', showObject = true): void {
  if (interrupted) return; // the server is going away; these are not the objects' fault
  let text = `${prefix}: ${describe(e.obj)} (from ${e.source.replace(REPO + '/', '')})\n  server: ${message.replace(/\n/g, '\n  ')}`;
  if (showObject) {
    const lines = stringify(e.obj).trimEnd().split('\n');
    const shown = lines.length > 80 ? [...lines.slice(0, 80), `... (${lines.length - 80} more lines)`] : lines;
    text += `\n  object:\n    ${shown.join('\n    ')}`;
  }
  log(text);
}

export function fail(what: string): void {
  failed++;
  failures.push(what);
}

export async function startEnv(
  launcher: string,
  bin: string,
  version: string,
  siteFile: string,
  extraArgs: string[] = [],
  logName = version,
): Promise<{ child: ChildProcess; ready: Ready; stderr: () => string }> {
  const args = ['--bin-dir', bin, '--minor', version, '--watch-stdin', ...extraArgs];
  const net = serviceNetwork(siteFile);
  if (net) args.push(`--apiserver-arg=--service-cluster-ip-range=${net}`);
  if (opts.keepLogs) args.push('--log-dir', join(opts.keepLogs, logName));
  const child = spawn(launcher, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  current.child = child;
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (opts.verbose) process.stderr.write(d);
  });
  const rl = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((res, rej) => {
    rl.once('line', (line) => {
      try {
        res(JSON.parse(line) as Ready);
      } catch (e) {
        rej(new Error(`unexpected launcher output: ${line}`));
      }
    });
    child.once('exit', (code) => rej(new Error(`testenv launcher exited (${code}) before ready:\n${err}`)));
  });
  return { child, ready, stderr: () => err };
}

export async function stopEnv(child: ChildProcess, ready: Ready, stderr: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    fail(`the test environment stopped during the test (exit ${child.exitCode ?? child.signalCode})`);
    log(`the test environment stopped during the test; its log:\n${stderr}`);
  }
  const exited = new Promise<number | null>((res) => {
    if (child.exitCode !== null) res(child.exitCode);
    else child.once('exit', (code) => res(code));
  });
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 40_000)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    fail('teardown: launcher did not stop within 40s');
  }
  // Nothing may be left: processes, temp dir, listening ports.
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const leftovers: string[] = [];
  const pids: [string, number | undefined][] = [
    ['etcd', ready.etcdPid],
    ['kube-apiserver', ready.apiserverPid],
    ['kube-controller-manager', ready.controllerManagerPid],
    ['kube-scheduler', ready.schedulerPid],
    ['kwok', ready.kwokPid],
  ];
  for (const [name, pid] of pids) {
    if (pid && alive(pid)) leftovers.push(`${name} (pid ${pid}) still running`);
  }
  if (existsSync(ready.dir)) leftovers.push(`temp dir ${ready.dir} still exists`);
  for (const port of [ready.apiserverPort, ready.etcdPort]) {
    if (!(await portFree(port))) leftovers.push(`port ${port} still in use`);
  }
  if (leftovers.length) fail(`teardown: ${leftovers.join('; ')}`);
  else log('teardown clean: no process, port or temp dir left');
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** What an interrupt must clean up: the running launcher (it stops etcd/kube-apiserver) and the work dir. */
export const current: { child?: ChildProcess; work?: string } = {};
let interrupted = false;
export function stopOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) return; // e.g. Ctrl-C reaches us directly and relayed by tsx
      interrupted = true;
      log(`${sig}: stopping`);
      const done = () => {
        if (current.work) rmSync(current.work, { recursive: true, force: true });
        process.exit(130);
      };
      const child = current.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(done, 30_000).unref();
      } else done();
    });
  }
}
if (isMain) stopOnSignals();

/** One fresh environment per (version, site): sites may render objects with the same names. */
async function testVersion(version: string, launcher: string, siteFile: string): Promise<void> {
  const t0 = Date.now();
  log(`=== Kubernetes ${version}, ${opts.manifests ? opts.manifests : siteFile} ===`);
  const bin = await build(version);
  const work = mkdtempSync(join(tmpdir(), `eks-hybrid-cluster-${version}-`));
  current.work = work;
  let env: Awaited<ReturnType<typeof startEnv>> | undefined;
  try {
    const siteDir = opts.manifests ? join(opts.manifests, version) : await renderSite(version, join(work, 'dist'), siteFile);
    // The root kustomization (the set ApplySets prune) and never-pruned/ (objects we update, never delete).
    const kustomizeDirs = [siteDir, join(siteDir, NEVER_PRUNED)].filter((d) => existsSync(join(d, 'kustomization.yaml')));
    const rendered = kustomizeDirs.flatMap(loadKustomization);
    log(`${rendered.length} objects from ${opts.manifests ? siteDir : `rendered ${siteFile}`}`);

    env = await startEnv(launcher, bin, version, siteFile);
    const { ready } = env;
    log(`kube-apiserver ${ready.version} ready at ${ready.server} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    if (ready.version !== undefined && !ready.version.startsWith(`v${version}.`)) {
      fail(`server reports ${ready.version}, expected v${version}.x`);
    }
    const kubectl = new Kubectl(join(bin, 'kubectl'), ready, work);
    const kv = await kubectl.run(['version', '-o', 'json']);
    const clientVersion = (JSON.parse(kv.stdout || '{}') as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
    log(`kubectl ${clientVersion}`);
    if (!clientVersion?.startsWith(`v${version}.`)) fail(`kubectl reports ${clientVersion}, expected v${version}.x`);

    // Users run `kubectl apply -k`: kubectl's own kustomize must build the folder into exactly these objects.
    const ks = await Promise.all(kustomizeDirs.map((d) => kubectl.run(['kustomize', d])));
    const k = ks.find((r) => r.status !== 0) ?? { status: 0, stderr: '' };
    const built = k.status === 0 ? ks.flatMap((r) => parseKubectlJson(r.stdout)) : [];
    const sameObjects = (a: K8sObject[], b: K8sObject[]) =>
      JSON.stringify(a.map((o) => keyOf(o)).sort()) === JSON.stringify(b.map((o) => keyOf(o)).sort()) &&
      a.every((o) => comparable(o) === comparable(b.find((x) => keyOf(x) === keyOf(o))));
    if (k.status !== 0) fail(`${version}: kubectl kustomize ${siteDir} failed: ${k.stderr.trim()}`);
    else if (!sameObjects(built, rendered.map((e) => e.obj))) fail(`${version}: kubectl kustomize builds other objects than the files listed in kustomization.yaml`);
    else {
      passed++;
      log(`kubectl kustomize: the same ${built.length} objects`);
    }
    // ... and list them so that a first install creates no pod before what it needs (sortOptions, lib/render/apply-order.ts)
    const orderProblems = applyOrderProblems(built as Manifest[]);
    if (orderProblems.length > 0) fail(`${version}: kubectl apply -k would create workloads too early:\n  ${orderProblems.join('\n  ')}`);
    else if (k.status === 0) {
      passed++;
      log(`kubectl kustomize: RuntimeClass, DeviceClass, ResourceClaimTemplate, PV and PVC before every workload`);
    }

    const crds = [...importedCrds(), ...rendered.filter((e) => e.obj.kind === 'CustomResourceDefinition')];
    const namespaces = rendered.filter((e) => e.obj.kind === 'Namespace' && groupOf(e.obj.apiVersion) === '');
    const dryOnly = rendered.filter((e) => isDryRunOnly(e.obj));
    // In the order `kubectl apply -k` sends them (kustomize's), so an object needed by another at admission
    // (a RuntimeClass by a Pod) must come first there too.
    const applyOrder = new Map(built.map((o, i) => [keyOf(o), i]));
    const rest = rendered
      .filter((e) => !crds.includes(e) && !namespaces.includes(e) && !dryOnly.includes(e))
      .sort((a, b) => (applyOrder.get(keyOf(a.obj)) ?? 0) - (applyOrder.get(keyOf(b.obj)) ?? 0));
    log(`${crds.length} CRDs (${crds.length - rendered.filter((e) => e.obj.kind === 'CustomResourceDefinition').length} from imports/crds), ${namespaces.length} namespaces, ${rest.length} other objects, ${dryOnly.length} dry-run only`);

    // Phase 1: CRDs and Namespaces for real.
    const first = new Map<string, K8sObject>();
    const accepted = new Set<string>();
    const rejected = new Set<string>();
    const phase = async (entries: Entry[], dryRun: boolean) => {
      const { applied, errors } = await kubectl.apply(entries, dryRun);
      for (const e of entries) {
        const k = keyOf(e.obj);
        const got = kubectl.lookup(applied, e);
        if (got) {
          first.set(k, got);
          accepted.add(k);
        } else {
          rejected.add(k);
          reportRejected(e, errors.get(k) ?? 'no answer from kubectl');
        }
      }
    };
    await phase([...crds, ...namespaces], false);
    const crdNames = crds.map((e) => e.obj.metadata.name).filter((n): n is string => !!n);
    if (crdNames.length) {
      const w = await kubectl.run(['wait', '--for=condition=Established', '--timeout=90s', ...crdNames.map((n) => `crd/${n}`)]);
      if (w.status !== 0) fail(`CRDs not Established: ${w.stderr.trim()}`);
      else log(`${crdNames.length} CRDs Established`);
    }

    // Phase 2: everything else; webhooks/APIServices as dry run.
    await phase(rest, false);
    await phase(dryOnly, true);

    // Phase 3: apply again; nothing may change.
    const again = async (entries: Entry[], dryRun: boolean) => {
      const { applied, errors } = await kubectl.apply(entries, dryRun);
      for (const e of entries) {
        const k = keyOf(e.obj);
        if (rejected.has(k)) continue;
        const got = kubectl.lookup(applied, e);
        if (!got) {
          rejected.add(k);
          reportRejected(e, errors.get(k) ?? 'no answer from kubectl', 'REJECTED ON SECOND APPLY');
          continue;
        }
        const before = comparable(first.get(k));
        const after = comparable(got);
        if (!dryRun && before !== after) {
          rejected.add(k);
          log(`CHANGED ON SECOND APPLY: ${describe(e.obj)}\n  first:  ${before}\n  second: ${after}`);
        }
      }
    };
    await again([...crds, ...namespaces, ...rest], false);
    await again(dryOnly, true);

    const all = [...crds, ...namespaces, ...rest, ...dryOnly];
    for (const e of all) {
      const k = keyOf(e.obj);
      if (accepted.has(k) && !rejected.has(k)) passed++;
      else fail(`${version}: ${describe(e.obj)}`);
    }
    log(`${version}: ${all.filter((e) => !rejected.has(keyOf(e.obj))).length}/${all.length} objects accepted and unchanged on second apply`);

    // Phase 4: no controllers run here, so admit the Pods that the workload controllers would create (dry run):
    // PodSecurity "enforce" of the namespace, Pod validation and other admission plugins see them as in a cluster.
    const templates = rendered.flatMap((e) => podFromTemplate(e));
    if (templates.length) {
      const { applied, errors } = await kubectl.apply(templates, true);
      for (const t of templates) {
        if (kubectl.lookup(applied, t)) passed++;
        else {
          reportRejected(t, errors.get(keyOf(t.obj)) ?? 'no answer from kubectl', 'POD TEMPLATE REJECTED');
          fail(`${version}: ${describe(t.obj)} (${t.source.replace(REPO + '/', '')})`);
        }
      }
      log(`${version}: ${templates.filter((t) => !errors.has(keyOf(t.obj))).length}/${templates.length} pod templates admitted as Pods (dry run)`);
    }

    // Phase 5: negative cases must be rejected.
    for (const f of existsSync(NEGATIVE_DIR) ? readdirSync(NEGATIVE_DIR).filter((f) => f.endsWith('.yaml')).sort() : []) {
      for (const e of readYamlObjects(join(NEGATIVE_DIR, f))) {
        const expect = e.obj.metadata.annotations?.[EXPECT_REJECTION] ?? '';
        const { applied, errors } = await kubectl.apply([e], true);
        const msg = errors.get(keyOf(e.obj));
        if (kubectl.lookup(applied, e) || msg === undefined) {
          fail(`${version}: negative case ${describe(e.obj)} was accepted`);
          log(`NEGATIVE CASE ACCEPTED (harness cannot fail?): ${describe(e.obj)}`);
        } else if (!msg.includes(expect)) {
          reportRejected(e, msg, 'NEGATIVE CASE REJECTED FOR THE WRONG REASON');
          fail(`${version}: negative case ${describe(e.obj)} rejected without "${expect}"`);
        } else {
          reportRejected(e, msg, 'REJECTED AS EXPECTED (negative case)', false);
          passed++;
        }
      }
    }

    // Phase 6: fleet delivery objects (gitops/), when the site opts in.
    await applyGitops(kubectl, siteDir, version);
  } catch (err) {
    fail(`${version}: ${(err as Error).message}`);
    log(`ERROR: ${(err as Error).message}`);
    if (env && !opts.verbose) process.stderr.write(env.stderr());
  } finally {
    if (env) await stopEnv(env.child, env.ready, env.stderr());
    rmSync(work, { recursive: true, force: true });
    log(`${version} done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

/** The object as the server holds it: its uid and the apiVersion it is served in (by `kubectl get KIND.GROUP`). */
async function getStored(kubectl: Kubectl, o: K8sObject): Promise<K8sObject | undefined> {
  const group = groupOf(o.apiVersion);
  const args = ['get', group ? `${o.kind}.${group}` : o.kind, o.metadata.name ?? '', '-o', 'json'];
  if (o.metadata.namespace) args.push('-n', o.metadata.namespace);
  const r = await kubectl.run(args);
  return r.status === 0 ? (JSON.parse(r.stdout) as K8sObject) : undefined;
}

/**
 * Applies a site's output for real as `kubectl apply -k` would (CRDs and Namespaces first, then the rest in
 * kustomize's order; webhook configurations and APIServices are left out: they are never stored here).
 * Every rejection is reported and failed under `what`. Returns the objects as the server answered.
 */
export async function applyOutput(kubectl: Kubectl, siteDir: string, what: string): Promise<{ entries: Entry[]; applied: Map<string, K8sObject> }> {
  const rendered = loadKustomization(siteDir);
  const k = await kubectl.run(['kustomize', siteDir]);
  const order = new Map(parseKubectlJson(k.stdout).map((o, i) => [keyOf(o), i]));
  const crds = [...importedCrds(), ...rendered.filter((e) => e.obj.kind === 'CustomResourceDefinition')];
  const namespaces = rendered.filter((e) => e.obj.kind === 'Namespace' && groupOf(e.obj.apiVersion) === '');
  const rest = rendered
    .filter((e) => !crds.includes(e) && !namespaces.includes(e) && !isDryRunOnly(e.obj))
    .sort((a, b) => (order.get(keyOf(a.obj)) ?? 0) - (order.get(keyOf(b.obj)) ?? 0));
  const applied = new Map<string, K8sObject>();
  for (const entries of [[...crds, ...namespaces], rest]) {
    const r = await kubectl.apply(entries, false);
    for (const e of entries) {
      const got = kubectl.lookup(r.applied, e);
      if (got) applied.set(keyOf(e.obj), got);
      else {
        reportRejected(e, r.errors.get(keyOf(e.obj)) ?? 'no answer from kubectl');
        fail(`${what}: ${describe(e.obj)}`);
      }
    }
    if (entries !== rest && crds.length) {
      const w = await kubectl.run(['wait', '--for=condition=Established', '--timeout=90s', ...crds.map((e) => `crd/${e.obj.metadata.name}`)]);
      if (w.status !== 0) fail(`${what}: CRDs not Established: ${w.stderr.trim()}`);
    }
  }
  return { entries: [...crds, ...namespaces, ...rest], applied };
}

/**
 * Sends each object alone as a server-side dry run: exactly those of `expected` (`Kind ns/name (apiVersion)`, as the
 * plan names them) must be refused.
 */
async function expectRefused(kubectl: Kubectl, entries: Entry[], expected: readonly string[], what: string): Promise<void> {
  const { describeObject } = await import('../../lib/core/manifest.js');
  const refused: string[] = [];
  for (const e of entries.filter((x) => !isDryRunOnly(x.obj))) {
    const r = await kubectl.apply([e], true);
    if (!kubectl.lookup(r.applied, e)) refused.push(`${describeObject(e.obj as Manifest)} (${e.obj.apiVersion})`);
  }
  if (JSON.stringify(refused.sort()) === JSON.stringify([...expected].sort())) {
    passed++;
    log(refused.length === 0 ? `${what}: accepted, as the plan says` : `${what}: refused for exactly the object(s) the plan names: ${refused.join(', ')}`);
  } else fail(`${what}: refused for [${refused.join(', ')}], the plan names [${expected.join(', ')}]`);
}

/**
 * In-place upgrade from one minor to the next on the same etcd data, as a cluster upgrade does it:
 *   1. start FROM with a kept etcd data dir, apply the FROM output, create a ResourceClaim from each claim template;
 *   2. stop it, start TO on the same etcd data: every stored object must still be served, as the same object (uid),
 *      and resource.k8s.io objects in resource.k8s.io/v1; the FROM output must be refused (dry run) for exactly the
 *      objects the plan says TO does not serve (and before, the TO output for exactly those FROM does not serve);
 *   3. follow `npm run plan` (lib/output/upgrade-plan.ts): each object it says must be re-created must really be refused
 *      without that (dry run), and is deleted; then the TO output must be accepted as it is, and a second apply
 *      must change nothing. An immutable field the plan missed is a rejected object here.
 */
async function testInPlaceUpgrade(from: string, to: string, launcher: string, siteFile: string): Promise<void> {
  const t0 = Date.now();
  log(`=== in-place upgrade ${from} → ${to} on the same etcd data, ${siteFile} ===`);
  const work = mkdtempSync(join(tmpdir(), `eks-hybrid-upgrade-${from}-${to}-`));
  current.work = work;
  const etcdData = join(work, 'etcd-data');
  let env: Awaited<ReturnType<typeof startEnv>> | undefined;
  const what = `upgrade ${from} → ${to} (${siteFile})`;
  try {
    const [binFrom, binTo] = [await build(from), await build(to)];
    const fromDir = await renderSite(from, join(work, from), siteFile);
    const toDir = await renderSite(to, join(work, to), siteFile);
    // The plan the user follows, from the same renderer as `npm run plan`.
    const { CHARTS } = await import('../../charts/index.js');
    const { ARTIFACTS } = await import('../../lib/artifacts/artifacts.js');
    const { buildSite } = await import('../../lib/pipeline/pipeline.js');
    const { kubectlResource, planUpgrade } = await import('../../lib/output/upgrade-plan.js');
    const registry = { charts: CHARTS, artifacts: ARTIFACTS };
    const file = join(REPO, siteFile);
    const plan = planUpgrade(buildSite(file, registry, { kubernetesVersion: from, validate: false }), buildSite(file, registry, { kubernetesVersion: to, validate: false }));
    log(`plan: ${plan.changes.length} change(s), ${plan.recreate.length} object(s) to delete and re-create`);

    // 1. the old control plane with the old output and claims made from its templates
    env = await startEnv(launcher, binFrom, from, siteFile, ['--etcd-data-dir', etcdData], `upgrade-${from}`);
    let kubectl = new Kubectl(join(binFrom, 'kubectl'), env.ready, work);
    log(`kube-apiserver ${env.ready.version}: applying the ${from} output`);
    const old = await applyOutput(kubectl, fromDir, `${what}: ${from} output`);
    const claims: Entry[] = old.entries
      .filter((e) => e.obj.kind === 'ResourceClaimTemplate' && groupOf(e.obj.apiVersion) === 'resource.k8s.io')
      .map((e) => ({
        source: `a claim from ${describe(e.obj)}`,
        obj: {
          apiVersion: e.obj.apiVersion,
          kind: 'ResourceClaim',
          metadata: { name: `${e.obj.metadata.name}-upgrade-check`, namespace: e.obj.metadata.namespace },
          spec: (e.obj.spec as { spec: unknown }).spec,
        },
      }));
    const made = await kubectl.apply(claims, false);
    for (const c of claims) {
      const got = kubectl.lookup(made.applied, c);
      if (got) old.applied.set(keyOf(c.obj), got);
      else {
        reportRejected(c, made.errors.get(keyOf(c.obj)) ?? 'no answer from kubectl');
        fail(`${what}: ${describe(c.obj)}`);
      }
    }
    log(`${from}: ${old.applied.size} objects stored (${claims.length} ResourceClaim(s) from claim templates)`);
    // The new output cannot go first exactly where the plan says so (its "not before the control plane").
    await expectRefused(kubectl, loadKustomization(toDir), plan.unservedBefore, `the ${to} output on ${from}`);
    await stopEnv(env.child, env.ready, env.stderr());
    env = undefined;
    if (!existsSync(join(etcdData, 'member'))) throw new Error(`etcd data was not kept in ${etcdData}`);

    // 2. the new control plane on the same data
    env = await startEnv(launcher, binTo, to, siteFile, ['--etcd-data-dir', etcdData], `upgrade-${to}`);
    kubectl = new Kubectl(join(binTo, 'kubectl'), env.ready, work);
    log(`kube-apiserver ${env.ready.version} started on the ${from} etcd data`);
    let served = 0;
    for (const [key, stored] of old.applied) {
      const got = await getStored(kubectl, stored);
      const uid = (o: K8sObject | undefined) => (o?.metadata as { uid?: string } | undefined)?.uid;
      const dra = groupOf(stored.apiVersion) === 'resource.k8s.io';
      if (!got) fail(`${what}: ${describe(stored)} is no longer served after the upgrade`);
      else if (uid(got) !== uid(stored)) fail(`${what}: ${describe(stored)} came back as another object (uid ${uid(got)}, was ${uid(stored)})`);
      else if (dra && got.apiVersion !== 'resource.k8s.io/v1') fail(`${what}: ${describe(stored)} is served as ${got.apiVersion}, expected resource.k8s.io/v1`);
      else {
        served++;
        passed++;
        if (dra) log(`served after the upgrade as ${got.apiVersion}: ${got.kind} ${key.split('|').slice(2).filter(Boolean).join('/')}`);
      }
    }
    log(`${to}: ${served}/${old.applied.size} stored objects served after the upgrade (same uid)`);

    // The old output can no longer be applied exactly where the plan says so (its "pause the sync" step).
    await expectRefused(kubectl, old.entries, plan.unservedAfter, `the ${from} output on ${to}`);

    // 3. the plan's re-creations, then the new output, twice
    const next = loadKustomization(toDir);
    for (const r of plan.recreate) {
      const e = next.find((x) => kubectlResource(x.obj) === r.resource && x.obj.metadata.name === r.name && x.obj.metadata.namespace === r.namespace);
      if (!e) {
        fail(`${what}: the plan re-creates ${r.object}, which the ${to} output does not have`);
        continue;
      }
      const dry = await kubectl.apply([e], true);
      if (kubectl.lookup(dry.applied, e)) fail(`${what}: the plan says ${r.object} must be re-created (${r.fields.join(', ')}), but the server accepts the change`);
      else {
        passed++;
        log(`refused without re-creating, as the plan says: ${r.object}: ${(dry.errors.get(keyOf(e.obj)) ?? '').split('\n')[0]}`);
      }
      const del = await kubectl.run(['delete', r.resource, r.name, ...(r.namespace ? ['-n', r.namespace] : []), '--wait=true']);
      if (del.status !== 0) fail(`${what}: kubectl delete ${r.resource} ${r.name}: ${del.stderr.trim()}`);
    }
    const first = await applyOutput(kubectl, toDir, `${what}: ${to} output`);
    const again = await applyOutput(kubectl, toDir, `${what}: ${to} output, second apply`);
    let same = 0;
    for (const e of first.entries) {
      const k = keyOf(e.obj);
      if (!first.applied.has(k) || !again.applied.has(k)) continue;
      const [a, b] = [comparable(first.applied.get(k)), comparable(again.applied.get(k))];
      if (a === b) {
        same++;
        passed++;
      } else {
        fail(`${what}: ${describe(e.obj)} changed on the second apply of the ${to} output`);
        log(`CHANGED ON SECOND APPLY: ${describe(e.obj)}\n  first:  ${a}\n  second: ${b}`);
      }
    }
    log(`${to}: ${first.applied.size}/${first.entries.length} objects of the ${to} output accepted over the upgraded data, ${same} unchanged on the second apply`);
  } catch (err) {
    fail(`${what}: ${(err as Error).message}`);
    log(`ERROR: ${(err as Error).message}`);
    if (env && !opts.verbose) process.stderr.write(env.stderr());
  } finally {
    if (env) await stopEnv(env.child, env.ready, env.stderr());
    rmSync(work, { recursive: true, force: true });
    log(`upgrade ${from} → ${to} done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

/**
 * gitops/: the Argo CD ApplicationSets and Flux objects must be accepted (strict field validation) by the real
 * apiserver with the Argo CD and Flux CRDs from imports/crds installed (phase 1 applied them), and stay unchanged
 * when applied again.
 */
async function applyGitops(kubectl: Kubectl, siteDir: string, version: string): Promise<void> {
  const dir = join(siteDir, 'gitops');
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => readYamlObjects(join(dir, f)));
  const namespaces = [...new Set(entries.map((e) => e.obj.metadata.namespace).filter((n): n is string => !!n))];
  await kubectl.apply(namespaces.map((name) => ({ obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, source: 'gitops namespaces' })), false);
  const first = await kubectl.apply(entries, false);
  const second = await kubectl.apply(entries, false);
  for (const e of entries) {
    const got = kubectl.lookup(first.applied, e);
    const again = kubectl.lookup(second.applied, e);
    if (got && again && comparable(got) === comparable(again)) passed++;
    else {
      reportRejected(e, first.errors.get(keyOf(e.obj)) ?? second.errors.get(keyOf(e.obj)) ?? 'changed on second apply');
      fail(`${version}: ${describe(e.obj)} (gitops)`);
    }
  }
  log(`${version}: gitops: ${entries.filter((e) => !first.errors.has(keyOf(e.obj))).length}/${entries.length} Argo CD / Flux objects accepted`);
}

/**
 * `npm run validate -- --cluster` against this cluster: with no operator CRDs installed it must name every CRD
 * the site needs and exit 1; with imports/crds installed it must find them all and exit 0.
 */
async function checkPrerequisites(kubectlBin: string, ready: Ready, installed: boolean, check: (ok: boolean, what: string) => void) {
  const siteFile = 'sites/example-operator.yaml';
  const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
  const r = await exec(tsx, ['main.ts', 'validate', '--site', siteFile, '--cluster', ready.kubeconfig], { cwd: REPO, env: { ...process.env, KUBECTL: kubectlBin } });
  const lines = r.stdout.split('\n').filter((l) => l.includes(': cluster'));
  for (const l of lines) log(`  validate --cluster: ${l}`);
  const expected = ['clustersecretstores.external-secrets.io', 'externalsecrets.external-secrets.io', 'podmonitors.monitoring.coreos.com', 'scrapeconfigs.monitoring.coreos.com', 'servicemonitors.monitoring.coreos.com'];
  const reported = lines.filter((l) => l.includes(' not installed: install ')).map((l) => l.split(' CRD ')[1].split(' ')[0]);
  if (installed) check(r.status === 0 && reported.length === 0 && lines.some((l) => l.endsWith(': 5 of 5 prerequisite CRD(s) served')), `validate --cluster with the operator CRDs installed: nothing missing, exit 0 (exit ${r.status})`);
  else check(r.status === 1 && JSON.stringify(reported) === JSON.stringify(expected), `validate --cluster on a bare cluster: reports the ${expected.length} missing CRDs, exit 1 (exit ${r.status}, reported ${reported.length})`);
  if (r.status > 1) log(r.stderr);
}

/**
 * Lifecycle: `kubectl apply --prune --applyset` with the site's ApplySet parent deletes exactly the objects that
 * left the config. The example is applied as the README says, then re-rendered with pull secrets switched from
 * externalSecret to sealedSecret, web-api switched off and CoreDNS handed to the EKS add-on, and applied again.
 * Objects we never rendered (a hand-made ConfigMap in one of our namespaces, EKS's CoreDNS Deployment) and the
 * CoreDNS ConfigMap (ours to update, never to delete) must survive.
 */
async function testPruning(version: string, launcher: string): Promise<void> {
  const t0 = Date.now();
  const siteFile = 'sites/example.yaml';
  log(`=== Kubernetes ${version}, prerequisites and pruning with kubectl ApplySets (${siteFile}) ===`);
  const bin = await build(version);
  const work = mkdtempSync(join(tmpdir(), `eks-hybrid-prune-${version}-`));
  current.work = work;
  let env: Awaited<ReturnType<typeof startEnv>> | undefined;
  const check = (ok: boolean, what: string) => {
    if (ok) passed++;
    else fail(`${version}: pruning: ${what}`);
    log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  };
  try {
    const before = await renderSite(version, join(work, 'before'), siteFile);
    const variant = join(work, 'after.yaml');
    writeFileSync(
      variant,
      stringify({
        extends: join(REPO, siteFile),
        // relative paths resolve against this file, which lives in the work dir
        registry: { caFile: join(REPO, 'sites', 'example-harbor-ca.crt') },
        pullSecrets: { mode: 'sealedSecret', externalSecret: null, sealedSecret: { scope: 'clusterWide', clusterWideEncryptedData: 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq' } },
        webApi: { enabled: false },
        coredns: { managedBy: 'eksAddon' },
      }),
    );
    const after = await renderSite(version, join(work, 'after'), variant);
    const objectsOf = (dir: string) => loadKustomization(dir).map((e) => e.obj);
    const [a, b] = [objectsOf(before), objectsOf(after)];
    const inB = new Set(b.map((o) => keyOf(o)));
    const left = a.filter((o) => !inB.has(keyOf(o)));
    log(`${a.length} objects before, ${b.length} after; ${left.length} left the config: ${left.map(describe).join(', ')}`);

    env = await startEnv(launcher, bin, version, siteFile);
    const kubectl = new Kubectl(join(bin, 'kubectl'), env.ready, work);
    const must = async (what: string, args: string[], input?: string) => {
      const r = await kubectl.run(args, input);
      if (r.status !== 0) throw new Error(`${what}: kubectl ${args.join(' ')}\n${r.stderr.trim()}`);
      return r;
    };

    // What EKS creates before we apply anything: CoreDNS's Deployment and ConfigMap in kube-system.
    const eksCoredns: K8sObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: '.:53 {\n    forward . /etc/resolv.conf\n}\n' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          template: { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns', image: 'coredns/coredns:1.11.4' }] } },
        },
      },
    ];
    await must('create EKS CoreDNS', ['create', '-f', '-'], eksCoredns.map((o) => JSON.stringify(o)).join('\n---\n'));
    // The operators' CRDs are prerequisites, installed before the site (README: Deliver).
    await checkPrerequisites(join(bin, 'kubectl'), env.ready, false, check);
    const crds = importedCrds();
    await must('apply operator CRDs', ['apply', '--server-side', '-f', '-'], crds.map((e) => JSON.stringify(e.obj)).join('\n---\n'));
    await must('wait for CRDs', ['wait', '--for=condition=Established', '--timeout=90s', ...crds.map((e) => `crd/${e.obj.metadata.name}`)]);
    await checkPrerequisites(join(bin, 'kubectl'), env.ready, true, check);

    // The "## Apply" commands of the rendered dist/<site>/README.md, run by bash from a folder whose dist/ is the
    // render, with the built kubectl first on PATH: exactly what a user copies.
    let runs = 0;
    const deliver = async (siteDir: string) => {
      const readme = readFileSync(join(siteDir, 'README.md'), 'utf8');
      const block = readme.split('\n## Apply\n')[1]?.split('```sh\n')[1]?.split('\n```')[0];
      if (!block) throw new Error(`${siteDir}/README.md: no sh block under "## Apply"`);
      const cwd = join(work, `repo-${runs++}`);
      mkdirSync(cwd);
      symlinkSync(dirname(siteDir), join(cwd, 'dist'));
      let out = '';
      for (const line of block.split('\n').filter((l) => l.trim())) {
        const r = await exec('bash', ['-o', 'pipefail', '-c', line], {
          cwd,
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: env!.ready.kubeconfig, KUBECACHEDIR: join(work, `kube-cache-readme-${runs++}`) },
        });
        if (opts.verbose) log(`$ ${line}\n${r.stdout}${r.stderr}`);
        if (r.status !== 0) throw new Error(`README command failed (exit ${r.status}): ${line}\n${r.stderr.trim()}`);
        out += r.stdout;
      }
      return out;
    };
    const live = async (objects: K8sObject[]) => {
      const r = await must('get', ['get', '--ignore-not-found', '-o', 'json', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
      return new Map(parseKubectlJson(r.stdout).map((o) => [keyOf(o), o]));
    };
    const memberLabel = 'applyset.kubernetes.io/part-of';

    await deliver(before);
    const liveA = await live(a);
    const parentA = [...(await live(readYamlObjects(join(before, 'applyset', 'parent.yaml')).map((e) => e.obj))).values()][0];
    const id = parentA?.metadata.labels?.['applyset.kubernetes.io/id'];
    check(a.every((o) => liveA.get(keyOf(o))), `first apply: all ${a.length} objects exist`);
    check(
      !!id && a.every((o) => liveA.get(keyOf(o))?.metadata.labels?.[memberLabel] === id),
      `first apply: kubectl labelled every object ${memberLabel}=${id}`,
    );
    const kinds = parentA?.metadata.annotations?.['applyset.kubernetes.io/contains-group-kinds'] ?? '';
    check(kinds.includes('ExternalSecret.external-secrets.io') && kinds.includes('Deployment.apps'), `the parent lists the group-kinds (${kinds.split(',').length})`);
    const corefile = (objs: Map<string, K8sObject>) => (objs.get('|ConfigMap|kube-system|coredns')?.data as { Corefile?: string } | undefined)?.Corefile ?? '';
    const neverPruned = existsSync(join(before, NEVER_PRUNED)) ? objectsOf(join(before, NEVER_PRUNED)) : [];
    const ours = [...a, ...neverPruned].find((o) => keyOf(o) === '|ConfigMap|kube-system|coredns')!;
    const cmA = await live([ours]);
    check(corefile(cmA) === (ours.data as { Corefile: string }).Corefile, 'CoreDNS ConfigMap updated to our Corefile');

    // Created by hand after our apply, in one of our namespaces: not ours, never pruned.
    const handMade: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'ml-workloads' }, data: { owner: 'someone else' } };
    await must('create the hand-made ConfigMap', ['create', '-f', '-'], JSON.stringify(handMade));

    const pruneOut = await deliver(after);
    if (opts.verbose) log(`kubectl:\n${pruneOut}`);
    const liveB = await live([...a, ...b, handMade, ...eksCoredns]);
    // Namespaces only get a deletionTimestamp here: their finalizer waits for the namespace controller.
    const gone = (o: K8sObject) => {
      const l = liveB.get(keyOf(o));
      return !l || (o.kind === 'Namespace' && !!(l.metadata as { deletionTimestamp?: string }).deletionTimestamp);
    };
    check(left.length > 0 && left.every(gone), `second apply pruned the ${left.length} objects that left the config`);
    for (const o of left.filter((x) => !gone(x))) log(`  not pruned: ${describe(o)}`);
    check(b.every((o) => liveB.get(keyOf(o)) && !gone(o)), `second apply: all ${b.length} objects of the new config exist`);
    const pruned = pruneOut.split('\n').filter((l) => l.endsWith(' pruned'));
    check(pruned.length === left.length, `kubectl reported exactly ${left.length} objects pruned (got ${pruned.length})`);
    check(!!liveB.get(keyOf(handMade)), 'the hand-made ConfigMap in ml-workloads survived');
    check(!!liveB.get(keyOf(eksCoredns[1])), "EKS's CoreDNS Deployment in kube-system survived");
    check(corefile(liveB) === (ours.data as { Corefile: string }).Corefile, 'the CoreDNS ConfigMap survived, although the new config no longer renders it');
  } catch (err) {
    fail(`${version}: pruning: ${(err as Error).message}`);
    log(`ERROR: ${(err as Error).message}`);
    if (env && !opts.verbose) process.stderr.write(env.stderr());
  } finally {
    if (env) await stopEnv(env.child, env.ready, env.stderr());
    rmSync(work, { recursive: true, force: true });
    log(`${version} pruning done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

/** What test/cluster/migrate.ts borrows from this runner. */
function migrationHarness(): MigrationHarness {
  return {
    repo: REPO,
    build,
    startEnv: (launcher, bin, version, siteFile) => startEnv(launcher, bin, version, siteFile, [], `${version}-migrate`),
    stopEnv: (child, ready, stderr) => stopEnv(child, ready as Ready, stderr),
    exec,
    log,
    check: (ok, what) => (ok ? passed++ : fail(what)),
    setWork: (dir) => (current.work = dir),
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let launcher = '';
  try {
    launcher = join(await build('launcher'), 'testenv');
  } catch (err) {
    fail((err as Error).message);
  }
  const sites = opts.manifests ? ['sites/example.yaml'] : opts.sites.length > 0 ? opts.sites : defaultSites();
  if (launcher && !opts.migrationOnly) for (const v of opts.versions) for (const site of sites) await testVersion(v, launcher, site);
  if (launcher && !opts.manifests && !opts.skipPruning && !opts.migrationOnly) for (const v of opts.versions) await testPruning(v, launcher);
  if (launcher && !opts.manifests && !opts.skipMigration) for (const v of opts.versions) await testMigration(v, launcher, migrationHarness());
  // Each pair of consecutive minors among --versions is also upgraded in place (not with --manifests: it renders).
  const minors = [...opts.versions].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  if (launcher && !opts.manifests && !opts.migrationOnly) {
    for (let i = 1; i < minors.length; i++) {
      if (Number(minors[i].split('.')[1]) !== Number(minors[i - 1].split('.')[1]) + 1) continue;
      for (const site of sites) await testInPlaceUpgrade(minors[i - 1], minors[i], launcher, site);
    }
  }
  log(`total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (failures.length) {
    log('failures:');
    for (const f of failures) log(`  - ${f}`);
  }
  writeFileSync(process.stdout.fd, `${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

if (isMain) void main();
