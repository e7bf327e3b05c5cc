import { Chart } from 'cdk8s';
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type { ConfigMap, Container, Volume } from 'kubernetes-types/core/v1';
import type { Construct } from 'constructs';
import { emit, type Typed } from '../lib/render/k8s';
import { COMPONENT_LABEL } from '../lib/core/labels';
import { COMPUTE_TYPE_LABEL, HYBRID } from '../lib/model/placement';
import { NO_PRIVILEGES_READ_ONLY_ROOT } from '../lib/model/security-context';
import type { Site } from '../lib/site/site';

/** Component label of the DaemonSet when it also updates the host trust store. */
export const SYSTEM_TRUST_COMPONENT = 'harbor-ca-installer-system-trust';

export interface RegistryCaTrustChartProps {
  /** The site whose registry hostname, CA (read by the loader) and trust settings are used. */
  readonly site: Site;
}

export const REGISTRY_CA_TRUST_NAME = 'registry-ca-trust';
/** Pod-template annotation holding the CA bundle's sha256: a new CA changes the template, so the DaemonSet rolls. */
export const CA_SHA256_ANNOTATION = 'eks-hybrid-charts/registry-ca-sha256';

/** containerd's per-registry configuration directory; nodeadm sets `config_path` to include /etc/containerd/certs.d. */
export function certsDir(hostname: string): string {
  return `/etc/containerd/certs.d/${hostname}`;
}

/** Host trust-store layout per OS family: where anchors go and the command that rebuilds the store. */
export const TRUST_STORES = {
  debian: { anchors: '/usr/local/share/ca-certificates', update: ['update-ca-certificates'] },
  rhel: { anchors: '/etc/pki/ca-trust/source/anchors', update: ['update-ca-trust', 'extract'] },
} as const;

/**
 * containerd hosts.toml for the registry: pulls go to the registry itself, verified with our CA.
 * Only the top-level `server` with its own `ca`: a `[host."…"]` table beside `server` would make containerd
 * (1.7 and 2.x) try two hosts, the second (the server) with system roots only, so a missing tag would end
 * in an x509 error instead of "not found". containerd reads certs.d on every pull, so the file takes effect
 * without a restart.
 */
export function hostsToml(hostname: string): string {
  return [
    `# Written by the ${REGISTRY_CA_TRUST_NAME} DaemonSet (kube-system) of eks-hybrid-charts.`,
    `server = "https://${hostname}"`,
    'capabilities = ["pull", "resolve"]',
    `ca = "${certsDir(hostname)}/ca.crt"`,
    '',
  ].join('\n');
}

/**
 * Copies each `<source> <target-dir> <name>` into place only when it differs, through a temporary file
 * and a rename in the target directory, so containerd never reads a half-written file and an unchanged
 * node is not touched. ca.crt is written before hosts.toml, which points at it.
 */
function installScript(files: readonly [string, string, string][]): string {
  return [
    'set -eu',
    'install_file() {',
    '  src="$1"; dst="$2/$3"',
    '  if [ -f "$dst" ] && cmp -s "$src" "$dst"; then echo "unchanged: $dst"; return 0; fi',
    '  tmp="$2/.$3.tmp.$$"',
    '  cp "$src" "$tmp"',
    '  chmod 0644 "$tmp"',
    '  mv -f "$tmp" "$dst"',
    '  echo "written: $dst"',
    '}',
    ...files.map(([src, dir, name]) => `install_file ${src} ${dir} ${name}`),
    '',
  ].join('\n');
}

/**
 * Makes containerd on every hybrid node trust the registry CA: an init container writes ca.crt and
 * hosts.toml into /etc/containerd/certs.d/<registry>/ (a hostPath of only that directory), then a
 * pause container keeps the pod alive so the DaemonSet reports each node as done. No containerd
 * restart, no host root mount, no privilege: root without capabilities can write the root-owned
 * directory. With `systemTrust`, the CA also goes into the host trust store, which costs one
 * privileged init container in the host PID namespace (see the README).
 */
export class RegistryCaTrustChart extends Chart {
  constructor(scope: Construct, id: string, props: RegistryCaTrustChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config, inputs } = props.site;
    const ca = inputs.registryCa;
    // The loader refuses a site with registryCaTrust enabled and no readable CA.
    if (!ca) throw new Error('registry-ca-trust: the loader did not read registry.caFile');
    const hostname = config.registry.hostname;
    const trust = config.registryCaTrust;
    const systemTrust = trust.systemTrust.enabled ? TRUST_STORES[trust.systemTrust.osFamily] : undefined;
    const anchorName = `${hostname}.crt`;

