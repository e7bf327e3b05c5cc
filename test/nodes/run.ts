/**
 * npm run test:nodes — the node side checked by the real components (tools/nodecheck).
 *
 * For every site in sites/ (`--sites a.yaml,b.yaml` to choose), Kubernetes 1.33 and 1.34 (`--versions`) and
 * containerd 1.7 and 2.x: render the site into a temp dir (an overlay that extends it and sets
 * nodeadm.containerdMajor, plus --kubernetes-version), then for every NodeConfig
 *   - rebuild nodeadm's own containerd config for the site's region, add our drop-in where nodeadm writes it,
 *     load both with containerd's loader of that major and run its CRI validation (test/nodes/checks.ts);
 *   - merge spec.kubelet.config over nodeadm's kubelet config and validate it with the kubelet of that minor;
 *   - fill the placeholders with realistic values and check nodeadm's NodeConfig rules;
 * and resolve Harbor's hosts.toml with containerd's ConfigureHosts for the registry (every proxy-cache
 * project is a path on that same host). Then every fixture in test/nodes/negative/ must fail with its
 * expected message, so the checker is shown able to fail in every run.
 * Last line: "N passed, M failed"; exit status 1 on any failure, 2 on bad arguments.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { SiteConfig } from '../../lib/config/schema';
import { eksPauseImage } from '../../lib/artifacts/nodeadm';
import { loadSite } from '../../lib/site/site';
import {
  containerdProblems,
  hostsProblems,
  kubeletProblems,
  type ContainerdReport,
  type GpuMode,
  type HostsReport,
  type KubeletReport,
  type PoolIntent,
} from './checks';
import { mergeKubeletConfig, nodeadmContainerdConfig, nodeadmKubeletConfig, nodeConfigProblems } from './nodeadm-facts';

const REPO = resolve(dirname(process.argv[1]), '..', '..');
const NEGATIVE_DIR = join(REPO, 'test', 'nodes', 'negative');
const MAJORS = [1, 2] as const;

/** Realistic values for the NodeConfig placeholders (what envsubst fills on a server). */
const FILLED: Record<string, string> = {
  SSM_ACTIVATION_CODE: 'Xk3v9Qw2Rt7Yp1Lm5Nb8', // SSM codes are 20 characters
  SSM_ACTIVATION_ID: '3f9c2a61-7b4e-4d2a-9c1e-5a8b7d6e4f21',
  NODE_NAME: 'gpu-node-01',
  IAM_RA_TRUST_ANCHOR_ARN: 'arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/5f0c8e0e-1b7a-4c1d-9f3e-2a6b8c4d0e11',
  IAM_RA_PROFILE_ARN: 'arn:aws:rolesanywhere:ap-northeast-2:111122223333:profile/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  HYBRID_NODES_ROLE_ARN: 'arn:aws:iam::111122223333:role/AmazonEKSHybridNodesRole',
};

