import ipaddr from 'ipaddr.js';
import type { SiteConfig } from '../config/schema';
import { GPU_MODEL_LABEL } from '../model/placement';
import { configPath } from '../core/paths';
import type { Problem } from '../config/problems';

/** A check the JSON Schema cannot express. It sees a schema-valid, defaulted config. */
export type SemanticCheck = (config: SiteConfig) => Problem[];

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes label key syntax: optional DNS-subdomain prefix (≤ 253) + "/" + name (≤ 63). */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  // without a "/", lastIndexOf is -1 and the name is the whole key
  const name = key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'label key prefix must be a DNS subdomain (lowercase, dots and "-"), at most 253 characters';
  }
  // LABEL_NAME needs at least one character, so an empty name fails it
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return 'label key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Kubernetes label value syntax: empty, or ≤ 63 characters like a label name. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return 'label value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** One problem per invalid key and per invalid value of a label map, each at `<path>.<key>`. */
export function labelMapProblems(path: readonly (string | number)[], labels: Record<string, string>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) problems.push({ path: configPath([...path, key]), message: keyProblem, value: key });
    const valueProblem = labelValueProblem(value);
    if (valueProblem) problems.push({ path: configPath([...path, key]), message: valueProblem, value });
  }
  return problems;
}

interface NamedCidr {
  readonly path: string;
  readonly cidr: string;
}

function siteCidrs(config: SiteConfig): NamedCidr[] {
  const n = config.networks;
  return [
    { path: 'networks.vpc', cidr: n.vpc },
    ...n.remoteNodeNetworks.map((cidr, i) => ({ path: `networks.remoteNodeNetworks[${i}]`, cidr })),
    ...n.remotePodNetworks.map((cidr, i) => ({ path: `networks.remotePodNetworks[${i}]`, cidr })),
    { path: 'networks.serviceNetwork', cidr: n.serviceNetwork },
  ];
}

/** Each CIDR parses, has no host bits set, and no two of the site's networks overlap. */
export const checkNetworks: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const parsed: { path: string; cidr: string; range: [ipaddr.IPv4, number] }[] = [];
  for (const { path, cidr } of siteCidrs(config)) {
    let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      range = ipaddr.parseCIDR(cidr);
    } catch {
      problems.push({ path, message: 'is not a valid IPv4 CIDR (octets 0-255, prefix 0-32)', value: cidr });
      continue;
    }
    const [addr, bits] = range;
    if (addr.kind() !== 'ipv4') {
      problems.push({ path, message: 'must be an IPv4 CIDR', value: cidr });
      continue;
    }
    const base = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
    if (base !== addr.toString()) {
      problems.push({ path, message: `has host bits set; the network is ${base}/${bits}`, value: cidr });
      continue;
    }
    parsed.push({ path, cidr, range: [addr as ipaddr.IPv4, bits] });
  }
  parsed.forEach((a, i) => {
    for (const b of parsed.slice(i + 1)) {
      // two CIDRs overlap exactly when one holds the other's network address
      if (a.range[0].match(b.range) || b.range[0].match(a.range)) {
        problems.push({ path: b.path, message: `overlaps ${a.path} (${a.cidr})`, value: b.cidr, related: [a.path] });
      }
    }
  });
  return problems;
};

/** Pool names are unique; pool labels and taints use valid Kubernetes label syntax. */
export const checkNodePools: SemanticCheck = (config) => {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  config.nodePools.forEach((pool, i) => {
    const first = seen.get(pool.name);
    if (first !== undefined) {
      problems.push({ path: configPath(['nodePools', i, 'name']), message: `duplicate pool name; nodePools[${first}] has it already`, value: pool.name });
    } else {
      seen.set(pool.name, i);
    }
    problems.push(...labelMapProblems(['nodePools', i, 'labels'], pool.labels));
    const modelProblem = pool.gpu.model === undefined ? undefined : labelValueProblem(pool.gpu.model);
    if (modelProblem) problems.push({ path: configPath(['nodePools', i, 'gpu', 'model']), message: `${modelProblem} (it is the node label ${GPU_MODEL_LABEL})`, value: pool.gpu.model });
    pool.taints.forEach((taint, t) => {
      const keyProblem = labelKeyProblem(taint.key);
      if (keyProblem) problems.push({ path: configPath(['nodePools', i, 'taints', t, 'key']), message: keyProblem.replace('label key', 'taint key'), value: taint.key });
      const valueProblem = taint.value === undefined ? undefined : labelValueProblem(taint.value);
      if (valueProblem) problems.push({ path: configPath(['nodePools', i, 'taints', t, 'value']), message: valueProblem.replace('label value', 'taint value'), value: taint.value });
    });
  });
  return problems;
};
