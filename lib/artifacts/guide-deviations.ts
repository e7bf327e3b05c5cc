/**
 * Where the rendered site knowingly differs from the source guide ("EKS Hybrid Nodes + Harbor + GPU",
 * 2025-08), keyed by component: the value of `app.kubernetes.io/component` of a chart, or one of the
 * artefact keys below. The site README lists the entries of the components it renders, so a reviewer
 * comparing the output with the guide sees why it differs. Add an entry with every deliberate change.
 */
export interface GuideDeviation {
  /** What the guide does. */
  readonly guide: string;
  /** What the site does instead, and why (with the source where it matters). */
  readonly here: string;
}

/** Keys of non-chart artefacts, listed when the artefact is written. */
export const ARTIFACT_COMPONENTS = { nodeadm: 'nodeadm-nodeconfig', eksctl: 'eksctl-cluster-config', cost: 'cost-report' } as const;

export const GUIDE_DEVIATIONS: Readonly<Record<string, readonly GuideDeviation[]>> = {
  coredns: [
    {
      guide: 'A CoreDNS `hosts` entry for Harbor makes images pullable.',
      here: 'Image pulls resolve names on the node (containerd uses the node resolver), so the hosts entry only serves pods; nodes need Harbor in their own DNS or /etc/hosts. On-prem zones are separate server blocks.',
    },
  ],
  'harbor-ca-installer': [
    {
      guide: 'A DaemonSet copies the CA into the system trust store and restarts containerd.',
      here: 'The CA goes to /etc/containerd/certs.d/<registry>/ with a hosts.toml that points at it; containerd reads it on every pull, so nothing restarts.',
    },
  ],
  'registry-credentials': [
    {
      guide: 'The robot account is `robot$<name>` with its token in plain YAML.',
      here: 'Harbor project robots are `robot$<project>+<name>` (tokens expire after 30 days by default); the pull secret comes from External Secrets Operator (`external-secrets.io/v1`) or Sealed Secrets, never plain text in Git unless explicitly opted in.',
    },
  ],
  'nvidia-device-plugin': [
    {
      guide: 'NVIDIA\'s v0.14.5 static manifest on every node.',
      here: 'A current release pinned to the devicePlugin pools and the cloud node groups with NVIDIA instances (in place of the copy eksctl would install there), so it never shares a node with the DRA driver, with requests and a memory limit.',
    },
  ],
  'nvidia-runtime-class': [
    {
      guide: 'No RuntimeClass: nvidia-container-runtime is containerd\'s default runtime on every GPU server.',
      here: 'RuntimeClass `nvidia` for the pods that need that runtime where it is not the default: the DCGM exporter on dra pools, and the device plugin, the exporter and the device-plugin samples when `devicePlugin.nvidiaRuntimeClass` is set. Those pods name it whenever it is rendered; DRA workloads never do.',
    },
  ],
  'nvidia-dra-driver': [
    {
      guide: 'A `dra-driver` Helm chart from charts.dra.io and `resource.k8s.io/v1alpha2` ResourceClasses.',
      here: 'NVIDIA\'s DRA driver (kubernetes-sigs/dra-driver-nvidia-gpu) with DeviceClasses in the API version the target Kubernetes minor serves; ResourceClass (classic DRA) no longer exists.',
    },
  ],
  'dra-claims': [
    {
      guide: 'GPU parameters in a ConfigMap referenced by `parametersRef`.',
      here: 'ResourceClaimTemplates with CEL selectors over the driver\'s device attributes (structured parameters).',
    },
  ],
  'cluster-autoscaler': [
    {
      guide: 'cluster-autoscaler scales the GPU servers.',
      here: 'It scales only the cloud managed node groups: hybrid nodes are in no Auto Scaling group and their `eks-hybrid:///` provider IDs are not understood by the AWS provider. Every release (up to 1.36.1) still logs an error for each hybrid node (`HasInstance` cannot parse the provider ID; the upstream fix is an open pull request): expect those log lines.',
    },
  ],
  'web-api': [
    {
      guide: 'nodeSelector `eks.amazonaws.com/compute-type: ec2` for cloud workloads.',
      here: 'EKS sets no `ec2` value (the pod would stay Pending); cloud nodes are selected with `compute-type NotIn [hybrid]`.',
    },
  ],
  'gpu-workloads': [
    {
      guide: 'Samples select `gpu: h100` and tolerate `nvidia.com/gpu` Exists.',
      here: 'Each sample is placed on its pool by the pool label and tolerates exactly the pool\'s taints.',
    },
  ],
  [ARTIFACT_COMPONENTS.nodeadm]: [
    {
      guide: 'A containerd drop-in with a partial `[plugins."io.containerd.grpc.v1.cri"]` section on every server.',
      here: 'containerd 1.7 merges an imported file per top-level plugin, so a partial CRI section replaces nodeadm\'s (runc, sandbox image, discard_unpacked_layers, certs.d paths lost; with runc still the default the CRI plugin fails and the node never becomes Ready). GPU pools on 1.7 get a complete CRI section repeating every nodeadm value; on containerd 2 only the changes (it merges key by key); CPU pools no drop-in at all. Checked with containerd\'s own loader by `npm run test:nodes`.',
    },
    {
      guide: 'No kubelet feature gates.',
      here: 'dra pools on Kubernetes 1.32–1.33 set `featureGates.DynamicResourceAllocation: true`: the gate is beta and off in those kubelets and hybrid nodeadm does not set it, so DRA claims would never be prepared. Nothing from 1.34 (GA, on by default).',
    },
    {
      guide: 'NodeConfig with `registry.mirrors` / `registry.configs` (robot password inline) and the SSM activation code in the file.',
      here: 'containerd `config_path` only (mirrors/configs are deprecated, removed in containerd 2, and break the CRI plugin beside `config_path`); activation codes are `${VAR}` placeholders filled on the server; labels and taints come from the same pool config as the workloads\' selectors and tolerations.',
    },
    {
      guide: 'nvidia-container-runtime as containerd\'s default runtime (`default_runtime_name = "nvidia"`) on every GPU server.',
      here: 'Default only on devicePlugin pools, and not even there with `devicePlugin.nvidiaRuntimeClass`. dra pools define the `nvidia` handler (for the DCGM exporter, through RuntimeClass nvidia) but never make it the default: as default it gives every GPU of the node to any container whose image sets NVIDIA_VISIBLE_DEVICES=all, GPUs DRA never allocated. DRA injects the claimed GPUs through CDI (enabled for containerd 1.7, on by default in 2.x).',
    },
  ],
  [ARTIFACT_COMPONENTS.eksctl]: [
    {
      guide: 'ClusterConfig for Kubernetes 1.30 without remote networks.',
      here: 'The site\'s Kubernetes version, `remoteNetworkConfig` with the site\'s node and pod networks, and auto-discovery tags on the node groups matching cluster-autoscaler\'s flag.',
    },
  ],
  [ARTIFACT_COMPONENTS.cost]: [
    {
      guide: 'Flat $0.1099 per vCPU-hour.',
      here: 'AWS\'s tiered price by monthly volume ($0.020 down to $0.006 per vCPU-hour); the flat figure is shown beside it for comparison.',
    },
  ],
};
