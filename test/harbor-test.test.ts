import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { HarborTestChart } from '../charts/harbor-test';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { siteNamespaces, WORKLOADS_NAMESPACE } from '../lib/model/namespaces';
import { buildSite } from '../lib/pipeline/pipeline';
import { loadSite, type Site } from '../lib/site/site';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { atVersion, findingsOf } from './fixtures/registry/sites';
import { siteVariantFile } from './helpers/site-variant';
import { siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

type Json = any;

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});

function pod(site: Site): Json {
  const objects = Testing.synth(new HarborTestChart(Testing.app(), 'harbor-test', { site }));
  expect(objects).toHaveLength(1);
  return objects[0];
}

describe('harbor-test pod', () => {
  it('renders for the example site', () => {
    expect(pod(example)).toMatchSnapshot();
  });

  it('pulls a pinned nginx from the site registry with the pull secret', () => {
    const p = pod(example);
    expect(p.spec.containers.map((c: Json) => c.image)).toEqual(['harbor.yourdomain.com/library/nginx:1.28.0']);
    expect(p.spec.imagePullSecrets).toEqual([{ name: 'harbor-registry' }]);
    expect(p.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    const custom = loadSite(siteVariantFile({ registry: { hostname: 'registry.corp.example' }, harborTest: { image: 'platform/nginx:1.27.5' } }));
    expect(pod(custom).spec.containers[0].image).toBe('registry.corp.example/platform/nginx:1.27.5');
  });

  it('is one nginx container, labelled, with no service account token and no service links', () => {
    const p = pod(example);
    expect(p.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'harbor-test' });
    expect(p.spec.containers.map((c: Json) => c.name)).toEqual(['nginx']);
    expect(p.spec.automountServiceAccountToken).toBe(false);
    expect(p.spec.enableServiceLinks).toBe(false);
  });

  it('tolerates a taint without a value with no value key (Equal to the empty value)', () => {
    const site = siteWith((doc) => doc.nodePools.find((pool: Json) => pool.name === 'gpu-h100').taints.push({ key: 'dedicated', effect: 'NoExecute' }));
    const tolerations = pod(site).spec.tolerations as Json[];
    expect(tolerations.filter((t) => t.key === 'dedicated')).toStrictEqual([{ key: 'dedicated', operator: 'Equal', effect: 'NoExecute' }]);
    expect(tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' });
  });

  it('refuses an unpinned or latest image', () => {
    for (const image of ['library/nginx', 'library/nginx:latest']) {
      const file = siteVariantFile({ harborTest: { image } });
      expect(() => loadSite(file)).toThrow(`${file}: harborTest.image: must be <project>/<repository>:<tag> inside the registry, pinned to a tag (never :latest) (got "${image}")`);
    }
  });

  it('runs once in the workloads namespace, which the site renders, and ends', () => {
    const p = pod(example);
    expect(p.metadata).toMatchObject({ name: 'harbor-test', namespace: WORKLOADS_NAMESPACE });
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.containers[0].command).toEqual(['nginx', '-v']);
    const minimal = loadSite(siteVariantFile({ storage: { nfs: { enabled: false } }, dra: { claimTemplates: [] }, samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false } } }));
    expect(siteNamespaces(minimal.config).map((n) => n.name)).toContain(WORKLOADS_NAMESPACE);
  });

  it('lands on a hybrid node even when every hybrid pool is tainted', () => {
    const p = pod(example);
    expect(p.spec.nodeSelector).toEqual({ 'eks.amazonaws.com/compute-type': 'hybrid' });
    const taints = example.config.nodePools.flatMap((pool) => pool.taints);
    expect(taints.length).toBeGreaterThan(0);
    for (const t of taints) {
      expect(p.spec.tolerations).toContainEqual({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
    }
    expect(p.spec.tolerations).toHaveLength(new Set(taints.map((t) => `${t.key}=${t.value}:${t.effect}`)).size);
  });

  it('meets the restricted Pod Security profile and asks for no GPU', () => {
    const p = pod(example);
    expect(p.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } });
    const c = p.spec.containers[0];
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } });
  });

  it('without pull secrets, references none (Harbor\'s library project may be public)', () => {
    expect(pod(loadSite(siteVariantFile({ pullSecrets: { enabled: false } }))).spec.imagePullSecrets).toEqual([]);
  });

  it('is rendered last of the registry parts and can be switched off', () => {
    const files = (site: string) => buildSite(site, { charts: CHARTS, artifacts: ARTIFACTS }, { validate: false }).result.files.map((f) => f.path);
    expect(files('sites/example.yaml')).toContain('62-harbor-test.yaml');
    expect(files(siteVariantFile({ harborTest: { enabled: false } }))).not.toContain('62-harbor-test.yaml');
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)('passes strict validation with its pull secret for Kubernetes %s', (version) => {
    expect(findingsOf(atVersion(example, version), ['registry-credentials', 'harbor-test'])).toEqual([]);
  });
});
