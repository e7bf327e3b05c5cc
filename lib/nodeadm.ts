import type { NodePool, SiteConfig } from './config/schema';
import { toYaml } from './output';
import { NVIDIA_RUNTIME_CLASS, nvidiaRuntimeIsDefault, poolNodeLabels } from './placement';
import type { OutputFile } from './render';
import { minimumContainerdMajor } from './versions';

/**
 * nodeadm NodeConfig files (`node.eks.aws/v1alpha1`), one per hybrid pool, at
 * `nodes/<pool>.nodeconfig.yaml`. They are read on the server by `nodeadm init -c file://…`, never
 * applied to the cluster, so kustomization.yaml does not list them.
 *
 * Secrets never appear: SSM activation codes and node names are `${VAR}` placeholders that
 * `envsubst` fills on the server. Labels and taints come from lib/placement.ts and the pool config,
 * the same source the workloads' nodeSelectors and tolerations come from.
 */

/** Placeholders `envsubst` fills on each server. */
export const PLACEHOLDERS = {
  activationCode: '${SSM_ACTIVATION_CODE}',
  activationId: '${SSM_ACTIVATION_ID}',
  nodeName: '${NODE_NAME}',
  trustAnchorArn: '${IAM_RA_TRUST_ANCHOR_ARN}',
  profileArn: '${IAM_RA_PROFILE_ARN}',
  roleArn: '${HYBRID_NODES_ROLE_ARN}',
} as const;

/** Where containerd looks for per-registry hosts.toml files (Harbor's CA goes in <host>/hosts.toml). */
export const CONTAINERD_CERTS_DIR = '/etc/containerd/certs.d';
/** nvidia-container-runtime as the NVIDIA Container Toolkit installs it. */
export const NVIDIA_RUNTIME_BINARY = '/usr/bin/nvidia-container-runtime';

export function nodeConfigPath(pool: NodePool): string {
  return `nodes/${pool.name}.nodeconfig.yaml`;
}

/** `--node-labels=a=b,c=d` (sorted, so a label change shows as one changed line in review). */
export function nodeLabelsFlag(pool: NodePool): string {
  const labels = poolNodeLabels(pool);
  return `--node-labels=${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}`;
}

/** `--register-with-taints=key=value:Effect,key:Effect`, or undefined for an untainted pool. */
export function registerWithTaintsFlag(pool: NodePool): string | undefined {
  if (pool.taints.length === 0) return undefined;
  return `--register-with-taints=${pool.taints.map((t) => `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`).join(',')}`;
}

export function containerdMajor(config: SiteConfig): 1 | 2 {
  return config.nodeadm.containerdMajor ?? minimumContainerdMajor(config.kubernetesVersion);
}

/**
 * The containerd TOML merged into nodeadm's own config: the registry hosts directory (no deprecated
 * `registry.mirrors`/`configs`, which containerd 2 removed and which break the CRI plugin when set
 * beside `config_path`), CDI on DRA pools where containerd 1.7 has it off, and the `nvidia` runtime
 * handler (nvidia-container-runtime) on every GPU pool.
 *
 * The handler is containerd's default only on devicePlugin pools, and there only unless
 * `devicePlugin.nvidiaRuntimeClass` is set (then pods name RuntimeClass nvidia). On dra pools it is never
 * the default: as default it hands every GPU of the node to any container whose image sets
 * NVIDIA_VISIBLE_DEVICES=all (most CUDA images do), GPUs DRA never allocated to it. DRA workloads need
 * no nvidia runtime: the driver injects the claimed GPUs through CDI. The handler is still defined there
 * for the DCGM exporter, which must see every GPU and asks for it through RuntimeClass nvidia.
 */
export function containerdConfig(config: SiteConfig, pool: NodePool): string {
  const major = containerdMajor(config);
  const cri = major === 1 ? 'plugins."io.containerd.grpc.v1.cri"' : 'plugins."io.containerd.cri.v1.runtime"';
  const images = major === 1 ? 'plugins."io.containerd.grpc.v1.cri"' : 'plugins."io.containerd.cri.v1.images"';
  const lines = [`version = ${major === 1 ? 2 : 3}`];
  if (pool.gpu.mode === 'dra' && major === 1) {
    lines.push('', `[${cri}]`, '  enable_cdi = true', '  cdi_spec_dirs = ["/etc/cdi", "/var/run/cdi"]');
  }
  lines.push('', `[${images}.registry]`, `  config_path = "${CONTAINERD_CERTS_DIR}"`);
  if (pool.gpu.mode !== 'none') {
    if (nvidiaRuntimeIsDefault(config, pool)) lines.push('', `[${cri}.containerd]`, `  default_runtime_name = "${NVIDIA_RUNTIME_CLASS}"`);
    lines.push(
      '',
      `[${cri}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}.options]`,
      `  BinaryName = "${NVIDIA_RUNTIME_BINARY}"`,
      '  SystemdCgroup = true',
    );
  }
  return `${lines.join('\n')}\n`;
}