    emit<Typed<ConfigMap>>(this, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: REGISTRY_CA_TRUST_NAME, namespace: 'kube-system' },
      data: { 'ca.crt': ca.pem, 'hosts.toml': hostsToml(hostname) },
    });

    const labels = { 'app.kubernetes.io/name': REGISTRY_CA_TRUST_NAME };
    const volumes: Volume[] = [
      { name: 'config', configMap: { name: REGISTRY_CA_TRUST_NAME, defaultMode: 0o444 } },
      { name: 'certs-d', hostPath: { path: certsDir(hostname), type: 'DirectoryOrCreate' } },
      // `Directory`, not DirectoryOrCreate: a wrong osFamily fails with a clear event instead of creating a stray directory.
      ...(systemTrust ? [{ name: 'trust-anchors', hostPath: { path: systemTrust.anchors, type: 'Directory' } }] : []),
    ];
    const files: [string, string, string][] = [
      ['/config/ca.crt', '/host/certs.d', 'ca.crt'],
      ['/config/hosts.toml', '/host/certs.d', 'hosts.toml'],
      ...(systemTrust ? [['/config/ca.crt', '/host/anchors', anchorName] as [string, string, string]] : []),
    ];
    const initContainers: Container[] = [
      {
        name: 'install-ca',
        image: trust.installerImage,
        imagePullPolicy: 'IfNotPresent',
        command: ['sh', '-c', installScript(files)],
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        // uid 0 owns the host directories; writing them needs no capability (no DAC override), so all are dropped.
        securityContext: { ...NO_PRIVILEGES_READ_ONLY_ROOT, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, privileged: false },
        volumeMounts: [
          { name: 'config', mountPath: '/config', readOnly: true },
          { name: 'certs-d', mountPath: '/host/certs.d' },
          ...(systemTrust ? [{ name: 'trust-anchors', mountPath: '/host/anchors' }] : []),
        ],
      },
    ];
    if (systemTrust) {
      initContainers.push({
        name: 'update-system-trust',
        image: trust.installerImage,
        imagePullPolicy: 'IfNotPresent',
        // The host's own tool must rebuild the host's store (its bundle format and paths differ per OS),
        // so it runs in the host mount namespace of PID 1. That is host root whatever the capability set:
        // privileged is the one setting that works under AppArmor and SELinux, and it is confined to this
        // one command that exits. allowPrivilegeEscalation stays unset: false with privileged is rejected.
        command: ['nsenter', '--target', '1', '--mount', '--', ...systemTrust.update],
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        securityContext: { privileged: true, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: true },
      });
    }

    emit<Typed<DaemonSet>>(this, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: REGISTRY_CA_TRUST_NAME,
        namespace: 'kube-system',
        // The privilege allowlist grants the host trust-store update (privileged + hostPID) only to this
        // component; without systemTrust the DaemonSet keeps the chart's component and hostPath alone.
        ...(systemTrust ? { labels: { [COMPONENT_LABEL]: SYSTEM_TRUST_COMPONENT } } : {}),
      },
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
        template: {
          metadata: { labels, annotations: { [CA_SHA256_ANNOTATION]: ca.sha256 } },
          spec: {
            priorityClassName: 'system-node-critical',
            // containerd on hybrid nodes pulls from Harbor; cloud nodes are not configured by this.
            nodeSelector: { [COMPUTE_TYPE_LABEL]: HYBRID },
            // Every hybrid node needs the CA before its first Harbor pull, whatever taints it has.
            tolerations: [{ operator: 'Exists' }],
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 5,
            ...(systemTrust ? { hostPID: true } : {}),
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            initContainers,
            containers: [
              {
                name: 'pause',
                image: trust.pauseImage,
                imagePullPolicy: 'IfNotPresent',
                resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '16Mi' } },
                securityContext: { ...NO_PRIVILEGES_READ_ONLY_ROOT, runAsUser: 65535, runAsGroup: 65535, runAsNonRoot: true },
              },
            ],
            volumes,
          },
        },
      },
    });
  }
}

