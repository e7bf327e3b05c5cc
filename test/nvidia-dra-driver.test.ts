import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { draDriverVersion, NvidiaDraDriverChart } from '../charts/nvidia-dra-driver';
import { SUPPORTED_KUBERNETES_VERSIONS, supportsNvidiaDraDriver } from '../lib/core/versions';
import type { Manifest } from '../lib/core/manifest';
import { siteNamespaces } from '../lib/model/namespaces';
import { COMPUTE_TYPE_LABEL, GPU_MODE_LABEL, HYBRID, poolNodeLabels } from '../lib/model/placement';
import { selectorMatches } from '../lib/validate/policy/selectors';
import { loadSite } from '../lib/site/site';
import { chartObjects, EXAMPLE, find, type Loose, problemsOf, renderAndValidate, siteWith } from './helpers/gpu-site';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite(EXAMPLE);
});
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

// The checks a reviewer of this chart would make, one concern each, with the values of the upstream chart
// (sigs-dra@v0.4.1 deployments/helm/dra-driver-nvidia-gpu: rbac-kubeletplugin.yaml, kubeletplugin.yaml,
// validatingadmissionpolicy*.yaml, values.yaml) unless a comment says why ours differs.
describe('nvidia-dra-driver, object by object', () => {
  const CLUSTER_ROLE = 'dra-driver-nvidia-gpu-clusterrole-kubeletplugin';
  const POLICY = 'resourceslices-policy-dra-driver-nvidia-gpu';
  const IMAGE = 'registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1';
  const container = (spec: Loose, name: string) => [...spec.initContainers, ...spec.containers].find((c: Loose) => c.name === name);
  /** A container's env as name -> definition (value or valueFrom), after checking no name is defined twice. */
  const envOf = (c: Loose): Record<string, unknown> => {
    const names = c.env.map((e: Loose) => e.name);
    expect(names, `${c.name}: env names defined twice`).toEqual([...new Set(names)]);
    return Object.fromEntries(c.env.map((e: Loose) => [e.name, e.valueFrom ?? e.value]));
  };
  const fieldRef = (fieldPath: string) => ({ fieldRef: { fieldPath } });
  const withRoot = (root: string) => podSpec(plugin(build(siteWith((doc) => (doc.draDriver.nvidiaDriverRoot = root)))));
  const hostPaths = (spec: Loose) => Object.fromEntries(spec.volumes.map((v: Loose) => [v.name, v.hostPath]));

  it('grants the kubelet plugin exactly the ClusterRole rules of upstream, without computedomains (compute domains are off)', () => {
    const role = find(build(), 'ClusterRole', CLUSTER_ROLE);
    expect(role.rules).toEqual([
      { apiGroups: ['resource.k8s.io'], resources: ['resourceclaims'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['resource.k8s.io'], resources: ['resourceslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('binds the ClusterRole by a complete roleRef (an apiGroup or kind left empty is refused by the apiserver)', () => {
    const binding = find(build(), 'ClusterRoleBinding', 'dra-driver-nvidia-gpu-clusterrole-binding-kubeletplugin');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_ROLE });
  });

  it('gives the gpus plugin the environment it reads: paths, downward-API identity, image, health port, verbosity', () => {
    const gpus = container(podSpec(plugin(build())), 'gpus');
    const port = example.config.monitoring.draPlugin.port;
    expect(envOf(gpus)).toEqual({
      LOG_VERBOSITY: '4',
      NVIDIA_DRIVER_ROOT: '/',
      NVIDIA_VISIBLE_DEVICES: 'void',
      CDI_ROOT: '/var/run/cdi',
      NVIDIA_MIG_CONFIG_DEVICES: 'all',
      KUBELET_REGISTRAR_DIRECTORY_PATH: '/var/lib/kubelet/plugins_registry',
      KUBELET_PLUGINS_DIRECTORY_PATH: '/var/lib/kubelet/plugins',
      NODE_NAME: fieldRef('spec.nodeName'),
      NAMESPACE: fieldRef('metadata.namespace'),
      SERVICE_ACCOUNT_NAME: fieldRef('spec.serviceAccountName'),
      IMAGE_NAME: IMAGE,
      HEALTHCHECK_PORT: '51516',
      HTTP_ENDPOINT: `:${port}`,
      METRICS_PATH: '/metrics',
    });
  });

  it('starts the gpus plugin with -v $(LOG_VERBOSITY), and LOG_VERBOSITY follows draDriver.logVerbosity', () => {
    const gpus = container(podSpec(plugin(build(siteWith((doc) => (doc.draDriver.logVerbosity = 7))))), 'gpus');
    expect(gpus.command).toEqual(['gpu-kubelet-plugin', '-v', '$(LOG_VERBOSITY)']);
    expect(gpus.args).toBeUndefined();
    expect(envOf(gpus).LOG_VERBOSITY).toBe('7');
  });

  it('serves the health check on the port HEALTHCHECK_PORT tells the plugin', () => {
    const gpus = container(podSpec(plugin(build())), 'gpus');
    expect(Number(envOf(gpus).HEALTHCHECK_PORT)).toBe(gpus.startupProbe.grpc.port);
    expect(Number(envOf(gpus).HEALTHCHECK_PORT)).toBe(gpus.livenessProbe.grpc.port);
  });

  it('tells the plugin the image it runs as, also when the image comes through a Harbor proxy cache', () => {
    const site = siteWith((doc) => (doc.registry.proxyCache = { 'registry.k8s.io': 'k8s-proxy' }));
    const spec = podSpec(plugin(build(site)));
    const mirrored = 'harbor.yourdomain.com/k8s-proxy/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1';
    expect(container(spec, 'gpus').image).toBe(mirrored);
    expect(container(spec, 'init-container').image).toBe(mirrored);
    expect(envOf(container(spec, 'gpus')).IMAGE_NAME).toBe(mirrored);
  });

  it('runs the prestart script in the init container with the driver root and the kubelet directories', () => {
    const init = container(podSpec(plugin(build())), 'init-container');
    expect(init.command).toEqual(['bash', '/usr/bin/kubelet-plugin-prestart.sh']);
    expect(envOf(init)).toEqual({
      NVIDIA_DRIVER_ROOT: '/',
      NVIDIA_VISIBLE_DEVICES: 'void',
      KUBELET_REGISTRAR_DIRECTORY_PATH: '/var/lib/kubelet/plugins_registry',
      KUBELET_PLUGINS_DIRECTORY_PATH: '/var/lib/kubelet/plugins',
    });
  });

  it('pulls both containers IfNotPresent and runs both privileged', () => {
    const spec = podSpec(plugin(build()));
    for (const name of ['init-container', 'gpus']) {
      expect(container(spec, name).imagePullPolicy, name).toBe('IfNotPresent');
      expect(container(spec, name).securityContext, name).toEqual({ privileged: true });
    }
  });

  for (const root of ['/', '/run/nvidia/driver']) {
    it(`pairs every volumeMount with a volume of that name (driver root ${root})`, () => {
      const spec = withRoot(root);
      const volumes = spec.volumes.map((v: Loose) => v.name);
      expect(volumes, 'volume names defined twice').toEqual([...new Set(volumes)]);
      for (const c of [...spec.initContainers, ...spec.containers]) {
        for (const m of c.volumeMounts) expect(volumes, `${c.name} mounts ${m.name}`).toContain(m.name);
      }
    });
  }

  it('mounts the kubelet plugin directories, the CDI directory and the driver root into the gpus plugin', () => {
    expect(container(podSpec(plugin(build())), 'gpus').volumeMounts).toEqual([
      { name: 'plugins-registry', mountPath: '/var/lib/kubelet/plugins_registry' },
      { name: 'plugins', mountPath: '/var/lib/kubelet/plugins', mountPropagation: 'Bidirectional' },
      { name: 'cdi', mountPath: '/var/run/cdi' },
      // The plugin finds the driver at /driver-root (its --container-driver-root default). HostToContainer: a
      // driver container mounting the driver later is seen. Not read-only, as upstream's gpus container (only
      // its compute-domains container mounts it read-only): the GPU plugin works with the device nodes under
      // the driver root's dev root (MIG capability devices, nvidia-smi run by chroot there).
      { name: 'driver-root', mountPath: '/driver-root', mountPropagation: 'HostToContainer' },
    ]);
  });

  // Upstream leaves the hostPath type out (no check); ours checks that the kubelet's directories exist, and creates the CDI one.
  it('takes the kubelet directories (which must exist) and the CDI directory (created if missing) from the host', () => {
    expect(hostPaths(podSpec(plugin(build())))).toMatchObject({
      'plugins-registry': { path: '/var/lib/kubelet/plugins_registry', type: 'Directory' },
      plugins: { path: '/var/lib/kubelet/plugins', type: 'Directory' },
      cdi: { path: '/var/run/cdi', type: 'DirectoryOrCreate' },
    });
  });

  it('mounts a host-installed driver (root /) read-only into the init container, with / as the driver root and its parent', () => {
    const spec = withRoot('/');
    expect(hostPaths(spec)).toMatchObject({
      'driver-root': { path: '/', type: 'DirectoryOrCreate' },
      'driver-root-parent': { path: '/', type: 'DirectoryOrCreate' },
    });
    expect(container(spec, 'init-container').volumeMounts).toEqual([{ name: 'driver-root-parent', mountPath: '/driver-root-parent', readOnly: true }]);
  });

  it('mounts a containerised driver root (/run/nvidia/driver) by its parent with HostToContainer, so the driver container mount is seen', () => {
    const spec = withRoot('/run/nvidia/driver');
    expect(hostPaths(spec)).toMatchObject({
      'driver-root': { path: '/run/nvidia/driver', type: 'DirectoryOrCreate' },
      'driver-root-parent': { path: '/run/nvidia', type: 'DirectoryOrCreate' },
    });
    expect(container(spec, 'init-container').volumeMounts).toEqual([
      { name: 'driver-root-parent', mountPath: '/driver-root-parent', mountPropagation: 'HostToContainer' },
    ]);
    expect(envOf(container(spec, 'init-container')).NVIDIA_DRIVER_ROOT).toBe('/run/nvidia/driver');
  });

  // The parent as upstream's `dir (trimSuffix "/" root)` means it (its comment: "removing any trailing slashes").
  it.each([
    ['/run/nvidia/driver', '/run/nvidia'],
    ['/run/nvidia/driver/', '/run/nvidia'],
    ['/run/nvidia/driver//', '/run/nvidia'],
    ['/home/kubernetes/bin/nvidia', '/home/kubernetes/bin'],
    ['/a', '/'],
    ['/a/', '/'],
    ['/', '/'],
  ])('mounts the parent of driver root %s from %s', (root, parent) => {
    expect(hostPaths(withRoot(root))['driver-root-parent']).toEqual({ path: parent, type: 'DirectoryOrCreate' });
  });

  it('selects its own pods: the selector is the component label, and the pod template carries it', () => {
    const ds = plugin(build());
    expect(ds.spec.selector).toEqual({ matchLabels: { 'dra-driver-nvidia-gpu-component': 'kubelet-plugin' } });
    expect(selectorMatches(ds.spec.selector, ds.spec.template.metadata.labels)).toBe(true);
  });

  it('replaces every node’s plugin at once on an update (RollingUpdate, maxUnavailable 100%)', () => {
    expect(plugin(build()).spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } });
  });

  it('tolerates the taints of every dra pool, and none of a devicePlugin pool', () => {
    const site = siteWith((doc) => {
      const [devicePlugin, dra] = doc.nodePools;
      devicePlugin.taints = [{ key: 'dedicated', value: 'inference', effect: 'NoSchedule' }];
      dra.taints = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }, { key: 'dedicated', value: 'training', effect: 'NoSchedule' }];
      doc.nodePools.push({ ...dra, name: 'gpu-h200-dra', gpu: { ...dra.gpu, model: 'H200' }, taints: [{ key: 'example.com/maintenance', effect: 'NoExecute' }] });
    });
    expect(podSpec(plugin(build(site))).tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'training', effect: 'NoSchedule' },
      { key: 'example.com/maintenance', operator: 'Exists', effect: 'NoExecute' },
    ]);
  });

  describe('the ResourceSlice admission policy', () => {
    const policy = (objects = build()) => find(objects, 'ValidatingAdmissionPolicy', POLICY);

    it('matches every write of a ResourceSlice in any API version (v1beta1 .. v1 are served across the supported minors)', () => {
      expect(policy().spec.matchConstraints).toEqual({
        resourceRules: [{ apiGroups: ['resource.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['resourceslices'] }],
      });
    });

    it('fails closed: a request the policy cannot evaluate is refused', () => {
      expect(policy().spec.failurePolicy).toBe('Fail');
    });

    it('applies to the service account the DaemonSet runs as, and no one else', () => {
      const objects = build();
      const pod = podSpec(plugin(objects));
      const ds = plugin(objects);
      expect(policy(objects).spec.matchConditions).toEqual([
        { name: 'is-dra-kubelet-plugin', expression: `request.userInfo.username == 'system:serviceaccount:${ds.metadata.namespace}:${pod.serviceAccountName}'` },
      ]);
    });

    it('compares the node of the token with the slice’s node, the old object’s on DELETE (a deleted object is null)', () => {
      expect(policy().spec.variables).toEqual([
        {
          name: 'userNodeName',
          expression:
            "has(request.userInfo.extra) && 'authentication.kubernetes.io/node-name' in request.userInfo.extra ? request.userInfo.extra['authentication.kubernetes.io/node-name'][0] : ''",
        },
        { name: 'sliceNodeName', expression: "(request.operation == 'DELETE' ? oldObject : object).spec.?nodeName.orValue('')" },
      ]);
    });

    it('refuses a token without a node, and a slice of another node, each with a message saying so', () => {
      expect(policy().spec.validations).toEqual([
        { expression: "variables.userNodeName != ''", message: 'the DRA kubelet plugin must use a pod-bound service account token that names its node' },
        {
          expression: 'variables.userNodeName == variables.sliceNodeName',
          messageExpression:
            "'the DRA kubelet plugin on node ' + variables.userNodeName + ' may only change ResourceSlices of that node, not ' + (variables.sliceNodeName == '' ? 'slices without a node' : 'slices of node ' + variables.sliceNodeName)",
        },
      ]);
    });

    it('is rendered with its binding on every minor the DRA driver supports, all of which serve ValidatingAdmissionPolicy', () => {
      for (const version of SUPPORTED_KUBERNETES_VERSIONS.filter(supportsNvidiaDraDriver)) {
        const objects = build(siteWith(() => {}, version));
        expect(policy(objects).apiVersion, version).toBe('admissionregistration.k8s.io/v1');
        expect(find(objects, 'ValidatingAdmissionPolicyBinding', POLICY).spec, version).toEqual({ policyName: POLICY, validationActions: ['Deny'] });
      }
    });
  });

  describe('draDriverVersion (the version label)', () => {
    it('is the tag of the configured image', () => {
      const site = siteWith((doc) => (doc.draDriver.image = 'registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.5.0'));
      expect(draDriverVersion(site.config)).toBe('v0.5.0');
      expect(draDriverVersion(example.config)).toBe('v0.4.1');
    });

    // An untagged image never gets here: the config checks require a tag or a digest.
    it("is the tag of an image pinned by tag and digest, and the digest's start for one pinned by digest only", () => {
      const both = siteWith((doc) => (doc.draDriver.image = `registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1@sha256:${'f'.repeat(64)}`));
      expect(draDriverVersion(both.config)).toBe('v0.4.1');
      const pinned = siteWith((doc) => (doc.draDriver.image = `registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu@sha256:${'0123456789ab'.repeat(5)}abcd`));
      expect(draDriverVersion(pinned.config)).toBe('sha256-0123456789ab');
    });
  });
});
