import { Testing } from 'cdk8s';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Service } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { WebApiChart } from '../charts/web-api';
import type { Manifest } from '../lib/core/manifest';
import { siteNamespaces } from '../lib/model/namespaces';
import { validationContext } from '../lib/pipeline/pipeline';
import { cloudNodeAffinity, COMPUTE_TYPE_LABEL } from '../lib/model/placement';
import { renderSite } from '../lib/render/render';
import { loadSite, type Site } from '../lib/site/site';
import { validateFiles } from '../lib/validate/validator';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { exampleFor, loadSiteVariant } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

function synth(site: Site): Manifest[] {
  return Testing.synth(new WebApiChart(Testing.app(), 'web-api', { site })) as Manifest[];
}

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
let objects!: ReturnType<typeof synth>;
let deployment!: Deployment;
let pod!: NonNullable<Deployment['spec']>['template']['spec'] & object;
let container!: (NonNullable<Deployment['spec']>['template']['spec'] & object)['containers'][number];
setUp(() => {
  objects = synth(example);
  deployment = objects.find((o) => o.kind === 'Deployment') as unknown as Deployment;
  pod = deployment.spec!.template.spec!;
  container = pod.containers[0];
});

describe('web-api chart (example site)', () => {
  it('renders a Deployment, a Service and a PodDisruptionBudget in the web namespace', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Deployment web/web-api',
      'Service web/web-api',
      'PodDisruptionBudget web/web-api',
    ]);
  });

  it('is built with cdk8s-plus without its hash-valued selector label or meaningless defaults', () => {
    expect(JSON.stringify(objects)).not.toContain('cdk8s.io/');
    expect(deployment.spec!.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'web-api' } });
    expect(deployment.spec!.template.metadata!.labels).toEqual({ 'app.kubernetes.io/name': 'web-api' });
    expect(pod.securityContext).not.toHaveProperty('fsGroupChangePolicy');
  });

  it('runs on cloud nodes (NotIn [hybrid]), never with the guide\'s compute-type: ec2 selector', () => {
    expect(pod.affinity).toEqual(cloudNodeAffinity());
    expect(pod.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: COMPUTE_TYPE_LABEL, operator: 'NotIn', values: ['hybrid'] },
    ]);
    expect(pod.nodeSelector).toBeUndefined();
    expect(JSON.stringify(objects)).not.toContain('ec2');
  });

  it('keeps at least two replicas on different nodes and lets one go at a time', () => {
    expect(deployment.spec!.replicas).toBe(2);
    const labels = deployment.spec!.selector.matchLabels!;
    // hard across nodes, soft across zones (a site may have one zone)
    expect(pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labels } },
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labels } },
    ]);
    // Tainted cloud nodes the pod cannot use (the GPU node group) must not count as empty domains: with the
    // default policy (Ignore) they keep the minimum at 0 and a hard constraint caps replicas at the untainted nodes.
    expect(example.config.cloudNodeGroups.some((g) => g.taints.length > 0)).toBe(true);
    for (const c of pod.topologySpreadConstraints!) expect(c.nodeTaintsPolicy, c.topologyKey).toBe('Honor');
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget') as unknown as PodDisruptionBudget;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: labels } });
    const service = objects.find((o) => o.kind === 'Service') as unknown as Service;
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(service.spec!.selector!);
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    expect(service.spec!.type).toBe('ClusterIP');
    expect(service.spec).not.toHaveProperty('externalIPs');
  });

  it('runs a pinned unprivileged nginx with probes, resources and the restricted profile', () => {
    expect(container.image).toBe('nginxinc/nginx-unprivileged:1.28.3-alpine');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, failureThreshold: 3 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 });
    expect(container.resources!.requests).toEqual({ cpu: '50m', memory: '64Mi' });
    expect(container.resources!.limits).toEqual({ memory: '128Mi' });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 101, runAsGroup: 101 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(siteNamespaces(example.config).find((n) => n.name === 'web')!.podSecurity).toBe('restricted');
  });

  it('pulls through a Harbor proxy-cache project, with the pull secret, when the site configures one', () => {
    const site = loadSiteVariant({ registry: { proxyCache: { 'docker.io': 'dockerhub-proxy' } } });
    const proxied = (synth(site)[0] as unknown as Deployment).spec!.template.spec!;
    expect(proxied.containers[0].image).toBe('harbor.yourdomain.com/dockerhub-proxy/nginxinc/nginx-unprivileged:1.28.3-alpine');
    if (site.config.pullSecrets.enabled) expect(proxied.imagePullSecrets).toEqual([{ name: site.config.pullSecrets.name }]);
  });
});

describe('web-api configuration', () => {
  it('follows replicas and rejects fewer than two', () => {
    expect((synth(loadSiteVariant({ webApi: { replicas: 3 } }))[0] as unknown as Deployment).spec!.replicas).toBe(3);
    expect(() => loadSiteVariant({ webApi: { replicas: 1 } })).toThrowError(/webApi\.replicas: must be an integer of at least 2/);
  });

  it('is off by default', () => {
    const site = loadSiteVariant({ webApi: null });
    expect(renderSite(site, CHARTS).files.some((f) => f.chart === 'web-api')).toBe(false);
    expect(siteNamespaces(site.config).some((n) => n.name === 'web')).toBe(false);
  });
});

describe('strict validation', () => {
  it.each(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v]))('Kubernetes %s: no finding in web-api', (version) => {
    const site = exampleFor(version);
    const findings = validateFiles(renderSite(site, CHARTS).files, validationContext(site));
    expect(findings.filter((f) => f.file.includes('web-api') || f.file.includes('namespaces'))).toEqual([]);
  });
});
