/**
 * Which components may use host-level privileges, and why. The `privileged-allowlist` check rejects
 * every use of a privilege below by a pod that has no entry granting it. Add an entry only with a
 * reason a reviewer can check against the component's upstream manifests.
 */
import { COMPONENT_LABEL } from '../../core/labels';

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
      'the DRA kubelet plugin (and its init container) is privileged upstream: it creates device nodes and CDI specs, and its Bidirectional mount propagation requires privileged; it uses the kubelet plugin and registry directories, the CDI directory and the driver root (hostPath)',
  },
  {
    subject: { component: 'harbor-ca-installer' },
    privileges: ['hostPath'],
    reason: 'an unprivileged init container writes the registry CA and hosts.toml into /etc/containerd/certs.d/<registry> (hostPath of that directory only)',
  },
  {
    subject: { component: 'harbor-ca-installer-system-trust' },
    privileges: ['hostPath', 'privileged', 'hostPID'],
    reason:
      "registryCaTrust.systemTrust only: besides certs.d, copies the CA into the host's anchors directory (hostPath) and runs the host's own trust tool via nsenter into PID 1's mount namespace (hostPID, privileged: that is host root by nature)",
  },
  {
    subject: { component: 'dcgm-exporter' },
    privileges: ['hostPath'],
    reason: 'labels GPU metrics with the pod using each GPU through the kubelet pod-resources socket in /var/lib/kubelet/pod-resources (hostPath)',
  },
];

/** Whether a grant covers an object with these labels and identity. */
export function grantMatches(
  grant: PrivilegeGrant,
  object: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly labels: Record<string, string> },
): boolean {
  const subject = grant.subject;
  if ('component' in subject) return object.labels[COMPONENT_LABEL] === subject.component;
  return subject.kind === object.kind && subject.name === object.name && (subject.namespace ?? undefined) === object.namespace;
}
