/**
 * What hybrid nodeadm writes on a server before our NodeConfig is applied (aws/eks-hybrid: its containerd
 * config template and default kubelet config), rebuilt for one site so the checker can load our drop-ins
 * on top of it exactly as a node would. Facts only; the values nodeadm computes per node (cluster DNS,
 * provider ID, reserved resources) are filled with realistic ones.
 */
import type { SiteConfig } from '../../lib/config/schema';
import { eksPauseImage, NODEADM_CONTAINERD } from '../../lib/artifacts/nodeadm';

/** /etc/containerd/config.toml as nodeadm writes it (a version-2 file importing config.d/*.toml). */
export function nodeadmContainerdConfig(region: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    'imports = ["/etc/containerd/config.d/*.toml"]',
    '',
    '[grpc]',
    '  address = "/run/containerd/containerd.sock"',
    '',
    '[plugins]',
    `  [${cri}.containerd]`,
    '    default_runtime_name = "runc"',
    '    discard_unpacked_layers = true',
    `  [${cri}]`,
    `    sandbox_image = "${eksPauseImage(region)}"`,
    `  [${cri}.registry]`,
    `    config_path = "${NODEADM_CONTAINERD.configPath}"`,
    `  [${cri}.containerd.runtimes.runc]`,
    `    runtime_type = "${NODEADM_CONTAINERD.runcRuntimeType}"`,
    `  [${cri}.containerd.runtimes.runc.options]`,
    '    SystemdCgroup = true',
    `  [${cri}.cni]`,
    `    bin_dir = "${NODEADM_CONTAINERD.cniBinDir}"`,
    `    conf_dir = "${NODEADM_CONTAINERD.cniConfDir}"`,
    '',
  ].join('\n');
}

/** The tenth address of the service network: nodeadm's fallback cluster DNS. */
function clusterDns(serviceNetwork: string): string {
  const [ip] = serviceNetwork.split('/');
  const octets = ip.split('.').map(Number);
  octets[3] += 10;
  return octets.join('.');
}

/** nodeadm's kubelet config of a hybrid node (before `spec.kubelet.config` is merged over it). */
export function nodeadmKubeletConfig(config: SiteConfig, nodeName: string): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '0.0.0.0',
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '2m0s' },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' } },
    cgroupDriver: 'systemd',
    cgroupRoot: '/',
    clusterDNS: [clusterDns(config.networks.serviceNetwork)],
    clusterDomain: 'cluster.local',
    containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%' },
    featureGates: { RotateKubeletServerCertificate: true },
    hairpinMode: 'hairpin-veth',
    protectKernelDefaults: true,
    readOnlyPort: 0,
    logging: { verbosity: 2 },
    serializeImagePulls: false,
    serverTLSBootstrap: true,
    tlsCipherSuites: [
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
      'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_AES_256_GCM_SHA384',
    ],
    providerID: `eks-hybrid:///${config.cluster.region}/${config.cluster.name}/${nodeName}`,
    systemReservedCgroup: '/system',
    kubeReservedCgroup: '/runtime',
    kubeReserved: { cpu: '310m', memory: '6Gi', 'ephemeral-storage': '1Gi' },
  };
}

/** The kubelet merges config drop-ins key by key: objects merge recursively, anything else replaces. */
export function mergeKubeletConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObj(b) && isObj(v) ? mergeKubeletConfig(b, v) : v;
  }
  return out;
}

/** The NodeConfig rules hybrid nodeadm enforces at `nodeadm init`, on a NodeConfig with placeholders filled. */
export function nodeConfigProblems(doc: {
  spec?: {
    cluster?: { name?: string; region?: string };
    hybrid?: { ssm?: { activationCode?: string; activationId?: string }; iamRolesAnywhere?: Record<string, string | undefined> };
    kubelet?: { flags?: string[] };
  };
}): string[] {
  const problems: string[] = [];
  const spec = doc.spec ?? {};
  if (!spec.cluster?.name) problems.push('spec.cluster.name is required');
  if (!spec.cluster?.region) problems.push('spec.cluster.region is required');
  const ssm = spec.hybrid?.ssm;
  const ira = spec.hybrid?.iamRolesAnywhere;
  if ((ssm ? 1 : 0) + (ira ? 1 : 0) !== 1) problems.push('exactly one of spec.hybrid.ssm and spec.hybrid.iamRolesAnywhere is required');
  if (ssm) {
    const code = ssm.activationCode ?? '';
    if (code.length < 20 || code.length > 250) problems.push(`spec.hybrid.ssm.activationCode must be 20-250 characters (got ${code.length})`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ssm.activationId ?? '')) {
      problems.push(`spec.hybrid.ssm.activationId must be a UUID (got ${ssm.activationId})`);
    }
  }
  if (ira) {
    // certificatePath and privateKeyPath have nodeadm defaults (/etc/iam/pki/server.pem, server.key).
    for (const field of ['nodeName', 'trustAnchorArn', 'profileArn', 'roleArn']) {
      if (!ira[field]) problems.push(`spec.hybrid.iamRolesAnywhere.${field} is required`);
    }
  }
  if ((spec.kubelet?.flags ?? []).some((f) => f.startsWith('--hostname-override'))) problems.push('spec.kubelet.flags must not set --hostname-override');
  return problems;
}
