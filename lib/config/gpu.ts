import { Type } from '@sinclair/typebox';
import { Closed, DnsLabel, Enabled, ERROR_KEYWORD, HostOrIpv4, Image, LabelMap, Section, Taint } from './common';

export const GPU_MODES = ['none', 'devicePlugin', 'dra'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

/** Upstream releases the defaults pin. */
export const DEVICE_PLUGIN_IMAGE = 'nvcr.io/nvidia/k8s-device-plugin:v0.20.0';
export const DRA_DRIVER_IMAGE = 'registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu:v0.4.1';
export const CUDA_SAMPLE_IMAGE = 'nvcr.io/nvidia/cuda:12.8.1-base-ubuntu24.04';
export const PYTORCH_SAMPLE_IMAGE = 'pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime';

/** Names of the guide's NFS volume and of the claim the GPU workloads mount (storage.nfs). */
export const NFS_VOLUME_NAME = 'onprem-storage-pv';
export const NFS_CLAIM_NAME = 'onprem-storage';

/** A Kubernetes quantity such as 16Gi or 80G (binary or decimal suffix, no exponent form). */
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';

function Quantity(defaultValue: string | undefined, description: string) {
  return Type.String({
    pattern: QUANTITY,
    description,
    // Stryker disable next-line ConditionalExpression: equivalent, every reader of `default` (ajv's useDefaults, the docs generator, advice.ts, JSON.stringify) treats `default: undefined` as no default
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    [ERROR_KEYWORD]: 'must be a Kubernetes quantity such as 16Gi, 80Gi or 10Ti',
  });
}

function PoolName(description: string) {
  return Type.Optional(DnsLabel({ description }));
}

/** One ResourceClaimTemplate: typed options the dra-claims chart turns into a device request with CEL selectors. */
const ClaimTemplate = Closed({
  name: DnsLabel({ description: 'ResourceClaimTemplate name in the workloads namespace; pods reference it.' }),
  count: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: 'Number of GPUs (or MIG devices) per claim; all are allocated on one node; at most 64.' }),
  minMemory: Type.Optional(Quantity(undefined, "Minimum memory per device (CEL on the driver's `memory` capacity), e.g. 16Gi.")),
  productName: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$',
      maxLength: 128,
      description: 'Text the device\'s `productName` attribute must contain, e.g. "H100" matches "NVIDIA H100 80GB HBM3".',
      [ERROR_KEYWORD]: 'must be plain text of letters, digits, spaces, ".", "_" and "-", such as H100',
    }),
  ),
  minCudaDriverVersion: Type.Optional(
    Type.String({
      pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$',
      description: 'Lowest CUDA version the node driver must support (`cudaDriverVersion` attribute), e.g. "12.2".',
      [ERROR_KEYWORD]: 'must be a CUDA version such as "12.2" or "12.8.1" (quoted)',
    }),
  ),
  migProfile: Type.Optional(
    Type.String({
      pattern: '^[0-9]+g\\.[0-9]+gb(\\+[a-z]+)?$',
      description: 'Allocate MIG devices of this profile (DeviceClass mig.nvidia.com) instead of whole GPUs, e.g. 1g.10gb.',
      [ERROR_KEYWORD]: 'must be a MIG profile such as 1g.10gb, 3g.40gb or 1g.10gb+me',
    }),
  ),
});

