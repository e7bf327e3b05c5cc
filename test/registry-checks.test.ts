// lib/site/registry-checks.ts: the registry, DNS and pull-secret checks the schema cannot express,
// called directly on the example's validated config with one section changed.
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { checkRegistry } from '../lib/site/registry-checks';
import { loadSite } from '../lib/site/site';
import { setUp } from './helpers/set-up';

let example!: SiteConfig;
setUp(() => {
  example = loadSite('sites/example.yaml').config;
});

const NOT_FROM_REGISTRY = (field: string, host: string, value: string) => ({
  path: `registryCaTrust.${field}`,
  message: `must not come from ${host}: nodes cannot pull from the registry before this DaemonSet made them trust its CA`,
  value,
});
const SHADOWS = 'is served by the CoreDNS kubernetes plugin; forwarding it on-prem would break in-cluster service discovery';

describe('checkRegistry: registry CA trust', () => {
  const trust = (caTrust: Partial<SiteConfig['registryCaTrust']>, registry: Partial<SiteConfig['registry']> = {}) =>
    checkRegistry({ ...example, registry: { ...example.registry, ...registry }, registryCaTrust: { ...example.registryCaTrust, ...caTrust } });

  it("accepts the example", () => {
    expect(checkRegistry(example)).toEqual([]);
  });

  it('needs the CA file while trust is on, not when it is off', () => {
    expect(trust({ enabled: true }, { caFile: undefined })).toEqual([
      {
        path: 'registry.caFile',
        message:
          "is required while registryCaTrust.enabled is true: name the PEM file of the CA that signed Harbor's certificate, or set registryCaTrust.enabled: false if the nodes already trust it",
      },
    ]);
    expect(trust({ enabled: false }, { caFile: undefined })).toEqual([]);
  });

  it('refuses installer and pause images from the registry itself, with or without a port, only while trust is on', () => {
    const host = example.registry.hostname;
    const images = { installerImage: `${host}/library/busybox:1.37.0`, pauseImage: `${host}:8443/library/pause:3.10` };
    expect(trust({ enabled: true, ...images })).toEqual([
      NOT_FROM_REGISTRY('installerImage', host, images.installerImage),
      NOT_FROM_REGISTRY('pauseImage', host, images.pauseImage),
    ]);
    expect(trust({ enabled: false, ...images }, { caFile: undefined })).toEqual([]);
    // another host, a host that only starts like it, a port that is not all digits: not the registry
    expect(trust({ enabled: true, installerImage: `${host}x/library/busybox:1.37.0`, pauseImage: `registry.k8s.io/pause:3.10` })).toEqual([]);
    expect(trust({ enabled: true, installerImage: `${host}:http/library/busybox:1.37.0` })).toEqual([]);
    expect(trust({ enabled: true, installerImage: `${host}:8443x/library/busybox:1.37.0` })).toEqual([]);
  });
});

describe('checkRegistry: DNS', () => {
  const dns = (d: Partial<SiteConfig['dns']>) => checkRegistry({ ...example, dns: { ...example.dns, ...d } });

  it('one address per name: a host entry against the registry, and against an earlier entry (named by its first place)', () => {
    const host = example.registry.hostname;
    expect(
      dns({
        hosts: [
          { ip: '192.168.1.100', names: [host, 'a.example.internal'] },
          { ip: '192.168.1.7', names: [host, 'a.example.internal', 'b.example.internal'] },
          { ip: '192.168.1.8', names: ['b.example.internal', 'b.example.internal'] },
          { ip: '192.168.1.7', names: ['b.example.internal'] },
        ],
      }),
    ).toEqual([
      { path: 'dns.hosts[1].names[0]', message: `resolves to 192.168.1.7 here but to ${example.registry.ip} in registry.hostname`, value: host },
      { path: 'dns.hosts[1].names[1]', message: 'resolves to 192.168.1.7 here but to 192.168.1.100 in dns.hosts[0].names[1]', value: 'a.example.internal' },
      { path: 'dns.hosts[2].names[0]', message: 'resolves to 192.168.1.8 here but to 192.168.1.7 in dns.hosts[1].names[2]', value: 'b.example.internal' },
      { path: 'dns.hosts[2].names[1]', message: 'resolves to 192.168.1.8 here but to 192.168.1.7 in dns.hosts[1].names[2]', value: 'b.example.internal' },
    ]);
  });

  it('the same name twice with the same address is fine, and the first place stays the reference', () => {
    expect(
      dns({
        hosts: [
          { ip: '192.168.1.7', names: ['c.example.internal'] },
          { ip: '192.168.1.7', names: ['c.example.internal'] },
          { ip: '192.168.1.9', names: ['c.example.internal'] },
        ],
      }),
    ).toEqual([{ path: 'dns.hosts[2].names[0]', message: 'resolves to 192.168.1.9 here but to 192.168.1.7 in dns.hosts[0].names[0]', value: 'c.example.internal' }]);
  });

  it('stub zones must not shadow the cluster domain or the reverse zones; duplicates name the first', () => {
    const stub = (zone: string) => ({ zone, servers: ['192.168.1.53'] });
    expect(dns({ stubZones: ['cluster.local', 'svc.cluster.local', 'in-addr.arpa', 'ip6.arpa', 'company.local', 'company.local', 'cluster.local.example', 'mycluster.local', '10.in-addr.arpa.example'].map(stub) })).toEqual([
      { path: 'dns.stubZones[0].zone', message: SHADOWS, value: 'cluster.local' },
      { path: 'dns.stubZones[1].zone', message: SHADOWS, value: 'svc.cluster.local' },
      { path: 'dns.stubZones[2].zone', message: SHADOWS, value: 'in-addr.arpa' },
      { path: 'dns.stubZones[3].zone', message: SHADOWS, value: 'ip6.arpa' },
      { path: 'dns.stubZones[5].zone', message: 'duplicate stub zone; dns.stubZones[4] forwards it already', value: 'company.local' },
    ]);
  });
});

