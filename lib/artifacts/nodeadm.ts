import type { NodePool, SiteConfig } from '../config/schema';
import { toYaml } from '../render/site-files';
import { NVIDIA_RUNTIME_CLASS, nvidiaRuntimeIsDefault, poolNodeLabels } from '../model/placement';
import type { OutputFile } from '../render/render';
import { draFacts, minimumContainerdMajor } from '../core/versions';

/**
 * nodeadm NodeConfig files (`node.eks.aws/v1alpha1`), one per hybrid pool, at
 * `nodes/<pool>.nodeconfig.yaml`. They are read on the server by `nodeadm init -c file://…`, never
 * applied to the cluster, so kustomization.yaml does not list them.
 *
 * Secrets never appear: SSM activation codes and node names are `${VAR}` placeholders that
 * `envsubst` fills on the server. Labels and taints come from lib/model/placement.ts and the pool config,
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
 * What hybrid nodeadm itself writes into /etc/containerd/config.toml (a `version = 2` file that imports
 * /etc/containerd/config.d/*.toml): every drop-in is checked against these values, and on containerd 1.7
 * repeats them (see {@link containerdConfig}).
 */
export const NODEADM_CONTAINERD = {
  /** The CRI registry hosts directories, ours (certs.d, where Harbor's hosts.toml goes) first. */
  configPath: `${CONTAINERD_CERTS_DIR}:/etc/docker/certs.d`,
  runcRuntimeType: 'io.containerd.runc.v2',
  discardUnpackedLayers: true,
  cniBinDir: '/opt/cni/bin',
  cniConfDir: '/etc/cni/net.d',
} as const;

/**
 * ECR accounts of the EKS images in regions that do not use 602401143452 (opt-in, China, GovCloud): the
 * EKS AMI's table; hybrid nodeadm takes the account from its release manifest's region data, which these
 * should match. nodeadm's sandbox image is `<account>.dkr.ecr.<region>.<dns suffix>/eks/pause:3.5`.
 */
const EKS_IMAGE_ACCOUNTS: Record<string, string> = {
  'af-south-1': '877085696533',
  'ap-east-1': '800184023465',
  'ap-east-2': '533267051163',
  'ap-south-2': '900889452093',
  'ap-southeast-3': '296578399912',
  'ap-southeast-4': '491585149902',
  'ap-southeast-5': '151610086707',
  'ap-southeast-6': '333609536671',
  'ap-southeast-7': '121268973566',
  'ca-west-1': '761377655185',
  'cn-north-1': '918309763551',
  'cn-northwest-1': '961992271922',
  'eu-central-2': '900612956339',
  'eu-south-1': '590381155156',
  'eu-south-2': '455263428931',
  'il-central-1': '066635153087',
  'me-central-1': '759879836304',
  'me-south-1': '558608220178',
  'mx-central-1': '730335286997',
  'us-gov-east-1': '151742754352',
  'us-gov-west-1': '013241004608',
};

