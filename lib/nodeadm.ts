import type { NodePool, SiteConfig } from './config/schema';
import { toYaml } from './output';
import { poolNodeLabels } from './placement';
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
 * beside `config_path`), CDI on DRA pools where containerd 1.7 has it off, and the nvidia runtime on
 * every GPU pool. The GPU node agents (device plugin, DCGM exporter) rely on that runtime: as
 * containerd's default, unless the site renders RuntimeClass nvidia (`devicePlugin.nvidiaRuntimeClass`)
 * and the agents ask for it by name.
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
    if (!config.devicePlugin.nvidiaRuntimeClass) lines.push('', `[${cri}.containerd]`, '  default_runtime_name = "nvidia"');
    lines.push(
      '',
      `[${cri}.containerd.runtimes.nvidia]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.nvidia.options]`,
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

function header(config: SiteConfig, pool: NodePool): string {
  const ssm = config.nodeadm.credentialProvider === 'ssm';
  const vars = Object.values(PLACEHOLDERS).filter((p) => toYaml(nodeConfig(config, pool)).includes(p));
  const gpu = pool.gpu.mode === 'none' ? [] : [
    pool.gpu.mode === 'devicePlugin'
      ? `# GPU: device plugin; needs the NVIDIA driver and Container Toolkit (${NVIDIA_RUNTIME_BINARY}) on the server.`
      : `# GPU: DRA; needs the NVIDIA driver and Container Toolkit (${NVIDIA_RUNTIME_BINARY}, for the DCGM exporter) on the server, and CDI in containerd (set below for containerd 1.7).`,
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
    ...gpu,
    '',
  ].join('\n');
}

/** One NodeConfig file per hybrid pool. */
export function nodeConfigFiles(config: SiteConfig): OutputFile[] {
  return config.nodePools.map((pool) => ({ path: nodeConfigPath(pool), content: `${header(config, pool)}${toYaml(nodeConfig(config, pool))}` }));
}
