import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, EXIT_FINDINGS } from '../lib/cli/cli';
import type { Manifest } from '../lib/core/manifest';
import { buildSite, type SiteBuild } from '../lib/pipeline/pipeline';
import { asServedIn, immutableChanges, planUpgrade, type ChangeReason, type UpgradePlan } from '../lib/output/upgrade-plan';
import { setUp } from './helpers/set-up';
import { captureCli } from './helpers/run-cli';

const REGISTRY = { charts: CHARTS, artifacts: ARTIFACTS };
const EXAMPLE = 'sites/example.yaml';

const cli = (args: string[]) => captureCli(args, REGISTRY);

const build = (version: string) => buildSite(EXAMPLE, REGISTRY, { kubernetesVersion: version, validate: false });
const objectsWith = (plan: UpgradePlan, reason: ChangeReason) => plan.changes.filter((c) => c.reason === reason).map((c) => c.object);

/** `b` with one object replaced by `edit(object)`. */
function editObject(b: SiteBuild, kind: string, edit: (o: Manifest) => Manifest): SiteBuild {
  const files = b.result.files.map((f) => ({ ...f, objects: f.objects.map((o) => (o.kind === kind ? edit(o) : o)) }));
  return { ...b, result: { ...b.result, files } };
}

describe('upgrade plan of the example, 1.33 → 1.34', () => {
  let plan!: UpgradePlan;
  setUp(() => {
    plan = planUpgrade(build('1.33'), build('1.34'));
  });

  it('groups the DRA objects under the API version move', () => {
    expect(objectsWith(plan, 'api-version')).toEqual(['DeviceClass gpu.nvidia.com', 'DeviceClass mig.nvidia.com', 'ResourceClaimTemplate ml-workloads/ml-training-claim']);
  });

  it('shows the claim request moving under `exactly` as a shape change the server converts, not a re-creation', () => {
    const shape = plan.changes.filter((c) => c.reason === 'field-shape');
    expect(shape.map((c) => c.object)).toEqual(['ResourceClaimTemplate ml-workloads/ml-training-claim']);
    expect(shape[0].note).toContain('the API server converts the stored object');
    expect(shape[0].changes.map((c) => c.path)).toContain('spec.spec.devices.requests[name=gpus].exactly');
    expect(plan.recreate).toEqual([]);
  });

  it('puts the autoscaler image under image bump and version labels and Pod Security pins under label/pin', () => {
    expect(objectsWith(plan, 'image')).toEqual(['Deployment kube-system/cluster-autoscaler']);
    const pins = objectsWith(plan, 'label-pin');
    expect(pins).toContain('Namespace ml-workloads');
    expect(pins).toContain('ClusterRole cluster-autoscaler');
    expect(plan.changes.find((c) => c.object === 'Namespace web')?.changes).toContainEqual({
      op: 'changed',
      path: 'metadata.labels.pod-security.kubernetes.io/enforce-version',
      before: 'v1.33',
      after: 'v1.34',
    });
    expect(objectsWith(plan, 'other')).toEqual([]);
  });

  it('lists each NodeConfig whose file changes', () => {
    expect(objectsWith(plan, 'nodeconfig')).toEqual(['nodes/gpu-h100-dra.nodeconfig.yaml', 'nodes/gpu-h100.nodeconfig.yaml']);
  });

  it('knows the old DRA objects cannot be applied to 1.34 and the new ones not to 1.33', () => {
    expect(plan.unservedAfter).toEqual([
      'DeviceClass gpu.nvidia.com (resource.k8s.io/v1beta1)',
      'DeviceClass mig.nvidia.com (resource.k8s.io/v1beta1)',
      'ResourceClaimTemplate ml-workloads/ml-training-claim (resource.k8s.io/v1beta1)',
    ]);
    expect(plan.unservedBefore).toHaveLength(3);
  });

  it('orders the steps: pause sync, control plane, each pool with nodeadm, then the new output', () => {
    const at = (text: string) => plan.steps.findIndex((s) => s.includes(text));
    expect(at('Pause automatic sync')).toBeGreaterThan(0);
    expect(at('Upgrade the control plane to 1.34')).toBeGreaterThan(at('Pause automatic sync'));
    expect(at('Pool gpu-h100 ')).toBeGreaterThan(at('Upgrade the control plane'));
    expect(at('Pool gpu-h100-dra ')).toBeGreaterThan(at('Pool gpu-h100 '));
    expect(at('nodeadm upgrade 1.34')).toBe(at('Pool gpu-h100 '));
    expect(at('Apply the new output')).toBe(plan.steps.length - 1);
    expect(plan.steps.map((s) => s.slice(0, 3))).toEqual(plan.steps.map((_, i) => `${i + 1}. `));
  });

  it('applies with the pruning ApplySet commands of the site README, never-pruned/ last', () => {
    const apply = plan.steps.at(-1)!;
    expect(apply).toContain('`KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=applysets.eks-hybrid-charts.io/example -k dist/example/`');
    expect(apply.indexOf('--prune')).toBeLessThan(apply.indexOf('-k dist/example/never-pruned/'));
    expect(apply).not.toMatch(/kubectl apply -k dist/);
  });

  it('leaves objects no longer rendered to the ApplySet prune and names them', () => {
    const after = build('1.34');
    const dropped = { ...after, output: after.output, result: { ...after.result, files: after.result.files.filter((f) => !f.objects.some((o) => o.kind === 'ResourceClaimTemplate')) } };
    const p = planUpgrade(build('1.33'), dropped);
    expect(p.removed.map((r) => r.object)).toContain('ResourceClaimTemplate ml-workloads/ml-training-claim');
    expect(p.steps.at(-1)).toContain('prunes the');
    expect(p.steps.at(-1)).toContain('ResourceClaimTemplate ml-workloads/ml-training-claim');
    expect(p.steps.join('\n')).not.toContain('kubectl delete resourceclaimtemplate');
  });
});

