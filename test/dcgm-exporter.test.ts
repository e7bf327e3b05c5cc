import { readFileSync } from 'node:fs';
import { Testing } from 'cdk8s';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS } from '../charts';
import { DcgmExporterChart } from '../charts/dcgm-exporter';
import { SiteConfigError } from '../lib/config/problems';
import { imageTag } from '../lib/model/images';
import { COMPONENT_LABEL } from '../lib/core/labels';
import type { Manifest } from '../lib/core/manifest';
import { siteNamespaces } from '../lib/model/namespaces';
import { validationContext } from '../lib/pipeline/pipeline';
import { gpuPools, POOL_LABEL } from '../lib/model/placement';
import { renderSite } from '../lib/render/render';
import { loadSite, type Site } from '../lib/site/site';
import { validateFiles } from '../lib/validate/validator';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { exampleFor, loadSiteVariant, withoutDra } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

function synth(site: Site): Manifest[] {
  return Testing.synth(new DcgmExporterChart(Testing.app(), 'dcgm-exporter', { site })) as Manifest[];
}

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
let objects!: ReturnType<typeof synth>;
let daemonSet!: DaemonSet & Manifest;
let pod!: NonNullable<DaemonSet['spec']>['template']['spec'] & object;
let container!: (NonNullable<DaemonSet['spec']>['template']['spec'] & object)['containers'][number];
setUp(() => {
  objects = synth(example);
  daemonSet = objects.find((o) => o.kind === 'DaemonSet') as unknown as DaemonSet & Manifest;
  pod = daemonSet.spec!.template.spec!;
  container = pod.containers[0];
});

