/**
 * The DRA version matrix, 1.30 … 1.36: API version, class kind, claim request shape and pod claim shape
 * per minor, each object checked against that minor's own OpenAPI definitions, and the whole example
 * site rendered and strictly validated wherever the NVIDIA DRA driver can run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import { claimRequest, deviceClass, nvidiaDeviceClassExpression, podResourceClaim, resourceClaimTemplate } from '../lib/model/dra';
import { SCHEMA_DIR, schemaSetFor } from '../lib/validate/schema';
import { draFacts, SUPPORTED_KUBERNETES_VERSIONS, supportsNvidiaDraDriver, type KubernetesVersion } from '../lib/core/versions';
import { chartObjects, find, type Loose, problemsOf, renderAndValidate, siteWith } from './helpers/gpu-site';

/** What the sources say per minor (shared/reference/dra-and-nvidia.md §1.1, §1.3, §1.4), written out independently. */
const EXPECTED: Record<KubernetesVersion, { api: string; classKind: string; request: 'classic' | 'flat' | 'exactly'; pod: 'source' | 'direct'; driver: boolean }> = {
  '1.30': { api: 'resource.k8s.io/v1alpha2', classKind: 'ResourceClass', request: 'classic', pod: 'source', driver: false },
  '1.31': { api: 'resource.k8s.io/v1alpha3', classKind: 'DeviceClass', request: 'flat', pod: 'direct', driver: false },
  '1.32': { api: 'resource.k8s.io/v1beta1', classKind: 'DeviceClass', request: 'flat', pod: 'direct', driver: false },
  '1.33': { api: 'resource.k8s.io/v1beta1', classKind: 'DeviceClass', request: 'flat', pod: 'direct', driver: true },
  '1.34': { api: 'resource.k8s.io/v1', classKind: 'DeviceClass', request: 'exactly', pod: 'direct', driver: true },
  '1.35': { api: 'resource.k8s.io/v1', classKind: 'DeviceClass', request: 'exactly', pod: 'direct', driver: true },
  '1.36': { api: 'resource.k8s.io/v1', classKind: 'DeviceClass', request: 'exactly', pod: 'direct', driver: true },
};

/**
 * Validates an object against the raw definition of its kind in the minor's bundle. Unlike the site
 * validator this also accepts alpha kinds, so the shapes of 1.30/1.31 are checked too.
 */
const definitionSets = new Map<string, { kinds: Record<string, string>; ajv: Ajv }>();

function definitionProblems(version: string, object: Manifest): unknown[] {
  let set = definitionSets.get(version);
  if (!set) {
    const bundle = JSON.parse(readFileSync(join(SCHEMA_DIR, `kubernetes-${version}.json`), 'utf8')) as { kinds: Record<string, string>; definitions: object };
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ definitions: bundle.definitions }, 'k8s');
    set = { kinds: bundle.kinds, ajv };
    definitionSets.set(version, set);
  }
  const name = set.kinds[`${object.apiVersion} ${object.kind}`];
  if (!name) return [`${object.apiVersion} ${object.kind} is not in the ${version} bundle`];
  const validate = set.ajv.compile({ $ref: `k8s#/definitions/${name}` });
  return validate(object) ? [] : (validate.errors ?? []);
}

/** A pod spec holding one claim, in the shape of the minor. */
function podWithClaim(version: KubernetesVersion): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'claim-shape', namespace: 'ml-workloads' },
    spec: {
      resourceClaims: [podResourceClaim(version, 'gpu', 'one-gpu')],
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { claims: [{ name: 'gpu' }] } }],
    },
  };
}

