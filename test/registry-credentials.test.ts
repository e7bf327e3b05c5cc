import { formatPath } from '../lib/core/paths';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { RegistryCredentialsChart } from '../charts/registry-credentials';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { siteNamespaces } from '../lib/model/namespaces';
import { podSpecOf } from '../lib/validate/policy/pods';
import { buildSite, validationContext } from '../lib/pipeline/pipeline';
import { DEFAULT_PULL_SECRET_NAME, imagePullSecrets, pullSecretNamespaces } from '../lib/model/pull-secrets';
import { renderSite } from '../lib/render/render';
import { loadSite, type Site } from '../lib/site/site';
import { validateFiles } from '../lib/validate/validator';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { atVersion, findingsOf } from './fixtures/registry/sites';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

type Json = any;

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
const registry = { charts: CHARTS, artifacts: ARTIFACTS };
/** A value that must never reach dist/ unless the site opted in to plain mode. */
const TOKEN = 'TOKEN-8f3a1c-never-in-dist';
const ENV = { HARBOR_USERNAME: 'robot$k8s-robot', HARBOR_PASSWORD: TOKEN };
const CIPHERTEXT = (ns: string) => `AgB${Buffer.from(`sealed for ${ns} by kubeseal`).toString('base64')}`;

function synth(site: Site): Json[] {
  return Testing.synth(new RegistryCredentialsChart(Testing.app(), 'registry-credentials', { site }));
}

const sealedSite = (scope: 'strict' | 'clusterWide' = 'strict', namespaces = pullSecretNamespaces(example.config)) =>
  loadSite(
    siteVariantFile({
      pullSecrets: {
        mode: 'sealedSecret',
        sealedSecret:
          scope === 'strict'
            ? { encryptedData: Object.fromEntries(namespaces.map((ns) => [ns, CIPHERTEXT(ns)])) }
            : { scope, clusterWideEncryptedData: CIPHERTEXT('all') },
      },
    }),
  );
const plainSite = () => loadSite(siteVariantFile({ pullSecrets: { mode: 'plain', plain: { iUnderstandTheSecretIsWrittenToDist: true } } }), { env: ENV });

/** Replaces each `{{ … }}` action with a JSON string, so the template's JSON skeleton can be parsed. */
function skeleton(template: string): Json {
  return JSON.parse(template.replace(/\{\{[^}]*\}\}/g, '"<templated>"'));
}

