import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { NvidiaDraDriverChart } from '../charts/nvidia-dra-driver';
import type { Manifest } from '../lib/core/manifest';
import { siteNamespaces } from '../lib/model/namespaces';
import { COMPUTE_TYPE_LABEL, GPU_MODE_LABEL, HYBRID, poolNodeLabels } from '../lib/model/placement';
import { selectorMatches } from '../lib/validate/policy/selectors';
import { loadSite } from '../lib/site/site';
import { chartObjects, EXAMPLE, find, type Loose, problemsOf, renderAndValidate, siteWith } from './helpers/gpu-site';

const example = loadSite(EXAMPLE);
const NS = 'nvidia-dra-driver-gpu';
const SA = 'dra-driver-nvidia-gpu-service-account-kubeletplugin';

function build(site = example) {
  return Testing.synth(new NvidiaDraDriverChart(Testing.app(), 'test', { site }));
}

const plugin = (objects: readonly Manifest[]) => find(objects, 'DaemonSet', 'dra-driver-nvidia-gpu-kubelet-plugin');
const podSpec = (ds: Loose) => ds.spec.template.spec;

describe('nvidia-dra-driver', () => {
  it('matches the snapshot', () => {
    expect(build()).toMatchSnapshot();
  });

  it('serves metrics on the port the scrape configuration targets (monitoring.draPlugin.port)', () => {
    const gpus = podSpec(plugin(build())).containers.find((c: Loose) => c.name === 'gpus');
    const port = example.config.monitoring.draPlugin.port;
    expect(gpus.ports).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }]);
    expect(gpus.env).toEqual(
      expect.arrayContaining([
        { name: 'HTTP_ENDPOINT', value: `:${port}` },
        { name: 'METRICS_PATH', value: '/metrics' },
      ]),
    );
  });

  it('renders the objects of the upstream chart with compute domains off', () => {
    expect(build().map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      `ServiceAccount ${NS}/${SA}`,
      'ClusterRole /dra-driver-nvidia-gpu-clusterrole-kubeletplugin',
      'ClusterRoleBinding /dra-driver-nvidia-gpu-clusterrole-binding-kubeletplugin',
      `DaemonSet ${NS}/dra-driver-nvidia-gpu-kubelet-plugin`,
      'DeviceClass /gpu.nvidia.com',
      'DeviceClass /mig.nvidia.com',
      'ValidatingAdmissionPolicy /resourceslices-policy-dra-driver-nvidia-gpu',
      'ValidatingAdmissionPolicyBinding /resourceslices-policy-dra-driver-nvidia-gpu',
    ]);
    expect(JSON.stringify(build())).not.toMatch(/compute-domain|computedomain/i);
  });

  it('renders its namespace with Pod Security privileged and a reason', () => {
    const ns = siteNamespaces(example.config).find((n) => n.name === NS);
    expect(ns?.podSecurity).toBe('privileged');
    expect(ns?.reason).toMatch(/privileged/);
  });

  it('binds the kubelet plugin service account to the ClusterRole, and the DaemonSet uses it', () => {
    const objects = build();
    const binding = find(objects, 'ClusterRoleBinding', 'dra-driver-nvidia-gpu-clusterrole-binding-kubeletplugin');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: SA, namespace: NS }]);
    expect(binding.roleRef.name).toBe('dra-driver-nvidia-gpu-clusterrole-kubeletplugin');
    expect(podSpec(plugin(objects)).serviceAccountName).toBe(SA);
    const role = find(objects, 'ClusterRole', 'dra-driver-nvidia-gpu-clusterrole-kubeletplugin');
    expect(role.rules).toContainEqual({
      apiGroups: ['resource.k8s.io'],
      resources: ['resourceslices'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
    });
  });

  it('runs only on dra pool nodes, tolerating their taints', () => {
    const spec = podSpec(plugin(build()));
    expect(spec.nodeSelector).toEqual({ [COMPUTE_TYPE_LABEL]: HYBRID, [GPU_MODE_LABEL]: 'dra' });
    for (const pool of example.config.nodePools) {
      const labels = { ...poolNodeLabels(pool), [COMPUTE_TYPE_LABEL]: HYBRID };
      expect(selectorMatches({ matchLabels: spec.nodeSelector }, labels), pool.name).toBe(pool.gpu.mode === 'dra');
    }
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.priorityClassName).toBe('system-node-critical');
  });

  it('runs the gpus plugin privileged with the kubelet plugin directories', () => {
    const spec = podSpec(plugin(build()));
    expect(spec.initContainers.map((c: Loose) => c.name)).toEqual(['init-container']);
    expect(spec.containers.map((c: Loose) => c.name)).toEqual(['gpus']);
    const gpus = spec.containers[0];
    expect(gpus.image).toBe('registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1');
    expect(gpus.imagePullPolicy).toBe('IfNotPresent');
    expect(gpus.securityContext).toEqual({ privileged: true });
    expect(gpus.volumeMounts).toContainEqual({ name: 'plugins', mountPath: '/var/lib/kubelet/plugins', mountPropagation: 'Bidirectional' });
    expect(gpus.livenessProbe.grpc).toEqual({ port: 51516, service: 'liveness' });
    // The gRPC health check waits behind any claim preparation in progress: upstream's 10s timeouts, never the 1s default.
    expect(gpus.startupProbe).toEqual({ grpc: { port: 51516, service: 'liveness' }, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 600 });
    expect(gpus.livenessProbe).toEqual({ grpc: { port: 51516, service: 'liveness' }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 });
    expect(gpus.env).toContainEqual({ name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.resources.requests, c.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits.memory, c.name).toEqual(expect.any(String));
    }
  });

  it('mounts a GPU Operator driver root from the host with HostToContainer propagation', () => {
    const site = siteWith((doc) => (doc.draDriver.nvidiaDriverRoot = '/run/nvidia/driver'));
    const spec = podSpec(plugin(build(site)));
    const volume = (name: string) => spec.volumes.find((v: Loose) => v.name === name).hostPath.path;
    expect(volume('driver-root')).toBe('/run/nvidia/driver');
    expect(volume('driver-root-parent')).toBe('/run/nvidia');
    expect(spec.initContainers[0].volumeMounts).toEqual([{ name: 'driver-root-parent', mountPath: '/driver-root-parent', mountPropagation: 'HostToContainer' }]);
    expect(spec.containers[0].env).toContainEqual({ name: 'NVIDIA_DRIVER_ROOT', value: '/run/nvidia/driver' });
  });

  it("ships DeviceClasses gpu.nvidia.com and mig.nvidia.com with the driver's CEL", () => {
    const gpu = find(build(), 'DeviceClass', 'gpu.nvidia.com');
    expect(gpu.apiVersion).toBe('resource.k8s.io/v1beta1'); // the example targets 1.33
    expect(gpu.spec.selectors).toEqual([{ cel: { expression: "device.driver == 'gpu.nvidia.com' && device.attributes['gpu.nvidia.com'].type == 'gpu'" } }]);
    expect(find(build(), 'DeviceClass', 'mig.nvidia.com').spec.selectors[0].cel.expression).toContain("type == 'mig'");
    expect(find(build(siteWith(() => {}, '1.34')), 'DeviceClass', 'gpu.nvidia.com').apiVersion).toBe('resource.k8s.io/v1');
  });

  it('limits ResourceSlice writes of the plugin to its own node', () => {
    const objects = build();
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'resourceslices-policy-dra-driver-nvidia-gpu');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConditions[0].expression).toBe(`request.userInfo.username == 'system:serviceaccount:${NS}:${SA}'`);
    expect(policy.spec.matchConstraints.resourceRules[0]).toMatchObject({ apiGroups: ['resource.k8s.io'], resources: ['resourceslices'] });
    expect(policy.spec.validations.map((v: Loose) => v.expression)).toContain('variables.userNodeName == variables.sliceNodeName');
    // A real kube-apiserver fails the policy with "no such key: extra" for users without extra info unless it is tested first.
    expect(policy.spec.variables.find((v: Loose) => v.name === 'userNodeName').expression).toMatch(/^has\(request\.userInfo\.extra\) && /);
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'resourceslices-policy-dra-driver-nvidia-gpu');
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  });

  it('is not rendered without a dra pool, or when disabled', () => {
    const noPool = siteWith((doc) => {
      doc.nodePools = doc.nodePools.filter((p: Loose) => p.gpu.mode !== 'dra');
      doc.dra.claimTemplates = [];
      doc.samples.mlTraining.enabled = false;
    });
    const { files, findings } = renderAndValidate(noPool);
    expect(findings).toEqual([]);
    expect(chartObjects(files, 'nvidia-dra-driver')).toEqual([]);
    expect(siteNamespaces(noPool.config).map((n) => n.name)).not.toContain(NS);
    expect(chartObjects(renderAndValidate(siteWith((doc) => (doc.draDriver.enabled = false))).files, 'nvidia-dra-driver')).toEqual([]);
  });

  it('rejects compute domains until their CRDs and controller are rendered', () => {
    expect(problemsOf((doc) => (doc.draDriver.computeDomains = { enabled: true }))).toEqual([
      expect.objectContaining({ path: 'draDriver.computeDomains.enabled', value: true }),
    ]);
  });

  it('passes strict validation for the example site', () => {
    expect(renderAndValidate(example).findings).toEqual([]);
  });
});
