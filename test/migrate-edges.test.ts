import { describe, expect, it } from 'vitest';
import { HELM_MANAGED_BY, planMigration, type ComponentId, type ComponentPlan, type LiveObject, type MigrationPlan, type Step } from '../lib/output/migrate';
import { file, GPU_TAINT, helmAnnotations, MANAGED_BY, node, obj, ours, TOLERATE_GPU, workload } from './helpers/live-objects';

/*
 * Edge cases of lib/output/migrate.ts that test/migrate-units.test.ts leaves open: live objects missing
 * optional fields (no containers, no image, no labels, no spec), objects that look like a component's
 * without being one, several releases and several workloads of ours at once. Built the same way as
 * migrate-units (hand-made `kubectl get -o json` objects and site files, no render); every test asserts
 * what the user sees in the plan: found objects, strategy, reason text, warnings and steps in order.
 */

function component(p: MigrationPlan, id: ComponentId): ComponentPlan {
  const c = p.components.find((x) => x.component === id);
  if (!c) throw new Error(`no plan for ${id}`);
  return c;
}

const NODES = [node('gpu-b', { gpu: 'yes' }, [GPU_TAINT]), node('cpu-1'), node('gpu-a', { gpu: 'yes' }, [GPU_TAINT])];

const DP_IMAGE = 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1';
const DP_FILE = '20-nvidia-device-plugin.yaml';
const OUR_DP = ours(
  'nvidia-device-plugin',
  workload('DaemonSet', 'kube-system', 'nvidia-device-plugin-daemonset', { image: DP_IMAGE, selector: { name: 'nvidia-device-plugin-ds' }, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }),
);
const DRA = 'nvcr.io/nvidia/k8s-dra-driver-gpu:v25.3.0';
const DRA_FILE = '21-nvidia-dra-driver.yaml';
const OUR_DRA_PLUGIN = ours('nvidia-dra-driver', workload('DaemonSet', 'nvidia-dra-driver', 'nvidia-dra-driver-kubelet-plugin', { image: DRA, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }));
const DCGM = 'nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.1-ubuntu22.04';

const GPU_CHECK = (nodes: string) =>
  `kubectl get nodes ${nodes} -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}'` +
  ` | awk '$2 == "" || $2 == "0" { print "no GPU advertised on " $1; bad = 1 } END { exit bad }'`;
const REMOVE_WHY = (r: string) => `of Helm release ${r}: deleted by name (helm uninstall would delete every object of the release, also those kept here)`;
/** Commands of a kind of step, in order. */
const commands = (steps: readonly Step[], kind: Step['kind']) => steps.filter((s) => s.kind === kind).map((s) => s.command);
const deleted = (steps: readonly Step[]) => steps.filter((s) => s.command.startsWith('kubectl delete ') && !s.command.startsWith('kubectl delete secret,configmap ')).map((s) => s.command.slice('kubectl delete '.length).split(' --')[0]);
const records = (steps: readonly Step[]) => steps.filter((s) => s.command.startsWith('kubectl delete secret,configmap ')).map((s) => s.command.split(' -l owner=helm,name=')[1]);
const unmarked = (steps: readonly Step[]) => steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl annotate ')).map((s) => s.command.slice('kubectl annotate '.length).split(' meta.helm.sh/')[0]);
const unlabelled = (steps: readonly Step[]) => steps.filter((s) => s.kind === 'release' && s.command.startsWith('kubectl label ')).map((s) => s.command.slice('kubectl label '.length).split(` ${MANAGED_BY}-`)[0]);

// ---------------------------------------------------------------------------------------------------------

