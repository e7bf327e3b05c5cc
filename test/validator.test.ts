import Ajv from 'ajv';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Manifest } from '../lib/core/manifest';
import { type Finding, SUPPORTED_SCHEMA_VERSIONS, formatFinding, validateFiles } from '../lib/validate/validator';
import { CRD_SCHEMA_DIR, crdSchemaFile, SCHEMA_DIR, schemaSetFor } from '../lib/validate/schema';
import { CONTEXT, loadSite, withEdit, withObjects } from './fixtures/validator/site';
import { setUp } from './helpers/set-up';

let site!: ReturnType<typeof loadSite>;
setUp(() => {
  site = loadSite('site-1.33.yaml');
});
const CRD_DIR = join(__dirname, '..', 'imports', 'crds');

function schemaFindings(files = site, version = '1.33'): Finding[] {
  return validateFiles(files, { ...CONTEXT, kubernetesVersion: version }).filter((f) => f.check === 'schema');
}

function object(apiVersion: string, kind: string, name: string, rest: Record<string, unknown> = {}, namespace?: string): Manifest {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest };
}

const pod = (spec: Record<string, unknown>) => object('v1', 'Pod', 'probe', { spec }, 'ml-workloads');

const deviceClassV1 = object('resource.k8s.io/v1', 'DeviceClass', 'gpu.nvidia.com', {
  spec: { selectors: [{ cel: { expression: "device.driver == 'gpu.nvidia.com'" } }] },
});

describe('schema bundles', () => {
  it('exist for Kubernetes 1.30 to 1.36, each at most 2 MB and for its own minor', () => {
    expect(SUPPORTED_SCHEMA_VERSIONS).toEqual(['1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
    for (const version of SUPPORTED_SCHEMA_VERSIONS) {
      const file = join(SCHEMA_DIR, `kubernetes-${version}.json`);
      expect(statSync(file).size).toBeLessThanOrEqual(2 * 1024 * 1024);
      const bundle = JSON.parse(readFileSync(file, 'utf8'));
      expect(bundle.kubernetesVersion).toBe(version);
      expect(bundle.source).toMatchObject({ registry: 'PyPI', package: 'kubernetes-validate' });
      expect(bundle.kinds['apps/v1 Deployment']).toBe('io.k8s.api.apps.v1.Deployment');
    }
  });

  it('carry the DRA API versions of each minor', () => {
    const served = (v: string) => Object.keys(JSON.parse(readFileSync(join(SCHEMA_DIR, `kubernetes-${v}.json`), 'utf8')).served).filter((a) => a.startsWith('resource.k8s.io/'));
    expect(served('1.30')).toEqual(['resource.k8s.io/v1alpha2']);
    expect(served('1.33')).toEqual(['resource.k8s.io/v1alpha3', 'resource.k8s.io/v1beta1', 'resource.k8s.io/v1beta2']);
    expect(served('1.34')).toContain('resource.k8s.io/v1');
  });

  it('are strict: every object definition with properties rejects unknown ones', () => {
    const defs = JSON.parse(readFileSync(join(SCHEMA_DIR, 'kubernetes-1.33.json'), 'utf8')).definitions;
    const open = Object.entries(defs).filter(([, d]: [string, any]) => d.properties && d.additionalProperties === undefined);
    expect(open.map(([name]) => name)).toEqual([]);
  });
});

describe('CRD files', () => {
  const files = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'));

  it('are apiextensions.k8s.io/v1 CRDs named <group>_<plural>.yaml', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const crd = parse(readFileSync(join(CRD_DIR, file), 'utf8'));
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect(file).toBe(`${crd.spec.group}_${crd.spec.names.plural}.yaml`);
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
      // Small enough for client-side `kubectl apply` (last-applied annotation ≤ 256 KiB), except Argo CD's
      // ApplicationSet CRD, which Argo CD itself installs with --server-side (as test:cluster applies every CRD).
      if (file !== 'argoproj.io_applicationsets.yaml') expect(JSON.stringify(crd).length).toBeLessThan(256 * 1024);
    }
  }, 60_000);

  it('keep one schema file per served kind, named by the index, and no other file', () => {
    const index = JSON.parse(readFileSync(join(SCHEMA_DIR, 'crds.json'), 'utf8')) as { kinds: Record<string, { schemaFile: string }> };
    const listed = Object.entries(index.kinds).map(([key, entry]) => {
      const [apiVersion, kind] = key.split(' ');
      expect(entry.schemaFile).toBe(crdSchemaFile(apiVersion, kind));
      expect(JSON.parse(readFileSync(join(SCHEMA_DIR, entry.schemaFile), 'utf8'))).toHaveProperty('properties.spec');
      return entry.schemaFile;
    });
    const files = readdirSync(join(SCHEMA_DIR, CRD_SCHEMA_DIR)).map((f) => `${CRD_SCHEMA_DIR}/${f}`);
    expect(files.sort()).toEqual(listed.sort());
  });

  it('serve the custom resources we emit', () => {
    const served = JSON.parse(readFileSync(join(SCHEMA_DIR, 'crds.json'), 'utf8')).served;
    expect(served['external-secrets.io/v1']).toEqual(['ClusterExternalSecret', 'ClusterSecretStore', 'ExternalSecret', 'SecretStore']);
    expect(served['bitnami.com/v1alpha1']).toEqual(['SealedSecret']);
    expect(served['monitoring.coreos.com/v1']).toEqual(['PodMonitor', 'PrometheusRule', 'ServiceMonitor']);
    expect(served['monitoring.coreos.com/v1alpha1']).toEqual(['ScrapeConfig']);
    expect(served['external-secrets.io/v1beta1']).toBeUndefined();
    // gitops/: what the fleet-delivery objects are checked against
    expect(served['argoproj.io/v1alpha1']).toEqual(['Application', 'ApplicationSet']);
    expect(served['kustomize.toolkit.fluxcd.io/v1']).toEqual(['Kustomization']);
    expect(served['source.toolkit.fluxcd.io/v1']).toEqual(['GitRepository']);
  });
});