/** nodeadm's sandbox (pause) image for a region: the one its own containerd config names. */
export function eksPauseImage(region: string): string {
  const account = EKS_IMAGE_ACCOUNTS[region] ?? '602401143452';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}/eks/pause:3.5`;
}

/** The containerd runtime handler a pool's pods get when they name no RuntimeClass. */
export function defaultRuntime(config: SiteConfig, pool: NodePool): string {
  return nvidiaRuntimeIsDefault(config, pool) ? NVIDIA_RUNTIME_CLASS : 'runc';
}

/** `[table]` followed by `  key = value` lines (values already TOML-encoded). */
function tomlTable(name: string, entries: Record<string, string>): string[] {
  return [`[${name}]`, ...Object.entries(entries).map(([k, v]) => `  ${k} = ${v}`)];
}

const tomlString = (s: string) => JSON.stringify(s);
const tomlStrings = (list: readonly string[]) => `[${list.map(tomlString).join(', ')}]`;

/** Where containerd 1.7 looks for CDI specs (its defaults; the NVIDIA DRA driver writes to /var/run/cdi). */
const CDI_SPEC_DIRS = ['/etc/cdi', '/var/run/cdi'];

/**
 * The containerd drop-in of a pool (nodeadm writes it to /etc/containerd/config.d/00-nodeadm.toml), or
 * undefined when the pool needs nothing beyond nodeadm's own config (no GPU: nodeadm already points
 * `config_path` at certs.d, where Harbor's hosts.toml goes).
 *
 * GPU pools get the `nvidia` runtime handler (nvidia-container-runtime). It is containerd's default only
 * on devicePlugin pools, and there only unless `devicePlugin.nvidiaRuntimeClass` is set (then pods name
 * RuntimeClass nvidia). On dra pools it is never the default: as default it hands every GPU of the node to
 * any container whose image sets NVIDIA_VISIBLE_DEVICES=all (most CUDA images do), GPUs DRA never
 * allocated to it. DRA workloads need no nvidia runtime: the driver injects the claimed GPUs through CDI,
 * which dra pools turn on. The handler is still defined there for the DCGM exporter, which must see every
 * GPU and asks for it through RuntimeClass nvidia.
 *
 * containerd 1.7 merges an imported file per top-level plugin: a drop-in that touches the CRI plugin
 * replaces nodeadm's whole CRI section. So on 1.7 the drop-in is that complete section, repeating every
 * value nodeadm sets (sandbox image, runc, default runtime, discard_unpacked_layers, both certs.d paths,
 * CNI dirs) beside ours. containerd 2 migrates nodeadm's version-2 file and merges imports key by key,
 * so there the drop-in holds only what changes, in its own version-3 layout (CDI is on by default).
 */
export function containerdConfig(config: SiteConfig, pool: NodePool): string | undefined {
  if (pool.gpu.mode === 'none') return undefined;
  const dra = pool.gpu.mode === 'dra';
  const nvidia = { runtime_type: tomlString(NODEADM_CONTAINERD.runcRuntimeType) };
  const nvidiaOptions = { BinaryName: tomlString(NVIDIA_RUNTIME_BINARY), SystemdCgroup: 'true' };
  const defaultName = { default_runtime_name: tomlString(defaultRuntime(config, pool)) };
  if (containerdMajor(config) === 2) {
    const runtime = 'plugins."io.containerd.cri.v1.runtime"';
    return `${[
      'version = 3',
      '',
      ...tomlTable(`${runtime}.containerd`, defaultName),
      ...tomlTable(`${runtime}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}`, nvidia),
      ...tomlTable(`${runtime}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}.options`, nvidiaOptions),
    ].join('\n')}\n`;
  }
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `${[
    'version = 2',
    '',
    '# containerd 1.7 replaces nodeadm\'s whole CRI section with this one: it repeats every nodeadm value.',
    ...tomlTable(cri, {
      sandbox_image: tomlString(eksPauseImage(config.cluster.region)),
      ...(dra ? { enable_cdi: 'true', cdi_spec_dirs: tomlStrings(CDI_SPEC_DIRS) } : {}),
    }),
    ...tomlTable(`${cri}.containerd`, { ...defaultName, discard_unpacked_layers: String(NODEADM_CONTAINERD.discardUnpackedLayers) }),
    ...tomlTable(`${cri}.containerd.runtimes.runc`, { runtime_type: tomlString(NODEADM_CONTAINERD.runcRuntimeType) }),
    ...tomlTable(`${cri}.containerd.runtimes.runc.options`, { SystemdCgroup: 'true' }),
    ...tomlTable(`${cri}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}`, nvidia),
    ...tomlTable(`${cri}.containerd.runtimes.${NVIDIA_RUNTIME_CLASS}.options`, nvidiaOptions),
    ...tomlTable(`${cri}.registry`, { config_path: tomlString(NODEADM_CONTAINERD.configPath) }),
    ...tomlTable(`${cri}.cni`, { bin_dir: tomlString(NODEADM_CONTAINERD.cniBinDir), conf_dir: tomlString(NODEADM_CONTAINERD.cniConfDir) }),
  ].join('\n')}\n`;
}

/**
 * The pool's kubelet settings merged over nodeadm's own kubelet config: the site's maxPods and shutdown
 * grace period, and the feature gates the pool needs on this minor (from the version matrix; hybrid
 * nodeadm sets no per-version gates itself).
 */
export function kubeletConfig(config: SiteConfig, pool: NodePool): { maxPods: number; shutdownGracePeriod: string; featureGates?: Record<string, boolean> } {
  const gates = pool.gpu.mode === 'dra' ? draFacts(config.kubernetesVersion).kubeletFeatureGates : {};
  return {
    maxPods: config.nodeadm.maxPods,
    shutdownGracePeriod: config.nodeadm.shutdownGracePeriod,
    ...(Object.keys(gates).length > 0 ? { featureGates: { ...gates } } : {}),
  };
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
  const containerd = containerdConfig(config, pool);
  return {
    apiVersion: 'node.eks.aws/v1alpha1',
    kind: 'NodeConfig',
    spec: {
      cluster: { name: config.cluster.name, region: config.cluster.region },
      hybrid: hybridSection(config),
      kubelet: {
        config: kubeletConfig(config, pool),
        flags: [nodeLabelsFlag(pool), ...(taints ? [taints] : [])],
      },
      ...(containerd === undefined ? {} : { containerd: { config: containerd } }),
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
      : `# GPU: DRA; needs the NVIDIA driver and Container Toolkit (${NVIDIA_RUNTIME_BINARY}, for the DCGM exporter) on the server, and CDI in containerd (set below for containerd 1.7, on by default in 2.x).`,
    runtime,
    ...(pool.gpu.mode === 'dra'
      ? ['# As default it would give every GPU to any container whose image sets NVIDIA_VISIBLE_DEVICES=all, bypassing DRA; DRA injects claimed GPUs through CDI.']
      : []),
    ...Object.keys(kubeletConfig(config, pool).featureGates ?? {}).map(
      (gate) => `# featureGates.${gate}: off by default in the ${config.kubernetesVersion} kubelet and not set by hybrid nodeadm; DRA claims are never prepared without it.`,
    ),
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
    containerdConfig(config, pool) === undefined
      ? `# No containerd drop-in: nodeadm's own config is all this pool needs. Harbor's CA goes in ${CONTAINERD_CERTS_DIR}/<registry host>/hosts.toml.`
      : `# containerd ${containerdMajor(config)}.x drop-in (nodeadm.containerdMajor): ${containerdMajor(config) === 1 ? "a complete CRI section (1.7 replaces nodeadm's, so it repeats every nodeadm value)" : 'only what changes (2.x merges key by key)'}. Harbor's CA goes in ${CONTAINERD_CERTS_DIR}/<registry host>/hosts.toml.`,
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