describe('detection: what a found object shows, and what is not found', () => {
  it('a plugin whose only container is an init container: found, with that image', () => {
    const initOnly: LiveObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'nvdp', namespace: 'gpu' },
      spec: { selector: { matchLabels: { app: 'nvdp' } }, template: { spec: { initContainers: [{ name: 'init', image: DP_IMAGE }] } } },
    };
    const c = component(planMigration('lab', 'dist/lab', [], [...NODES, initOnly]), 'nvidia-device-plugin');
    expect(c.found).toStrictEqual([{ object: 'DaemonSet gpu/nvdp', image: DP_IMAGE, nodes: ['cpu-1'] }]);
    expect(c.strategy).toBe('not-rendered');
  });

  it("eksctl's plugin found by name with a container that names no image: no image is shown", () => {
    const noImage: LiveObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'nvidia-device-plugin-daemonset', namespace: 'kube-system' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { spec: { containers: [{ name: 'main' }] } } },
    };
    const c = component(planMigration('lab', 'dist/lab', [], [...NODES, noImage]), 'nvidia-device-plugin');
    expect(c.found).toStrictEqual([{ object: 'DaemonSet kube-system/nvidia-device-plugin-daemonset', nodes: ['cpu-1'] }]);
    expect(c.found[0].image).toBeUndefined();
  });

  it('a Deployment of another image (even one named like an autoscaler) is no cluster-autoscaler', () => {
    const web = workload('Deployment', 'web', 'cluster-autoscaler', { image: 'example.com/web/frontend:1' });
    const tools = workload('Deployment', 'ops', 'tools', { image: 'autoscaling/cluster-autoscaler-tools:v1' });
    const ourCa = ours('cluster-autoscaler', workload('Deployment', 'kube-system', 'cluster-autoscaler', { image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.0' }));
    const p = planMigration('lab', 'dist/lab', [file('40-cluster-autoscaler.yaml', [ourCa])], [...NODES, web, tools]);
    expect(p.components).toEqual([]);
    expect(p.prepare).toEqual([]);
  });
});

describe('releases and their order', () => {
  const ourDcgm = ours('dcgm-exporter', workload('DaemonSet', 'monitoring', 'dcgm-exporter', { image: DCGM, pod: { tolerations: TOLERATE_GPU } }));
  const files = [file('30-dcgm-exporter.yaml', [ourDcgm])];

  it('three releases found out of order are removed sorted by namespace/name, each after ours is ready', () => {
    const inNs = (ns: string, release: string) => workload('DaemonSet', ns, `dcgm-${release}`, { image: DCGM, release });
    // live order b, c, a: a comparator that ignores its keys cannot give a, b, c
    const live = [...NODES, inNs('beta', 'two'), inNs('gamma', 'three'), inNs('alpha', 'one')];
    const c = component(planMigration('lab', 'dist/lab', files, live), 'dcgm-exporter');
    expect(c.strategy).toBe('apply-first');
    expect(c.steps.map((s) => s.kind)).toEqual(['apply', 'wait', 'remove', 'release', 'remove', 'release', 'remove', 'release']);
    expect(records(c.steps)).toEqual(['one', 'two', 'three']);
    expect(deleted(c.steps)).toEqual(['daemonset/dcgm-one -n alpha', 'daemonset/dcgm-two -n beta', 'daemonset/dcgm-three -n gamma']);
    // the reasons of the three, in live order, joined with '; '
    expect(c.reason).toBe(
      [
        'DaemonSet beta/dcgm-two and ours may run side by side for the switch: ours first, no gap',
        'DaemonSet gamma/dcgm-three and ours may run side by side for the switch: ours first, no gap',
        'DaemonSet alpha/dcgm-one and ours may run side by side for the switch: ours first, no gap',
      ].join('; '),
    );
  });

  it('a release that must go first and another that may wait: the first before ours, the other once ours is ready', () => {
    const first = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { tolerations: TOLERATE_GPU } });
    // a plugin of another release on a node ours does not select: it may stay until ours is ready
    const mig = workload('DaemonSet', 'gpu-operator', 'nvdp-mig', { image: DP_IMAGE, release: 'mig', pod: { nodeSelector: { mig: 'yes' } } });
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [OUR_DP])], [...NODES, node('mig-1', { mig: 'yes' }), first, mig]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('remove-first');
    expect(c.steps.map((s) => `${s.kind} ${s.command.split(' ').slice(0, 3).join(' ')}`)).toEqual([
      'check kubectl get nodes',
      'remove kubectl delete daemonset/nvdp',
      'release kubectl delete secret,configmap',
      'apply kubectl apply --server-side',
      'wait kubectl rollout status',
      'check kubectl get nodes',
      'remove kubectl delete daemonset/nvdp-mig',
      'release kubectl delete secret,configmap',
    ]);
    expect(records(c.steps)).toEqual(['nvdp', 'mig']);
    expect(c.steps[6]).toEqual({ kind: 'remove', command: 'kubectl delete daemonset/nvdp-mig -n gpu-operator --wait=true', why: REMOVE_WHY('mig') });
    expect(c.reason).toBe(
      'DaemonSet nvidia-device-plugin/nvdp and ours select the same nodes (gpu-a, gpu-b); two device plugins on one node register nvidia.com/gpu twice: the GPUs are advertised twice and pods are over-admitted. Theirs goes first: until our pod is ready on a node, no NVIDIA device plugin runs there (running pods keep their GPUs; new GPU pods wait)' +
        '; DaemonSet gpu-operator/nvdp-mig and ours select no common node: ours is applied and ready before theirs goes, no gap',
    );
  });
});

