import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { APPLYSET_CRD_FILE, APPLYSET_PARENT_FILE, applyCommands, applySetId, applySetRef, reapplyCommands } from '../lib/artifacts/applyset';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { buildSite } from '../lib/pipeline/pipeline';
import { setUp } from './helpers/set-up';

let build!: ReturnType<typeof buildSite>;
setUp(() => {
  build = buildSite('sites/example.yaml', { charts: CHARTS, artifacts: ARTIFACTS });
});
const file = (path: string) => parse(build.output.find((f) => f.path === path)!.content);

describe('kubectl ApplySet parent', () => {
  let crd!: ReturnType<typeof file>;
  let parent!: ReturnType<typeof file>;
  setUp(() => {
    crd = file(APPLYSET_CRD_FILE);
    parent = file(APPLYSET_PARENT_FILE);
  });

  it('is a cluster-scoped custom resource that kubectl accepts as a parent type', () => {
    expect(crd.metadata.labels).toEqual({ 'applyset.kubernetes.io/is-parent-type': 'true' });
    expect(crd.spec.scope).toBe('Cluster');
    expect(`${crd.spec.names.plural}.${crd.spec.group}/example`).toBe(applySetRef('example'));
  });

  it('is a complete apiextensions.k8s.io/v1 CRD: one served storage version whose schema lets the parent hold only metadata', () => {
    expect(crd).toEqual({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'applysets.eks-hybrid-charts.io', labels: { 'applyset.kubernetes.io/is-parent-type': 'true' } },
      spec: {
        group: 'eks-hybrid-charts.io',
        names: { kind: 'ApplySet', listKind: 'ApplySetList', plural: 'applysets', singular: 'applyset' },
        scope: 'Cluster',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', description: 'Parent of a kubectl ApplySet: the objects of one rendered site.' } } }],
      },
    });
    expect(parent.apiVersion).toBe('eks-hybrid-charts.io/v1');
    expect(parent.kind).toBe('ApplySet');
  });

  it('re-applies never-pruned/ without pruning only when the site has it', () => {
    expect(reapplyCommands('lab', true)).toEqual([
      'KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=applysets.eks-hybrid-charts.io/lab -k dist/lab/',
      'kubectl apply --server-side --force-conflicts -k dist/lab/never-pruned/',
    ]);
    expect(reapplyCommands('lab', false)).toEqual(['KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=applysets.eks-hybrid-charts.io/lab -k dist/lab/']);
  });

  it('carries the id kubectl computes: base64url(sha256(name.namespace.kind.group)), no padding', () => {
    const digest = createHash('sha256').update('example..ApplySet.eks-hybrid-charts.io').digest('base64');
    const url = digest.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(parent.metadata.labels['applyset.kubernetes.io/id']).toBe(`applyset-${url}-v1`);
    expect(applySetId('example', '', 'ApplySet', 'eks-hybrid-charts.io')).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/);
  });

  it('starts as an empty set owned by kubectl, which fills in group-kinds and namespaces', () => {
    expect(parent.metadata.annotations).toEqual({
      'applyset.kubernetes.io/tooling': 'kubectl/v1.33.0',
      'applyset.kubernetes.io/contains-group-kinds': '',
      'applyset.kubernetes.io/additional-namespaces': '',
    });
  });

  it('is never in a kustomization, and no rendered object carries the member label (kubectl refuses input that has it)', () => {
    for (const k of ['kustomization.yaml', 'never-pruned/kustomization.yaml']) expect(file(k).resources.join(' ')).not.toContain('applyset');
    for (const o of build.result.files.flatMap((f) => f.objects)) expect(o.metadata.labels?.['applyset.kubernetes.io/part-of']).toBeUndefined();
  });

  it("the project README's Deliver section shows the commands the site README has (which test:cluster runs)", () => {
    const commands = applyCommands('example', true).join('\n');
    expect(build.output.find((f) => f.path === 'README.md')!.content).toContain(`\`\`\`sh\n${commands}\n\`\`\``);
    expect(readFileSync('README.md', 'utf8')).toContain(`\`\`\`sh\n${commands}\n\`\`\``);
  });
});
