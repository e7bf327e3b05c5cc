import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../lib/config/schema';
import { checkNetworks, checkNodePools, labelKeyProblem, labelMapProblems, labelValueProblem } from '../lib/site/semantic';
import { problemsOf } from './helpers/gpu-site';

const KEY_NAME = 'label key name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
const KEY_PREFIX = 'label key prefix must be a DNS subdomain (lowercase, dots and "-"), at most 253 characters';
const VALUE = 'label value must be at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** A DNS subdomain of exactly `length` characters (labels of 63 joined by dots, the last one shorter). */
function subdomain(length: number): string {
  const labels: string[] = [];
  let left = length;
  while (left > 0) {
    const take = Math.min(63, left);
    labels.push('a'.repeat(take));
    left -= take + 1;
  }
  const name = labels.join('.');
  expect(name).toHaveLength(length);
  return name;
}

describe('label key syntax at both edges (issue 21)', () => {
  it('name: 1 to 63 characters', () => {
    expect(labelKeyProblem('a')).toBeUndefined();
    expect(labelKeyProblem('a'.repeat(63))).toBeUndefined();
    expect(labelKeyProblem('a'.repeat(64))).toBe(KEY_NAME);
    expect(labelKeyProblem('')).toBe(KEY_NAME);
    expect(labelKeyProblem('example.com/')).toBe(KEY_NAME);
    expect(labelKeyProblem(`example.com/${'a'.repeat(63)}`)).toBeUndefined();
    expect(labelKeyProblem(`example.com/${'a'.repeat(64)}`)).toBe(KEY_NAME);
  });

  it('name: letters, digits, "-", "_" and ".", starting and ending with a letter or digit', () => {
    expect(labelKeyProblem('Gpu_Model-2.x')).toBeUndefined();
    for (const bad of ['-gpu', 'gpu-', '.gpu', 'gpu.', '_gpu', 'gpu_', 'g pu', 'gpu!']) expect(labelKeyProblem(bad), bad).toBe(KEY_NAME);
  });

  it('prefix: a DNS subdomain of at most 253 characters, split at the last "/"', () => {
    expect(labelKeyProblem(`${subdomain(253)}/gpu`)).toBeUndefined();
    expect(labelKeyProblem(`${subdomain(254)}/gpu`)).toBe(KEY_PREFIX);
    expect(labelKeyProblem('nvidia.com/gpu')).toBeUndefined();
    // one-character labels anywhere in the prefix
    for (const ok of ['a/gpu', 'example.a/gpu', 'a.b.c/gpu', 'x-1.example.com/gpu']) expect(labelKeyProblem(ok), ok).toBeUndefined();
    for (const bad of ['Example.com/gpu', '/gpu', '-example.com/gpu', 'example-.com/gpu', 'example..com/gpu', 'ex_ample.com/gpu', 'a/b/gpu']) {
      expect(labelKeyProblem(bad), bad).toBe(KEY_PREFIX);
    }
  });
});

describe('label value syntax at both edges (issue 21)', () => {
  it('empty, or 1 to 63 characters like a label name', () => {
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('a')).toBeUndefined();
    expect(labelValueProblem('a'.repeat(63))).toBeUndefined();
    expect(labelValueProblem('a'.repeat(64))).toBe(VALUE);
    for (const bad of ['-h100', 'h100-', 'h 100', 'a/b']) expect(labelValueProblem(bad), bad).toBe(VALUE);
  });

  it('a label map reports each bad key and each bad value at its own path', () => {
    expect(labelMapProblems(['nodePools', 0, 'labels'], { ok: 'fine', 'a b': 'x', good: '-bad', '-both': 'bad-' })).toEqual([
      { path: 'nodePools[0].labels["a b"]', message: KEY_NAME, value: 'a b' },
      { path: 'nodePools[0].labels.good', message: VALUE, value: '-bad' },
      { path: 'nodePools[0].labels["-both"]', message: KEY_NAME, value: '-both' },
      { path: 'nodePools[0].labels["-both"]', message: VALUE, value: 'bad-' },
    ]);
  });
});

describe('node pool labels and taints through the loader (issue 21)', () => {
  it('rejects a 64-character label key and accepts a 63-character one, naming the field', () => {
    const long = 'a'.repeat(64);
    expect(problemsOf((doc) => (doc.nodePools[0].labels[long] = 'x'))).toEqual([{ path: `nodePools[0].labels.${long}`, message: KEY_NAME, value: long }]);
    expect(problemsOf((doc) => (doc.nodePools[0].labels['a'.repeat(63)] = 'x'))).toEqual([]);
  });

  it('rejects a 64-character taint key or value and accepts 63 characters', () => {
    const taint = (key: string) => (doc: Record<string, any>) => doc.nodePools[0].taints.push({ key, effect: 'NoSchedule' });
    expect(problemsOf(taint('a'.repeat(64))).map((p) => `${p.path}: ${p.message}`)).toEqual([`nodePools[0].taints[1].key: ${KEY_NAME.replace('label key', 'taint key')}`]);
    expect(problemsOf(taint('a'.repeat(63)))).toEqual([]);
    const value = (v: string) => (doc: Record<string, any>) => doc.nodePools[0].taints.push({ key: 'example.com/x', value: v, effect: 'NoSchedule' });
    expect(problemsOf(value('a'.repeat(64)))).toEqual([{ path: 'nodePools[0].taints[1].value', message: VALUE.replace('label value', 'taint value'), value: 'a'.repeat(64) }]);
    expect(problemsOf(value('a'.repeat(63)))).toEqual([]);
  });
});