describe.each(SUPPORTED_KUBERNETES_VERSIONS)('DRA on Kubernetes %s', (version) => {
  const expected = EXPECTED[version];

  it('has the expected facts in the version matrix', () => {
    const facts = draFacts(version);
    expect(`resource.k8s.io/${facts.api}`).toBe(expected.api);
    expect(facts.classKind).toBe(expected.classKind);
    expect(facts.requestShape).toBe(expected.request);
    expect(facts.podClaimShape).toBe(expected.pod);
    expect(supportsNvidiaDraDriver(version)).toBe(expected.driver);
  });

  it('builds the class, a claim template and a pod claim in the shape of the minor', () => {
    const cls = deviceClass(version, 'gpu.nvidia.com', nvidiaDeviceClassExpression('gpu')) as Loose;
    expect(cls.apiVersion).toBe(expected.api);
    expect(cls.kind).toBe(expected.classKind);
    const template = resourceClaimTemplate(version, {
      name: 'one-gpu',
      namespace: 'ml-workloads',
      request: claimRequest({ name: 'one-gpu', count: 1 }),
    }) as Loose;
    expect(template.apiVersion).toBe(expected.api);
    const spec = template.spec.spec;
    if (expected.request === 'classic') {
      expect(spec).toEqual({ resourceClassName: 'gpu.nvidia.com' });
    } else if (expected.request === 'flat') {
      expect(spec.devices.requests[0]).toEqual({ name: 'gpus', deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1 });
    } else {
      expect(spec.devices.requests[0]).toEqual({ name: 'gpus', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1 } });
    }
    const claim = podResourceClaim(version, 'gpu', 'one-gpu');
    expect(claim).toEqual(expected.pod === 'source' ? { name: 'gpu', source: { resourceClaimTemplateName: 'one-gpu' } } : { name: 'gpu', resourceClaimTemplateName: 'one-gpu' });
  });

  it("matches the minor's OpenAPI definitions (alpha kinds included)", () => {
    const objects: Manifest[] = [
      deviceClass(version, 'gpu.nvidia.com', nvidiaDeviceClassExpression('gpu')),
      resourceClaimTemplate(version, { name: 'one-gpu', namespace: 'ml-workloads', request: claimRequest({ name: 'one-gpu', count: 1 }) }),
      podWithClaim(version),
    ];
    if (expected.request !== 'classic') {
      objects.push(
        resourceClaimTemplate(version, {
          name: 'picky',
          namespace: 'ml-workloads',
          request: claimRequest({ name: 'picky', count: 2, productName: 'H100', minMemory: '80Gi', minCudaDriverVersion: '12.2' }),
        }),
      );
    }
    for (const object of objects) expect(definitionProblems(version, object), `${object.kind}`).toEqual([]);
    // The other shape is rejected, so the check above can fail.
    const other = version === '1.30' ? '1.31' : '1.30';
    expect(definitionProblems(version, podWithClaim(other as KubernetesVersion))).not.toEqual([]);
  });

  if (expected.driver) {
    it('renders the example site with DRA and passes strict validation', () => {
      const { files, findings } = renderAndValidate(siteWith(() => {}, version));
      expect(findings).toEqual([]);
      expect(find(chartObjects(files, 'nvidia-dra-driver'), 'DeviceClass', 'gpu.nvidia.com').apiVersion).toBe(expected.api);
      const template = find(chartObjects(files, 'dra-claims'), 'ResourceClaimTemplate', 'ml-training-claim');
      expect(template.apiVersion).toBe(expected.api);
      expect(Object.keys(template.spec.spec.devices.requests[0]).sort()).toEqual(
        expected.request === 'exactly' ? ['exactly', 'name'] : ['allocationMode', 'count', 'deviceClassName', 'name', 'selectors'],
      );
      const job = find(chartObjects(files, 'gpu-workloads'), 'Job', 'ml-training');
      expect(job.spec.template.spec.resourceClaims).toEqual([{ name: 'gpu', resourceClaimTemplateName: 'ml-training-claim' }]);
    });
  } else {
    it('rejects dra pools, claim templates and the DRA sample with a clear message', () => {
      const problems = problemsOf(() => {}, version);
      expect(problems.map((p) => p.path)).toEqual(['nodePools[1].gpu.mode', 'dra.claimTemplates[0]', 'samples.mlTraining.enabled']);
      expect(problems[0].message).toContain('needs Kubernetes 1.33 or later on EKS');
      expect(problems[0].message).toContain(`on ${version} resource.k8s.io/${draFacts(version).api} is ${version === '1.32' ? 'beta' : 'alpha'}`);
      if (version !== '1.32') {
        // The site validator agrees: EKS serves no alpha DRA API.
        expect(schemaSetFor(version).validate(deviceClass(version, 'x', 'true'))[0].message).toMatch(/alpha/);
      }
    });

    it('renders the device-plugin half of the example and passes strict validation', () => {
      const site = siteWith((doc) => {
        doc.nodePools = doc.nodePools.filter((p: Loose) => p.gpu.mode !== 'dra');
        doc.dra.claimTemplates = [];
        doc.samples.mlTraining.enabled = false;
      }, version);
      const { files, findings } = renderAndValidate(site);
      expect(findings).toEqual([]);
      expect(chartObjects(files, 'nvidia-device-plugin').length).toBeGreaterThan(0);
      expect(files.flatMap((f) => f.objects).some((o) => o.apiVersion.startsWith('resource.k8s.io/'))).toBe(false);
    });
  }
});
