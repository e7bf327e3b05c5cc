import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, EXIT_FINDINGS } from '../lib/cli/cli';
import { objectIdentity } from '../lib/core/manifest';
import {
  devicePluginDaemonSets,
  eligibleNodes,
  HELM_RELEASE_NAME,
  HELM_RELEASE_NAMESPACE,
  imagePath,
  nodeOverlaps,
  planMigration,
  type ComponentPlan,
  type LiveObject,
  type Step,
} from '../lib/output/migrate';
import { buildSite } from '../lib/pipeline/pipeline';
import { setUp } from './helpers/set-up';
import { captureCli } from './helpers/run-cli';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };
const FIXTURES = join(__dirname, 'fixtures', 'migrate');
let example!: ReturnType<typeof buildSite>;
setUp(() => {
  example = buildSite('sites/example.yaml', REGISTRY, { validate: false });
});

function fixture(name: string): LiveObject[] {
  return parseAllDocuments(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8'))
    .map((d) => d.toJS() as LiveObject)
    .filter(Boolean);
}

function plan(...names: string[]) {
  return planMigration('example', 'dist/example', example.result.files, names.flatMap(fixture));
}

function component(p: ReturnType<typeof plan>, id: string): ComponentPlan {
  const c = p.components.find((x) => x.component === id);
  if (!c) throw new Error(`no plan for ${id}`);
  return c;
}

const indexOf = (steps: readonly Step[], pred: (s: Step) => boolean) => steps.findIndex(pred);

/**
 * Runs a plan's steps on an in-memory cluster the way the commands would change it: an apply puts our
 * objects of that file in place (same identity: replaced), `kubectl delete` (by name, or by label for the
 * release record) and `kubectl annotate key-` do what they say, and `helm uninstall` does what Helm does:
 * it deletes every object of the release, whatever the live objects' annotations say (it reads the stored
 * manifest; helm.sh/resource-policy=keep counts only where the chart itself wrote it, helm/helm#8132).
 * After every step it records the nodes that two device-plugin DaemonSets select.
 */
function simulate(live: LiveObject[], steps: readonly Step[]): { overlaps: string[]; live: LiveObject[] } {
  let objects = [...live];
  const overlaps: string[] = [];
  const ours = example.result.files.flatMap((f) => f.objects.map((o) => ({ file: `dist/example/${f.path}`, o: o as unknown as LiveObject })));
  steps.forEach((s, i) => {
    const helm = /^helm uninstall (\S+) -n (\S+)$/.exec(s.command);
    const apply = /^kubectl apply .* -f (\S+)$/.exec(s.command);
    const annotate = /^kubectl annotate (\S+)\/(\S+)(?: -n (\S+))? ((?:\S+- ?)+)$/.exec(s.command);
    const record = /^kubectl delete secret,configmap -n (\S+) -l owner=helm,name=(\S+)$/.exec(s.command);
    const del = /^kubectl delete (\S+)\/(\S+)(?: -n (\S+))?/.exec(s.command);
    const same = (o: LiveObject, ref: string, name: string, namespace: string | undefined) =>
      o.kind.toLowerCase() === ref.split('.')[0] && o.metadata.name === name && (o.metadata.namespace ?? undefined) === namespace;
    if (helm) {
      objects = objects.filter((o) => !(o.metadata.annotations?.[HELM_RELEASE_NAME] === helm[1] && o.metadata.annotations?.[HELM_RELEASE_NAMESPACE] === helm[2]));
    } else if (record) {
      objects = objects.filter((o) => !(['Secret', 'ConfigMap'].includes(o.kind) && o.metadata.namespace === record[1] && o.metadata.labels?.owner === 'helm' && o.metadata.labels?.name === record[2]));
    } else if (apply) {
      for (const { o } of ours.filter((x) => x.file === apply[1])) {
        objects = [...objects.filter((x) => objectIdentity(x) !== objectIdentity(o)), o];
      }
    } else if (annotate) {
      const drop = annotate[4].trim().split(' ').map((k) => k.slice(0, -1));
      objects = objects.map((o) =>
        same(o, annotate[1], annotate[2], annotate[3])
          ? { ...o, metadata: { ...o.metadata, annotations: Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => !drop.includes(k))) } }
          : o,
      );
    } else if (del) {
      objects = objects.filter((o) => !same(o, del[1], del[2], del[3]));
    }
    for (const x of nodeOverlaps(devicePluginDaemonSets(objects), objects.filter((o) => o.kind === 'Node'))) {
      overlaps.push(`after step ${i + 1} (${s.kind}): ${x.node}: ${x.daemonSets.join(' + ')}`);
    }
  });
  return { overlaps, live: objects };
}

