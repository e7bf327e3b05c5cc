import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { NamedRuleWithOperations, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-types/admissionregistration/v1';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type { Container, EnvVar, ServiceAccount } from 'kubernetes-types/core/v1';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { DRA_DRIVER_IMAGE } from '../lib/config/gpu';
import type { SiteConfig } from '../lib/config/schema';
import { deviceClass, GPU_DEVICE_CLASS, MIG_DEVICE_CLASS, nvidiaDeviceClassExpression } from '../lib/model/dra';
import { imageRef, releaseTag } from '../lib/model/images';
import { emit, type Typed } from '../lib/render/k8s';
import { DRA_DRIVER_NAMESPACE } from '../lib/model/namespaces';
import { gpuAgentTolerations, gpuModeNodeSelector } from '../lib/model/placement';
import { imagePullSecretsField } from '../lib/model/pull-secrets';
import type { Site } from '../lib/site/site';

/** Object names of the upstream chart (sigs-dra@v0.4.1) installed as release `dra-driver-nvidia-gpu`. */
const NAME = 'dra-driver-nvidia-gpu';
const KUBELET_PLUGIN = `${NAME}-kubelet-plugin`;
const SERVICE_ACCOUNT = `${NAME}-service-account-kubeletplugin`;
const CLUSTER_ROLE = `${NAME}-clusterrole-kubeletplugin`;
const CLUSTER_ROLE_BINDING = `${NAME}-clusterrole-binding-kubeletplugin`;
const RESOURCESLICE_POLICY = `resourceslices-policy-${NAME}`;
const SELECTOR = { [`${NAME}-component`]: 'kubelet-plugin' };

const PLUGINS_REGISTRY_DIR = '/var/lib/kubelet/plugins_registry';
const PLUGINS_DIR = '/var/lib/kubelet/plugins';
const CDI_DIR = '/var/run/cdi';
/** gRPC health port of the gpus container (upstream default). */
const GPUS_HEALTH_PORT = 51516;

/** The DRA driver release for the version label: `v0.4.1` from the image tag (see releaseTag). */
export function draDriverVersion(config: SiteConfig): string {
  return releaseTag(config.draDriver.image, DRA_DRIVER_IMAGE);
}

/** `/run/nvidia/driver` → `/run/nvidia`; `/` stays `/`. */
function parentDir(path: string): string {
  // Stryker disable next-line StringLiteral: equivalent, any replacement without a "/" is cut off with the last path element below (or leaves no "/" at all, giving "/")
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash <= 0 ? '/' : trimmed.slice(0, slash);
}

export interface NvidiaDraDriverChartProps {
  /** The site whose dra pools the kubelet plugin runs on. */
  readonly site: Site;
}

/**
 * The GPU part of the NVIDIA DRA driver (kubernetes-sigs/dra-driver-nvidia-gpu), rendered as typed
 * objects instead of through Helm: the kubelet-plugin DaemonSet on the dra pools, its RBAC, the
 * DeviceClasses `gpu.nvidia.com` and `mig.nvidia.com` in the target minor's API version, and the
 * admission policy that keeps each node's plugin to its own node's ResourceSlices. ComputeDomains are
 * off (the config checks reject turning them on until their CRDs and controller are rendered).
 */
export class NvidiaDraDriverChart extends Chart {
  constructor(scope: Construct, id: string, props: NvidiaDraDriverChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name (a Manifest requires it), so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    const version = config.kubernetesVersion;
    const namespace = DRA_DRIVER_NAMESPACE;

    emit<Typed<ServiceAccount>>(this, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace } });
    emit<Typed<ClusterRole>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: CLUSTER_ROLE },
      rules: [
        { apiGroups: ['resource.k8s.io'], resources: ['resourceclaims'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['resource.k8s.io'], resources: ['resourceslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    emit<Typed<ClusterRoleBinding>>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: CLUSTER_ROLE_BINDING },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_ROLE },
    });

    this.kubeletPlugin(config);

    emit(this, deviceClass(version, GPU_DEVICE_CLASS, nvidiaDeviceClassExpression('gpu')));
    emit(this, deviceClass(version, MIG_DEVICE_CLASS, nvidiaDeviceClassExpression('mig')));

    // every supported minor serves ValidatingAdmissionPolicy (GA in VALIDATING_ADMISSION_POLICY_MIN_VERSION, 1.30; test/core.test.ts checks)
    this.resourceSlicePolicy(`system:serviceaccount:${namespace}:${SERVICE_ACCOUNT}`);
  }

  private kubeletPlugin(config: SiteConfig): void {
    const driver = config.draDriver;
    const image = imageRef(config, driver.image);
    const driverRoot = driver.nvidiaDriverRoot;
    const hostDriver = driverRoot === '/';
    const kubeletPaths: EnvVar[] = [
      { name: 'KUBELET_REGISTRAR_DIRECTORY_PATH', value: PLUGINS_REGISTRY_DIR },
      { name: 'KUBELET_PLUGINS_DIRECTORY_PATH', value: PLUGINS_DIR },
    ];
    // The driver talks to the GPUs through the host's driver files, never through the container runtime's hooks.
    const driverEnv: EnvVar[] = [
      { name: 'NVIDIA_DRIVER_ROOT', value: driverRoot },
      { name: 'NVIDIA_VISIBLE_DEVICES', value: 'void' },
    ];

    const init: Container = {
      name: 'init-container',
      image,
      imagePullPolicy: 'IfNotPresent',
      // Waits until nvidia-smi and libnvidia-ml.so.1 exist under the driver root, so the plugin never starts half-working.
      command: ['bash', '/usr/bin/kubelet-plugin-prestart.sh'],
      env: [...driverEnv, ...kubeletPaths],
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
      securityContext: { privileged: true },
      volumeMounts: [
        hostDriver
          ? { name: 'driver-root-parent', mountPath: '/driver-root-parent', readOnly: true }
          : { name: 'driver-root-parent', mountPath: '/driver-root-parent', mountPropagation: 'HostToContainer' },
      ],
    };

    // The health check calls the plugin's NodePrepareResources with an empty request, and the kubelet-plugin
    // helper serializes prepare calls: while a real claim is being prepared (CDI spec, MIG, checkpoint) the
    // answer waits. Kubernetes' 1s default timeout would then fail the probe and kill the plugin mid-prepare,
    // so the timeouts, period and startup budget (10 min) are upstream's (kubeletplugin.yaml of the chart).
    const grpc = { port: GPUS_HEALTH_PORT, service: 'liveness' };
    const gpus: Container = {
      name: 'gpus',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['gpu-kubelet-plugin', '-v', '$(LOG_VERBOSITY)'],
      env: [
        { name: 'LOG_VERBOSITY', value: String(driver.logVerbosity) },
        ...driverEnv,
        { name: 'CDI_ROOT', value: CDI_DIR },
        { name: 'NVIDIA_MIG_CONFIG_DEVICES', value: 'all' },
        ...kubeletPaths,
        { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'SERVICE_ACCOUNT_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'IMAGE_NAME', value: image },
        { name: 'HEALTHCHECK_PORT', value: String(GPUS_HEALTH_PORT) },
        // Upstream's metrics endpoint; the scrape configuration (monitoring.draPlugin) reads this port.
        { name: 'HTTP_ENDPOINT', value: `:${config.monitoring.draPlugin.port}` },
        { name: 'METRICS_PATH', value: '/metrics' },
      ],
      ports: [{ name: 'metrics', containerPort: config.monitoring.draPlugin.port, protocol: 'TCP' }],
      // Upstream sets no resources; the plugin is idle between claim preparations.
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      // Privileged as upstream: it creates device nodes and CDI specs, and Bidirectional propagation requires it.
      securityContext: { privileged: true },
      startupProbe: { grpc, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 600 },
      livenessProbe: { grpc, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
      volumeMounts: [
        { name: 'plugins-registry', mountPath: PLUGINS_REGISTRY_DIR },
        { name: 'plugins', mountPath: PLUGINS_DIR, mountPropagation: 'Bidirectional' },
        { name: 'cdi', mountPath: CDI_DIR },
        // writable, as upstream's gpus container: the plugin works with device nodes under the driver root
        { name: 'driver-root', mountPath: '/driver-root', mountPropagation: 'HostToContainer' },
      ],
    };

    emit<Typed<DaemonSet>>(this, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: KUBELET_PLUGIN, namespace: DRA_DRIVER_NAMESPACE },
      spec: {
        selector: { matchLabels: SELECTOR },
        // Every node's plugin is independent; upstream replaces them all at once.
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
        template: {
          metadata: { labels: { ...SELECTOR, 'app.kubernetes.io/name': NAME } },
          spec: {
            serviceAccountName: SERVICE_ACCOUNT,
            priorityClassName: 'system-node-critical',
            nodeSelector: gpuModeNodeSelector('dra'),
            tolerations: gpuAgentTolerations(config, 'dra'),
            ...imagePullSecretsField(config, DRA_DRIVER_NAMESPACE),
            initContainers: [init],
            containers: [gpus],
            volumes: [
              { name: 'plugins-registry', hostPath: { path: PLUGINS_REGISTRY_DIR, type: 'Directory' } },
              { name: 'plugins', hostPath: { path: PLUGINS_DIR, type: 'Directory' } },
              { name: 'cdi', hostPath: { path: CDI_DIR, type: 'DirectoryOrCreate' } },
              { name: 'driver-root', hostPath: { path: driverRoot, type: 'DirectoryOrCreate' } },
              { name: 'driver-root-parent', hostPath: { path: parentDir(driverRoot), type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    });
  }

  /**
   * Lets the plugin's service account create, update and delete only the ResourceSlices of the node its
   * pod runs on (the node name comes from the pod-bound service-account token), so a compromised node
   * cannot publish or remove devices of other nodes.
   */
  private resourceSlicePolicy(username: string): void {
    // kubernetes-types 1.30 leaves out the fields NamedRuleWithOperations inlines from Rule (resources, scope).
    const sliceWrites: NamedRuleWithOperations & { resources: string[] } = {
      apiGroups: ['resource.k8s.io'],
      apiVersions: ['*'],
      operations: ['CREATE', 'UPDATE', 'DELETE'],
      resources: ['resourceslices'],
    };
    emit<Typed<ValidatingAdmissionPolicy>>(this, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: RESOURCESLICE_POLICY },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [sliceWrites] },
        matchConditions: [{ name: 'is-dra-kubelet-plugin', expression: `request.userInfo.username == '${username}'` }],
        variables: [
          // `extra` is absent (not empty) for users without extra info, so test for it before indexing.
          {
            name: 'userNodeName',
            expression:
              "has(request.userInfo.extra) && 'authentication.kubernetes.io/node-name' in request.userInfo.extra ? request.userInfo.extra['authentication.kubernetes.io/node-name'][0] : ''",
          },
          { name: 'sliceNodeName', expression: "(request.operation == 'DELETE' ? oldObject : object).spec.?nodeName.orValue('')" },
        ],
        validations: [
          {
            expression: "variables.userNodeName != ''",
            message: 'the DRA kubelet plugin must use a pod-bound service account token that names its node',
          },
          {
            expression: 'variables.userNodeName == variables.sliceNodeName',
            messageExpression:
              "'the DRA kubelet plugin on node ' + variables.userNodeName + ' may only change ResourceSlices of that node, not ' + (variables.sliceNodeName == '' ? 'slices without a node' : 'slices of node ' + variables.sliceNodeName)",
          },
        ],
      },
    });
    emit<Typed<ValidatingAdmissionPolicyBinding>>(this, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: RESOURCESLICE_POLICY },
      spec: { policyName: RESOURCESLICE_POLICY, validationActions: ['Deny'] },
    });
  }
}
