// Semantic checks of the registry, DNS and pull-secret sections that the schema in
// lib/config/registry.ts cannot express; checks.ts runs them in order.
import { configPath } from '../core/paths';
import type { Problem } from '../config/problems';
import { splitImage } from '../model/images';
import { pullSecretNamespaces } from '../model/pull-secrets';
import type { SemanticCheck } from './semantic';

/** Hosts whose images a DaemonSet cannot pull before the registry CA is trusted: the registry itself. */
function imageHost(image: string): string {
  // The `$` cannot matter (registry.hostname is a DNS name, so nothing follows a port), but a mark for
  // that mutant would also hide the killed ones of this regex: it stays a known survivor.
  return splitImage(image).registry.replace(/:\d+$/, '');
}

/**
 * Registry, DNS and pull-secret settings that depend on each other: what the schema cannot say.
 * Every message names the field to change.
 */
export const checkRegistry: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const { registry, dns, pullSecrets, registryCaTrust } = config;

  if (registryCaTrust.enabled && registry.caFile === undefined) {
    problems.push({
      path: 'registry.caFile',
      message:
        'is required while registryCaTrust.enabled is true: name the PEM file of the CA that signed Harbor\'s certificate, or set registryCaTrust.enabled: false if the nodes already trust it',
    });
  }
  if (registryCaTrust.enabled) {
    for (const field of ['installerImage', 'pauseImage'] as const) {
      if (imageHost(registryCaTrust[field]) === registry.hostname) {
        problems.push({
          path: `registryCaTrust.${field}`,
          message: `must not come from ${registry.hostname}: nodes cannot pull from the registry before this DaemonSet made them trust its CA`,
          value: registryCaTrust[field],
        });
      }
    }
  }

  // CoreDNS: one answer per name, and stub zones that do not shadow the cluster domain.
  const owner = new Map<string, { ip: string; path: string }>([[registry.hostname, { ip: registry.ip, path: 'registry.hostname' }]]);
  dns.hosts.forEach((entry, i) =>
    entry.names.forEach((name, j) => {
      const path = configPath(['dns', 'hosts', i, 'names', j]);
      const first = owner.get(name);
      if (first && first.ip !== entry.ip) problems.push({ path, message: `resolves to ${entry.ip} here but to ${first.ip} in ${first.path}`, value: name });
      else if (!first) owner.set(name, { ip: entry.ip, path });
    }),
  );
  const zones = new Map<string, number>();
  dns.stubZones.forEach((stub, i) => {
    const path = configPath(['dns', 'stubZones', i, 'zone']);
    if (stub.zone === 'cluster.local' || stub.zone.endsWith('.cluster.local') || stub.zone === 'in-addr.arpa' || stub.zone === 'ip6.arpa') {
      problems.push({ path, message: 'is served by the CoreDNS kubernetes plugin; forwarding it on-prem would break in-cluster service discovery', value: stub.zone });
    }
    const first = zones.get(stub.zone);
    if (first !== undefined) problems.push({ path, message: `duplicate stub zone; dns.stubZones[${first}] forwards it already`, value: stub.zone });
    else zones.set(stub.zone, i);
  });

  if (!pullSecrets.enabled) return problems;
  const namespaces = pullSecretNamespaces(config);
  if (pullSecrets.mode === 'externalSecret') {
    const es = pullSecrets.externalSecret;
    if (es.key === undefined) {
      problems.push({ path: 'pullSecrets.externalSecret.key', message: 'is required in mode externalSecret: the name or ARN of the AWS Secrets Manager secret with the robot credential' });
    }
    if (es.format === 'token' && pullSecrets.username === undefined) {
      problems.push({
        path: 'pullSecrets.username',
        message: 'is required with pullSecrets.externalSecret.format "token": the Harbor robot account (robot$<project>+<name>) whose token the secret holds',
      });
    }
  } else if (pullSecrets.mode === 'sealedSecret') {
    const sealed = pullSecrets.sealedSecret;
    if (sealed.scope === 'clusterWide') {
      if (sealed.clusterWideEncryptedData === undefined) {
        problems.push({
          path: 'pullSecrets.sealedSecret.clusterWideEncryptedData',
          message: 'is required with scope clusterWide: the .dockerconfigjson sealed with kubeseal --scope cluster-wide',
        });
      }
    } else {
      for (const ns of namespaces) {
        if (sealed.encryptedData[ns] === undefined) {
          problems.push({
            path: configPath(['pullSecrets', 'sealedSecret', 'encryptedData', ns]),
            message: `is missing: namespace ${ns} needs its own ciphertext (kubeseal --scope strict --namespace ${ns} --name ${pullSecrets.name})`,
          });
        }
      }
      for (const ns of Object.keys(sealed.encryptedData)) {
        if (!namespaces.includes(ns)) {
          problems.push({
            path: configPath(['pullSecrets', 'sealedSecret', 'encryptedData', ns]),
            message: `namespace ${ns} does not get the pull secret (it gets: ${namespaces.join(', ') || 'none'}); add it to pullSecrets.namespaces or remove this entry`,
          });
        }
      }
    }
  } else if (!pullSecrets.plain.iUnderstandTheSecretIsWrittenToDist) {
    problems.push({
      path: 'pullSecrets.plain.iUnderstandTheSecretIsWrittenToDist',
      message:
        'must be true to use pullSecrets.mode plain: the robot token is then written base64-encoded, not encrypted, into dist/ (use mode externalSecret or sealedSecret to keep it out)',
      value: false,
    });
  }
  return problems;
};
