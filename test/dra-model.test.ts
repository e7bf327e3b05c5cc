// lib/model/dra.ts on Kubernetes 1.30 (classic DRA): no site renders it (the config refuses dra pools before
// 1.33), so only these direct tests show the shapes stay right should that change.
import { describe, expect, it } from 'vitest';
import { deviceClass, resourceClaimSpec } from '../lib/model/dra';

describe('classic DRA (resource.k8s.io/v1alpha2)', () => {
  it('a ResourceClass naming the driver instead of a DeviceClass with a selector', () => {
    expect(deviceClass('1.30', 'gpu.nvidia.com', 'device.driver == "gpu.nvidia.com"')).toStrictEqual({
      apiVersion: 'resource.k8s.io/v1alpha2',
      kind: 'ResourceClass',
      metadata: { name: 'gpu.nvidia.com' },
      driverName: 'gpu.nvidia.com',
    });
  });

  it('a claim names its class only; a count or a selector cannot be expressed and is refused', () => {
    const request = { name: 'gpu', deviceClassName: 'gpu.nvidia.com', count: 1, selectors: [] };
    expect(resourceClaimSpec('1.30', request)).toStrictEqual({ resourceClassName: 'gpu.nvidia.com' });
    const refused = 'resource.k8s.io/v1alpha2 cannot express a device count or selectors (claim request gpu)';
    expect(() => resourceClaimSpec('1.30', { ...request, count: 2 })).toThrow(refused);
    expect(() => resourceClaimSpec('1.30', { ...request, selectors: ['device.attributes["gpu.nvidia.com"].productName == "NVIDIA H100"'] })).toThrow(refused);
  });
});
