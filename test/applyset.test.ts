import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { APPLYSET_CRD_FILE, APPLYSET_PARENT_FILE, applyCommands, applySetId, applySetRef } from '../lib/artifacts/applyset';
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
