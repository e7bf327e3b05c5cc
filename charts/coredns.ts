import { Chart } from 'cdk8s';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../lib/config/schema';
import { emit, type Typed } from '../lib/render/k8s';
import type { OutputFile } from '../lib/render/render';
import type { Site } from '../lib/site/site';

export interface CorednsChartProps {
  /** The site whose registry, hosts entries and stub zones go into the Corefile. */
  readonly site: Site;
}

/** Where the Corefile goes for a site whose CoreDNS is the EKS add-on (`aws eks update-addon --configuration-values file://…`). */
export const COREDNS_ADDON_VALUES_FILE = 'addons/coredns-configuration-values.json';

interface ServerBlock {
  readonly zone: string;
  readonly forward: string;
  /** `ip name…` lines of the hosts plugin. */
  readonly hosts: string[];
}

/** Every name that gets a hosts entry: the registry first, then the configured extra entries. */
function hostEntries(config: SiteConfig): { ip: string; name: string }[] {
  const entries = [{ ip: config.registry.ip, name: config.registry.hostname }];
  for (const h of config.dns.hosts) for (const name of h.names) entries.push({ ip: h.ip, name });
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.name) ? false : (seen.add(e.name), true)));
}

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * CoreDNS answers a query from the server block of the most specific matching zone, so a hosts entry
 * for harbor.company.local in the `.:53` block would never be consulted while a company.local stub
 * zone exists: each entry goes into the block that receives its queries.
 */
function serverBlocks(config: SiteConfig): { root: ServerBlock; stubs: ServerBlock[] } {
  const root: ServerBlock = { zone: '.', forward: '/etc/resolv.conf', hosts: [] };
  const stubs = config.dns.stubZones.map((s): ServerBlock => ({ zone: s.zone, forward: s.servers.join(' '), hosts: [] }));
  for (const { ip, name } of hostEntries(config)) {
    const target = stubs.filter((b) => inZone(name, b.zone)).sort((a, b) => b.zone.length - a.zone.length)[0] ?? root;
    target.hosts.push(`${ip} ${name}`);
  }
  return { root, stubs };
}

function hostsPlugin(lines: readonly string[]): string[] {
  // fallthrough: names the block does not list keep resolving through the plugins after hosts.
  return lines.length === 0 ? [] : ['hosts {', ...lines.map((l) => `    ${l}`), '    fallthrough', '}'];
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `    ${l}`);
}

/**
 * The Corefile: EKS's default `.:53` block unchanged (the add-on's readiness probe needs `ready`,
 * `health` keeps its lameduck) plus a hosts block, and one server block per on-prem stub zone.
 */
export function corefile(config: SiteConfig): string {
  const { root, stubs } = serverBlocks(config);
  const rootBlock = [
    `${root.zone}:53 {`,
    ...indent([
      'errors',
      'health {',
      '    lameduck 5s',
      '}',
      'ready',
      'kubernetes cluster.local in-addr.arpa ip6.arpa {',
      '    pods insecure',
      '    fallthrough in-addr.arpa ip6.arpa',
      '}',
      ...hostsPlugin(root.hosts),
      'prometheus :9153',
      `forward . ${root.forward}`,
      'cache 30',
      'loop',
      'reload',
      'loadbalance',
    ]),
    '}',
  ];
  const stubBlocks = stubs.map((b) => [`${b.zone}:53 {`, ...indent(['errors', ...hostsPlugin(b.hosts), 'cache 30', `forward . ${b.forward}`, 'reload']), '}']);
  return `${[rootBlock, ...stubBlocks].map((b) => b.join('\n')).join('\n')}\n`;
}

/** The same Corefile as EKS CoreDNS add-on configuration values. */
export function corednsAddonValues(config: SiteConfig): OutputFile {
  return { path: COREDNS_ADDON_VALUES_FILE, content: `${JSON.stringify({ corefile: corefile(config) }, null, 2)}\n` };
}

/**
 * The kube-system/coredns ConfigMap of a self-managed CoreDNS, with the labels EKS gives it. The
 * `reload` plugin picks up the new Corefile without a restart once the kubelet has synced the volume.
 * With the EKS add-on nothing is rendered here: the add-on would overwrite the ConfigMap, so its
 * configuration values (written by `corednsAddonValues`) are the place for the Corefile.
 */
export class CorednsChart extends Chart {
  constructor(scope: Construct, id: string, props: CorednsChartProps) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    const { config } = props.site;
    if (config.coredns.managedBy !== 'self') return;
    emit<Typed<ConfigMap>>(this, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'coredns',
        namespace: 'kube-system',
        labels: { 'eks.amazonaws.com/component': 'coredns', 'k8s-app': 'kube-dns' },
      },
      data: { Corefile: corefile(config) },
    });
  }
}