describe('pull secrets', () => {
  it('default mode: a ClusterSecretStore and one ExternalSecret per namespace that runs pods (snapshot)', () => {
    expect(synth(example)).toMatchSnapshot();
  });

  it('go to every rendered namespace that runs pods, kube-system only when asked', () => {
    const running = siteNamespaces(example.config).filter((n) => n.runsPods).map((n) => n.name);
    expect(running.length).toBeGreaterThan(0);
    expect(pullSecretNamespaces(example.config)).toEqual(running);
    expect(pullSecretNamespaces(loadSite(siteVariantFile({ pullSecrets: { includeKubeSystem: true } })).config)).toEqual([...running, 'kube-system']);
    expect(pullSecretNamespaces(loadSite(siteVariantFile({ pullSecrets: { namespaces: ['team-a', 'team-b'] } })).config)).toEqual(['team-a', 'team-b']);
    const externalSecrets = synth(example).filter((o) => o.kind === 'ExternalSecret');
    expect(externalSecrets.map((o) => o.metadata.namespace)).toEqual(running);
  });

  it('have one name everywhere, which imagePullSecrets hands to workloads of those namespaces only', () => {
    expect(DEFAULT_PULL_SECRET_NAME).toBe('harbor-registry');
    for (const o of synth(example).filter((x) => x.kind === 'ExternalSecret')) {
      expect(o.metadata.name).toBe('harbor-registry');
      expect(o.spec.target.name).toBe('harbor-registry');
      expect(imagePullSecrets(example.config, o.metadata.namespace)).toEqual([{ name: 'harbor-registry' }]);
    }
    expect(imagePullSecrets(example.config, 'kube-system')).toEqual([]);
    expect(imagePullSecrets(loadSite(siteVariantFile({ pullSecrets: { enabled: false } })).config, 'ml-workloads')).toEqual([]);
    const renamed = loadSite(siteVariantFile({ pullSecrets: { name: 'harbor-pull' } }));
    expect(imagePullSecrets(renamed.config, 'ml-workloads')).toEqual([{ name: 'harbor-pull' }]);
  });

  it('are what every pod of the rendered site references, in every namespace, kube-system included when asked', () => {
    for (const file of ['sites/example.yaml', siteVariantFile({ pullSecrets: { includeKubeSystem: true } })]) {
      const build = buildSite(file, registry, { validate: false });
      let pods = 0;
      for (const rendered of build.result.files) {
        // The CA DaemonSet may never pull from Harbor (a semantic check enforces it), so it needs no secret.
        if (rendered.path === '12-registry-ca-trust.yaml') continue;
        for (const object of rendered.objects) {
          const pod = podSpecOf(object);
          if (!pod) continue;
          pods += 1;
          const expected = imagePullSecrets(build.site.config, object.metadata.namespace ?? '');
          expect(pod.spec.imagePullSecrets ?? [], `${rendered.path} ${object.kind} ${object.metadata.namespace}/${object.metadata.name}`).toEqual(expected);
        }
      }
      expect(pods).toBeGreaterThan(3);
    }
  });

  describe('mode externalSecret', () => {
    it('reads AWS Secrets Manager in the cluster region with the configured service account, for those namespaces only', () => {
      const store = synth(example).find((o) => o.kind === 'ClusterSecretStore');
      expect(store.apiVersion).toBe('external-secrets.io/v1');
      expect(store.metadata.namespace).toBeUndefined();
      expect(store.spec.provider.aws).toEqual({
        service: 'SecretsManager',
        region: 'ap-northeast-2',
        auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
      });
      expect(store.spec.conditions).toEqual([{ namespaces: pullSecretNamespaces(example.config) }]);
      const controller = loadSite(siteVariantFile({ pullSecrets: { externalSecret: { auth: 'controller', region: 'us-east-1' } } }));
      expect(synth(controller).find((o) => o.kind === 'ClusterSecretStore').spec.provider.aws).toEqual({ service: 'SecretsManager', region: 'us-east-1' });
    });

    it('every ExternalSecret reads through the one ClusterSecretStore, by its configured name', () => {
      const objects = synth(example);
      expect(objects.filter((o) => o.kind === 'ClusterSecretStore').map((o) => o.metadata)).toEqual([{ name: 'aws-secrets-manager' }]);
      const refs = objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.secretStoreRef);
      expect(refs).toEqual(pullSecretNamespaces(example.config).map(() => ({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' })));
      const renamed = synth(loadSite(siteVariantFile({ pullSecrets: { externalSecret: { storeName: 'harbor-robots' } } })));
      expect(renamed.find((o) => o.kind === 'ClusterSecretStore').metadata.name).toBe('harbor-robots');
      expect(new Set(renamed.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.secretStoreRef.name))).toEqual(new Set(['harbor-robots']));
    });

    it('templates a kubernetes.io/dockerconfigjson Secret for the registry from the robot name and the token', () => {
      const es = synth(example).find((o) => o.kind === 'ExternalSecret');
      expect(es.apiVersion).toBe('external-secrets.io/v1');
      expect(es.spec.data).toEqual([{ secretKey: 'token', remoteRef: { key: 'harbor/robot-k8s-robot' } }]);
      expect(es.spec.target.creationPolicy).toBe('Owner');
      const template = es.spec.target.template;
      expect(template.type).toBe('kubernetes.io/dockerconfigjson');
      expect(template.engineVersion).toBe('v2');
      const text: string = template.data['.dockerconfigjson'];
      expect(skeleton(text)).toEqual({ auths: { 'harbor.yourdomain.com': { username: 'robot$k8s-robot', password: '<templated>', auth: '<templated>' } } });
      expect(text).toContain('"password":{{ .token | toJson }}');
      expect(text).toContain('"auth":{{ printf "%s:%s" "robot$k8s-robot" .token | b64enc | toJson }}');
    });

    it('passes a stored .dockerconfigjson through, and a JSON property when the secret is an object', () => {
      const site = loadSite(siteVariantFile({ pullSecrets: { username: null, externalSecret: { format: 'dockerconfigjson', property: 'config' } } }));
      const es = synth(site).find((o) => o.kind === 'ExternalSecret');
      expect(es.spec.data).toEqual([{ secretKey: 'dockerconfigjson', remoteRef: { key: 'harbor/robot-k8s-robot', property: 'config' } }]);
      expect(es.spec.target.template.data).toEqual({ '.dockerconfigjson': '{{ .dockerconfigjson | toString }}' });
    });

    it('needs the secret key, and the robot name for format token', () => {
      const file = siteVariantFile({ pullSecrets: { username: null, externalSecret: { key: null } } });
      expect(() => loadSite(file)).toThrow(
        [
          `${file}: pullSecrets.externalSecret.key: is required in mode externalSecret: the name or ARN of the AWS Secrets Manager secret with the robot credential`,
          `${file}: pullSecrets.username: is required with pullSecrets.externalSecret.format "token": the Harbor robot account (robot$<project>+<name>) whose token the secret holds`,
        ].join('\n'),
      );
    });
  });

  it('refuse a username that is not a Harbor 2.x robot account', () => {
    for (const good of ['robot$k8s-robot', 'robot$library+puller', 'robot$ml.team+ci_pull']) {
      expect(loadSite(siteVariantFile({ pullSecrets: { username: good } })).config.pullSecrets.username).toBe(good);
    }
    for (const bad of ['admin', 'robot$', 'robot$Library+Puller', 'robot-k8s', 'robot$+puller']) {
      const file = siteVariantFile({ pullSecrets: { username: bad } });
      expect(() => loadSite(file), bad).toThrow(
        `${file}: pullSecrets.username: must be a Harbor 2.x robot account name: robot$<project>+<name> (project robot) or robot$<name> (system robot), lowercase (got ${JSON.stringify(bad)})`,
      );
    }
  });

  it('disabled: the chart renders nothing, not even the ClusterSecretStore', () => {
    expect(synth(loadSite(siteVariantFile({ pullSecrets: { enabled: false } })))).toEqual([]);
  });

  it('plain mode without the credentials the loader reads is a bug the chart refuses to render around', () => {
    const site = plainSite();
    expect(synth(site).map((o) => o.kind)).toContain('Secret');
    const without: Site = { ...site, inputs: { ...site.inputs, plainPullCredentials: undefined } };
    expect(() => synth(without)).toThrow('registry-credentials: plain mode without credentials from the loader');
  });

  describe('mode sealedSecret', () => {
    it('renders one SealedSecret per namespace with its own ciphertext', () => {
      const objects = synth(sealedSite());
      expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(
        pullSecretNamespaces(example.config).map((ns) => `SealedSecret ${ns}/harbor-registry`),
      );
      for (const o of objects) {
        expect(o.apiVersion).toBe('bitnami.com/v1alpha1');
        expect(o.spec.encryptedData).toEqual({ '.dockerconfigjson': CIPHERTEXT(o.metadata.namespace) });
        expect(o.spec.template).toEqual({ type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'harbor-registry', namespace: o.metadata.namespace } });
        expect(o.metadata.annotations).toBeUndefined();
      }
    });

    it('cluster-wide scope: the same ciphertext everywhere, with the cluster-wide annotation', () => {
      for (const o of synth(sealedSite('clusterWide'))) {
        expect(o.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/cluster-wide': 'true' });
        expect(o.spec.encryptedData['.dockerconfigjson']).toBe(CIPHERTEXT('all'));
      }
    });

    it('names every namespace without ciphertext, and ciphertext for a namespace without the secret', () => {
      const [first, ...rest] = pullSecretNamespaces(example.config);
      const file = siteVariantFile({
        pullSecrets: { mode: 'sealedSecret', sealedSecret: { encryptedData: Object.fromEntries([...rest, 'other'].map((ns) => [ns, CIPHERTEXT(ns)])) } },
      });
      expect(() => loadSite(file)).toThrow(
        [
          `${file}: ${formatPath(['pullSecrets', 'sealedSecret', 'encryptedData', first], 'config')}: is missing: namespace ${first} needs its own ciphertext (kubeseal --scope strict --namespace ${first} --name harbor-registry)`,
          `${file}: pullSecrets.sealedSecret.encryptedData.other: namespace other does not get the pull secret (it gets: ${pullSecretNamespaces(example.config).join(', ')}); add it to pullSecrets.namespaces or remove this entry`,
        ].join('\n'),
      );
    });

    it('refuses a plain value where kubeseal output belongs', () => {
      const file = siteVariantFile({ pullSecrets: { mode: 'sealedSecret', sealedSecret: { scope: 'clusterWide', clusterWideEncryptedData: '{"auths":{}}' } } });
      expect(() => loadSite(file)).toThrow(/pullSecrets\.sealedSecret\.clusterWideEncryptedData: must be kubeseal output/);
    });
  });

  describe('mode plain (opted in)', () => {
    it('writes the environment credentials as dockerconfigjson Secrets, and lets the validator accept them', () => {
      const site = plainSite();
      const objects = synth(site);
      expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}`)).toEqual(pullSecretNamespaces(site.config).map((ns) => `Secret ${ns}`));
      const config = JSON.parse(Buffer.from(objects[0].data['.dockerconfigjson'], 'base64').toString());
      expect(config).toEqual({
        auths: { 'harbor.yourdomain.com': { username: 'robot$k8s-robot', password: TOKEN, auth: Buffer.from(`robot$k8s-robot:${TOKEN}`).toString('base64') } },
      });
      expect(objects[0].type).toBe('kubernetes.io/dockerconfigjson');
      expect(validationContext(site).allowPlainCredentials).toBe(true);
      expect(validationContext(example).allowPlainCredentials).toBe(false);
    });

    it('without the opt-in flag the validator would reject the same Secrets', () => {
      const site = plainSite();
      const result = renderSite(site, CHARTS.filter((c) => c.id === 'namespaces' || c.id === 'registry-credentials'));
      const findings = validateFiles(result.files, { ...validationContext(site), allowPlainCredentials: false });
      expect(findings.filter((f) => f.check === 'plaintext-credential').length).toBe(pullSecretNamespaces(site.config).length);
    });
  });

  describe('no credential in dist/', () => {
    /** Every written byte of a site, and the token in every encoding a manifest could carry it. */
    function leaks(site: string): string[] {
      const build = buildSite(site, registry, { env: ENV, validate: false });
      const text = build.output.map((f) => f.content).join('\n');
      const forms = [TOKEN, Buffer.from(TOKEN).toString('base64'), Buffer.from(`robot$k8s-robot:${TOKEN}`).toString('base64')];
      const base64Config = [...text.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)].map((m) => Buffer.from(m[0], 'base64').toString('latin1')).join('\n');
      return forms.filter((f) => text.includes(f) || base64Config.includes(f));
    }

    it('mode externalSecret and sealedSecret write none, even with the variables set', () => {
      expect(leaks('sites/example.yaml')).toEqual([]);
      const sealed = siteVariantFile({
        pullSecrets: { mode: 'sealedSecret', sealedSecret: { encryptedData: Object.fromEntries(pullSecretNamespaces(example.config).map((ns) => [ns, CIPHERTEXT(ns)])) } },
      });
      expect(leaks(sealed)).toEqual([]);
    });

    it('the scan finds the token when plain mode does write it (the test can fail)', () => {
      expect(leaks(siteVariantFile({ pullSecrets: { mode: 'plain', plain: { iUnderstandTheSecretIsWrittenToDist: true } } })).length).toBeGreaterThan(0);
    });
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)('every mode passes strict validation for Kubernetes %s', (version) => {
    for (const site of [example, sealedSite(), sealedSite('clusterWide'), plainSite()]) {
      expect(findingsOf(atVersion(site, version), ['registry-credentials'])).toEqual([]);
    }
  });
});