function fail(message: string): never {
  console.error(`test:nodes: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const o = { versions: ['1.33', '1.34'], sites: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--versions') o.versions = (argv[++i] ?? fail('--versions needs a value')).split(',');
    else if (a === '--sites') o.sites = (argv[++i] ?? fail('--sites needs a value')).split(',');
    else fail(`unknown argument ${a} (options: --versions 1.33,1.34 --sites sites/a.yaml,…)`);
  }
  if (o.sites.length === 0) {
    o.sites = readdirSync(join(REPO, 'sites')).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `sites/${f}`);
  }
  return o;
}

/** Builds (or reuses from the cache) one checker binary; see tools/nodecheck/build. */
function checker(name: string): string {
  const r = spawnSync(join(REPO, 'tools', 'nodecheck', 'build'), [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail(`building ${name} failed`);
  return r.stdout.trim();
}

function runChecker<T>(binary: string, job: unknown): T {
  const r = spawnSync(binary, [], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${binary} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Renders the site for one minor and containerd major, as a user would (`synth --site`), into a temp dir. */
function render(siteFile: string, config: SiteConfig, version: string, major: 1 | 2, work: string): string {
  const overlay = join(work, `site-${version}-c${major}.yaml`);
  const abs = resolve(REPO, siteFile);
  // File paths in a site are relative to the file named on the command line: point the CA at the original.
  const ca = config.registry.caFile === undefined ? {} : { registry: { caFile: resolve(dirname(abs), config.registry.caFile) } };
  writeFileSync(overlay, stringify({ extends: relative(work, abs), nodeadm: { containerdMajor: major }, ...ca }));
  const out = join(work, `dist-${version}-c${major}`);
  const r = spawnSync(join(REPO, 'node_modules', '.bin', 'tsx'), ['main.ts', 'synth', '--site', overlay, '--kubernetes-version', version, '--out', out], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`rendering ${siteFile} for ${version}/containerd ${major} failed:\n${r.stdout}${r.stderr}`);
  return join(out, readdirSync(out).filter((n) => !n.startsWith('.'))[0]);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => join(e.parentPath, e.name));
}

/** Harbor's hosts.toml and CA as the registry-ca-trust ConfigMap carries them, if the site renders it. */
function registryTrust(siteDir: string): { hostsToml: string; caPem: string } | undefined {
  for (const file of yamlFiles(siteDir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> } | null;
      if (o?.kind === 'ConfigMap' && o.metadata?.name === 'registry-ca-trust' && o.data) return { hostsToml: o.data['hosts.toml'], caPem: o.data['ca.crt'] };
    }
  }
  return undefined;
}

interface NodeConfigDoc {
  spec: {
    hybrid: { iamRolesAnywhere?: { nodeName?: string } };
    kubelet: { config: Record<string, unknown>; flags: string[] };
    containerd?: { config?: string };
  };
}

interface Row {
  site: string;
  version: string;
  containerd: string;
  subject: string;
  problems: string[];
}

const rows: Row[] = [];

function checkSite(siteFile: string, version: string, work: string, bins: Record<string, string>) {
  const site = loadSite(resolve(REPO, siteFile), { kubernetesVersion: version });
  const { config } = site;
  const intent = (gpu: GpuMode): PoolIntent => ({ gpu, nvidiaRuntimeClass: config.devicePlugin.nvidiaRuntimeClass, sandboxImage: eksPauseImage(config.cluster.region) });
  const kubeletCases: { id: string; config: unknown }[] = [];
  const kubeletGpu = new Map<string, GpuMode>();
  for (const major of MAJORS) {
    const dir = render(siteFile, config, version, major, work);
    const containerdCases: { id: string; base: string; dropin: string }[] = [];
    const gpuOf = new Map<string, GpuMode>();
    for (const file of readdirSync(join(dir, 'nodes')).filter((f) => f.endsWith('.nodeconfig.yaml')).sort()) {
      const pool = file.replace(/\.nodeconfig\.yaml$/, '');
      const gpu = config.nodePools.find((p) => p.name === pool)?.gpu.mode ?? fail(`${file}: no pool ${pool} in ${siteFile}`);
      const filled = readFileSync(join(dir, 'nodes', file), 'utf8').replace(/\$\{([A-Z_]+)\}/g, (m, v: string) => FILLED[v] ?? m);
      const doc = parse(filled) as NodeConfigDoc;
      rows.push({ site: siteFile, version, containerd: `${major}.x`, subject: `${pool}: NodeConfig rules`, problems: nodeConfigProblems(doc) });
      containerdCases.push({ id: pool, base: nodeadmContainerdConfig(config.cluster.region), dropin: doc.spec.containerd?.config ?? '' });
      gpuOf.set(pool, gpu);
      const nodeName = doc.spec.hybrid.iamRolesAnywhere?.nodeName ?? 'mi-0123456789abcdef0';
      const id = `${major}/${pool}`;
      kubeletCases.push({ id, config: mergeKubeletConfig(nodeadmKubeletConfig(config, nodeName), doc.spec.kubelet.config) });
      kubeletGpu.set(id, gpu);
    }
    const trust = registryTrust(dir);
    const hosts = trust ? [{ id: config.registry.hostname, host: config.registry.hostname, ...trust }] : [];
    const out = runChecker<{ containerd: ContainerdReport[]; hosts: HostsReport[] }>(bins[`containerd-${major === 1 ? '1.7' : '2'}`], { containerd: containerdCases, hosts });
    for (const r of out.containerd) {
      rows.push({ site: siteFile, version, containerd: `${major}.x`, subject: `${r.id}: containerd`, problems: containerdProblems(r, intent(gpuOf.get(r.id)!)) });
    }
    const projects = Object.values(config.registry.proxyCache);
    for (const r of out.hosts) {
      const subject = `hosts.toml ${r.id}${projects.length > 0 ? ` (also proxy-cache ${projects.join(', ')})` : ''}`;
      rows.push({ site: siteFile, version, containerd: `${major}.x`, subject, problems: hostsProblems(r, config.registry.hostname) });
    }
  }
  const kubelet = runChecker<{ minor: string; results: KubeletReport[] }>(bins[`kubelet-${version}`], { cases: kubeletCases });
  for (const r of kubelet.results) {
    const [major, pool] = r.id.split('/');
    rows.push({ site: siteFile, version, containerd: `${major}.x`, subject: `${pool}: kubelet ${kubelet.minor}`, problems: kubeletProblems(r, kubeletGpu.get(r.id)!) });
  }
}

interface NegativeFixture {
  /** What the fixture shows the checker catches. */
  description: string;
  check: 'containerd-1.7' | 'containerd-2' | 'hosts-1.7' | 'hosts-2' | 'kubelet' | 'nodeconfig';
  minor?: string;
  gpu?: GpuMode;
  region?: string;
  dropin?: string;
  hostsToml?: string;
  kubeletConfig?: Record<string, unknown>;
  nodeConfig?: unknown;
  /** Text one of the problems must contain. */
  expect: string;
}

function checkNegative(file: string, bins: Record<string, string>) {
  const f = parse(readFileSync(join(NEGATIVE_DIR, file), 'utf8')) as NegativeFixture;
  const region = f.region ?? 'ap-northeast-2';
  const gpu = f.gpu ?? 'none';
  let problems: string[];
  if (f.check === 'containerd-1.7' || f.check === 'containerd-2') {
    const out = runChecker<{ containerd: ContainerdReport[] }>(bins[f.check], { containerd: [{ id: file, base: nodeadmContainerdConfig(region), dropin: f.dropin ?? '' }], hosts: [] });
    problems = containerdProblems(out.containerd[0], { gpu, nvidiaRuntimeClass: false, sandboxImage: eksPauseImage(region) });
  } else if (f.check === 'hosts-1.7' || f.check === 'hosts-2') {
    const caPem = readFileSync(join(REPO, 'sites', 'example-harbor-ca.crt'), 'utf8');
    const host = 'harbor.yourdomain.com';
    const out = runChecker<{ hosts: HostsReport[] }>(bins[`containerd-${f.check.slice(6)}`], { containerd: [], hosts: [{ id: file, host, hostsToml: f.hostsToml, caPem }] });
    problems = hostsProblems(out.hosts[0], host);
  } else if (f.check === 'kubelet') {
    const base = nodeadmKubeletConfig(loadSite(join(REPO, 'sites', 'example.yaml')).config, 'gpu-node-01');
    const out = runChecker<{ results: KubeletReport[] }>(bins[`kubelet-${f.minor}`], { cases: [{ id: file, config: mergeKubeletConfig(base, f.kubeletConfig ?? {}) }] });
    problems = kubeletProblems(out.results[0], gpu);
  } else {
    problems = nodeConfigProblems(f.nodeConfig as Parameters<typeof nodeConfigProblems>[0]);
  }
  const caught = problems.some((p) => p.includes(f.expect));
  rows.push({
    site: `negative/${file}`,
    version: f.minor ?? '-',
    containerd: f.check.startsWith('containerd') || f.check.startsWith('hosts') ? f.check.replace(/^\w+-/, '') : '-',
    subject: `must fail: ${f.description}`,
    problems: caught ? [] : [`expected a problem containing ${JSON.stringify(f.expect)}, got ${problems.length === 0 ? 'none' : problems.map((p) => JSON.stringify(p)).join('; ')}`],
  });
  if (caught) for (const p of problems) console.log(`  negative/${file}: caught: ${p}`);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bins: Record<string, string> = {};
  for (const name of ['containerd-1.7', 'containerd-2', ...opts.versions.map((v) => `kubelet-${v}`)]) bins[name] = checker(name);
  const work = mkdtempSync(join(tmpdir(), 'ehc-nodes-'));
  try {
    for (const siteFile of opts.sites) for (const version of opts.versions) checkSite(siteFile, version, work, bins);
    if (opts.versions.includes('1.33')) for (const file of readdirSync(NEGATIVE_DIR).filter((f) => f.endsWith('.yaml')).sort()) checkNegative(file, bins);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => [r.site, r.version, r.containerd, r.subject][i].length)));
  for (const r of rows) {
    const cells = [r.site, r.version, r.containerd, r.subject].map((c, i) => c.padEnd(widths[i]));
    console.log(`${r.problems.length === 0 ? 'ok  ' : 'FAIL'}  ${cells.join('  ')}`);
    for (const p of r.problems) console.log(`        - ${p}`);
  }
  const failed = rows.filter((r) => r.problems.length > 0).length;
  console.log(`${rows.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main();