describe('overlap: which nodes the reason names', () => {
  const nodes = [node('gpu-a', { gpu: 'yes', pool: 'a' }, [GPU_TAINT]), node('gpu-b', { gpu: 'yes', pool: 'b' }, [GPU_TAINT]), node('cpu-1')];

  it('only the nodes theirs and ours both select, not every node of ours', () => {
    const theirs = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { nodeSelector: { pool: 'a' }, tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [OUR_DP])], [...nodes, theirs]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('remove-first');
    expect(c.reason).toMatch(/^DaemonSet nvidia-device-plugin\/nvdp and ours select the same nodes \(gpu-a\); /);
    expect(c.warnings).toEqual([]);
  });

  it('the nodes of a plugin of ours, not those of a controller Deployment of ours (DRA driver)', () => {
    // our controller has no toleration: it may run on cpu-1 only, where neither our plugin nor any GPU is
    const ourController = ours('nvidia-dra-driver', workload('Deployment', 'nvidia-dra-driver', 'nvidia-dra-driver-controller', { image: DRA }));
    // their plugin tolerates everything and selects every node
    const theirs = workload('DaemonSet', 'nvidia-dra-driver', 'dra-kubelet-plugin', { image: DRA, release: 'dra', pod: { tolerations: [{ operator: 'Exists' }] } });
    const c = component(planMigration('lab', 'dist/lab', [file(DRA_FILE, [OUR_DRA_PLUGIN, ourController])], [...nodes, theirs]), 'nvidia-dra-driver');
    expect(c.strategy).toBe('remove-first');
    expect(c.reason).toBe(
      'DaemonSet nvidia-dra-driver/dra-kubelet-plugin and ours select the same nodes (gpu-a, gpu-b); two kubelet plugins of driver gpu.nvidia.com on one node share its plugin socket and publish its ResourceSlices twice. Theirs goes first: until our pod is ready on a node, no NVIDIA DRA driver runs there (running pods keep their GPUs; new GPU pods wait)',
    );
    expect(c.warnings).toEqual([
      'DaemonSet nvidia-dra-driver/dra-kubelet-plugin runs on cpu-1, which ours does not select: after the switch no NVIDIA DRA driver runs there (intended if those nodes moved to another GPU mode; otherwise keep a copy of your own for them under another name)',
    ]);
  });

  it('the nodes of two plugins of ours are named once each, sorted', () => {
    const ourB = ours('nvidia-device-plugin', workload('DaemonSet', 'kube-system', 'dp-b', { image: DP_IMAGE, pod: { nodeSelector: { pool: 'b' }, tolerations: TOLERATE_GPU } }));
    const ourAll = ours('nvidia-device-plugin', workload('DaemonSet', 'kube-system', 'dp-all', { image: DP_IMAGE, pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } }));
    const theirs = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [ourB, ourAll])], [...nodes, theirs]), 'nvidia-device-plugin');
    expect(c.reason).toMatch(/^DaemonSet nvidia-device-plugin\/nvdp and ours select the same nodes \(gpu-a, gpu-b\); /);
  });
});

describe('a controller of theirs when ours has no workload at all', () => {
  it('says it has no counterpart in ours (not "no common node"), and it goes with its release after ours is applied', () => {
    const ourClass = ours('nvidia-dra-driver', obj('resource.k8s.io/v1', 'DeviceClass', 'gpu.nvidia.com'));
    const controller = workload('Deployment', 'nvidia-dra-driver', 'dra-controller', { image: DRA, release: 'dra' });
    const c = component(planMigration('lab', 'dist/lab', [file(DRA_FILE, [ourClass])], [...NODES, controller]), 'nvidia-dra-driver');
    expect(c.strategy).toBe('apply-first');
    expect(c.ours).toEqual([]);
    expect(c.reason).toBe('Deployment nvidia-dra-driver/dra-controller has no counterpart in ours: it goes when its release is removed (see the steps for when)');
    expect(c.steps.map((s) => s.kind)).toEqual(['check', 'apply', 'check', 'remove', 'release']);
    expect(deleted(c.steps)).toEqual(['deployment/dra-controller -n nvidia-dra-driver']);
  });
});