/** Hybrid node pools and the GPU stack on them. */
export const gpuProperties = {
  nodePools: Type.Array(
    Closed({
      name: DnsLabel({ description: 'Pool name; unique within the site.' }),
      // Upper bounds catch typos and YAML numbers beyond exact integers before they reach the cost report and NodeConfigs.
      count: Type.Integer({ minimum: 0, maximum: 5000, description: 'Number of on-prem servers in the pool (Kubernetes supports at most 5,000 nodes per cluster).' }),
      vcpus: Type.Integer({ minimum: 1, maximum: 4096, description: 'vCPUs per server (EKS Hybrid Nodes are billed per vCPU-hour); at most 4096.' }),
      labels: LabelMap({ description: 'Extra node labels the pool registers with (nodeadm kubelet flags).' }),
      taints: Type.Array(Taint, { default: [], description: 'Taints the pool registers with.' }),
      gpu: Section(
        {
          mode: Type.Union(
            GPU_MODES.map((m) => Type.Literal(m)),
            {
              default: 'none',
              description:
                'How the GPUs of the pool are exposed: none, devicePlugin (nvidia.com/gpu extended resource) or dra (NVIDIA DRA driver). One per pool: both on one node would advertise the same GPUs twice.',
              [ERROR_KEYWORD]: `must be exactly one of ${GPU_MODES.join(', ')}: a pool cannot use both the device plugin and DRA (they would advertise the same GPUs twice); split the servers into two pools`,
            },
          ),
          model: Type.Optional(Type.String({ minLength: 1, description: 'GPU model, e.g. H100: shown in the site overview and cost report, and set as node label eks-hybrid-charts/gpu-model on GPU pools (so it must be a valid label value).' })),
          perNode: Type.Integer({ minimum: 0, maximum: 64, default: 0, description: 'GPUs per server; at most 64.' }),
        },
        { description: 'GPUs of the pool.' },
      ),
    }),
    { default: [], description: 'On-prem hybrid node pools.' },
  ),
  devicePlugin: Section(
    {
      enabled: Enabled(true, 'the NVIDIA device plugin on the devicePlugin pools (when there are any)'),
      image: Image(DEVICE_PLUGIN_IMAGE, 'NVIDIA k8s-device-plugin image.'),
      nvidiaRuntimeClass: Type.Boolean({
        default: false,
        description:
          'Keep nvidia-container-runtime a named runtime on the devicePlugin pools instead of containerd\'s default (NodeConfigs), render RuntimeClass `nvidia` (handler nvidia) and run the device plugin, the DCGM exporter and the device-plugin samples with it; your own GPU pods must then set `runtimeClassName: nvidia`. Off: the runtime is the default there, so any container whose image sets NVIDIA_VISIBLE_DEVICES=all sees every GPU. dra pools never make it the default (it would bypass DRA) and get RuntimeClass `nvidia` for the DCGM exporter whatever this says.',
      }),
    },
    { description: 'NVIDIA device plugin (nvidia.com/gpu extended resource).' },
  ),
  draDriver: Section(
    {
      enabled: Enabled(true, 'the NVIDIA DRA driver on the dra pools (when there are any)'),
      image: Image(DRA_DRIVER_IMAGE, 'NVIDIA DRA driver image (kubernetes-sigs/dra-driver-nvidia-gpu).'),
      nvidiaDriverRoot: Type.String({
        pattern: '^/.*',
        default: '/',
        description: 'Where the NVIDIA driver lives on the node: / for a host-installed driver, /run/nvidia/driver for the GPU Operator driver container.',
        [ERROR_KEYWORD]: 'must be an absolute path such as / or /run/nvidia/driver',
      }),
      logVerbosity: Type.Integer({ minimum: 0, maximum: 10, default: 4, description: 'Kubelet plugin log verbosity (-v).' }),
      computeDomains: Section(
        {
          enabled: Type.Boolean({
            default: false,
            description: 'ComputeDomains (multi-node NVLink / IMEX). Not needed for H100 PCIe/HGX servers; not rendered yet.',
          }),
        },
        { description: 'ComputeDomain support of the driver.' },
      ),
    },
    { description: 'NVIDIA DRA driver for GPUs (dra pools).' },
  ),
  dra: Section(
    {
      claimTemplates: Type.Array(ClaimTemplate, {
        default: [],
        description: 'ResourceClaimTemplates rendered in the workloads namespace for DRA workloads.',
      }),
    },
    { description: 'DRA claim templates.' },
  ),
  samples: Section(
    {
      gpuTest: Section(
        {
          enabled: Enabled(false, 'the gpu-test Pod (nvidia-smi on one device-plugin GPU)'),
          image: Image(CUDA_SAMPLE_IMAGE, 'CUDA base image that provides nvidia-smi.'),
          pool: PoolName('devicePlugin pool to run on; default: the first devicePlugin pool.'),
        },
        { description: 'gpu-test Pod.' },
      ),
      gpuTraining: Section(
        {
          enabled: Enabled(false, 'the gpu-training Pod (PyTorch on a whole device-plugin server)'),
          image: Image(PYTORCH_SAMPLE_IMAGE, 'PyTorch runtime image.'),
          gpus: Type.Integer({ minimum: 1, maximum: 64, default: 8, description: 'nvidia.com/gpu limit; at most the pool\'s gpu.perNode.' }),
          pool: PoolName('devicePlugin pool to run on; default: the first devicePlugin pool.'),
        },
        { description: 'gpu-training Pod.' },
      ),
      cloudGpuTest: Section(
        {
          enabled: Enabled(false, 'the cloud-gpu-test Pod (nvidia-smi on one GPU of a cloud node group with NVIDIA instances)'),
          image: Image(CUDA_SAMPLE_IMAGE, 'CUDA base image that provides nvidia-smi.'),
          nodeGroup: Type.Optional(
            DnsLabel({ description: 'cloudNodeGroups entry with an NVIDIA instance type to run on; default: the first such group.' }),
          ),
        },
        { description: "cloud-gpu-test Pod: how a workload targets a cloud GPU node group (required node affinity on EKS's eks.amazonaws.com/nodegroup label, tolerations for the group's taints)." },
      ),
      mlTraining: Section(
        {
          enabled: Enabled(false, 'the ml-training Job (PyTorch with a DRA claim)'),
          image: Image(PYTORCH_SAMPLE_IMAGE, 'PyTorch runtime image.'),
          claimTemplate: DnsLabel({ default: 'ml-training-claim', description: 'Name of a dra.claimTemplates entry the Job claims its GPUs from.' }),
          pool: PoolName('dra pool to run on; default: the first dra pool.'),
        },
        { description: 'ml-training Job.' },
      ),
    },
    { description: 'Sample GPU workloads in the workloads namespace.' },
  ),
  storage: Section(
    {
      nfs: Section(
        {
          enabled: Type.Boolean({ default: false, description: 'Render the on-prem NFS PersistentVolume and claim.' }),
          server: Type.Optional(HostOrIpv4({ description: 'NFS server: a hostname or an IPv4 address.' })),
          path: Type.Optional(
            Type.String({ pattern: '^/', description: 'Exported path.', [ERROR_KEYWORD]: 'must be an absolute export path such as /export/data' }),
          ),
          capacity: Quantity('10Ti', 'Size of the volume as Kubernetes sees it (NFS does not enforce it).'),
          mountOptions: Type.Array(Type.String({ minLength: 1 }), {
            default: ['vers=4.1', 'rsize=1048576', 'wsize=1048576', 'hard', 'timeo=600', 'retrans=2'],
            description: 'NFS mount options.',
          }),
        },
        { description: 'On-prem NFS storage.' },
      ),
    },
    { description: 'On-prem storage.' },
  ),
};
