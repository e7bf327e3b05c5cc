import { describe, expect, it } from 'vitest';
import { configPath, formatPath } from '../lib/core/paths';

// One formatter for both kinds of path; each case below is what the two formatters it replaced
// (config/problems.ts's joinPath, validator/paths.ts's formatPath) wrote.
describe('formatPath', () => {
  const cases: [segments: (string | number | { key: string; value: string | number })[], object: string, config: string][] = [
    [[], '', '(root)'],
    [['nodePools', 0, 'gpu', 'mode'], 'nodePools[0].gpu.mode', 'nodePools[0].gpu.mode'],
    [[0, 'name'], '[0].name', '[0].name'],
    [['spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu'], 'spec.containers[0].resources.limits.nvidia.com/gpu', 'spec.containers[0].resources.limits["nvidia.com/gpu"]'],
    [['data', '.dockerconfigjson'], 'data[".dockerconfigjson"]', 'data[".dockerconfigjson"]'],
    [['data', ''], 'data[""]', 'data[""]'],
    [['a b', 'c[d]', 'e"f'], '["a b"]["c[d]"]["e\\"f"]', '["a b"]["c[d]"]["e\\"f"]'],
    [['_x', 'x-y', '9z'], '_x.x-y.9z', '_x["x-y"]["9z"]'],
    [['spec', 'containers', { key: 'name', value: 'gpus' }, 'image'], 'spec.containers[name=gpus].image', 'spec.containers[name=gpus].image'],
  ];

  it.each(cases)('%j: %s as an object path, %s as a config path', (segments, object, config) => {
    expect(formatPath(segments)).toBe(object);
    expect(formatPath(segments, 'object')).toBe(object);
    expect(formatPath(segments, 'config')).toBe(config);
  });
});

describe('configPath', () => {
  it('is the config style: (root), quoted keys that are not identifiers', () => {
    expect(configPath([])).toBe('(root)');
    expect(configPath(['nodePools', 0, 'labels', 'example.com/x'])).toBe('nodePools[0].labels["example.com/x"]');
    expect(configPath(['pullSecrets', 'sealedSecret', 'encryptedData', 'ml-workloads'])).toBe('pullSecrets.sealedSecret.encryptedData["ml-workloads"]');
  });
});
