import { Type, type SchemaOptions } from '@sinclair/typebox';
import { Closed, DNS1123_SUBDOMAIN, DNS_HOSTNAME, DnsLabel, Enabled, ERROR_KEYWORD, Hostname, Image, Ipv4, Section } from './common';

/**
 * Harbor 2.x robot account names with the default `robot$` prefix: a project robot is
 * `robot$<project>+<name>`, a system robot (Harbor ≥ 2.2, level "system") is `robot$<name>`.
 */
export const ROBOT_NAME_PATTERN = '^robot\\$([a-z0-9]+(?:[._-][a-z0-9]+)*\\+)?[a-z0-9]+(?:[._-][a-z0-9]+)*$';
export const ROBOT_NAME_MESSAGE =
  'must be a Harbor 2.x robot account name: robot$<project>+<name> (project robot) or robot$<name> (system robot), lowercase';

/** Names of environment variables the loader may read (POSIX shell syntax). */
const EnvName = (options: SchemaOptions) =>
  Type.String({
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    [ERROR_KEYWORD]: 'must be an environment variable name: letters, digits and "_", not starting with a digit',
    ...options,
  });

const ObjectName = (options: SchemaOptions) =>
  Type.String({
    pattern: DNS1123_SUBDOMAIN,
    maxLength: 253,
    [ERROR_KEYWORD]: 'must be a Kubernetes object name: lowercase letters, digits, "-" and "."',
    ...options,
  });

/** A Go duration as ESO reads it (`1h`, `30m`, `1h30m`). */
const Duration = (options: SchemaOptions) =>
  Type.String({
    pattern: '^([0-9]+(ns|us|ms|s|m|h))+$',
    [ERROR_KEYWORD]: 'must be a duration such as 1h, 30m or 1h30m',
    ...options,
  });

/** kubeseal output: base64 of the encrypted value. */
const Ciphertext = (options: SchemaOptions = {}) =>
  Type.String({
    pattern: '^[A-Za-z0-9+/]{16,}={0,2}$',
    [ERROR_KEYWORD]: 'must be kubeseal output (base64 ciphertext, usually starting with "Ag"), not a plain value',
    ...options,
  });