describe('schema validation', () => {
  it('accepts the fixture site for 1.33', () => {
    expect(schemaFindings()).toEqual([]);
  });

  it('rejects an unknown field (hostPid instead of hostPID) and names it', () => {
    const files = withEdit(site, 'Deployment trainer', (d) => (d.spec.template.spec.hostPid = true));
    expect(schemaFindings(files)).toEqual([
      {
        check: 'schema',
        severity: 'error',
        file: '30-workloads.yaml',
        object: 'Deployment ml-workloads/trainer',
        field: 'spec.template.spec.hostPid',
        message: 'unknown field "hostPid" (did you mean "hostPID"?)',
      },
    ]);
  });

  it('rejects nvidia.com/gpu: null in limits (what cdk8s makes of a mistyped quantity)', () => {
    const files = withEdit(site, 'Deployment trainer', (d) => (d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = null));
    const [finding] = schemaFindings(files);
    expect(finding.field).toBe('spec.template.spec.containers[0].resources.limits.nvidia.com/gpu');
    expect(finding.message).toBe('must be string or number (got null)');
    expect(formatFinding(finding)).toBe(
      '30-workloads.yaml: Deployment ml-workloads/trainer: spec.template.spec.containers[0].resources.limits.nvidia.com/gpu: must be string or number (got null) [schema]',
    );
  });

  it('rejects resource.k8s.io/v1alpha2 ResourceClass for 1.33 as not served, but accepts it for 1.30', () => {
    const resourceClass = object('resource.k8s.io/v1alpha2', 'ResourceClass', 'eks-hybrid-dra', { driverName: 'gpu.nvidia.com' });
    const files = withObjects(site, resourceClass);
    expect(schemaFindings(files)).toEqual([
      {
        check: 'schema',
        severity: 'error',
        file: '90-extra.yaml',
        object: 'ResourceClass eks-hybrid-dra',
        field: 'apiVersion',
        message: 'resource.k8s.io/v1alpha2 ResourceClass is not served by Kubernetes 1.33',
      },
    ]);
    // 1.30 serves it, though only as an alpha API that EKS does not enable.
    expect(schemaFindings([{ path: 'x.yaml', chart: 'x', objects: [resourceClass] }], '1.30')[0].message).toMatch(/is alpha in Kubernetes 1\.30/);
  });

  it('accepts resource.k8s.io/v1 DeviceClass for 1.34 and rejects it for 1.33, naming the served versions', () => {
    const files = [{ path: '40-dra.yaml', chart: 'dra', objects: [deviceClassV1] }];
    expect(schemaFindings(files, '1.34')).toEqual([]);
    expect(schemaFindings(files, '1.33').map((f) => f.message)).toEqual([
      'resource.k8s.io/v1 DeviceClass is not served by Kubernetes 1.33 (served: resource.k8s.io/v1alpha3, resource.k8s.io/v1beta1, resource.k8s.io/v1beta2)',
    ]);
  });

  it('accepts a v1beta1 ResourceClaimTemplate with flat deviceClassName for 1.33; the v1 shape wants `exactly`', () => {
    const template = site.flatMap((f) => f.objects).find((o) => o.kind === 'ResourceClaimTemplate')!;
    expect(template.apiVersion).toBe('resource.k8s.io/v1beta1');
    expect(schemaFindings([{ path: 'x.yaml', chart: 'x', objects: [template] }], '1.33')).toEqual([]);
    const v1 = { ...template, apiVersion: 'resource.k8s.io/v1' };
    expect(schemaFindings([{ path: 'x.yaml', chart: 'x', objects: [v1] }], '1.34').map((f) => `${f.field}: ${f.message}`)).toEqual([
      'spec.spec.devices.requests[0].deviceClassName: unknown field "deviceClassName"',
    ]);
  });

  it('warns about DRA beta versions that a default cluster of that minor does not serve', () => {
    const template = site.flatMap((f) => f.objects).find((o) => o.kind === 'ResourceClaimTemplate')!;
    const [finding] = schemaFindings([{ path: 'x.yaml', chart: 'x', objects: [template] }], '1.34');
    expect(finding).toMatchObject({ severity: 'warning', field: 'apiVersion' });
    expect(finding.message).toBe(
      'resource.k8s.io/v1beta1 ResourceClaimTemplate is beta and off by default in Kubernetes 1.34 (served only with --runtime-config); use resource.k8s.io/v1',
    );
    expect(schemaFindings([{ path: 'x.yaml', chart: 'x', objects: [template] }], '1.32').map((f) => f.message)).toEqual([
      'resource.k8s.io/v1beta1 ResourceClaimTemplate is beta and off by default in Kubernetes 1.32 (served only with --runtime-config); EKS serves the DRA beta API from 1.33',
    ]);
  });

  it('rejects an unknown field in a custom resource (ExternalSecret)', () => {
    const files = withEdit(site, 'ExternalSecret harbor-pull', (e) => (e.spec.refreshIntervall = '1h'));
    expect(schemaFindings(files).map((f) => [f.object, f.field, f.message])).toEqual([
      ['ExternalSecret ml-workloads/harbor-pull', 'spec.refreshIntervall', 'unknown field "refreshIntervall" (did you mean "refreshInterval"?)'],
    ]);
  });

  it('validates custom resource metadata as ObjectMeta', () => {
    const files = withEdit(site, 'ServiceMonitor trainer', (s) => (s.metadata.label = { a: 'b' }));
    expect(schemaFindings(files).map((f) => f.field)).toEqual(['metadata.label']);
  });

  it('reports a missing required field and a wrong type', () => {
    const files = withEdit(site, 'Service trainer-metrics', (s) => {
      s.spec.ports[0].port = '9400';
      delete s.spec.ports[0].targetPort;
      s.spec.ports[0].name = undefined;
    });
    // `name: undefined` is absent in the YAML, not an error.
    expect(schemaFindings(files).map((f) => `${f.field}: ${f.message}`)).toEqual(['spec.ports[0].port: must be integer (got "9400")']);
    const noContainers = pod({});
    expect(schemaFindings([{ path: 'p.yaml', chart: 'p', objects: [noContainers] }]).map((f) => `${f.field}: ${f.message}`)).toEqual([
      'spec.containers: required field "containers" is missing',
    ]);
  });

  it('rejects custom resources and versions no CRD of ours serves', () => {
    const files = [
      {
        path: 'x.yaml',
        chart: 'x',
        objects: [
          object('external-secrets.io/v1beta1', 'ExternalSecret', 'old', { spec: {} }, 'ml-workloads'),
          object('monitoring.coreos.com/v1', 'Prometheus', 'k8s', { spec: {} }, 'monitoring'),
          object('example.com/v1', 'Widget', 'w', {}),
          object('v1', 'Binding', 'b', {}),
        ],
      },
    ];
    expect(schemaFindings(files).map((f) => f.message)).toEqual([
      'external-secrets.io/v1beta1 ExternalSecret is not served by the CRDs in imports/crds (served: external-secrets.io/v1)',
      'monitoring.coreos.com/v1 Prometheus is not served by the CRDs in imports/crds',
      'example.com/v1 Widget: no CRD in imports/crds serves it (add the CRD to scripts/update-crds.ts)',
      'v1 Binding is served by Kubernetes 1.33 but is not an object that can be applied',
    ]);
  });

  it('compiles every CRD pattern (Go RE2 `(?i)` included) and accepts minimal custom resources', () => {
    const minimal = [
      object('monitoring.coreos.com/v1', 'PodMonitor', 'p', { spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics', scheme: 'https' }] } }, 'ml-workloads'),
      object('monitoring.coreos.com/v1alpha1', 'ScrapeConfig', 's', { spec: { staticConfigs: [{ targets: ['10.0.0.1:9100'] }] } }, 'ml-workloads'),
      object('monitoring.coreos.com/v1', 'PrometheusRule', 'r', { spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }] } }, 'ml-workloads'),
    ];
    expect(schemaFindings([{ path: 'x.yaml', chart: 'x', objects: minimal }])).toEqual([]);
  });
});