describe('what a removed release keeps', () => {
  const REL: [string, string] = ['dra', 'nvidia-dra-driver'];
  const plugin = workload('DaemonSet', 'nvidia-dra-driver', 'dra-kubelet-plugin', { image: DRA, release: 'dra', pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
  const files = [file(DRA_FILE, [OUR_DRA_PLUGIN])];

  it('a class claims use is kept; a ConfigMap of the release with the same name is not', () => {
    const cls = obj('resource.k8s.io/v1', 'DeviceClass', 'mig.nvidia.com', undefined, REL);
    const cm = obj('v1', 'ConfigMap', 'mig.nvidia.com', 'nvidia-dra-driver', REL);
    const claim: LiveObject = {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: 'c1', namespace: 'ml' },
      spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'mig.nvidia.com' } }] } },
    };
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, plugin, cls, cm, claim]), 'nvidia-dra-driver');
    expect(deleted(c.steps)).toEqual(['daemonset/dra-kubelet-plugin -n nvidia-dra-driver', 'configmap/mig.nvidia.com -n nvidia-dra-driver']);
    expect(unmarked(c.steps)).toEqual(['deviceclass.resource.k8s.io/mig.nvidia.com']);
    expect(c.warnings).toEqual(['DeviceClass mig.nvidia.com is kept because claims ask for it, but we do not render it: delete it once no claim uses it']);
  });

  it('a claim template without a claim spec asks for no class: the plan is made and the class goes with its release', () => {
    const cls = obj('resource.k8s.io/v1', 'DeviceClass', 'gpu.nvidia.com', undefined, REL);
    const template: LiveObject = { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate', metadata: { name: 'tpl', namespace: 'ml' }, spec: { metadata: { labels: { a: 'b' } } } };
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, plugin, cls, template]), 'nvidia-dra-driver');
    expect(deleted(c.steps)).toEqual(['daemonset/dra-kubelet-plugin -n nvidia-dra-driver', 'deviceclass.resource.k8s.io/gpu.nvidia.com']);
    expect(unmarked(c.steps)).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it('a kept CRD that carries the release annotations but no labels: its marks go, and no label step (it has none to remove)', () => {
    const crd: LiveObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'computedomains.resource.nvidia.com', annotations: helmAnnotations(...REL) } };
    const labelled = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'other.resource.nvidia.com', undefined, REL);
    // another managed-by than Helm's stays too
    const byOperator: LiveObject = { ...crd, metadata: { ...crd.metadata, name: 'third.resource.nvidia.com', labels: { [MANAGED_BY]: 'gpu-operator' } } };
    const c = component(planMigration('lab', 'dist/lab', files, [...NODES, plugin, crd, labelled, byOperator]), 'nvidia-dra-driver');
    expect(unmarked(c.steps)).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/computedomains.resource.nvidia.com',
      'customresourcedefinition.apiextensions.k8s.io/other.resource.nvidia.com',
      'customresourcedefinition.apiextensions.k8s.io/third.resource.nvidia.com',
    ]);
    expect(unlabelled(c.steps)).toEqual(['customresourcedefinition.apiextensions.k8s.io/other.resource.nvidia.com']);
    expect(deleted(c.steps)).toEqual(['daemonset/dra-kubelet-plugin -n nvidia-dra-driver']);
  });
});

describe('a workload of our name without a spec (the eksctl name rule finds it)', () => {
  it('has no selector to compare: not kept, deleted before ours is applied (delete-then-apply)', () => {
    const bare: LiveObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'nvidia-device-plugin-daemonset', namespace: 'kube-system', labels: { [MANAGED_BY]: HELM_MANAGED_BY }, annotations: helmAnnotations('old', 'kube-system') },
    };
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [OUR_DP])], [...NODES, bare]), 'nvidia-device-plugin');
    expect(c.strategy).toBe('delete-then-apply');
    expect(c.reason).toMatch(/^DaemonSet kube-system\/nvidia-device-plugin-daemonset has our name but selector .* instead of ours \{"matchLabels":\{"name":"nvidia-device-plugin-ds"\}\}; spec\.selector is immutable/);
    expect(c.steps.map((s) => s.kind)).toEqual(['check', 'remove', 'release', 'apply', 'wait', 'check']);
    expect(deleted(c.steps)).toEqual(['daemonset/nvidia-device-plugin-daemonset -n kube-system']);
    expect(unmarked(c.steps)).toEqual([]);
  });
});

