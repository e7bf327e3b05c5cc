/**
 * What the NVIDIA DRA driver (v0.4.1, cmd/gpu-kubelet-plugin/deviceinfo.go) publishes for a full GPU of a
 * given model in its ResourceSlice: the `productName` attribute (NVML's device name), the architecture and
 * CUDA compute capability, and the `memory` capacity. The config check of claim templates and the
 * simulation (test/sim) both read this table, keyed by a node pool's `gpu.model`.
 *
 * Only models whose figures are known are listed. For any other model the driver's name is taken to be
 * "NVIDIA <model>" (NVML names start with the vendor) and its memory is unknown.
 */
export interface GpuModelFacts {
  /** NVML device name, as the `productName` attribute. */
  readonly productName: string;
  /** `memory` capacity per GPU (binary quantity). */
  readonly memory: string;
  readonly architecture: string;
  readonly cudaComputeCapability: string;
}

export const GPU_MODELS: Readonly<Record<string, GpuModelFacts>> = {
  H100: { productName: 'NVIDIA H100 80GB HBM3', memory: '81559Mi', architecture: 'Hopper', cudaComputeCapability: '9.0.0' },
  // productName assumed: this NVML name of the H200 has not been seen on real hardware here
  H200: { productName: 'NVIDIA H200', memory: '143771Mi', architecture: 'Hopper', cudaComputeCapability: '9.0.0' },
};

/** The `productName` a GPU of this pool model would publish (see GPU_MODELS). */
export function publishedProductName(model: string): string {
  return GPU_MODELS[model]?.productName ?? (model.startsWith('NVIDIA ') ? model : `NVIDIA ${model}`);
}

/** The `memory` capacity a GPU of this pool model would publish, when known. */
export function publishedMemory(model: string): string | undefined {
  return GPU_MODELS[model]?.memory;
}

const UNITS: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes of a Kubernetes quantity such as 16Gi or 80G (the forms the config schema allows). */
export function quantityBytes(quantity: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
  if (!m) throw new Error(`not a quantity: ${quantity}`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}