describe('agreement with ajv', () => {
  // ajv is the reference implementation of JSON Schema; our evaluator must agree with it on validity.
  // Go RE2's `(?i)` becomes the `i` flag, as in lib/validate/json-schema.ts.
  const regExp = Object.assign(
    (source: string, flags: string) => new RegExp(source.replace(/\(\?i\)/g, ''), source.includes('(?i)') ? `${flags}i` : flags),
    { code: 'new RegExp' },
  );
  const ajvFor = (version: string) => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp } });
    ajv.addSchema({ definitions: schemaSetFor(version).definitions }, 'k8s');
    return ajv;
  };
  const rewriteRefs = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replace(/"#\/definitions\//g, '"k8s#/definitions/'));

  it('on the fixture site and broken copies of it', () => {
    const ajv = ajvFor('1.33');
    const set = schemaSetFor('1.33');
    // one rewritten schema per kind: ajv caches compiled schemas by object, so each kind compiles once
    const ajvSchemas = new Map<string, object>();
    const variants = [
      site,
      withEdit(site, 'Deployment trainer', (d) => (d.spec.template.spec.hostPid = true)),
      withEdit(site, 'Deployment trainer', (d) => (d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = null)),
      withEdit(site, 'ExternalSecret harbor-pull', (e) => (e.spec.target.creationPolicy = 'Sometimes')),
      withEdit(site, 'ClusterSecretStore aws-secrets-manager', (s) => (s.spec.provider.aws.service = 42)),
      withEdit(site, 'PersistentVolumeClaim datasets', (p) => (p.spec.resources.requests.storage = { big: true })),
    ];
    for (const files of variants) {
      for (const o of files.flatMap((f) => f.objects)) {
        const schema = set.schemaFor(o.apiVersion, o.kind);
        if (typeof schema === 'string') continue;
        const ours = set.validate(o).length === 0;
        const key = `${o.apiVersion} ${o.kind}`;
        if (!ajvSchemas.has(key)) ajvSchemas.set(key, rewriteRefs(schema) as object);
        expect({ object: `${o.kind} ${o.metadata.name}`, valid: ajv.validate(ajvSchemas.get(key)!, o) }).toEqual({ object: `${o.kind} ${o.metadata.name}`, valid: ours });
      }
    }
  }, 120_000); // ajv compiles the big CRD schemas (ClusterSecretStore) in seconds on a busy 2-core machine
});

