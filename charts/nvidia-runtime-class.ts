import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { RuntimeClass } from 'kubernetes-types/node/v1';
import { emit, type Typed } from '../lib/render/k8s';
import { NVIDIA_RUNTIME_CLASS } from '../lib/model/placement';

/**
 * RuntimeClass `nvidia` (handler `nvidia`, NVIDIA's README convention) for the pods that need
 * nvidia-container-runtime on GPU nodes where it is not containerd's default: the DCGM exporter on dra
 * pools, and the NVIDIA pods on devicePlugin pools with `devicePlugin.nvidiaRuntimeClass`. Every GPU pool's
 * NodeConfig defines the handler (lib/artifacts/nodeadm.ts). Rendered once, here, when `nvidiaRuntimeClassRendered`
 * (lib/model/placement.ts) says so; the pods name it under the same condition, so the reference always resolves.
 * It takes nothing from the site: no `scheduling` (the pods that use it carry their own GPU-pool
 * placement) and no `overhead` (the runtime adds no per-pod cost).
 */
export class NvidiaRuntimeClassChart extends Chart {
  constructor(scope: Construct, id: string) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, every object here is emitted with its own metadata.name, so cdk8s never generates a (hashed) name
    super(scope, id, { disableResourceNameHashes: true });
    emit<Typed<RuntimeClass>>(this, {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: NVIDIA_RUNTIME_CLASS },
      handler: NVIDIA_RUNTIME_CLASS,
    });
  }
}