describe('GPU check: the nodes of our plugin', () => {
  it('a Deployment of ours listed before the DaemonSet does not decide which nodes are checked', () => {
    const helper = ours('nvidia-device-plugin', workload('Deployment', 'kube-system', 'dp-helper', { image: 'example.com/helper:1' }));
    const theirs = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [helper, OUR_DP])], [...NODES, theirs]), 'nvidia-device-plugin');
    expect(commands(c.steps, 'check')).toEqual([GPU_CHECK('gpu-a gpu-b'), GPU_CHECK('gpu-a gpu-b')]);
    expect(c.steps.filter((s) => s.kind === 'check').map((s) => s.why)).toEqual([
      'before: every node of ours (2 now) still advertises nvidia.com/gpu',
      'after ours is ready: every node of ours (2 now) still advertises nvidia.com/gpu',
    ]);
  });

  it('with only a Deployment of ours: no GPU check at all', () => {
    const helper = ours('nvidia-device-plugin', workload('Deployment', 'kube-system', 'dp-helper', { image: 'example.com/helper:1', pod: { tolerations: TOLERATE_GPU } }));
    const theirs = workload('DaemonSet', 'nvidia-device-plugin', 'nvdp', { image: DP_IMAGE, release: 'nvdp', pod: { nodeSelector: { gpu: 'yes' }, tolerations: TOLERATE_GPU } });
    const c = component(planMigration('lab', 'dist/lab', [file(DP_FILE, [helper])], [...NODES, theirs]), 'nvidia-device-plugin');
    expect(commands(c.steps, 'check')).toEqual([]);
  });
});

describe('pull secrets: owners and kept objects', () => {
  const ourEs = ours('registry-credentials', obj('external-secrets.io/v1', 'ExternalSecret', 'harbor-registry', 'ml'));
  const ourStore = ours('registry-credentials', obj('external-secrets.io/v1', 'ClusterSecretStore', 'harbor'));
  const files = [file('11-registry-credentials.yaml', [ourEs, ourStore])];
  const secret = (name: string, ns: string, metadata: Partial<LiveObject['metadata']>): LiveObject => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name, namespace: ns, ...metadata } });

  it('a Secret External Secrets labels but a Job owns: no ExternalSecret is deleted for it', () => {
    const s = secret('pull', 'ml', { ownerReferences: [{ kind: 'Job', name: 'pull-sync' }], labels: { 'reconcile.external-secrets.io/data-hash': 'x' } });
    const c = component(planMigration('lab', 'dist/lab', files, [s]), 'registry-credentials');
    expect(c.found).toStrictEqual([{ object: 'Secret ml/pull' }]);
    expect(c.steps.map((s) => s.command)).toEqual([
      'kubectl apply --server-side --field-manager=eks-hybrid-charts -f dist/lab/11-registry-credentials.yaml',
      'kubectl wait --for=condition=Ready externalsecret.external-secrets.io/harbor-registry -n ml --timeout=2m',
    ]);
  });

  it('a store of their release that we render is kept and unmarked, but keeps its managed-by label for our apply to replace', () => {
    const REL: [string, string] = ['creds', 'web'];
    const s = secret('quay', 'web', { labels: { [MANAGED_BY]: HELM_MANAGED_BY, 'reconcile.external-secrets.io/data-hash': 'x' }, annotations: helmAnnotations(...REL) });
    const store = obj('external-secrets.io/v1', 'ClusterSecretStore', 'harbor', undefined, REL);
    const c = component(planMigration('lab', 'dist/lab', files, [s, store]), 'registry-credentials');
    expect(deleted(c.steps)).toEqual(['secret/quay -n web']);
    expect(unmarked(c.steps)).toEqual(['clustersecretstore.external-secrets.io/harbor']);
    expect(unlabelled(c.steps)).toEqual([]);
    expect(c.steps.at(-1)!.why).toBe(
      'kept: we render ClusterSecretStore harbor too (dist/lab/11-registry-credentials.yaml): it is taken over, not deleted; the release is gone, so its marks go too (a later helm install would claim the object)',
    );
  });
});
