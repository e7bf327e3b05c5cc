import { Chart } from 'cdk8s';
import type { Secret } from 'kubernetes-types/core/v1';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../lib/config/schema';
import type { PlainPullCredentials } from '../lib/site/inputs';
import { emit, type Typed } from '../lib/render/k8s';
import type { Manifest } from '../lib/core/manifest';
import { pullSecretName, pullSecretNamespaces } from '../lib/model/pull-secrets';
import type { Site } from '../lib/site/site';

export interface RegistryCredentialsChartProps {
  /** The site whose pull-secret mode, namespaces and registry decide what is rendered. */
  readonly site: Site;
}

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';

/**
 * ESO template (engine v2, Go templates with sprig) that builds a .dockerconfigjson from the robot
 * name in the config and the token ESO read: `toJson` quotes and escapes, `b64enc` makes the `auth`
 * field registries expect. Emitted literally: nothing between us and ESO interprets `{{ }}`.
 */
function tokenTemplate(registry: string, username: string): string {
  const user = JSON.stringify(username);
  return `{"auths":{${JSON.stringify(registry)}:{"username":${user},"password":{{ .token | toJson }},"auth":{{ printf "%s:%s" ${user} .token | b64enc | toJson }}}}}`;
}

/** Mode externalSecret: one ClusterSecretStore for AWS Secrets Manager, one ExternalSecret per namespace. */
function externalSecrets(config: SiteConfig, namespaces: readonly string[]): Manifest[] {
  const es = config.pullSecrets.externalSecret;
  const name = pullSecretName(config);
  const store: Manifest = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: es.storeName },
    spec: {
      provider: {
        aws: {
          service: 'SecretsManager',
          region: es.region ?? config.cluster.region,
          ...(es.auth === 'serviceAccount' ? { auth: { jwt: { serviceAccountRef: { name: es.serviceAccount.name, namespace: es.serviceAccount.namespace } } } } : {}),
        },
      },
      // Only the namespaces that get the pull secret may read through this store: it can read the
      // robot token, and any ExternalSecret elsewhere could otherwise ask for it.
      conditions: [{ namespaces: [...namespaces] }],
    },
  };
  // Stryker disable next-line StringLiteral: equivalent, never used: the config checks require externalSecret.key in this mode
  const remoteRef = { key: es.key ?? '', ...(es.property ? { property: es.property } : {}) };
  const secretKey = es.format === 'token' ? 'token' : 'dockerconfigjson';
  const template =
    // Stryker disable next-line StringLiteral: equivalent, never used: the config checks require pullSecrets.username for format token
    es.format === 'token' ? tokenTemplate(config.registry.hostname, config.pullSecrets.username ?? '') : '{{ .dockerconfigjson | toString }}';
  const perNamespace = namespaces.map(
    (namespace): Manifest => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace },
      spec: {
        refreshInterval: es.refreshInterval,
        secretStoreRef: { kind: 'ClusterSecretStore', name: es.storeName },
        target: {
          name,
          creationPolicy: 'Owner',
          template: { type: DOCKERCONFIGJSON, engineVersion: 'v2', data: { '.dockerconfigjson': template } },
        },
        data: [{ secretKey, remoteRef }],
      },
    }),
  );
  return [store, ...perNamespace];
}

/** Mode sealedSecret: the kubeseal output from the config, one SealedSecret per namespace (a SealedSecret is namespaced). */
function sealedSecrets(config: SiteConfig, namespaces: readonly string[]): Manifest[] {
  const sealed = config.pullSecrets.sealedSecret;
  const name = pullSecretName(config);
  return namespaces.map((namespace) => {
    const clusterWide = sealed.scope === 'clusterWide';
    return {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: {
        name,
        namespace,
        ...(clusterWide ? { annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } } : {}),
      },
      spec: {
        // Stryker disable next-line StringLiteral: equivalent, never used: the config checks require the cluster-wide ciphertext, or one for every namespace, in this mode
        encryptedData: { '.dockerconfigjson': clusterWide ? sealed.clusterWideEncryptedData ?? '' : sealed.encryptedData[namespace] ?? '' },
        template: { type: DOCKERCONFIGJSON, metadata: { name, namespace } },
      },
    };
  });
}

/** Mode plain (opted in): the credentials the loader read from the environment, as ordinary Secrets. */
function plainSecrets(config: SiteConfig, namespaces: readonly string[], credentials: PlainPullCredentials): Secret[] {
  const { username, password } = credentials;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const dockerconfig = JSON.stringify({ auths: { [config.registry.hostname]: { username, password, auth } } });
  return namespaces.map((namespace) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: pullSecretName(config), namespace },
    type: DOCKERCONFIGJSON,
    data: { '.dockerconfigjson': Buffer.from(dockerconfig).toString('base64') },
  }));
}

/**
 * The Harbor pull secret (kubernetes.io/dockerconfigjson, one name everywhere) in every namespace of
 * `pullSecretNamespaces`, made by External Secrets Operator, Sealed Secrets, or, with an explicit
 * opt-in, written in plain. Workloads reference it through `imagePullSecrets` from lib/model/pull-secrets.ts.
 */
export class RegistryCredentialsChart extends Chart {
  constructor(scope: Construct, id: string, props: RegistryCredentialsChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config, inputs } = props.site;
    const namespaces = pullSecretNamespaces(config);
    if (namespaces.length === 0) return;
    const mode = config.pullSecrets.mode;
    if (mode === 'plain' && !inputs.plainPullCredentials) {
      // The loader refuses plain mode without its opt-in and both variables; reaching this is a bug.
      throw new Error('registry-credentials: plain mode without credentials from the loader');
    }
    const objects =
      mode === 'externalSecret'
        ? externalSecrets(config, namespaces)
        : mode === 'sealedSecret'
          ? sealedSecrets(config, namespaces)
          : (plainSecrets(config, namespaces, inputs.plainPullCredentials!) as Typed<Secret>[]);
    for (const object of objects) emit(this, object);
  }
}
