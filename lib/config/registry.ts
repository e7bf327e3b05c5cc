import { Type } from '@sinclair/typebox';
import { Closed, Hostname, Ipv4, Section } from './common';

/** Harbor registry, in-cluster DNS and everything that makes nodes and pods trust and pull from Harbor (issue 4). */
export const registryProperties = {
  registry: Section(
    {
      hostname: Hostname({ description: 'Hostname of the private Harbor registry, as in image references.' }),
      ip: Ipv4({ description: 'IPv4 address of the Harbor registry (used for the CoreDNS hosts entry).' }),
      proxyCache: Type.Record(Type.String({ pattern: '^[a-z0-9.-]+(:[0-9]+)?$' }), Type.String({ pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' }), {
        default: {},
        description:
          'Harbor proxy-cache projects by upstream registry, e.g. {"nvcr.io": "nvcr-proxy", "docker.io": "dockerhub-proxy"}: every image of those registries is pulled through <hostname>/<project>/… instead.',
      }),
      caFile: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'PEM file with the registry CA certificate, relative to the site file. Public part only.',
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
          servers: Type.Array(Ipv4(), { minItems: 1, description: 'On-prem DNS servers for the zone.' }),
        }),
        { default: [], description: 'On-prem DNS zones that CoreDNS forwards to on-prem servers.' },
      ),
    },
    { description: 'In-cluster DNS additions.' },
  ),
};