function hybridSection(config: SiteConfig): Record<string, unknown> {
  if (config.nodeadm.credentialProvider === 'ssm') {
    return { ssm: { activationCode: PLACEHOLDERS.activationCode, activationId: PLACEHOLDERS.activationId } };
  }
  const ira = config.nodeadm.iamRolesAnywhere;
  return {
    iamRolesAnywhere: {
      nodeName: PLACEHOLDERS.nodeName,
      trustAnchorArn: ira.trustAnchorArn ?? PLACEHOLDERS.trustAnchorArn,
      profileArn: ira.profileArn ?? PLACEHOLDERS.profileArn,
      roleArn: ira.roleArn ?? PLACEHOLDERS.roleArn,
      ...(ira.certificatePath ? { certificatePath: ira.certificatePath } : {}),
      ...(ira.privateKeyPath ? { privateKeyPath: ira.privateKeyPath } : {}),
    },
  };
}

/** The NodeConfig object of one pool. */
export function nodeConfig(config: SiteConfig, pool: NodePool): Record<string, unknown> {
  const taints = registerWithTaintsFlag(pool);
  return {
    apiVersion: 'node.eks.aws/v1alpha1',
    kind: 'NodeConfig',
    spec: {
      cluster: { name: config.cluster.name, region: config.cluster.region },
      hybrid: hybridSection(config),
      kubelet: {
        config: { maxPods: config.nodeadm.maxPods, shutdownGracePeriod: config.nodeadm.shutdownGracePeriod },
        flags: [nodeLabelsFlag(pool), ...(taints ? [taints] : [])],
      },
      containerd: { config: containerdConfig(config, pool) },
    },
  };
}

/** The comment block above a pool's NodeConfig; `body` is the NodeConfig's YAML, whose placeholders it lists. */
function header(config: SiteConfig, pool: NodePool, body: string): string {
  const ssm = config.nodeadm.credentialProvider === 'ssm';
  const vars = Object.values(PLACEHOLDERS).filter((p) => body.includes(p));
  const runtime = nvidiaRuntimeIsDefault(config, pool)
    ? "# nvidia-container-runtime is containerd's default runtime here, so GPU pods need no RuntimeClass (devicePlugin.nvidiaRuntimeClass keeps it a named runtime)."
    : `# nvidia-container-runtime is the named runtime ${NVIDIA_RUNTIME_CLASS} here, not the default (pods that need it name RuntimeClass ${NVIDIA_RUNTIME_CLASS}): do not run \`nvidia-ctk runtime configure --set-as-default\` on these servers.`;
  const gpu = pool.gpu.mode === 'none' ? [] : [
    pool.gpu.mode === 'devicePlugin'
      ? `# GPU: device plugin; needs the NVIDIA driver and Container Toolkit (${NVIDIA_RUNTIME_BINARY}) on the server.`
      : `# GPU: DRA; needs the NVIDIA driver and Container Toolkit (${NVIDIA_RUNTIME_BINARY}, for the DCGM exporter) on the server, and CDI in containerd (set below for containerd 1.7).`,
    runtime,
    ...(pool.gpu.mode === 'dra'
      ? ['# As default it would give every GPU to any container whose image sets NVIDIA_VISIBLE_DEVICES=all, bypassing DRA; DRA injects claimed GPUs through CDI.']
      : []),
  ];
  return [
    `# nodeadm NodeConfig of pool ${pool.name} (${pool.count} server(s)) of site ${config.name}. Generated: edit the site config instead.`,
    '# Not a cluster object: it is read on each server of the pool by nodeadm.',
    `#   nodeadm install ${config.kubernetesVersion} --credential-provider ${ssm ? 'ssm' : 'iam-ra'}`,
    `#   ${vars.map((v) => `${v.slice(2, -1)}=…`).join(' ')} envsubst < ${pool.name}.nodeconfig.yaml > nodeconfig.yaml`,
    '#   nodeadm init -c file://nodeconfig.yaml',
    ssm
      ? '# The SSM activation code is a secret: keep it out of Git (create the activation per rollout, or read it from Secrets Manager).'
      : '# NODE_NAME must match the node certificate\'s CN when the role trust policy is scoped that way (at most 64 characters).',
    `# containerd ${containerdMajor(config)}.x config (nodeadm.containerdMajor). Harbor's CA goes in ${CONTAINERD_CERTS_DIR}/<registry host>/hosts.toml.`,
    // containerd and the kubelet resolve names with the host's resolver; CoreDNS only answers pods.
    `# The server itself must resolve ${config.registry.hostname} (on-prem DNS, or "${config.registry.ip} ${config.registry.hostname}" in /etc/hosts): image pulls do not use the CoreDNS hosts entry.`,
    // The kubelet mounts NFS volumes with the host's mount.nfs helper, which minimal server installs lack.
    ...(config.storage.nfs.enabled
      ? [`# The NFS volume (${config.storage.nfs.server}:${config.storage.nfs.path}) is mounted by the kubelet with the host's mount.nfs: install nfs-common (Ubuntu) or nfs-utils (RHEL, Amazon Linux).`]
      : []),
    ...gpu,
    '',
  ].join('\n');
}

/** One NodeConfig file per hybrid pool. */
export function nodeConfigFiles(config: SiteConfig): OutputFile[] {
  return config.nodePools.map((pool) => {
    const body = toYaml(nodeConfig(config, pool));
    return { path: nodeConfigPath(pool), content: `${header(config, pool, body)}${body}` };
  });
}
