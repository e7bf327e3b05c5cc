// lib/model/gpu-models.ts: what a GPU of a pool model publishes in the DRA driver's ResourceSlice, and the
// quantities the config's claim checks compare (named after the module so the mutation run tries it first).
import { describe, expect, it } from 'vitest';
import { GPU_MODELS, publishedMemory, publishedProductName, quantityBytes } from '../lib/model/gpu-models';

describe('published product name and memory', () => {
  it("the known models' NVML names and memory; any other model as NVIDIA <model>, memory unknown", () => {
    expect(['H100', 'H200', 'A100', 'NVIDIA L40S'].map(publishedProductName)).toEqual(['NVIDIA H100 80GB HBM3', 'NVIDIA H200', 'NVIDIA A100', 'NVIDIA L40S']);
    expect(['H100', 'H200', 'A100'].map(publishedMemory)).toEqual(['81559Mi', '143771Mi', undefined]);
  });

  it('both known models are Hopper GPUs of CUDA compute capability 9.0, as the driver publishes them', () => {
    expect(Object.entries(GPU_MODELS).map(([model, f]) => [model, f.architecture, f.cudaComputeCapability])).toEqual([
      ['H100', 'Hopper', '9.0.0'],
      ['H200', 'Hopper', '9.0.0'],
    ]);
  });
});

describe('quantityBytes', () => {
  it('binary and decimal suffixes, no suffix, decimals', () => {
    expect(quantityBytes('16Gi')).toBe(16 * 2 ** 30);
    expect(quantityBytes('81559Mi')).toBe(81559 * 2 ** 20);
    expect(quantityBytes('80G')).toBe(80e9);
    expect(quantityBytes('1.25Gi')).toBe(1.25 * 2 ** 30);
    expect(quantityBytes('100')).toBe(100);
    expect(['Ki', 'Ti', 'Pi', 'Ei', 'k', 'M', 'T', 'P', 'E'].map((u) => quantityBytes(`2${u}`))).toEqual([2 ** 11, 2 ** 41, 2 ** 51, 2 ** 61, 2e3, 2e6, 2e12, 2e15, 2e18]);
  });

  it('refuses anything else, naming it', () => {
    for (const bad of ['x16Gi', '16Gix', '16 Gi', '1.Gi', '.5Gi', '16gi', '', '1.2.3']) expect(() => quantityBytes(bad), bad).toThrow(`not a quantity: ${bad}`);
  });
});
