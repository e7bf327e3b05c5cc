/**
 * Migration off Helm on a real kube-apiserver (called by test/cluster/run.ts, one fresh environment per case):
 *
 *   1. install what the upstream charts install, as Helm labels it (test/fixtures/migrate/*.yaml, created with
 *      Helm's field manager), and four nodes of the example site;
 *   2. run `migrate --output json` against the cluster with the built kubectl, and follow its steps one by one with
 *      bash: the same commands a user copies, with our render in dist/example/ and the built kubectl first on PATH;
 *   3. after every step, look at the cluster: no node may be selected by two device-plugin DaemonSets;
 *   4. at the end: every workload of the charts is gone and ours is there, no RBAC binding points at a missing role
 *      or service account, no object still names a removed release, nothing of a release (RBAC, policies,
 *      webhooks) is left but what the plan kept, and `migrate` now exits 0.
 *
 * Only kube-apiserver runs here (no controllers, no kubelet), so two stand-ins do their part, visibly and nothing
 * more: `helm` is a script that does what `helm uninstall` does (deletes every object of the release, whatever
 * annotations the live objects carry, as Helm follows the release's stored manifest, and the release's Secret), so
 * a plan that ran it would lose what it keeps; the plan must not run helm at all; after each step, DaemonSet and Deployment
 * status is written as their controllers would once the pods run on the nodes the pod spec selects, and each GPU
 * node's allocatable nvidia.com/gpu is what the device plugins there advertise (0 with none, 8 per plugin: two
 * plugins advertise the GPUs twice), so `kubectl rollout status` and the plan's GPU check have something real to read.
 *
 * The "wrong order" case runs the device-plugin steps with our apply moved before the release's removal and must see the
 * overlap: the check can fail.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { devicePluginDaemonSets, eligibleNodes, HELM_RELEASE_NAME, nodeOverlaps, type LiveObject, type MigrationPlan, type Step } from '../../lib/output/migrate';

interface Ready {
  kubeconfig: string;
}
/** What run.ts lends this phase: its build, environment and reporting helpers. */
export interface MigrationHarness {
  readonly repo: string;
  build(what: string): Promise<string>;
  startEnv(launcher: string, bin: string, version: string, siteFile: string): Promise<{ child: ChildProcess; ready: Ready; stderr: () => string }>;
  stopEnv(child: ChildProcess, ready: Ready, stderr: string): Promise<void>;
  exec(cmd: string, args: string[], o?: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<{ status: number; stdout: string; stderr: string }>;
  log(msg: string): void;
  /** Counts a check as passed or failed (with `what` in the failure list). */
  check(ok: boolean, what: string): void;
  /** Where an interrupt finds the work dir to remove. */
  setWork(dir: string): void;
}

const SITE = 'sites/example.yaml';
const FIXTURES = ['test', 'fixtures', 'migrate'];
const GPUS_PER_NODE = 8;
/** Kinds a release of these charts holds (what the stand-in helm deletes, and what the orphan checks read). */
const RELEASE_KINDS =
  'daemonsets.apps,deployments.apps,serviceaccounts,services,configmaps,secrets,clusterroles.rbac.authorization.k8s.io,clusterrolebindings.rbac.authorization.k8s.io,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io,validatingwebhookconfigurations.admissionregistration.k8s.io,mutatingwebhookconfigurations.admissionregistration.k8s.io,validatingadmissionpolicies.admissionregistration.k8s.io,validatingadmissionpolicybindings.admissionregistration.k8s.io,deviceclasses.resource.k8s.io,poddisruptionbudgets.policy';

interface Case {
  readonly name: string;
  readonly fixtures: readonly string[];
  /** Components whose plans are followed (all when undefined). */
  readonly components?: readonly string[];
  /** Reorders the steps of one component to the wrong order; the case then expects the overlap to be seen. */
  readonly wrongOrder?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'Helm: device plugin, DRA driver, cluster-autoscaler, DCGM exporter charts', fixtures: ['nvdp', 'dra-driver', 'cluster-autoscaler', 'dcgm-exporter'] },
  { name: "eksctl's static device plugin (adopted in place)", fixtures: ['eksctl-device-plugin'] },
  { name: 'wrong order: our device plugin applied before the chart release is removed', fixtures: ['nvdp'], components: ['nvidia-device-plugin'], wrongOrder: true },
];

export async function testMigration(version: string, launcher: string, h: MigrationHarness): Promise<void> {
  for (const c of CASES) await runCase(version, launcher, h, c);
}

