import type { SiteConfig } from '../config/schema';
import { siteNamespaces } from './namespaces';

/** Name of the pull secret when the site does not set `pullSecrets.name` (the guide's name). */
export const DEFAULT_PULL_SECRET_NAME = 'harbor-registry';

/** The pull secret's name: one name in every namespace, so workloads never need to know which mode made it. */
export function pullSecretName(config: SiteConfig): string {
  return config.pullSecrets.name;
}

/**
 * Namespaces that get the pull secret, in a fixed order: the configured list, or every namespace the
 * site renders that runs pods; kube-system only when configured (its pods normally pull public images).
 */
export function pullSecretNamespaces(config: SiteConfig): string[] {
  if (!config.pullSecrets.enabled) return [];
  const listed = config.pullSecrets.namespaces ?? siteNamespaces(config).filter((n) => n.runsPods).map((n) => n.name);
  const all = config.pullSecrets.includeKubeSystem ? [...listed, 'kube-system'] : listed;
  return [...new Set(all)];
}

/**
 * What a pod spec in `namespace` puts in `imagePullSecrets`: the pull secret when the site renders it
 * there, else nothing (a reference to a missing secret only produces kubelet warnings, and hides the
 * real cause of an ImagePullBackOff). Every chart that runs pods uses this.
 */
export function imagePullSecrets(config: SiteConfig, namespace: string): { name: string }[] {
  return pullSecretNamespaces(config).includes(namespace) ? [{ name: pullSecretName(config) }] : [];
}

/** The `imagePullSecrets` field of a pod spec in `namespace`, or no field at all when {@link imagePullSecrets} is empty. */
export function imagePullSecretsField(config: SiteConfig, namespace: string): { imagePullSecrets?: { name: string }[] } {
  const refs = imagePullSecrets(config, namespace);
  return refs.length > 0 ? { imagePullSecrets: refs } : {};
}

/** Whether the site asked for an unencrypted pull secret in dist/ and opted in to it (the validator's `allowPlainCredentials`). */
export function plainCredentialsAllowed(config: SiteConfig): boolean {
  const p = config.pullSecrets;
  return p.enabled && p.mode === 'plain' && p.plain.iUnderstandTheSecretIsWrittenToDist;
}
