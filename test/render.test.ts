// lib/render/render.ts directly, with small hand-made charts: apply order, which charts render, the labels
// and annotations stamped on every object, duplicate objects, and the extra files (named after the module
// so the mutation run tries it first).
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { GENERATOR_VERSION } from '../lib/core/labels';
import type { Manifest } from '../lib/core/manifest';
import { emit } from '../lib/render/k8s';
import { byPath, chartFileName, renderSite, type ArtifactDefinition, type ChartDefinition, type OutputFile } from '../lib/render/render';
import type { Site } from '../lib/site/site';

const site = (gitops = false) => ({ config: { name: 'lab', gitops: { enabled: gitops } } }) as unknown as Site;

function chart(id: string, order: number, objects: Manifest[], extra: Partial<ChartDefinition> = {}): ChartDefinition {
  return {
    id,
    order,
    component: id,
    enabled: () => true,
    build: (scope: Construct, chartId: string) => {
      const c = new Chart(scope, chartId, { disableResourceNameHashes: true });
      for (const o of objects) emit(c, o);
      return c;
    },
    ...extra,
  };
}
const cm = (name: string, metadata: Partial<Manifest['metadata']> = {}): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', ...metadata }, data: { a: '1' } });

describe('emit', () => {
  it('gives every object its own construct id, also where kind, namespace and name run together alike', () => {
    const result = renderSite(site(), [chart('ids', 10, [cm('c', { namespace: 'ab' }), cm('bc', { namespace: 'a' }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ab' } }])]);
    expect(result.files[0].objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual(['ConfigMap ab/c', 'ConfigMap a/bc', 'Namespace /ab']);
  });
});

describe('renderSite', () => {
  it('charts in apply order whatever the list order; a disabled chart, or one without objects, writes no file', () => {
    const result = renderSite(site(), [
      chart('late', 50, [cm('late')]),
      chart('off', 5, [cm('off')], { enabled: () => false }),
      chart('empty', 7, []),
      chart('early', 0, [cm('early')]),
    ]);
    expect(result.files.map((f) => [f.path, f.chart, f.objects.map((o) => o.metadata.name)])).toEqual([
      ['00-early.yaml', 'early', ['early']],
      ['50-late.yaml', 'late', ['late']],
    ]);
  });

  it('two charts with one apply order are a programming error', () => {
    expect(() => renderSite(site(), [chart('a', 10, []), chart('b', 10, [])])).toThrow('charts a and b share apply order 10');
  });

  it('stamps the standard labels (the object may set its own component and version) and orders metadata for reading', () => {
    const own = cm('own', { labels: { 'app.kubernetes.io/component': 'mine', extra: 'x' }, annotations: { note: 'n' }, finalizers: ['f'] } as Partial<Manifest['metadata']>);
    const [file] = renderSite(site(), [chart('comp', 1, [cm('plain'), own], { version: () => 'v9' })]).files;
    const [plain, stamped] = file.objects;
    expect(plain.metadata).toEqual({
      name: 'plain',
      namespace: 'ns',
      labels: { 'app.kubernetes.io/managed-by': 'eks-hybrid-charts', 'app.kubernetes.io/part-of': 'lab', 'app.kubernetes.io/component': 'comp', 'app.kubernetes.io/version': 'v9' },
    });
    expect(Object.keys(plain.metadata)).toEqual(['name', 'namespace', 'labels']);
    expect(stamped.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'mine', extra: 'x' });
    expect(Object.keys(stamped.metadata)).toEqual(['name', 'namespace', 'labels', 'annotations', 'finalizers']);
    expect(stamped.metadata.annotations).toEqual({ note: 'n' });
    // a cluster-scoped object has no namespace key at all; without a chart version, the generator's
    const [clusterScoped] = renderSite(site(), [chart('c', 1, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }])]).files[0].objects;
    expect(Object.keys(clusterScoped.metadata)).toEqual(['name', 'labels']);
    expect(clusterScoped.metadata.labels?.['app.kubernetes.io/version']).toBe(GENERATOR_VERSION);
  });

  it('with gitops on, every object gets its Argo CD sync wave: prerequisites -1, workloads 0', () => {
    const deployment: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', annotations: { keep: 'me' } } };
    const objects = renderSite(site(true), [chart('c', 1, [cm('c'), deployment])]).files[0].objects;
    expect(objects.map((o) => o.metadata.annotations)).toEqual([{ 'argocd.argoproj.io/sync-wave': '-1' }, { keep: 'me', 'argocd.argoproj.io/sync-wave': '0' }]);
    expect(renderSite(site(false), [chart('c', 1, [cm('c')])]).files[0].objects[0].metadata.annotations).toBeUndefined();
  });

  it('an object rendered by two charts (same group, kind, namespace and name) is an error naming both files', () => {
    expect(() => renderSite(site(), [chart('a', 1, [cm('x')]), chart('b', 2, [cm('x')])])).toThrow('ConfigMap ns/x is rendered twice: in 01-a.yaml and 02-b.yaml');
    // another namespace or kind is another object
    expect(renderSite(site(), [chart('a', 1, [cm('x')]), chart('b', 2, [cm('x', { namespace: 'other' })])]).files).toHaveLength(2);
  });

  it("charts' own files and the enabled artefacts' files, sorted by path; artefacts see the rendered files", () => {
    const seen: string[] = [];
    const artifact = (id: string, enabled: boolean, files: OutputFile[]): ArtifactDefinition => ({
      id,
      enabled: () => enabled,
      render: (_site, rendered) => {
        seen.push(...rendered.map((f) => f.path));
        return files;
      },
    });
    const result = renderSite(
      site(),
      [chart('c', 3, [cm('c')], { files: () => [{ path: 'z.txt', content: 'z' }] })],
      [artifact('a', true, [{ path: 'B.md', content: 'b' }, { path: 'a/x.yaml', content: 'x' }]), artifact('off', false, [{ path: 'off.md', content: '' }])],
    );
    expect(result.extraFiles.map((f) => f.path)).toEqual(['B.md', 'a/x.yaml', 'z.txt']);
    expect(seen).toEqual(['03-c.yaml']);
  });

  it('refuses two writers of one path (the second would replace the first in dist/), naming both', () => {
    const artifact = (id: string, path: string): ArtifactDefinition => ({ id, enabled: () => true, render: () => [{ path, content: id }] });
    const own = chart('c', 3, [cm('c')], { files: () => [{ path: 'README.md', content: 'c' }] });
    expect(() => renderSite(site(), [own], [artifact('site-readme', 'README.md')])).toThrow('README.md is written twice: by chart c and artifact site-readme');
    expect(() => renderSite(site(), [chart('c', 3, [cm('c')])], [artifact('a', 'x.md'), artifact('b', 'x.md')])).toThrow('x.md is written twice: by artifact a and artifact b');
    expect(() => renderSite(site(), [chart('c', 3, [cm('c')])], [artifact('a', '03-c.yaml')])).toThrow('03-c.yaml is written twice: by chart c and artifact a');
    // a disabled artefact writes nothing, so it clashes with nothing; the ids of the shipped artefacts are distinct
    expect(renderSite(site(), [chart('c', 3, [cm('c')])], [artifact('a', 'x.md'), { ...artifact('b', 'x.md'), enabled: () => false }]).extraFiles).toEqual([{ path: 'x.md', content: 'a' }]);
    expect(new Set(ARTIFACTS.map((a) => a.id)).size).toBe(ARTIFACTS.length);
    expect(ARTIFACTS.map((a) => a.id)).toEqual(['nodeadm-nodeconfigs', 'eksctl-cluster-config', 'cost-report', 'applyset', 'gitops', 'site-readme']);
  });
});

describe('file names and order', () => {
  it('two-digit apply order, never-pruned charts in their folder', () => {
    expect(chartFileName({ id: 'coredns', order: 10, neverPruned: true })).toBe('never-pruned/10-coredns.yaml');
    expect(chartFileName({ id: 'ns', order: 0 })).toBe('00-ns.yaml');
    expect(chartFileName({ id: 'big', order: 123 })).toBe('123-big.yaml');
  });

  it('byPath compares: -1 before, 1 after, 0 for the same path (so ties keep their order)', () => {
    expect([byPath({ path: 'a' }, { path: 'b' }), byPath({ path: 'b' }, { path: 'a' }), byPath({ path: 'a' }, { path: 'a' })]).toEqual([-1, 1, 0]);
  });

  it('byPath is plain code-point order, independent of the locale', () => {
    const paths = ['b', 'B', 'a', 'a/b', 'a-b', 'a', ''].map((path) => ({ path }));
    expect([...paths].sort(byPath).map((p) => p.path)).toEqual(['', 'B', 'a', 'a', 'a-b', 'a/b', 'b']);
  });

  it('emit names each construct by kind, namespace and name, so the same name in two namespaces is fine', () => {
    const result = renderSite(site(), [chart('c', 1, [cm('x'), cm('x', { namespace: 'other' }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }])]);
    expect(result.files[0].objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual(['ConfigMap/ns/x', 'ConfigMap/other/x', 'Namespace//x']);
  });
});