/** Only the networks section: checkNetworks reads nothing else. */
function networks(n: { vpc?: string; remoteNodeNetworks?: string[]; remotePodNetworks?: string[]; serviceNetwork?: string }): SiteConfig {
  return {
    networks: { vpc: '10.0.0.0/16', remoteNodeNetworks: ['192.168.0.0/16'], remotePodNetworks: ['10.244.0.0/16'], serviceNetwork: '10.96.0.0/16', ...n },
  } as unknown as SiteConfig;
}

describe('checkNetworks (issue 21)', () => {
  it('accepts disjoint networks, including adjacent ones', () => {
    expect(checkNetworks(networks({}))).toEqual([]);
    expect(checkNetworks(networks({ remoteNodeNetworks: ['10.1.0.0/16', '10.2.0.0/16'] }))).toEqual([]);
  });

  it('names each unparsable, IPv6 or host-bits CIDR at its path, and keeps checking the rest', () => {
    expect(checkNetworks(networks({ vpc: '10.0.0.0/33', remoteNodeNetworks: ['fd00::/64', '192.168.1.1/16'], serviceNetwork: 'nope' }))).toEqual([
      { path: 'networks.vpc', message: 'is not a valid IPv4 CIDR (octets 0-255, prefix 0-32)', value: '10.0.0.0/33' },
      { path: 'networks.remoteNodeNetworks[0]', message: 'must be an IPv4 CIDR', value: 'fd00::/64' },
      { path: 'networks.remoteNodeNetworks[1]', message: 'has host bits set; the network is 192.168.0.0/16', value: '192.168.1.1/16' },
      { path: 'networks.serviceNetwork', message: 'is not a valid IPv4 CIDR (octets 0-255, prefix 0-32)', value: 'nope' },
    ]);
  });

  it('reports an overlap at the later network, naming the earlier one, whichever is larger', () => {
    // the later one inside the earlier one
    expect(checkNetworks(networks({ remotePodNetworks: ['10.0.128.0/17'] }))).toEqual([
      { path: 'networks.remotePodNetworks[0]', message: 'overlaps networks.vpc (10.0.0.0/16)', value: '10.0.128.0/17', related: ['networks.vpc'] },
    ]);
    // the earlier one inside the later one
    expect(checkNetworks(networks({ vpc: '10.96.1.0/24' }))).toEqual([
      { path: 'networks.serviceNetwork', message: 'overlaps networks.vpc (10.96.1.0/24)', value: '10.96.0.0/16', related: ['networks.vpc'] },
    ]);
    // the same network twice (equal prefix lengths)
    expect(checkNetworks(networks({ remoteNodeNetworks: ['192.168.0.0/16', '192.168.0.0/16'] }))).toEqual([
      { path: 'networks.remoteNodeNetworks[1]', message: 'overlaps networks.remoteNodeNetworks[0] (192.168.0.0/16)', value: '192.168.0.0/16', related: ['networks.remoteNodeNetworks[0]'] },
    ]);
  });

  it('checks every pair, not only neighbours', () => {
    expect(checkNetworks(networks({ remoteNodeNetworks: ['10.0.1.0/24', '192.168.0.0/16', '10.0.2.0/24'] })).map((p) => `${p.path} ${p.message}`)).toEqual([
      'networks.remoteNodeNetworks[0] overlaps networks.vpc (10.0.0.0/16)',
      'networks.remoteNodeNetworks[2] overlaps networks.vpc (10.0.0.0/16)',
    ]);
  });
});

describe('checkNodePools (issue 21)', () => {
  const pool = (name: string, extra: Record<string, unknown> = {}) => ({ name, labels: {}, taints: [], gpu: { mode: 'none', perNode: 0 }, ...extra });
  const pools = (...list: unknown[]) => ({ nodePools: list }) as unknown as SiteConfig;

  it('names every repeat of a pool name after the first, pointing at the first', () => {
    expect(checkNodePools(pools(pool('a'), pool('b'), pool('a'), pool('a')))).toEqual([
      { path: 'nodePools[2].name', message: 'duplicate pool name; nodePools[0] has it already', value: 'a' },
      { path: 'nodePools[3].name', message: 'duplicate pool name; nodePools[0] has it already', value: 'a' },
    ]);
    expect(checkNodePools(pools(pool('a'), pool('b')))).toEqual([]);
  });

  it('checks the GPU model as the node label value it becomes', () => {
    expect(checkNodePools(pools(pool('a', { gpu: { mode: 'devicePlugin', perNode: 8, model: 'H100 SXM' } })))).toEqual([
      { path: 'nodePools[0].gpu.model', message: `${VALUE} (it is the node label eks-hybrid-charts/gpu-model)`, value: 'H100 SXM' },
    ]);
    expect(checkNodePools(pools(pool('a', { gpu: { mode: 'devicePlugin', perNode: 8, model: 'H100-SXM' } })))).toEqual([]);
    expect(checkNodePools(pools(pool('a', { gpu: { mode: 'devicePlugin', perNode: 8, model: '' } })))).toEqual([]);
  });

  it('checks labels of every pool and taints without a value', () => {
    expect(checkNodePools(pools(pool('a'), pool('b', { labels: { 'x y': 'v' }, taints: [{ key: 'ok', effect: 'NoSchedule' }, { key: 'k', value: 'a b', effect: 'NoSchedule' }] })))).toEqual([
      { path: 'nodePools[1].labels["x y"]', message: KEY_NAME, value: 'x y' },
      { path: 'nodePools[1].taints[1].value', message: VALUE.replace('label value', 'taint value'), value: 'a b' },
    ]);
  });
});