describe('validateFiles', () => {
  it('sorts findings by file, object position and field, and is deterministic', () => {
    const files = withEdit(
      withEdit(site, 'Deployment trainer', (d) => (d.spec.template.spec.hostPid = true)),
      'Namespace ml-workloads',
      (n) => (n.spec = { finalizer: [] }),
    );
    const first = validateFiles(files, CONTEXT);
    expect(first.map((f) => `${f.file} ${f.object} ${f.field}`)).toEqual([
      '00-namespaces.yaml Namespace ml-workloads spec.finalizer',
      '30-workloads.yaml Deployment ml-workloads/trainer spec.template.spec.hostPid',
    ]);
    expect(validateFiles(files, CONTEXT)).toEqual(first);
  });

  it('orders two findings on one field by check (schema first), not by message', () => {
    // "label value must…" sorts before "must be string…", so only the check order puts schema first
    const files = withEdit(site, 'Deployment trainer', (d) => (d.metadata.labels = { ...d.metadata.labels, zz: 5 }));
    expect(validateFiles(files, CONTEXT).map((f) => `${f.field} [${f.check}] ${f.message}`)).toEqual([
      'metadata.labels.zz [schema] must be string (got 5)',
      'metadata.labels.zz [label-syntax] label value must be a string (got "zz": 5)',
    ]);
  });

  it('formats a finding without a field', () => {
    expect(formatFinding({ check: 'x', severity: 'warning', file: 'a.yaml', object: 'Pod p', message: 'm' })).toBe('a.yaml: Pod p: warning: m [x]');
  });

  it('rejects an unsupported Kubernetes version', () => {
    expect(() => validateFiles(site, { ...CONTEXT, kubernetesVersion: '1.29' })).toThrow(/no schema bundle for Kubernetes 1.29/);
  });

  it('flags the pod spec of a bare Pod like a workload', () => {
    const findings = validateFiles([{ path: 'p.yaml', chart: 'p', objects: [pod({ containers: [{ name: 'c', image: 'busybox' }] })] }], CONTEXT);
    expect(findings.map((f) => f.check)).toEqual(['image-pinned', 'resources-required', 'resources-required', 'resources-required']);
  });
});