/** Harbor registry, in-cluster DNS and everything that makes nodes and pods trust and pull from Harbor. */
export const registryProperties = {
  registry: Section(
    {
      hostname: Hostname({ description: 'Hostname of the private Harbor registry, as in image references.' }),
      ip: Ipv4({ description: 'IPv4 address of the Harbor registry (used for the CoreDNS hosts entry).' }),
      proxyCache: Type.Record(Type.String({ pattern: `${DNS_HOSTNAME.slice(0, -1)}(:[0-9]{1,5})?$`, maxLength: 253 }), Type.String({ pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' }), {
        default: {},
        description:
          'Harbor proxy-cache projects by upstream registry, e.g. {"nvcr.io": "nvcr-proxy", "docker.io": "dockerhub-proxy"}: every image of those registries is pulled through <hostname>/<project>/… instead.',
      }),
      caFile: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            'PEM file with the CA certificate(s) that signed Harbor\'s certificate, relative to the site file that sets it (or absolute). Public part only: a file holding a private key is refused.',
        }),
      ),
    },
    { default: undefined, description: 'The private Harbor registry.' },
  ),
  dns: Section(
    {
      stubZones: Type.Array(
        Closed({
          zone: Hostname({ description: 'DNS zone served on-prem, e.g. company.local.' }),
          servers: Type.Array(Ipv4(), { minItems: 1, maxItems: 15, description: 'On-prem DNS servers for the zone (CoreDNS forward takes at most 15).' }),
        }),
        { default: [], description: 'On-prem DNS zones that CoreDNS forwards to on-prem servers.' },
      ),
      hosts: Type.Array(
        Closed({
          ip: Ipv4({ description: 'Address the names resolve to.' }),
          names: Type.Array(Hostname(), { minItems: 1, description: 'Hostnames that resolve to the address.' }),
        }),
        {
          default: [],
          description: 'Extra CoreDNS hosts entries besides the registry (registry.hostname → registry.ip is always added). Pods only: nodes do not use CoreDNS.',
        },
      ),
    },
    { description: 'In-cluster DNS additions.' },
  ),
  coredns: Section(
    {
      enabled: Enabled(true, 'the Corefile with the registry hosts entry and the stub zones'),
      managedBy: Type.Union([Type.Literal('self'), Type.Literal('eksAddon')], {
        default: 'self',
        description:
          'Who owns the kube-system/coredns ConfigMap: "self" (self-managed CoreDNS: the ConfigMap is applied from dist/) or "eksAddon" (the EKS CoreDNS add-on: only addons/coredns-configuration-values.json is written, for `aws eks update-addon --configuration-values`).',
        [ERROR_KEYWORD]: 'must be "self" or "eksAddon"',
      }),
    },
    { description: 'CoreDNS configuration.' },
  ),
  pullSecrets: Section(
    {
      enabled: Enabled(true, 'the Harbor pull secret in every namespace that runs pods'),
      name: ObjectName({ default: 'harbor-registry', description: 'Name of the kubernetes.io/dockerconfigjson Secret, the same in every namespace.' }),
      namespaces: Type.Optional(
        Type.Array(DnsLabel(), {
          uniqueItems: true,
          description: 'Namespaces that get the secret. Default: every namespace the site renders that runs pods. Each must exist on the cluster.',
        }),
      ),
      includeKubeSystem: Type.Boolean({ default: false, description: 'Also put the secret into kube-system (needed when kube-system pods pull private Harbor projects).' }),
      username: Type.Optional(
        Type.String({
          pattern: ROBOT_NAME_PATTERN,
          [ERROR_KEYWORD]: ROBOT_NAME_MESSAGE,
          description: 'Harbor robot account the secret logs in as (not a secret). Required by externalSecret mode with format "token".',
        }),
      ),
      mode: Type.Union([Type.Literal('externalSecret'), Type.Literal('sealedSecret'), Type.Literal('plain')], {
        default: 'externalSecret',
        description:
          'Where the robot token comes from: externalSecret (External Secrets Operator reads AWS Secrets Manager), sealedSecret (kubeseal output in this file), plain (environment variables at synth time; the token is written to dist/).',
        [ERROR_KEYWORD]: 'must be one of externalSecret, sealedSecret, plain',
      }),
      externalSecret: Section(
        {
          storeName: ObjectName({ default: 'aws-secrets-manager', description: 'Name of the ClusterSecretStore that reads AWS Secrets Manager.' }),
          region: Type.Optional(
            Type.String({
              pattern: '^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d$',
              [ERROR_KEYWORD]: 'must be an AWS region such as ap-northeast-2',
              description: 'Region of the Secrets Manager secret. Default: cluster.region.',
            }),
          ),
          key: Type.Optional(Type.String({ minLength: 1, description: 'Name or ARN of the Secrets Manager secret, e.g. harbor/robot-k8s-pull.' })),
          property: Type.Optional(Type.String({ minLength: 1, description: 'JSON key inside the secret value (when the secret is a JSON object), e.g. token.' })),
          format: Type.Union([Type.Literal('token'), Type.Literal('dockerconfigjson')], {
            default: 'token',
            description:
              'What the secret value holds: "token" (the robot secret only; the username comes from pullSecrets.username) or "dockerconfigjson" (a complete .dockerconfigjson document).',
            [ERROR_KEYWORD]: 'must be "token" or "dockerconfigjson"',
          }),
          refreshInterval: Duration({ default: '1h', description: 'How often ESO re-reads the secret (Harbor robot tokens expire, 30 days by default).' }),
          auth: Type.Union([Type.Literal('serviceAccount'), Type.Literal('controller')], {
            default: 'serviceAccount',
            description:
              'How ESO authenticates to AWS: "serviceAccount" (a token of pullSecrets.externalSecret.serviceAccount whose IAM role is bound with IRSA) or "controller" (the ESO controller\'s own credentials, e.g. an EKS Pod Identity association).',
            [ERROR_KEYWORD]: 'must be "serviceAccount" or "controller"',
          }),
          serviceAccount: Section(
            {
              name: ObjectName({ default: 'external-secrets', description: 'Service account whose IAM role may read the secret.' }),
              namespace: DnsLabel({ default: 'external-secrets', description: 'Namespace of that service account.' }),
            },
            { description: 'Service account for auth "serviceAccount".' },
          ),
        },
        { description: 'Settings of mode externalSecret.' },
      ),
      sealedSecret: Section(
        {
          scope: Type.Union([Type.Literal('strict'), Type.Literal('clusterWide')], {
            default: 'strict',
            description: 'kubeseal --scope used to seal: strict (one ciphertext per namespace) or clusterWide (one ciphertext for all).',
            [ERROR_KEYWORD]: 'must be "strict" or "clusterWide"',
          }),
          encryptedData: Type.Record(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }), Ciphertext(), {
            default: {},
            description: 'Scope strict: the sealed .dockerconfigjson per namespace (kubeseal --scope strict --namespace <ns> --name <pullSecrets.name>).',
          }),
          clusterWideEncryptedData: Type.Optional(Ciphertext({ description: 'Scope clusterWide: the sealed .dockerconfigjson (kubeseal --scope cluster-wide).' })),
        },
        { description: 'Settings of mode sealedSecret.' },
      ),
      plain: Section(
        {
          iUnderstandTheSecretIsWrittenToDist: Type.Boolean({
            default: false,
            description: 'Opt-in for mode plain: the robot token is written base64-encoded (not encrypted) into dist/. Never commit such a dist/.',
          }),
          usernameEnv: EnvName({ default: 'HARBOR_USERNAME', description: 'Environment variable holding the robot account name at synth time.' }),
          passwordEnv: EnvName({ default: 'HARBOR_PASSWORD', description: 'Environment variable holding the robot token at synth time.' }),
        },
        { description: 'Settings of mode plain.' },
      ),
    },
    { description: 'Harbor pull credentials for workloads.' },
  ),
  registryCaTrust: Section(
    {
      enabled: Enabled(true, 'the DaemonSet that makes containerd on hybrid nodes trust registry.caFile'),
      installerImage: Image('docker.io/library/busybox:1.37.0', 'Image of the init container that writes the files (needs sh, cmp, cp, mv).'),
      pauseImage: Image('registry.k8s.io/pause:3.10', 'Image of the container that keeps the pod running after the init containers.'),
      systemTrust: Section(
        {
          enabled: Type.Boolean({
            default: false,
            description:
              'Also install the CA into the host trust store (for host tools such as curl; containerd does not need it). Costs a privileged init container with hostPID.',
          }),
          osFamily: Type.Union([Type.Literal('debian'), Type.Literal('rhel')], {
            default: 'debian',
            description: 'Trust-store layout of the hybrid nodes: debian (Ubuntu: update-ca-certificates) or rhel (RHEL, Amazon Linux 2023: update-ca-trust).',
            [ERROR_KEYWORD]: 'must be "debian" or "rhel"',
          }),
        },
        { description: 'Host trust store installation.' },
      ),
    },
    { description: 'Registry CA on hybrid nodes (containerd certs.d).' },
  ),
  harborTest: Section(
    {
      enabled: Enabled(true, 'the harbor-test Pod that pulls from Harbor with the pull secret'),
      image: Type.String({
        default: 'library/nginx:1.28.0',
        pattern: '^[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$',
        not: { pattern: ':latest$' },
        [ERROR_KEYWORD]: 'must be <project>/<repository>:<tag> inside the registry, pinned to a tag (never :latest)',
        description: 'Repository and tag inside the registry (pushed there beforehand); the Pod runs `nginx -v` from it, so it must be an nginx image.',
      }),
    },
    { description: 'Smoke test of Harbor pulls from hybrid nodes.' },
  ),
};
