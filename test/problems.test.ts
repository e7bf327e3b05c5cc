import { describe, expect, it } from 'vitest';
import { formatProblem, SiteConfigError } from '../lib/config/problems';
import { loadSite } from '../lib/site/site';

describe('formatProblem', () => {
  const line = (value: unknown) => formatProblem('site.yaml', { path: 'cost.hoursPerMonth', message: 'must be a number', value });

  it('names the file and the field path; no "(got …)" for a missing value', () => {
    expect(formatProblem('sites/a.yaml', { path: 'nodePools[0].gpu.mode', message: 'is required' })).toBe('sites/a.yaml: nodePools[0].gpu.mode: is required');
    expect(line(undefined)).toBe('site.yaml: cost.hoursPerMonth: must be a number');
  });

  it('shows the value as JSON: strings quoted, numbers, booleans, null, lists and mappings as written', () => {
    expect(line('730')).toBe('site.yaml: cost.hoursPerMonth: must be a number (got "730")');
    expect(line('')).toBe('site.yaml: cost.hoursPerMonth: must be a number (got "")');
    expect(line('a"b')).toBe('site.yaml: cost.hoursPerMonth: must be a number (got "a\\"b")');
    expect(line(0)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got 0)');
    expect(line(false)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got false)');
    expect(line(null)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got null)');
    expect(line([1, 'x'])).toBe('site.yaml: cost.hoursPerMonth: must be a number (got [1,"x"])');
    expect(line({ a: 1 })).toBe('site.yaml: cost.hoursPerMonth: must be a number (got {"a":1})');
  });

  it("writes YAML's .nan, .inf and -.inf for the numbers JSON would print as null", () => {
    expect(line(Number.NaN)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got .nan)');
    expect(line(Number.POSITIVE_INFINITY)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got .inf)');
    expect(line(Number.NEGATIVE_INFINITY)).toBe('site.yaml: cost.hoursPerMonth: must be a number (got -.inf)');
  });

  it('falls back to String() for what JSON cannot write at all', () => {
    expect(line(Symbol.for('x'))).toBe('site.yaml: cost.hoursPerMonth: must be a number (got Symbol(x))');
  });

  it('cuts a value longer than 80 characters to 77 and "..."; 80 exactly is shown whole', () => {
    const eighty = `"${'a'.repeat(78)}"`;
    expect(line('a'.repeat(78))).toBe(`site.yaml: cost.hoursPerMonth: must be a number (got ${eighty})`);
    expect(line('a'.repeat(79))).toBe(`site.yaml: cost.hoursPerMonth: must be a number (got "${'a'.repeat(76)}...)`);
    expect(line('b'.repeat(500)).length).toBe('site.yaml: cost.hoursPerMonth: must be a number (got )'.length + 80);
  });
});

describe('SiteConfigError', () => {
  it('is named, keeps the file and problems, and says one problem per line', () => {
    const problems = [
      { path: 'name', message: 'is required' },
      { path: 'nodePools[1].count', message: 'must be >= 0', value: -1 },
    ];
    const error = new SiteConfigError('s.yaml', problems);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SiteConfigError');
    expect(error.file).toBe('s.yaml');
    expect(error.problems).toBe(problems);
    expect(error.message).toBe('s.yaml: name: is required\ns.yaml: nodePools[1].count: must be >= 0 (got -1)');
  });
});

describe('loadSite on a field the file readers need, of the wrong type', () => {
  it('reports the schema problem alone, without reading the file it would name', () => {
    const file = 'test/fixtures/bad-sites/registry-cafile-not-a-string.yaml';
    let error: unknown;
    try {
      loadSite(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SiteConfigError);
    expect((error as SiteConfigError).problems).toEqual([{ path: 'registry.caFile', message: 'must be a string', value: 42 }]);
  });
});