describe('detection', () => {
  it('reads the repository path of an image, whatever the registry, tag or digest', () => {
    expect(imagePath('nvcr.io/nvidia/k8s-device-plugin:v0.17.1')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('harbor.example.com:8443/nvidia/k8s-device-plugin@sha256:abc')).toBe('nvidia/k8s-device-plugin');
    expect(imagePath('registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0')).toBe('autoscaling/cluster-autoscaler');
  });

  it('finds each upstream install by image and name, with its Helm release, and never our own objects', () => {
    const p = plan('nodes', 'nvdp', 'dra-driver', 'cluster-autoscaler', 'dcgm-exporter');
    expect(p.components.map((c) => c.component)).toEqual(['nvidia-device-plugin', 'nvidia-dra-driver', 'cluster-autoscaler', 'dcgm-exporter']);
    expect(component(p, 'nvidia-device-plugin').found).toEqual([
      {
        object: 'DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin',
        image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1',
        release: { name: 'nvdp', namespace: 'nvidia-device-plugin' },
        nodes: ['cloud-gpu-1', 'hybrid-gpu-h100-1', 'hybrid-gpu-h100-dra-1'],
      },
    ]);
    expect(component(p, 'nvidia-dra-driver').found.map((f) => f.object)).toEqual([
      'DaemonSet dra-driver-nvidia-gpu/dra-driver-nvidia-gpu-kubelet-plugin',
      'Deployment dra-driver-nvidia-gpu/dra-driver-nvidia-gpu-controller',
    ]);
    // our own render, on the cluster, is nothing to migrate
    const ours = example.result.files.flatMap((f) => f.objects) as unknown as LiveObject[];
    expect(planMigration('example', 'dist/example', example.result.files, [...fixture('nodes'), ...ours]).components).toEqual([]);
  });

  it('places pods as the scheduler would: nodeSelector, required affinity (OR of terms), taints', () => {
    const nodes = fixture('nodes');
    const ds = example.result.files.flatMap((f) => f.objects).find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'nvidia-device-plugin-daemonset')!;
    expect(eligibleNodes(ds, nodes)).toEqual(['cloud-gpu-1', 'hybrid-gpu-h100-1']);
    // the static manifest has no selector: every node whose taints it tolerates (the CPU node has none)
    expect(eligibleNodes(fixture('eksctl-device-plugin')[0], nodes)).toEqual(['cloud-cpu-1', 'cloud-gpu-1', 'hybrid-gpu-h100-1', 'hybrid-gpu-h100-dra-1']);
    const untolerated = { ...fixture('eksctl-device-plugin')[0], spec: { template: { spec: { tolerations: [] } } } };
    expect(eligibleNodes(untolerated, nodes)).toEqual(['cloud-cpu-1']);
  });
});

