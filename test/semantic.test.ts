import { describe, expect, it } from 'vitest';
import { labelKeyProblem, labelMapProblems, labelValueProblem } from '../lib/config/semantic';
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