describe('checkRegistry: pull secrets', () => {
  const pull = (p: Partial<SiteConfig['pullSecrets']>) => checkRegistry({ ...example, pullSecrets: { ...example.pullSecrets, ...p } });
  const sealed = (s: Partial<SiteConfig['pullSecrets']['sealedSecret']>, p: Partial<SiteConfig['pullSecrets']> = {}) =>
    pull({ mode: 'sealedSecret', sealedSecret: { ...example.pullSecrets.sealedSecret, ...s }, ...p });

  it('nothing is checked when pull secrets are off', () => {
    expect(pull({ enabled: false, mode: 'plain', plain: { ...example.pullSecrets.plain, iUnderstandTheSecretIsWrittenToDist: false } })).toEqual([]);
  });

  it('externalSecret: a key always, a username with the token format only', () => {
    expect(pull({ externalSecret: { ...example.pullSecrets.externalSecret, key: undefined, format: 'token' }, username: undefined })).toEqual([
      { path: 'pullSecrets.externalSecret.key', message: 'is required in mode externalSecret: the name or ARN of the AWS Secrets Manager secret with the robot credential' },
      {
        path: 'pullSecrets.username',
        message: 'is required with pullSecrets.externalSecret.format "token": the Harbor robot account (robot$<project>+<name>) whose token the secret holds',
      },
    ]);
    expect(pull({ externalSecret: { ...example.pullSecrets.externalSecret, format: 'dockerconfigjson' }, username: undefined })).toEqual([]);
  });

  it('sealedSecret, cluster-wide: one ciphertext for all, per-namespace entries not asked for', () => {
    expect(sealed({ scope: 'clusterWide', clusterWideEncryptedData: undefined, encryptedData: {} })).toEqual([
      { path: 'pullSecrets.sealedSecret.clusterWideEncryptedData', message: 'is required with scope clusterWide: the .dockerconfigjson sealed with kubeseal --scope cluster-wide' },
    ]);
    expect(sealed({ scope: 'clusterWide', clusterWideEncryptedData: 'AgB', encryptedData: {} })).toEqual([]);
  });

  it('sealedSecret, per namespace: a ciphertext for each namespace that gets the secret, none for another', () => {
    const namespaces = ['ml', 'web'];
    expect(sealed({ scope: 'strict', encryptedData: { ml: 'AgA', other: 'AgC' } }, { namespaces, name: 'harbor-registry' })).toEqual([
      { path: 'pullSecrets.sealedSecret.encryptedData.web', message: 'is missing: namespace web needs its own ciphertext (kubeseal --scope strict --namespace web --name harbor-registry)' },
      { path: 'pullSecrets.sealedSecret.encryptedData.other', message: 'namespace other does not get the pull secret (it gets: ml, web); add it to pullSecrets.namespaces or remove this entry' },
    ]);
    expect(sealed({ scope: 'strict', encryptedData: { ml: 'AgA', web: 'AgB' } }, { namespaces })).toEqual([]);
    expect(sealed({ scope: 'strict', encryptedData: { x: 'AgA' } }, { namespaces: [] })).toEqual([
      { path: 'pullSecrets.sealedSecret.encryptedData.x', message: 'namespace x does not get the pull secret (it gets: none); add it to pullSecrets.namespaces or remove this entry' },
    ]);
  });

  it('plain: only with the explicit opt-in', () => {
    const plain = (iUnderstandTheSecretIsWrittenToDist: boolean) => pull({ mode: 'plain', plain: { ...example.pullSecrets.plain, iUnderstandTheSecretIsWrittenToDist } });
    expect(plain(false)).toEqual([
      {
        path: 'pullSecrets.plain.iUnderstandTheSecretIsWrittenToDist',
        message:
          'must be true to use pullSecrets.mode plain: the robot token is then written base64-encoded, not encrypted, into dist/ (use mode externalSecret or sealedSecret to keep it out)',
        value: false,
      },
    ]);
    expect(plain(true)).toEqual([]);
  });
});
