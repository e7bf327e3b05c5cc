import { Type } from '@sinclair/typebox';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../core/versions';
import { Cidr, DnsLabel, ERROR_KEYWORD, Section } from './common';

/** Identity of the site and the cluster, and the networks whose overlap the semantic checks test. */
export const clusterProperties = {
  name: DnsLabel({ description: 'Site name: a DNS-1123 label; the output folder is dist/<name>/.' }),
  kubernetesVersion: Type.Union(
    SUPPORTED_KUBERNETES_VERSIONS.map((v) => Type.Literal(v)),
    {
      description: `Target Kubernetes minor of the EKS cluster, as a string (${SUPPORTED_KUBERNETES_VERSIONS.join(', ')}).`,
      [ERROR_KEYWORD]: `unsupported Kubernetes version; supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')} (write it as a quoted string)`,
    },
  ),
  cluster: Section(
    {
      name: Type.String({
        pattern: '^[0-9A-Za-z][A-Za-z0-9\\-_]*$',
        maxLength: 100,
        description: 'EKS cluster name (letters, digits, "-" and "_", starting with a letter or digit).',
        [ERROR_KEYWORD]: 'must be an EKS cluster name: letters, digits, "-" and "_", starting with a letter or digit, at most 100 characters',
      }),
      region: Type.String({
        pattern: '^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d$',
        description: 'AWS region of the cluster, e.g. ap-northeast-2.',
        [ERROR_KEYWORD]: 'must be an AWS region such as ap-northeast-2',
      }),
    },
    { default: undefined, description: 'The EKS cluster the site belongs to.' },
  ),
  networks: Section(
    {
      vpc: Cidr({ description: 'CIDR of the cluster VPC.' }),
      remoteNodeNetworks: Type.Array(Cidr(), {
        minItems: 1,
        description: 'On-prem networks the hybrid nodes live in (EKS remoteNodeNetworks).',
      }),
      remotePodNetworks: Type.Array(Cidr(), {
        minItems: 1,
        description: 'Pod networks of the hybrid nodes (EKS remotePodNetworks); must be routable from the VPC for webhooks.',
      }),
      serviceNetwork: Cidr({ description: 'Kubernetes service CIDR (EKS serviceIpv4Cidr).' }),
    },
    { default: undefined, description: 'Networks of the cluster; no two may overlap.' },
  ),
};