function readFixture(repo: string, name: string): LiveObject[] {
  return parseAllDocuments(readFileSync(join(repo, ...FIXTURES, `${name}.yaml`), 'utf8'))
    .map((d) => d.toJS() as LiveObject)
    .filter(Boolean);
}

async function runCase(version: string, launcher: string, h: MigrationHarness, c: Case): Promise<void> {
  const t0 = Date.now();
  h.log(`=== Kubernetes ${version}, migrate: ${c.name} ===`);
  const bin = await h.build(version);
  const work = mkdtempSync(join(tmpdir(), `eks-hybrid-migrate-${version}-`));
  h.setWork(work);
  const check = (ok: boolean, what: string) => {
    h.check(ok, `${version}: migrate (${c.name}): ${what}`);
    h.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  };
  let env: Awaited<ReturnType<MigrationHarness['startEnv']>> | undefined;
  try {
    // our render, where the plan's commands expect it: <cwd>/dist/example/
    const tsx = join(h.repo, 'node_modules', '.bin', 'tsx');
    const synth = await h.exec(tsx, ['main.ts', 'synth', '--site', SITE, '--kubernetes-version', version, '--out', join(work, 'dist')], { cwd: h.repo });
    if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr}`);
    env = await h.startEnv(launcher, bin, version, SITE);
    const shellEnv = { ...process.env, PATH: `${work}/bin:${bin}:${process.env.PATH}`, KUBECONFIG: env.ready.kubeconfig, KUBECACHEDIR: join(work, 'kube-cache') };
    const sh = (command: string) => h.exec('bash', ['-o', 'pipefail', '-c', command], { cwd: work, env: shellEnv });
    const must = async (what: string, command: string, input?: string) => {
      const r = await h.exec('bash', ['-o', 'pipefail', '-c', command], { cwd: work, env: shellEnv, input });
      if (r.status !== 0) throw new Error(`${what}: ${command}\n${r.stderr.trim()}`);
      return r.stdout;
    };
    const getJson = async (kinds: string): Promise<LiveObject[]> => (JSON.parse(await must('read', `kubectl get ${kinds} -A -o json`)) as { items: LiveObject[] }).items;
    writeHelmStandIn(join(work, 'bin'));

    // Prerequisites as the README says (operator CRDs), then the cluster as Helm left it.
    const crds = readdirSync(join(h.repo, 'imports', 'crds')).filter((f) => f.endsWith('.yaml'));
    await must('operator CRDs', `kubectl apply --server-side ${crds.map((f) => `-f ${join(h.repo, 'imports', 'crds', f)}`).join(' ')} >/dev/null`);
    await must('CRDs established', 'kubectl wait --for=condition=Established crd --all --timeout=90s >/dev/null');
    const nodes = readFixture(h.repo, 'nodes');
    // the fixtures are written for resource.k8s.io/v1 (1.34+); 1.33 serves the same shapes as v1beta2
    const dra = version === '1.33' ? 'resource.k8s.io/v1beta2' : 'resource.k8s.io/v1';
    const installed = c.fixtures.flatMap((f) => readFixture(h.repo, f)).map((o) => (o.apiVersion === 'resource.k8s.io/v1' ? { ...o, apiVersion: dra } : o));
    const stream = (objs: readonly LiveObject[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n');
    // The nodes stay NotReady, with the not-ready:NoSchedule taint the API server's TaintNodesByCondition
    // admission gives every new node: the plan must still see where DaemonSets will run once they are Ready.
    await must('nodes', 'kubectl create -f - >/dev/null', stream(nodes));
    const namespaces = installed.filter((o) => o.kind === 'Namespace');
    if (namespaces.length > 0) await must('namespaces', 'kubectl create -f - >/dev/null', stream(namespaces));
    // Helm 3 creates with its own field manager ("helm"); eksctl's manifest is not Helm's, but a foreign manager all the same
    await must('the charts\' objects', `kubectl create --field-manager=${c.fixtures.includes('eksctl-device-plugin') ? 'eksctl' : 'helm'} -f - >/dev/null`, stream(installed.filter((o) => o.kind !== 'Namespace')));
    h.log(`installed ${installed.length} objects of ${c.fixtures.join(', ')} and ${nodes.length} nodes`);

    /** What controllers and kubelets would report: DaemonSet/Deployment status, GPUs advertised per node. */
    const settle = async () => {
      const objects = await getJson('nodes,daemonsets.apps,deployments.apps');
      const liveNodes = objects.filter((o) => o.kind === 'Node');
      // only what changed is written: every kubectl call costs a process start
      const differs = (o: LiveObject, s: Record<string, unknown>) => Object.entries(s).some(([k, v]) => ((o.status ?? {}) as Record<string, unknown>)[k] !== v);
      const status = async (o: LiveObject, s: Record<string, unknown>) => {
        if (differs(o, s)) await must('status', `kubectl patch ${o.kind.toLowerCase()}/${o.metadata.name} -n ${o.metadata.namespace} --subresource=status --type=merge -p '${JSON.stringify({ status: s })}' >/dev/null`);
      };
      for (const o of objects) {
        const generation = (o.metadata as { generation?: number }).generation;
        if (o.kind === 'DaemonSet') {
          const n = eligibleNodes(o, liveNodes).length;
          await status(o, { observedGeneration: generation, desiredNumberScheduled: n, currentNumberScheduled: n, updatedNumberScheduled: n, numberReady: n, numberAvailable: n, numberMisscheduled: 0 });
        } else if (o.kind === 'Deployment') {
          const n = (o.spec as { replicas?: number }).replicas ?? 1;
          await status(o, { observedGeneration: generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n });
        }
      }
      const plugins = devicePluginDaemonSets(objects);
      for (const node of liveNodes.filter((n) => n.metadata.labels?.['nvidia.com/gpu.present'] === 'true' || n.metadata.labels?.['feature.node.kubernetes.io/pci-10de.present'] === 'true')) {
        const gpus = String(GPUS_PER_NODE * plugins.filter((p) => eligibleNodes(p, [node]).length > 0).length);
        if ((node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable?.['nvidia.com/gpu'] === gpus) continue;
        await must('node status', `kubectl patch node/${node.metadata.name} --subresource=status --type=merge -p '${JSON.stringify({ status: { capacity: { 'nvidia.com/gpu': gpus }, allocatable: { 'nvidia.com/gpu': gpus } } })}' >/dev/null`);
      }
    };
    const overlaps: string[] = [];
    const lookForOverlaps = async (after: string) => {
      const objects = await getJson('nodes,daemonsets.apps');
      for (const o of nodeOverlaps(devicePluginDaemonSets(objects), objects.filter((x) => x.kind === 'Node'))) overlaps.push(`${after}: ${o.node} is selected by ${o.daemonSets.join(' and ')}`);
    };
    await settle();
    await lookForOverlaps('before migrating');

    const migrate = async () => {
      const r = await h.exec(tsx, ['main.ts', 'migrate', '--site', SITE, '--cluster', env!.ready.kubeconfig, '--out', 'dist', '--output', 'json'], {
        cwd: h.repo,
        env: { ...process.env, KUBECTL: join(bin, 'kubectl') },
      });
      if (r.status > 1) throw new Error(`migrate exited ${r.status}: ${r.stderr}`);
      return { status: r.status, plan: (JSON.parse(r.stdout) as { sites: MigrationPlan[] }).sites[0] };
    };
    const first = await migrate();
    check(first.status === 1, `migrate finds work to do: exit 1 (exit ${first.status})`);
    const expected: readonly string[] = c.components ?? componentsOf(c.fixtures);
    const planned: string[] = first.plan.components.filter((x) => x.steps.length > 0).map((x) => x.component);
    check(expected.every((x) => planned.includes(x)), `migrate plans ${expected.join(', ')} (planned: ${planned.join(', ') || 'nothing'})`);

    const helmSteps = first.plan.components.flatMap((x) => x.steps).filter((s) => /^helm\s/.test(s.command));
    check(helmSteps.length === 0, `no step runs helm (helm uninstall deletes what the plan keeps)${helmSteps.length ? `: ${helmSteps[0].command}` : ''}`);
    const steps: { component: string; step: Step }[] = [
      ...first.plan.prepare.map((step) => ({ component: 'prepare', step })),
      ...first.plan.components.filter((x) => expected.includes(x.component)).flatMap((x) => reorder(x.steps, c.wrongOrder).map((step) => ({ component: x.component, step }))),
    ];
    for (const [i, { component, step }] of steps.entries()) {
      const r = await sh(step.command);
      const label = `step ${i + 1} (${component}, ${step.kind})`;
      if (r.status !== 0) check(false, `${label} failed (exit ${r.status}): ${step.command}\n${(r.stderr || r.stdout).trim()}`);
      else h.log(`  ${label}: ${step.command.length > 160 ? `${step.command.slice(0, 157)}...` : step.command}`);
      await settle();
      await lookForOverlaps(`after ${label}`);
      // the gap the plan announces: between the release's removal and our rollout no plugin advertises the node's GPUs,
      // and the plan's GPU check says so (it can fail)
      if (component === 'nvidia-device-plugin' && step.kind === 'remove' && !c.wrongOrder) {
        const gpuCheck = steps.find((x) => x.component === component && x.step.kind === 'check')!.step.command;
        const gap = await sh(gpuCheck);
        check(gap.status === 1 && gap.stdout.includes('no GPU advertised on hybrid-gpu-h100-1'), `in the gap after the release's removal the plan's GPU check fails: "${gap.stdout.trim()}" (exit ${gap.status})`);
      }
    }

    if (c.wrongOrder) {
      check(overlaps.length > 0, `the overlap check sees two device plugins on one node in the wrong order${overlaps.length > 0 ? `: ${overlaps[0]}` : ''}`);
      return;
    }
    check(overlaps.length === 0, `no node was selected by two device-plugin DaemonSets at any moment${overlaps.length > 0 ? `: ${overlaps.join('; ')}` : ''}`);

    const live = await getJson(`${RELEASE_KINDS},namespaces`);
    const liveKeys = new Set(live.map(identity));
    const ours = readdirSync(join(work, 'dist', 'example'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) => parseAllDocuments(readFileSync(join(work, 'dist', 'example', f), 'utf8')).map((d) => d.toJS() as LiveObject))
      .filter(Boolean);
    const oursKeys = new Set(ours.map(identity));
    // every workload of the charts is gone (or, adopted, is ours now); ours run
    for (const o of installed.filter((x) => x.kind === 'DaemonSet' || x.kind === 'Deployment')) {
      const now = live.find((x) => identity(x) === identity(o));
      check(!now || now.metadata.labels?.['app.kubernetes.io/managed-by'] === 'eks-hybrid-charts', `${o.kind} ${o.metadata.namespace}/${o.metadata.name} of the old install is gone or ours now`);
    }
    for (const component of expected) {
      const mine = ours.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === component && (o.kind === 'DaemonSet' || o.kind === 'Deployment'));
      check(mine.length > 0 && mine.every((o) => liveKeys.has(identity(o))), `our ${component} workload runs: ${mine.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join(', ')}`);
    }
    // nothing of a release is left but what the plan kept, and nothing names a release any more
    const kept = new Set(first.plan.components.flatMap((x) => x.steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.command.split(' ')[2])));
    const keptGone = [...kept].filter((k) => !live.some((o) => `${resourceOf(o)}/${o.metadata.name}` === k));
    check(kept.size > 0 || !expected.includes('nvidia-dra-driver'), `the plan keeps objects of the DRA driver's release (${kept.size})`);
    check(keptGone.length === 0, `every object the plan keeps is still there${keptGone.length ? ` (gone: ${keptGone.join(', ')})` : ''}`);
    const leftovers = installed.filter((o) => o.metadata.annotations?.[HELM_RELEASE_NAME] && liveKeys.has(identity(o)) && !oursKeys.has(identity(o)) && !kept.has(`${resourceOf(o)}/${o.metadata.name}`));
    check(leftovers.length === 0, `no object of a removed release is left behind (RBAC, policies, webhooks, config)${leftovers.length ? `: ${leftovers.map(identity).join(', ')}` : ''}`);
    const naming = live.filter((o) => o.metadata.annotations?.[HELM_RELEASE_NAME]);
    check(naming.length === 0, `no object still names a Helm release${naming.length ? `: ${naming.map(identity).join(', ')}` : ''}`);
    const helmLabelled = live.filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'Helm');
    check(helmLabelled.length === 0, `no object still says Helm manages it${helmLabelled.length ? `: ${helmLabelled.map(identity).join(', ')}` : ''}`);
    const releaseSecrets = live.filter((o) => o.kind === 'Secret' && o.metadata.labels?.owner === 'helm');
    check(releaseSecrets.length === 0, `no Helm release record is left${releaseSecrets.length ? `: ${releaseSecrets.map(identity).join(', ')}` : ''}`);
    check(danglingBindings(live).length === 0, `no RBAC binding points at a missing role or service account${danglingBindings(live).length ? `: ${danglingBindings(live).join('; ')}` : ''}`);
    const takenOver = installed.filter((o) => oursKeys.has(identity(o)));
    const notOurs = takenOver.filter((o) => live.find((x) => identity(x) === identity(o))?.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'eks-hybrid-charts');
    if (takenOver.length > 0) check(notOurs.length === 0, `the ${takenOver.length} object(s) of the old install that we render too are ours now${notOurs.length ? ` (not: ${notOurs.map(identity).join(', ')})` : ''}`);
    // taken over: no list of named entries keeps an entry of theirs (an extra match condition disables a policy)
    for (const o of takenOver.filter((x) => x.kind !== 'DaemonSet' && x.kind !== 'Deployment')) {
      const now = live.find((x) => identity(x) === identity(o));
      const mine = ours.find((x) => identity(x) === identity(o))!;
      const extra = now ? extraNames(now, mine) : ['gone'];
      check(extra.length === 0, `${identity(o)}: taken over with nothing of the old install left in its lists${extra.length ? ` (left: ${extra.join(', ')})` : ''}`);
    }
    // adopted workloads: the pod template is ours, nothing of the old install's left in it
    for (const o of installed.filter((x) => x.kind === 'DaemonSet' && oursKeys.has(identity(x)))) {
      const now = live.find((x) => identity(x) === identity(o));
      const mine = ours.find((x) => identity(x) === identity(o))!;
      check(!!now && templateShape(now) === templateShape(mine), `${o.kind} ${o.metadata.namespace}/${o.metadata.name}: its pod template now has exactly our containers, env, mounts and volumes${now ? `\n    live: ${templateShape(now)}\n    ours: ${templateShape(mine)}` : ''}`);
    }
    const gpus = await sh(first.plan.components.find((x) => x.component === 'nvidia-device-plugin')?.steps.find((s) => s.kind === 'check')?.command ?? 'true');
    check(gpus.status === 0, `our device-plugin nodes advertise their GPUs at the end${gpus.status ? `: ${gpus.stdout.trim()}` : ''}`);
    const again = await migrate();
    const still = again.plan.components.filter((x) => x.steps.length > 0).map((x) => x.component);
    check(again.status === 0, `migrate run again: nothing left to migrate, exit 0 (exit ${again.status}${still.length ? `, still: ${still.join(', ')}` : ''})`);
  } catch (err) {
    check(false, (err as Error).message);
    if (env) process.stderr.write(env.stderr());
  } finally {
    if (env) await h.stopEnv(env.child, env.ready, env.stderr());
    rmSync(work, { recursive: true, force: true });
    h.log(`migrate (${c.name}) done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

function componentsOf(fixtures: readonly string[]): string[] {
  const map: Record<string, string> = {
    nvdp: 'nvidia-device-plugin',
    'eksctl-device-plugin': 'nvidia-device-plugin',
    'dra-driver': 'nvidia-dra-driver',
    'cluster-autoscaler': 'cluster-autoscaler',
    'dcgm-exporter': 'dcgm-exporter',
  };
  return fixtures.map((f) => map[f]);
}

/** The wrong order: our apply first, before anything of theirs goes. */
function reorder(steps: readonly Step[], wrong?: boolean): readonly Step[] {
  if (!wrong) return steps;
  const apply = steps.find((s) => s.kind === 'apply' || s.kind === 'adopt');
  return apply ? [apply, ...steps.filter((s) => s !== apply)] : steps;
}

function identity(o: LiveObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${o.kind}.${group} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** `resource[.group]` as the plan's kubectl commands name it. */
function resourceOf(o: LiveObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${o.kind.toLowerCase()}${group && group !== 'apps' ? `.${group}` : ''}`;
}

/** `path: name` of every entry, in a list of named entries of `live`, whose name `ours` has not in the same list. */
function extraNames(live: unknown, ours: unknown, path = ''): string[] {
  if (!live || !ours || typeof live !== 'object' || typeof ours !== 'object') return [];
  if (Array.isArray(live) && Array.isArray(ours)) {
    const mine = new Set(ours.map((x) => (x as { name?: string })?.name));
    return live.map((x) => (x as { name?: string })?.name).filter((n): n is string => typeof n === 'string' && !mine.has(n)).map((n) => `${path}: ${n}`);
  }
  if (Array.isArray(live) || Array.isArray(ours)) return [];
  return Object.keys(live as object)
    .filter((k) => k !== 'metadata' && k !== 'status')
    .flatMap((k) => extraNames((live as Record<string, unknown>)[k], (ours as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
}

/** Bindings whose role or service-account subject does not exist. */
function danglingBindings(live: readonly LiveObject[]): string[] {
  const has = (kind: string, name: string, ns?: string) => live.some((o) => o.kind === kind && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns));
  const out: string[] = [];
  // ours are judged by the site's own tests; here: what the old installs left
  for (const b of live.filter((o) => (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'eks-hybrid-charts')) {
    const ref = b.roleRef as { kind: string; name: string };
    // system: bindings come with the apiserver and point at roles it bootstraps
    if (b.metadata.name.startsWith('system:') || b.metadata.name === 'cluster-admin') continue;
    if (!has(ref.kind, ref.name, ref.kind === 'Role' ? b.metadata.namespace : undefined)) out.push(`${identity(b)} → ${ref.kind} ${ref.name}`);
    for (const s of (b.subjects ?? []) as { kind: string; name: string; namespace?: string }[]) {
      if (s.kind === 'ServiceAccount' && !has('ServiceAccount', s.name, s.namespace ?? b.metadata.namespace)) out.push(`${identity(b)} → ServiceAccount ${s.namespace}/${s.name}`);
    }
  }
  return out;
}

/** Containers (name, image, env names, mount paths), volumes and placement of a workload's pod template, as one comparable line. */
function templateShape(o: LiveObject): string {
  const spec = ((o.spec as any)?.template?.spec ?? {}) as Record<string, any>;
  const containers = (spec.containers ?? []).map((c: any) => ({
    name: c.name,
    image: c.image,
    env: (c.env ?? []).map((e: any) => e.name).sort(),
    mounts: (c.volumeMounts ?? []).map((m: any) => `${m.name}:${m.mountPath}`).sort(),
  }));
  return JSON.stringify({
    containers,
    volumes: (spec.volumes ?? []).map((v: any) => v.name).sort(),
    nodeSelector: spec.nodeSelector ?? {},
    affinity: spec.affinity ?? null,
    tolerations: spec.tolerations ?? [],
    labels: (o.spec as any)?.template?.metadata?.labels ?? {},
  });
}

/**
 * `helm uninstall RELEASE -n NAMESPACE` as Helm does it: every object of the release (the objects carrying its
 * meta.helm.sh annotations) is deleted, even one annotated helm.sh/resource-policy=keep on the cluster (Helm reads that
 * annotation from the release's stored manifest, which these charts do not write it into; helm/helm#8132), then
 * the release's record (Secrets sh.helm.release.v1.RELEASE.vN). Anything else is refused. Plans must not call it.
 */
function writeHelmStandIn(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const script = `#!/usr/bin/env node
// Stand-in for helm (test/cluster/migrate.ts): only "uninstall RELEASE -n NAMESPACE".
const { execFileSync } = require('node:child_process');
const args = process.argv.slice(2);
const ns = args[args.indexOf('-n') + 1];
if (args[0] !== 'uninstall' || args.indexOf('-n') < 0 || !args[1] || !ns) { console.error('helm stand-in: only "helm uninstall RELEASE -n NAMESPACE"'); process.exit(2); }
const release = args[1];
const kinds = ${JSON.stringify(RELEASE_KINDS)};
const items = JSON.parse(execFileSync('kubectl', ['get', kinds, '-A', '-o', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 })).items;
const mine = items.filter((o) => (o.metadata.annotations || {})['meta.helm.sh/release-name'] === release && (o.metadata.annotations || {})['meta.helm.sh/release-namespace'] === ns);
if (mine.length === 0) { console.error('Error: uninstall: Release not loaded: ' + release + ': release: not found'); process.exit(1); }
for (const o of mine) {
  const ref = o.kind.toLowerCase() + (o.apiVersion.includes('/') ? '.' + o.apiVersion.split('/')[0] : '') + '/' + o.metadata.name;
  execFileSync('kubectl', ['delete', ref, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : []), '--wait=false'], { stdio: 'ignore' });
}
for (const s of items.filter((o) => o.kind === 'Secret' && o.metadata.namespace === ns && (o.metadata.labels || {}).owner === 'helm' && (o.metadata.labels || {}).name === release)) {
  execFileSync('kubectl', ['delete', 'secret', s.metadata.name, '-n', ns], { stdio: 'ignore' });
}
console.log('release "' + release + '" uninstalled');
`;
  writeFileSync(join(dir, 'helm'), script);
  chmodSync(join(dir, 'helm'), 0o755);
}
