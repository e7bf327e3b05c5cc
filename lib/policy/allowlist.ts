/**
 * Which components may use host-level privileges, and why. The `privileged-allowlist` check rejects
 * every use of a privilege below by a pod that has no entry granting it. Add an entry only with a
 * reason a reviewer can check against the component's upstream manifests.
 */

/** Host-level privileges a pod spec can ask for. */
export type HostPrivilege = 'privileged' | 'hostPath' | 'hostPID' | 'hostNetwork' | 'hostIPC';

export const HOST_PRIVILEGES: readonly HostPrivilege[] = ['privileged', 'hostPath', 'hostPID', 'hostNetwork', 'hostIPC'];

/** Matches objects by their `app.kubernetes.io/component` label, or by kind/namespace/name. */
export type PrivilegeSubject =
  | { readonly component: string }
  | { readonly kind: string; readonly namespace?: string; readonly name: string };

export interface PrivilegeGrant {
  readonly subject: PrivilegeSubject;
  readonly privileges: readonly HostPrivilege[];
  readonly reason: string;
}

export const PRIVILEGE_ALLOWLIST: readonly PrivilegeGrant[] = [
  {
    subject: { component: 'nvidia-device-plugin' },
    privileges: ['hostPath'],
    reason:
      'registers with the kubelet through its socket in /var/lib/kubelet/device-plugins (hostPath); upstream runs it unprivileged with all capabilities dropped',
  },
  {
    subject: { component: 'nvidia-dra-driver' },
    privileges: ['privileged', 'hostPath'],
    reason:
      'the DRA kubelet plugin and its init container are privileged upstream (they prepare CDI specs and device nodes for claims) and use /var/lib/kubelet/plugins and plugins_registry (hostPath)',
  },
  {
    subject: { component: 'harbor-ca-installer' },
    privileges: ['privileged', 'hostPath', 'hostPID'],
    reason:
      "installs the private registry's CA into every node's trust store and containerd certs.d (hostPath), then restarts containerd in the host's PID namespace (hostPID, privileged)",
  },
  {
    subject: { component: 'dcgm-exporter' },
    privileges: ['hostPath'],
    reason: 'maps GPU metrics to pods through the kubelet pod-resources socket, /var/lib/kubelet/pod-resources (hostPath, read-only)',
  },
  {
    subject: { component: 'node-exporter' },
    privileges: ['hostNetwork', 'hostPID', 'hostPath'],
    reason: "reports the node's own metrics: host network interfaces (hostNetwork), host processes (hostPID) and /proc, /sys and / read-only (hostPath)",
  },
];

/** Whether a grant covers an object with these labels and identity. */
export function grantMatches(
  grant: PrivilegeGrant,
  object: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly labels: Record<string, string> },
): boolean {
  const subject = grant.subject;
  if ('component' in subject) return object.labels['app.kubernetes.io/component'] === subject.component;
  return subject.kind === object.kind && subject.name === object.name && (subject.namespace ?? undefined) === object.namespace;
}