describe('dcgm-exporter chart (example site)', () => {
  it('renders a ServiceAccount, the DaemonSet and its Service', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount dcgm-exporter/dcgm-exporter',
      'DaemonSet dcgm-exporter/dcgm-exporter',
      'Service dcgm-exporter/dcgm-exporter',
    ]);
  });

  it('runs on every GPU pool (device plugin and DRA) and tolerates exactly their taints', () => {
    const terms = pod.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    expect(terms).toHaveLength(1);
    const poolTerm = terms[0].matchExpressions!.find((e) => e.key === POOL_LABEL)!;
    expect(poolTerm.values).toEqual(gpuPools(example.config).map((p) => p.name));
    expect(poolTerm.values).toEqual(['gpu-h100', 'gpu-h100-dra']);
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }]);
  });

  it('sees the GPUs without taking one from workloads', () => {
    const requests = { ...container.resources!.requests, ...container.resources!.limits };
    expect(Object.keys(requests)).not.toContain('nvidia.com/gpu');
    expect(container.env).toContainEqual({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' });
  });

  it('gets the NVIDIA runtime through RuntimeClass nvidia whenever a pool lacks it as default', () => {
    const runtimeClassOf = (site: Site) => (synth(site)[1] as unknown as DaemonSet).spec!.template.spec!.runtimeClassName;
    // The example's dra pool never runs the NVIDIA runtime by default (it would bypass DRA): the exporter names it.
    expect(pod.runtimeClassName).toBe('nvidia');
    // Device-plugin pools only: the runtime is containerd's default there unless nvidiaRuntimeClass.
    expect(runtimeClassOf(loadSiteVariant(withoutDra()))).toBeUndefined();
    expect(runtimeClassOf(loadSiteVariant({ ...withoutDra(), devicePlugin: { nvidiaRuntimeClass: true } }))).toBe('nvidia');
    // The RuntimeClass it names is in the output (rendered by its own chart).
    const { files } = renderSite(example, CHARTS);
    expect(files.find((f) => f.chart === 'nvidia-runtime-class')?.objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['RuntimeClass nvidia']);
  });

  it('exports on :9400 with the upstream security context: root, CAP_SYS_ADMIN, nothing else, not privileged', () => {
    expect(container.image).toBe('nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9400, protocol: 'TCP' }]);
    expect(container.securityContext).toEqual({ runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } });
    const without = synth(loadSiteVariant({ dcgmExporter: { profilingMetrics: false } }));
    const sc = (without[1] as unknown as DaemonSet).spec!.template.spec!.containers[0].securityContext!;
    expect(sc.capabilities).toEqual({ drop: ['ALL'] });
    expect(sc.allowPrivilegeEscalation).toBe(false);
    // still root without profiling: the kubelet refuses to start a container that says runAsNonRoot with uid 0
    expect(sc.runAsUser).toBe(0);
    expect(sc.runAsNonRoot).toBe(false);
  });

  it('has the memory DCGM needs on an 8-GPU server (upstream 128/256 MiB OOM-loops there)', () => {
    // Reports of the exporter's working set: 400-500 MiB on 1-GPU nodes (NVIDIA/dcgm-exporter#609), OOM kills at
    // 250 Mi and 512 Mi limits on 8-GPU nodes (aws-observability/helm-charts#61, pytorch/ci-infra#1011).
    const mib = (q: string) => (q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.replace(/Mi$/, '')));
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(mib(String(container.resources!.requests!.memory))).toBeGreaterThanOrEqual(512);
    expect(mib(String(container.resources!.limits!.memory))).toBeGreaterThan(512);
  });

  it('mounts only the kubelet pod-resources directory from the host, read-only', () => {
    expect(pod.volumes).toEqual([{ name: 'pod-resources', hostPath: { path: '/var/lib/kubelet/pod-resources', type: 'Directory' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'pod-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true }]);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPID).toBeUndefined();
  });

  it('puts its Service in front of the DaemonSet pods', () => {
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(daemonSet.spec!.template.metadata!.labels).toMatchObject((service.spec as { selector: Record<string, string> }).selector);
    expect(daemonSet.spec!.selector.matchLabels).toEqual((service.spec as { selector: Record<string, string> }).selector);
  });

  it('lives in a privileged namespace (hostPath and CAP_SYS_ADMIN) that gets the pull secret', () => {
    const ns = siteNamespaces(example.config).find((n) => n.name === 'dcgm-exporter')!;
    expect(ns.podSecurity).toBe('privileged');
    expect(ns.runsPods).toBe(true);
  });

  it('is labelled with the exporter version from its image tag', () => {
    const file = renderSite(example, CHARTS).files.find((f) => f.chart === 'dcgm-exporter')!;
    for (const o of file.objects) expect(o.metadata.labels!['app.kubernetes.io/version']).toBe('4.5.3-4.8.2-distroless');
    expect(imageTag(`nvcr.io/nvidia/k8s/dcgm-exporter@sha256:${'a'.repeat(64)}`)).toBe('sha256-aaaaaaaaaaaa');
  });

  it('follows the pools: a device-plugin-only site places it on that pool alone', () => {
    const site = loadSiteVariant(withoutDra());
    const ds = synth(site)[1] as unknown as DaemonSet;
    const terms = ds.spec!.template.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    expect(terms[0].matchExpressions!.find((e) => e.key === POOL_LABEL)!.values).toEqual(['gpu-h100']);
  });
});

describe('dcgm-exporter chart: every field a reviewer checks (example site)', () => {
  it('runs as root without a service account token, node-critical, rolling one node at a time', () => {
    const serviceAccount = objects.find((o) => o.kind === 'ServiceAccount') as Manifest & { automountServiceAccountToken?: boolean };
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(daemonSet.spec!.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect(daemonSet.spec!.template.metadata!.labels![COMPONENT_LABEL]).toBe('dcgm-exporter');
    expect(container.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
  });

  it('one exporter container listening on the metrics port, in Kubernetes mode, with /health probes', () => {
    expect(pod.containers.map((c) => c.name)).toEqual(['exporter']);
    expect(container.env).toEqual([
      { name: 'DCGM_EXPORTER_LISTEN', value: ':9400' },
      { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
      { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
    ]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 9400 }, initialDelaySeconds: 45, periodSeconds: 10 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/health', port: 9400 }, initialDelaySeconds: 45, periodSeconds: 10, failureThreshold: 6 });
  });

  it('a ClusterIP Service exposing the named metrics port over TCP', () => {
    const service = objects.find((o) => o.kind === 'Service') as Manifest & { spec: { type: string; ports: unknown[] } };
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: 9400, targetPort: 'metrics', protocol: 'TCP' }]);
  });
});

describe('dcgm-exporter configuration', () => {
  it('is off by default and rendered only when enabled', () => {
    const site = loadSiteVariant({ dcgmExporter: null });
    expect(site.config.dcgmExporter.enabled).toBe(false);
    expect(renderSite(site, CHARTS).files.some((f) => f.chart === 'dcgm-exporter')).toBe(false);
  });

  it('is a config error without a GPU pool', () => {
    const overrides = { nodePools: [{ name: 'cpu', count: 1, vcpus: 8 }], dra: { claimTemplates: [] }, samples: { gpuTest: { enabled: false }, gpuTraining: { enabled: false }, mlTraining: { enabled: false } } };
    expect(() => loadSiteVariant(overrides)).toThrowError(SiteConfigError);
    expect(() => loadSiteVariant(overrides)).toThrowError(/dcgmExporter\.enabled: no node pool has GPUs/);
  });
});

describe('strict validation', () => {
  it.each(SUPPORTED_KUBERNETES_VERSIONS.map((v) => [v]))('Kubernetes %s: no finding', (version) => {
    const site = exampleFor(version);
    const findings = validateFiles(renderSite(site, CHARTS).files, validationContext(site));
    expect(findings.filter((f) => f.file.includes('dcgm') || f.file.includes('prometheus'))).toEqual([]);
  });
});

describe('dcgm-exporter placement against several differently tainted pools (issue 21)', () => {
  it('tolerates the taints of every GPU pool, not only the first one', () => {
    const example = parse(readFileSync('sites/example.yaml', 'utf8')) as { nodePools: Record<string, unknown>[] };
    const nodePools = example.nodePools.map((p) =>
      p.name === 'gpu-h100-dra' ? { ...p, taints: [{ key: 'example.com/dra-only', effect: 'NoExecute' }] } : p,
    );
    const ds = synth(loadSiteVariant({ nodePools }))[1] as unknown as DaemonSet;
    expect(ds.spec!.template.spec!.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
      { key: 'example.com/dra-only', operator: 'Exists', effect: 'NoExecute' },
    ]);
  });
});
