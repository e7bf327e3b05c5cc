// lib/model/pull-secrets.ts directly: which namespaces get the registry pull secret and what pod specs
// reference (named after the module so the mutation run tries it first).
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { loadSite } from '../lib/site/site';
import { imagePullSecrets, imagePullSecretsField, plainCredentialsAllowed, pullSecretName, pullSecretNamespaces } from '../lib/model/pull-secrets';
import { siteNamespaces } from '../lib/model/namespaces';
import { setUp } from './helpers/set-up';

let example!: SiteConfig;
setUp(() => {
  example = loadSite('sites/example.yaml').config;
});
const withPullSecrets = (pullSecrets: Partial<SiteConfig['pullSecrets']>): SiteConfig => ({ ...example, pullSecrets: { ...example.pullSecrets, ...pullSecrets } });

describe('pull secret namespaces', () => {
  it('by default every rendered namespace that runs pods, in the site order, and not kube-system', () => {
    const running = siteNamespaces(example).filter((n) => n.runsPods).map((n) => n.name);
    expect(running.length).toBeGreaterThan(1);
    expect(pullSecretNamespaces(withPullSecrets({ namespaces: undefined, includeKubeSystem: false }))).toEqual(running);
    expect(siteNamespaces(example).some((n) => !n.runsPods)).toBe(true); // a namespace without pods is left out
  });

  it('a configured list replaces the default; kube-system is added once when asked; nothing when disabled', () => {
    expect(pullSecretNamespaces(withPullSecrets({ namespaces: ['b', 'a', 'b'], includeKubeSystem: false }))).toEqual(['b', 'a']);
    expect(pullSecretNamespaces(withPullSecrets({ namespaces: ['a'], includeKubeSystem: true }))).toEqual(['a', 'kube-system']);
    expect(pullSecretNamespaces(withPullSecrets({ namespaces: ['kube-system'], includeKubeSystem: true }))).toEqual(['kube-system']);
    expect(pullSecretNamespaces(withPullSecrets({ enabled: false, namespaces: ['a'], includeKubeSystem: true }))).toEqual([]);
  });

  it('a pod spec references the secret exactly where it is rendered, and has no field elsewhere', () => {
    const config = withPullSecrets({ name: 'regcred', namespaces: ['a'], includeKubeSystem: false });
    expect(pullSecretName(config)).toBe('regcred');
    expect(imagePullSecrets(config, 'a')).toEqual([{ name: 'regcred' }]);
    expect(imagePullSecrets(config, 'b')).toEqual([]);
    expect(imagePullSecretsField(config, 'a')).toEqual({ imagePullSecrets: [{ name: 'regcred' }] });
    expect(imagePullSecretsField(config, 'b')).toEqual({});
  });
});

describe('plainCredentialsAllowed', () => {
  it('only an enabled plain-mode secret whose site opted in to writing it to dist/', () => {
    const plain = (enabled: boolean, mode: string, optIn: boolean) =>
      plainCredentialsAllowed(withPullSecrets({ enabled, mode, plain: { ...example.pullSecrets.plain, iUnderstandTheSecretIsWrittenToDist: optIn } } as Partial<SiteConfig['pullSecrets']>));
    expect([plain(true, 'plain', true), plain(false, 'plain', true), plain(true, 'plain', false), plain(true, 'externalSecret', true)]).toEqual([true, false, false, false]);
  });
});
