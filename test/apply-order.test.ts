import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { APPLY_FIRST, APPLY_LAST, applyOrderProblems, kustomizeSortOptions, PREREQUISITE_KINDS, syncWave, WORKLOAD_KINDS } from '../lib/render/apply-order';
import type { Manifest } from '../lib/core/manifest';

const SITES = readdirSync('dist').filter((d) => existsSync(join('dist', d, 'kustomization.yaml')));

const obj = (kind: string, name: string, namespace?: string) => ({ kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

/**
 * A kubectl to build kustomizations with: $KUBECTL, else one tools/testenv built (npm run test:cluster builds it
 * and asserts the same order for every site with it, so the check below is never skipped there).
 */
function findKubectl(): string | undefined {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const root = process.env.EKS_HYBRID_TESTENV_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'eks-hybrid-charts', 'testenv');
  for (const minor of existsSync(root) ? readdirSync(root).filter((d) => /^1\.\d+$/.test(d)).sort().reverse() : []) {
    for (const key of readdirSync(join(root, minor))) {
      const dir = join(root, minor, key);
      if (existsSync(join(dir, '.complete')) && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
    }
  }
  return undefined;
}

/** `kubectl kustomize DIR` as the list of objects in the order kubectl apply -k sends them. */
function kustomize(kubectl: string, dir: string): Manifest[] {
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(out).map((d) => d.toJS() as Manifest);
}

describe('first-install apply order', () => {
  it('puts the prerequisites first and the workloads last, with kustomize\'s own defaults kept around them', () => {
    for (const kind of PREREQUISITE_KINDS) expect(APPLY_FIRST, kind).toContain(kind);
    for (const kind of WORKLOAD_KINDS) {
      expect(APPLY_LAST, kind).toContain(kind);
      expect(APPLY_FIRST, kind).not.toContain(kind);
    }
    expect(APPLY_FIRST[0]).toBe('Namespace');
    // the volume well before its claim, so the claim binds at once (the PV controller does not retry for 15 s)
    expect(APPLY_FIRST.indexOf('PersistentVolume')).toBeLessThan(APPLY_FIRST.indexOf('ServiceAccount'));
    expect(APPLY_FIRST.indexOf('PersistentVolumeClaim')).toBeGreaterThan(APPLY_FIRST.indexOf('ResourceClaimTemplate'));
    expect(APPLY_LAST.slice(-2)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  });

  it.each(SITES)('dist/%s/kustomization.yaml sorts by that list', (site) => {
    const k = parse(readFileSync(join('dist', site, 'kustomization.yaml'), 'utf8'));
    expect(k.sortOptions).toEqual(kustomizeSortOptions());
  });

  it('reports every workload created before a prerequisite, and nothing for a good order', () => {
    const good = [obj('Namespace', 'ml'), obj('RuntimeClass', 'nvidia'), obj('PersistentVolumeClaim', 'data', 'ml'), obj('DaemonSet', 'plugin', 'kube-system'), obj('Job', 'train', 'ml')];
    expect(applyOrderProblems(good)).toEqual([]);
    // kustomize's default order: DaemonSet and Job sort before RuntimeClass and ResourceClaimTemplate
    const legacy = [obj('Namespace', 'ml'), obj('DaemonSet', 'plugin', 'kube-system'), obj('Job', 'train', 'ml'), obj('ResourceClaimTemplate', 'gpu', 'ml'), obj('RuntimeClass', 'nvidia')];
    expect(applyOrderProblems(legacy)).toEqual([
      'DaemonSet kube-system/plugin (position 2) is created before ResourceClaimTemplate ml/gpu, RuntimeClass nvidia',
      'Job ml/train (position 3) is created before ResourceClaimTemplate ml/gpu, RuntimeClass nvidia',
    ]);
    // no kind is both a prerequisite and a workload
    expect(PREREQUISITE_KINDS.filter((k) => WORKLOAD_KINDS.includes(k))).toEqual([]);
    // a workload first with no prerequisite anywhere is no problem
    expect(applyOrderProblems([obj('Deployment', 'web', 'apps'), obj('Service', 'web', 'apps')])).toEqual([]);
    // only the prerequisites after the workload are named, not one created before it
    const between = [obj('RuntimeClass', 'nvidia'), obj('DaemonSet', 'plugin', 'kube-system'), obj('PersistentVolumeClaim', 'data', 'ml')];
    expect(applyOrderProblems(between)).toEqual(['DaemonSet kube-system/plugin (position 2) is created before PersistentVolumeClaim ml/data']);
  });

  it('gives Argo CD the same split: the first list in wave -1, the rest in wave 0', () => {
    expect(syncWave('RuntimeClass')).toBe('-1');
    expect(syncWave('PersistentVolumeClaim')).toBe('-1');
    expect(syncWave('ExternalSecret')).toBe('0');
    expect(syncWave('DaemonSet')).toBe('0');
  });

  const kubectl = findKubectl();
  describe.skipIf(!kubectl)(`with kubectl's own kustomize (${kubectl ?? 'no kubectl: set $KUBECTL or run npm run test:cluster, which checks the same'})`, () => {
    it.each(SITES)('kubectl kustomize dist/%s creates every prerequisite before the first workload', (site) => {
      const objects = kustomize(kubectl!, join('dist', site));
      expect(applyOrderProblems(objects)).toEqual([]);
      const kinds = objects.map((o) => o.kind);
      const firstWorkload = kinds.findIndex((k) => WORKLOAD_KINDS.includes(k));
      expect(firstWorkload).toBeGreaterThan(0);
      for (const kind of ['RuntimeClass', 'DeviceClass', 'ResourceClaimTemplate', 'PersistentVolume', 'PersistentVolumeClaim']) {
        if (kinds.includes(kind)) expect(kinds.lastIndexOf(kind), kind).toBeLessThan(firstWorkload);
      }
      if (kinds.includes('PersistentVolume')) expect(kinds.indexOf('PersistentVolume')).toBeLessThan(kinds.indexOf('ServiceAccount'));
    });

    it('splits a gitops site between the two Flux Kustomizations: every object in exactly one, the prerequisites first', () => {
      const flux = parseAllDocuments(readFileSync(join('dist', 'example-gitops', 'gitops', 'flux.yaml'), 'utf8')).map((d) => d.toJS());
      // as kustomize-controller does with spec.patches: appended to the folder's kustomization.yaml, then built
      const build = (name: string) => {
        const spec = flux.find((o) => o.kind === 'Kustomization' && o.metadata.name === name).spec;
        const dir = mkdtempSync(join(tmpdir(), 'ehc-flux-'));
        cpSync(join('dist', 'example-gitops'), dir, { recursive: true });
        const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
        writeFileSync(join(dir, 'kustomization.yaml'), stringify({ ...k, patches: [...(k.patches ?? []), ...spec.patches] }));
        return kustomize(kubectl!, dir).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      };
      const all = kustomize(kubectl!, join('dist', 'example-gitops')).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      const first = build('example-gitops-prerequisites');
      const rest = build('example-gitops');
      expect([...first, ...rest].sort()).toEqual([...all].sort());
      expect(first.filter((id) => rest.includes(id))).toEqual([]);
      for (const kind of ['Namespace', 'RuntimeClass', 'DeviceClass', 'ResourceClaimTemplate', 'PersistentVolume', 'PersistentVolumeClaim']) {
        expect(first.some((id) => id.startsWith(`${kind} `)), kind).toBe(true);
      }
      expect(first.filter((id) => WORKLOAD_KINDS.includes(id.split(' ')[0]))).toEqual([]);
      expect(rest.filter((id) => WORKLOAD_KINDS.includes(id.split(' ')[0])).length).toBeGreaterThan(0);
    });

    it('fails without our sortOptions: kustomize\'s default order creates DaemonSets and the Job too early', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ehc-order-'));
      cpSync(join('dist', 'example'), dir, { recursive: true });
      const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
      delete k.sortOptions;
      writeFileSync(join(dir, 'kustomization.yaml'), stringify(k));
      const problems = applyOrderProblems(kustomize(kubectl!, dir));
      expect(problems.join('\n')).toMatch(/^DaemonSet kube-system\/nvidia-device-plugin-daemonset \(position \d+\) is created before .*RuntimeClass nvidia/m);
      expect(problems.join('\n')).toMatch(/^Job ml-workloads\/ml-training .* is created before .*ResourceClaimTemplate ml-workloads\/ml-training-claim/m);
    });
  });
});