describe('immutable fields', () => {
  const change = (path: string) => ({ op: 'changed' as const, path, before: 1, after: 2 });

  it('flags a workload selector, not its replicas or template', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
    expect(immutableChanges(deployment, [change('spec.selector.matchLabels.app')])?.fields).toEqual(['spec.selector.matchLabels.app']);
    expect(immutableChanges(deployment, [change('spec.template.spec.containers[0].image'), change('spec.replicas')])).toBeUndefined();
  });

  it("flags a Job's pod template, a PersistentVolume's source, a claim template's spec, a Pod's non-image fields", () => {
    expect(immutableChanges({ apiVersion: 'batch/v1', kind: 'Job' }, [change('spec.template.spec.containers[0].image')])?.why).toContain('Job');
    expect(immutableChanges({ apiVersion: 'v1', kind: 'PersistentVolume' }, [change('spec.nfs.path')])?.fields).toEqual(['spec.nfs.path']);
    expect(immutableChanges({ apiVersion: 'v1', kind: 'PersistentVolume' }, [change('spec.capacity.storage')])).toBeUndefined();
    expect(immutableChanges({ apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaimTemplate' }, [change('spec.spec.devices.requests[0].exactly.count')])).toBeDefined();
    expect(immutableChanges({ apiVersion: 'v1', kind: 'Pod' }, [change('spec.containers[0].image')])).toBeUndefined();
    expect(immutableChanges({ apiVersion: 'v1', kind: 'Pod' }, [change('spec.containers[0].args[0]')])).toBeDefined();
    expect(immutableChanges({ apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass' }, [change('spec.selectors[0].cel.expression')])).toBeUndefined();
  });

  it('serves a v1beta1 claim template in v1 exactly as the 1.34 render shapes it', () => {
    const template = (b: SiteBuild) => b.result.files.flatMap((f) => f.objects).find((o) => o.kind === 'ResourceClaimTemplate')!;
    expect(asServedIn(template(build('1.33')), 'resource.k8s.io/v1')).toEqual(template(build('1.34')));
  });

  it('turns a real change of an immutable field into a delete-and-re-create step before the apply', () => {
    const after = editObject(build('1.34'), 'ResourceClaimTemplate', (o) =>
      JSON.parse(JSON.stringify(o).replace('"count":1', '"count":2')) as Manifest,
    );
    const plan = planUpgrade(build('1.33'), after);
    expect(plan.recreate).toEqual([
      expect.objectContaining({ object: 'ResourceClaimTemplate ml-workloads/ml-training-claim', fields: ['spec.spec.devices.requests[name=gpus].exactly.count'] }),
    ]);
    expect(plan.changes.find((c) => c.reason === 'other')?.changes).toEqual([{ op: 'changed', path: 'spec.spec.devices.requests[name=gpus].exactly.count', before: 1, after: 2 }]);
    const del = plan.steps.findIndex((s) => s.includes('kubectl delete resourceclaimtemplate.resource.k8s.io ml-training-claim -n ml-workloads'));
    expect(del).toBeGreaterThan(plan.steps.findIndex((s) => s.includes('Pool gpu-h100-dra')));
    expect(del).toBe(plan.steps.findIndex((s) => s.includes('Apply the new output')) - 1);
  });
});

describe('npm run plan', () => {
  it('exits 1 and prints the plan when the output changes', async () => {
    const { code, out, err } = await cli(['plan', '--to', '1.34']);
    expect(err).toEqual([]);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out[0]).toBe('example: upgrade plan Kubernetes 1.33 → 1.34 (sites/example.yaml)');
    expect(out).toContain('API version move (3):');
    expect(out).toContain('delete and re-create (immutable fields): none');
  });

  it('exits 0 when the target is the current minor', async () => {
    expect(await cli(['plan', '--to', '1.33'])).toEqual({ code: 0, out: ['example: already on Kubernetes 1.33; nothing to upgrade'], err: [] });
  });

  it('refuses to skip a minor or to downgrade, exit 2', async () => {
    expect(await cli(['plan', '--to', '1.35'])).toEqual({
      code: EXIT_BAD_INPUT,
      out: [],
      err: ['sites/example.yaml: kubernetesVersion: upgrading 1.33 → 1.35 skips 1.34; EKS upgrades one minor at a time: plan --to 1.34 first (got "1.35")'],
    });
    expect((await cli(['plan', '--from', '1.30', '--to', '1.33'])).err).toEqual([
      'sites/example.yaml: kubernetesVersion: upgrading 1.30 → 1.33 skips 1.31 … 1.32; EKS upgrades one minor at a time: plan --to 1.31 first (got "1.33")',
    ]);
    const down = await cli(['plan', '--to', '1.32']);
    expect(down.code).toBe(EXIT_BAD_INPUT);
    expect(down.err).toEqual(['sites/example.yaml: kubernetesVersion: EKS cannot downgrade a cluster from 1.33; plan an upgrade to a newer minor (got "1.32")']);
  });

  it('plans from --from instead of the file', async () => {
    const { code, out } = await cli(['plan', '--from', '1.34', '--to', '1.35']);
    expect(code).toBe(EXIT_FINDINGS);
    expect(out[0]).toBe('example: upgrade plan Kubernetes 1.34 → 1.35 (sites/example.yaml)');
    expect(out).not.toContain('API version move (3):');
  });

  it('exits 2 on a missing or unknown --to and a missing site file', async () => {
    expect((await cli(['plan'])).code).toBe(EXIT_BAD_INPUT);
    expect((await cli(['plan', '--to', '1.29'])).code).toBe(EXIT_BAD_INPUT);
    const missing = await cli(['plan', '--site', 'sites/nope.yaml', '--to', '1.34']);
    expect(missing.code).toBe(EXIT_BAD_INPUT);
    expect(missing.err[0]).toMatch(/^sites\/nope\.yaml: /);
  });

  it('prints what the README shows for the example, 1.33 → 1.34', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const shown = /\$ npm run plan -- --to 1\.34\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(shown).toBe((await cli(['plan', '--to', '1.34'])).out.join('\n'));
  });
});