describe('plan', () => {
  it('device plugin chart on the same nodes as ours: release removed first, then ours, then the GPU check; never two plugins on a node', () => {
    const p = plan('nodes', 'nvdp');
    const c = component(p, 'nvidia-device-plugin');
    expect(c.strategy).toBe('remove-first');
    const uninstall = indexOf(c.steps, (s) => s.command === 'kubectl delete daemonset/nvdp-nvidia-device-plugin -n nvidia-device-plugin --wait=true');
    const apply = indexOf(c.steps, (s) => s.kind === 'apply' && s.command.endsWith('-f dist/example/20-nvidia-device-plugin.yaml'));
    const wait = indexOf(c.steps, (s) => s.command === 'kubectl rollout status daemonset/nvidia-device-plugin-daemonset -n kube-system --timeout=5m');
    const check = c.steps.findLastIndex((s) => s.kind === 'check' && s.command.startsWith('kubectl get nodes cloud-gpu-1 hybrid-gpu-h100-1 '));
    expect([uninstall, apply, wait, check].every((i) => i >= 0)).toBe(true);
    expect(uninstall < apply && apply < wait && wait < check).toBe(true);
    // nothing is taken over here, so nothing needs --force-conflicts
    expect(c.steps.some((s) => s.command.includes('--force-conflicts'))).toBe(false);
    expect(c.warnings.join('\n')).toContain('runs on hybrid-gpu-h100-dra-1, which ours does not select');
    expect(simulate(fixture('nodes').concat(fixture('nvdp')), [...p.prepare, ...c.steps]).overlaps).toEqual([]);
    // the release goes object by object (workloads first), then its record; no step runs helm
    const removal = c.steps.filter((s) => s.kind === 'remove' || s.kind === 'release');
    expect(removal[0].command).toBe('kubectl delete daemonset/nvdp-nvidia-device-plugin -n nvidia-device-plugin --wait=true');
    expect(removal.at(-1)).toEqual({
      kind: 'release',
      command: 'kubectl delete secret,configmap -n nvidia-device-plugin -l owner=helm,name=nvdp',
      why: 'the record of release nvdp (a Secret per revision, a ConfigMap with HELM_DRIVER=configmap): helm list no longer shows it, and no helm uninstall can delete what was kept. Before it, compare with `helm get manifest nvdp -n nvidia-device-plugin`: an object of a kind migrate does not read (README) is not deleted above',
    });
    expect(c.steps.some((s) => s.command.startsWith('helm '))).toBe(false);
    const after = simulate(fixture('nodes').concat(fixture('nvdp')), [...p.prepare, ...c.steps]).live;
    expect(after.filter((o) => o.metadata.annotations?.[HELM_RELEASE_NAME] === 'nvdp' || o.metadata.labels?.owner === 'helm').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
  });

  it('the overlap check fails when ours is applied before the chart is removed (the wrong order)', () => {
    const c = component(plan('nodes', 'nvdp'), 'nvidia-device-plugin');
    const apply = c.steps.find((s) => s.kind === 'apply')!;
    const wrong = [apply, ...c.steps.filter((s) => s !== apply)];
    expect(simulate(fixture('nodes').concat(fixture('nvdp')), wrong).overlaps[0]).toBe(
      'after step 1 (apply): cloud-gpu-1: DaemonSet kube-system/nvidia-device-plugin-daemonset + DaemonSet nvidia-device-plugin/nvdp-nvidia-device-plugin',
    );
  });

  it("eksctl's static plugin has our name and selector: adopted in place with --force-conflicts, nothing deleted", () => {
    const c = component(plan('nodes', 'eksctl-device-plugin'), 'nvidia-device-plugin');
    expect(c.strategy).toBe('adopt');
    expect(c.steps.map((s) => s.kind)).toEqual(['adopt', 'tidy', 'wait', 'check']);
    expect(c.steps[0].command).toBe('kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/example/20-nvidia-device-plugin.yaml');
    // what the static manifest sets and ours does not: its env var and its volume (the mount path is the same as ours)
    expect(c.steps[1].command).toBe(
      `kubectl patch daemonset/nvidia-device-plugin-daemonset -n kube-system --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"nvidia-device-plugin-ctr","env":[{"name":"FAIL_ON_INIT_ERROR","$patch":"delete"}]}],"volumes":[{"name":"device-plugin","$patch":"delete"}]}}}}'`,
    );
    expect(c.reason).toContain('has our name and our selector (name=nvidia-device-plugin-ds)');
    expect(c.warnings.join('\n')).toContain('runs on cloud-cpu-1, hybrid-gpu-h100-dra-1, which ours does not select');
  });

  it('same name, other selector: delete then apply, the gap said, the object not kept', () => {
    const c = component(plan('nodes', 'dcgm-exporter'), 'dcgm-exporter');
    expect(c.strategy).toBe('delete-then-apply');
    expect(c.reason).toContain('spec.selector is immutable, so it must be deleted before ours is applied');
    const kept = c.steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.command.split(' ')[2]);
    expect(kept).toEqual(['serviceaccount/dcgm-exporter', 'service/dcgm-exporter']);
    expect(c.steps.filter((s) => s.kind === 'remove').map((s) => s.command)).toEqual([
      'kubectl delete daemonset/dcgm-exporter -n dcgm-exporter --wait=true',
      'kubectl delete configmap/exporter-metrics-config-map -n dcgm-exporter --wait=true',
      'kubectl delete role.rbac.authorization.k8s.io/dcgm-exporter-read-cm -n dcgm-exporter --wait=true',
      'kubectl delete rolebinding.rbac.authorization.k8s.io/dcgm-exporter -n dcgm-exporter --wait=true',
    ]);
    expect(indexOf(c.steps, (s) => s.kind === 'remove') < indexOf(c.steps, (s) => s.kind === 'adopt')).toBe(true);
  });

  it('DRA driver: keeps the DeviceClasses ours renders or claims use, lets the rest go, checks claims before and after', () => {
    const p = plan('nodes', 'dra-driver');
    const c = component(p, 'nvidia-dra-driver');
    expect(c.strategy).toBe('remove-first');
    const kept = c.steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.command.split(' ')[2]);
    expect(kept).toEqual([
      'clusterrole.rbac.authorization.k8s.io/dra-driver-nvidia-gpu-clusterrole-kubeletplugin',
      'clusterrolebinding.rbac.authorization.k8s.io/dra-driver-nvidia-gpu-clusterrole-binding-kubeletplugin',
      'deviceclass.resource.k8s.io/gpu.nvidia.com',
      'deviceclass.resource.k8s.io/mig.nvidia.com',
      'deviceclass.resource.k8s.io/vfio.gpu.nvidia.com',
      'validatingadmissionpolicy.admissionregistration.k8s.io/resourceslices-policy-dra-driver-nvidia-gpu',
      'validatingadmissionpolicybinding.admissionregistration.k8s.io/resourceslices-policy-dra-driver-nvidia-gpu',
    ]);
    expect(kept.some((k) => k.includes('compute-domain'))).toBe(false);
    // no removal step names a kept object; the release record goes after the objects
    const removed = c.steps.filter((s) => s.kind === 'remove').map((s) => s.command.split(' ')[2]);
    expect(removed.filter((r) => kept.includes(r))).toEqual([]);
    expect(removed.length).toBeGreaterThan(0);
    expect(indexOf(c.steps, (s) => s.command === 'kubectl delete secret,configmap -n dra-driver-nvidia-gpu -l owner=helm,name=dra-driver-nvidia-gpu')).toBeGreaterThan(
      c.steps.findLastIndex((s) => s.kind === 'remove'),
    );
    // the kept objects of ours are taken over: that apply, and only it, forces
    expect(c.steps.filter((s) => s.command.includes('--force-conflicts')).map((s) => s.command)).toEqual([
      'kubectl apply --server-side --force-conflicts --field-manager=eks-hybrid-charts -f dist/example/21-nvidia-dra-driver.yaml',
    ]);
    expect(c.steps.filter((s) => s.kind === 'check' && s.command.startsWith('kubectl get resourceclaims'))).toHaveLength(2);
    // the chart's policy names its match condition and a variable otherwise: apply would keep both, the tidy step sets ours
    const tidy = c.steps.filter((s) => s.kind === 'tidy');
    expect(tidy.map((s) => s.command.split(' ')[2])).toEqual(['validatingadmissionpolicy.admissionregistration.k8s.io/resourceslices-policy-dra-driver-nvidia-gpu']);
    expect(tidy[0].why).toContain('(spec.matchConditions, spec.variables)');
    expect(indexOf(c.steps, (s) => s.kind === 'adopt') < indexOf(c.steps, (s) => s.kind === 'tidy')).toBe(true);
    expect(c.warnings).toContain('DeviceClass vfio.gpu.nvidia.com is kept because claims ask for it, but we do not render it: delete it once no claim uses it');
    // after the steps: no object of the release is left but the kept ones, and none still names the release
    const after = simulate(fixture('nodes').concat(fixture('dra-driver')), [...p.prepare, ...c.steps]).live;
    expect(after.filter((o) => o.metadata.annotations?.[HELM_RELEASE_NAME] === 'dra-driver-nvidia-gpu').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    expect(after.filter((o) => o.kind === 'DeviceClass').map((o) => o.metadata.name).sort()).toEqual(['gpu.nvidia.com', 'mig.nvidia.com', 'vfio.gpu.nvidia.com']);
  });

  it('helm uninstall would delete what the plan keeps (it follows the release manifest, not live annotations): the plan never runs it', () => {
    const p = plan('nodes', 'dra-driver');
    const c = component(p, 'nvidia-dra-driver');
    const first = c.steps.findIndex((s) => s.kind === 'remove');
    const withHelm = [...c.steps.slice(0, first), { kind: 'remove' as const, command: 'helm uninstall dra-driver-nvidia-gpu -n dra-driver-nvidia-gpu', why: '' }, ...c.steps.slice(first).filter((s) => s.kind !== 'remove')];
    const after = simulate(fixture('nodes').concat(fixture('dra-driver')), [...p.prepare, ...withHelm]).live;
    // the claimed vfio DeviceClass, which we do not render, would be gone
    expect(after.filter((o) => o.kind === 'DeviceClass').map((o) => o.metadata.name).sort()).toEqual(['gpu.nvidia.com', 'mig.nvidia.com']);
    expect(p.components.flatMap((x) => x.steps).some((s) => s.command.startsWith('helm '))).toBe(false);
  });

  it('cluster-autoscaler: theirs scaled to 0 before ours starts, its release removed after ours is ready', () => {
    const c = component(plan('nodes', 'cluster-autoscaler'), 'cluster-autoscaler');
    expect(c.strategy).toBe('scale-down-first');
    expect(c.steps.slice(0, 5).map((s) => s.kind)).toEqual(['scale', 'wait', 'apply', 'wait', 'remove']);
    expect(c.steps[0].command).toBe('kubectl scale deployment/cluster-autoscaler-aws-cluster-autoscaler -n kube-system --replicas=0');
    expect(c.steps[4].command).toBe('kubectl delete deployment/cluster-autoscaler-aws-cluster-autoscaler -n kube-system --wait=true');
    expect(c.steps.slice(5, -1).every((s) => s.kind === 'remove')).toBe(true);
    expect(c.steps.at(-1)!.command).toBe('kubectl delete secret,configmap -n kube-system -l owner=helm,name=cluster-autoscaler');
  });

  it('a component the site does not render is reported and left alone', () => {
    const noDcgm = planMigration(
      'example',
      'dist/example',
      example.result.files.map((f) => ({ ...f, objects: f.objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] !== 'dcgm-exporter') })),
      [...fixture('nodes'), ...fixture('dcgm-exporter')],
    );
    expect(noDcgm.components.map((c) => [c.component, c.strategy, c.steps.length])).toEqual([['dcgm-exporter', 'not-rendered', 0]]);
    expect(noDcgm.prepare).toEqual([]);
  });

  it('ExternalSecret-managed pull secrets not ours: theirs stops without deleting the Secret, ours syncs it', () => {
    const secret: LiveObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'harbor-registry', namespace: 'ml-workloads', ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'harbor-pull' }] },
    };
    const c = component(planMigration('example', 'dist/example', example.result.files, [secret]), 'registry-credentials');
    expect(c.steps[0].command).toBe('kubectl delete externalsecret.external-secrets.io/harbor-pull -n ml-workloads --cascade=orphan');
    expect(c.steps.some((s) => s.command === 'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/example/11-registry-credentials.yaml')).toBe(true);
  });
});

