import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, runCli } from '../lib/cli/cli';
import { publishedMemory, publishedProductName, quantityBytes } from '../lib/model/gpu-models';
import { loadSiteVariant, siteVariantFile } from './helpers/site-variant';

const EXAMPLE = resolve('sites/example.yaml');

/** The example's pools with the dra pool's GPUs replaced by `model`. */
function draPoolModel(model: string | undefined): Record<string, unknown>[] {
  const gpu = (mode: string, m: string | undefined) => ({ mode, perNode: 8, ...(m === undefined ? {} : { model: m }) });
  const taints = [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }];
  return [
    { name: 'gpu-h100', count: 2, vcpus: 224, labels: { gpu: 'h100' }, taints, gpu: gpu('devicePlugin', 'H100') },
    { name: 'gpu-h200-dra', count: 2, vcpus: 224, labels: { gpu: 'h200' }, taints, gpu: gpu('dra', model) },
  ];
}

async function synth(overrides: Record<string, unknown>): Promise<{ code: number; err: string[]; file: string }> {
  const file = siteVariantFile(overrides);
  const err: string[] = [];
  const out = mkdtempSync(join(tmpdir(), 'ehc-claim-'));
  const code = await runCli(['synth', '--site', file, '--out', out], { charts: CHARTS, artifacts: ARTIFACTS }, { out: () => {}, err: (l) => err.push(l) });
  return { code, err: err.join('\n').split('\n'), file };
}

describe('claim templates must select GPUs some dra pool has', () => {
  it('knows what the driver publishes for H100 and H200, and "NVIDIA <model>" otherwise', () => {
    expect(publishedProductName('H100')).toBe('NVIDIA H100 80GB HBM3');
    expect(publishedProductName('H200')).toContain('H200');
    expect(publishedProductName('L40S')).toBe('NVIDIA L40S');
    expect(quantityBytes(publishedMemory('H100')!)).toBe(81559 * 2 ** 20);
    expect(quantityBytes('16Gi')).toBe(16 * 2 ** 30);
    expect(quantityBytes('80G')).toBe(80e9);
  });

  it('the example site passes (its H100 claim matches the H100 dra pool)', () => {
    expect(() => loadSiteVariant({})).not.toThrow();
  });

  it('the issue case: H200 servers, claim still asks for H100: exit 2 naming the file and dra.claimTemplates[0].productName', async () => {
    const { code, err } = await synth({ nodePools: draPoolModel('H200') });
    expect(code).toBe(EXIT_BAD_INPUT);
    const line = err.find((l) => l.includes('dra.claimTemplates[0].productName'));
    expect(line, err.join('\n')).toBeDefined();
    // the field's value comes from the example the variant extends: the error names that file
    expect(line!.startsWith(`${EXAMPLE}: dra.claimTemplates[0].productName: no dra pool's GPUs would match`), line).toBe(true);
    expect(line).toContain('(got "H100")');
    expect(line).toContain('pool gpu-h200-dra (model H200) publishes productName "NVIDIA H200"');
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('a productName that matches after the change passes', () => {
    expect(() => loadSiteVariant({ nodePools: draPoolModel('H200'), dra: { claimTemplates: [{ name: 'ml-training-claim', count: 1, productName: 'H200', minMemory: '16Gi' }] } })).not.toThrow();
  });

  it('minMemory beyond the GPUs of every matching pool: error on dra.claimTemplates[0].minMemory', async () => {
    const { code, err, file } = await synth({ dra: { claimTemplates: [{ name: 'ml-training-claim', count: 1, productName: 'H100', minMemory: '96Gi' }] } });
    expect(code).toBe(EXIT_BAD_INPUT);
    const line = err.find((l) => l.includes('dra.claimTemplates[0].minMemory'));
    expect(line, err.join('\n')).toBeDefined();
    expect(line!.startsWith(`${file}: dra.claimTemplates[0].minMemory: is more than the GPUs of every matching dra pool have`), line).toBe(true);
    expect(line).toContain('memory 81559Mi');
  });

  it('80Gi fits an H100 80GB (81559Mi) and passes', () => {
    expect(() => loadSiteVariant({ dra: { claimTemplates: [{ name: 'ml-training-claim', count: 1, productName: 'H100', minMemory: '79Gi' }] } })).not.toThrow();
  });

  it('the sample is pinned to a pool whose GPUs the claim does not select: error on samples.mlTraining.claimTemplate', async () => {
    const pools = [
      ...draPoolModel('H200'),
      { name: 'gpu-h100-dra', count: 1, vcpus: 224, taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }], gpu: { mode: 'dra', model: 'H100', perNode: 8 } },
    ];
    const { code, err } = await synth({ nodePools: pools, samples: { mlTraining: { pool: 'gpu-h200-dra' } } });
    expect(code).toBe(EXIT_BAD_INPUT);
    const line = err.find((l) => l.includes('samples.mlTraining.claimTemplate'));
    expect(line, err.join('\n')).toBeDefined();
    expect(line!.startsWith(`${EXAMPLE}: samples.mlTraining.claimTemplate: claim template ml-training-claim selects no GPU of pool gpu-h200-dra`), line).toBe(true);
  });

  it('a dra pool without gpu.model is not judged (nothing known about its GPUs)', () => {
    expect(() => loadSiteVariant({ nodePools: draPoolModel(undefined) })).not.toThrow();
  });
});