describe('npm run migrate (CLI, with a stand-in kubectl)', () => {
  const work = mkdtempSync(join(tmpdir(), 'migrate-test-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');

  /** A kubectl that answers `get … -A -o json` from a JSON file, and fails like kubectl for an unserved kind. */
  function fakeKubectl(objects: LiveObject[], opts: { unreachable?: boolean } = {}): string {
    const data = join(work, `objects-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(data, JSON.stringify(objects));
    const bin = join(work, `kubectl-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      bin,
      `#!/usr/bin/env node
const args = process.argv.slice(2);
${opts.unreachable ? `process.stderr.write('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\\n'); process.exit(1);` : ''}
const kinds = args[args.indexOf('get') + 1].split(',').map((k) => k.split('.')[0]);
if (kinds.includes('externalsecrets')) { process.stderr.write('error: the server doesn\\'t have a resource type "externalsecrets"\\n'); process.exit(1); }
const all = JSON.parse(require('fs').readFileSync(${JSON.stringify(data)}, 'utf8'));
const plural = (k) => k.toLowerCase() + (k.endsWith('s') ? 'es' : k.endsWith('y') ? '' : 's');
const items = all.filter((o) => kinds.includes(plural(o.kind)) || (o.kind === 'Secret' && kinds.includes('secrets')));
process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
`,
    );
    chmodSync(bin, 0o755);
    return bin;
  }

  async function cli(args: string[], kubectl: string) {
    const before = process.env.KUBECTL;
    process.env.KUBECTL = kubectl;
    try {
      const { code, out, err } = await captureCli(args, REGISTRY);
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      if (before === undefined) delete process.env.KUBECTL;
      else process.env.KUBECTL = before;
    }
  }

  it('exit 1 and the steps when something needs migrating; secret data is never printed', async () => {
    const pull: LiveObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'c2VjcmV0LXRva2VuLXZhbHVl' },
      metadata: { name: 'harbor-registry', namespace: 'web', ownerReferences: [{ kind: 'ExternalSecret', name: 'theirs' }] },
    };
    const r = await cli(['migrate', '--site', 'sites/example.yaml', '--cluster', kubeconfig], fakeKubectl([...fixture('nodes'), ...fixture('nvdp'), pull]));
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT_FINDINGS);
    expect(r.out).toContain('nvidia-device-plugin (NVIDIA device plugin): remove-first');
    expect(r.out).toContain('kubectl delete secret,configmap -n nvidia-device-plugin -l owner=helm,name=nvdp');
    expect(r.out).not.toContain('c2VjcmV0LXRva2VuLXZhbHVl');
    const json = await cli(['migrate', '--cluster', kubeconfig, '--output', 'json'], fakeKubectl([...fixture('nodes'), ...fixture('nvdp')]));
    expect(JSON.parse(json.out).sites[0].components[0].strategy).toBe('remove-first');
  });

  it('exit 0 when nothing does the job of ours', async () => {
    const r = await cli(['migrate', '--cluster', kubeconfig], fakeKubectl(fixture('nodes')));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^example: nothing to migrate on /);
  });

  it('exit 2, one line, on a missing kubeconfig or a cluster that cannot be asked', async () => {
    const missing = await cli(['migrate', '--cluster', join(work, 'nope')], fakeKubectl([]));
    expect(missing.code).toBe(EXIT_BAD_INPUT);
    expect(missing.err).toBe(`--cluster: ${join(work, 'nope')}: no such kubeconfig file`);
    const down = await cli(['migrate', '--cluster', kubeconfig], fakeKubectl([], { unreachable: true }));
    expect(down.code).toBe(EXIT_BAD_INPUT);
    expect(down.err).toContain('get failed: The connection to the server 127.0.0.1:1 was refused');
    expect(down.err).not.toContain('    at ');
  });
});
