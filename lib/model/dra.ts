/**
 * Dynamic Resource Allocation objects, shaped for the target Kubernetes minor from the one version matrix
 * (lib/core/versions.ts `draFacts`). `kubernetes-types` stops at 1.30 (classic v1alpha2), so the wire types of
 * the newer shapes are declared here; the strict schema validator checks every rendered object against
 * the minor's own definitions.
 */
import type { PodSpec } from 'kubernetes-types/core/v1';
import type { SiteConfig } from '../config/schema';
import type { Manifest } from '../core/manifest';
import { draFacts, type KubernetesVersion } from '../core/versions';

/** Driver name of the NVIDIA DRA driver's GPU part; also the attribute domain of its devices. */
export const NVIDIA_GPU_DRIVER = 'gpu.nvidia.com';
/** DeviceClasses the NVIDIA driver's GPU part ships (v0.4.1): whole GPUs and MIG devices. */
export const GPU_DEVICE_CLASS = 'gpu.nvidia.com';
export const MIG_DEVICE_CLASS = 'mig.nvidia.com';

export interface CelSelector {
  readonly cel: { readonly expression: string };
}

/** resource.k8s.io/v1alpha2 (≤ 1.30): the class names its driver; selection lives in driver parameter objects. */
export interface ResourceClassWire extends Manifest {
  readonly driverName: string;
}

/** resource.k8s.io v1alpha3 / v1beta1 / v1 DeviceClass. */
export interface DeviceClassWire extends Manifest {
  readonly spec: { readonly selectors: readonly CelSelector[] };
}

/** The device part of a request, common to the flat (v1alpha3/v1beta1) and `exactly` (v1) shapes. */
export interface ExactDeviceRequest {
  readonly deviceClassName: string;
  readonly selectors?: readonly CelSelector[];
  readonly allocationMode: 'ExactCount';
  readonly count: number;
}

export type DeviceRequestWire = ({ readonly name: string } & ExactDeviceRequest) | { readonly name: string; readonly exactly: ExactDeviceRequest };

/** `ResourceClaim.spec`, in the classic (v1alpha2) or structured (v1alpha3+) form. */
export type ResourceClaimSpecWire = { readonly resourceClassName: string } | { readonly devices: { readonly requests: readonly DeviceRequestWire[] } };

export interface ResourceClaimTemplateWire extends Manifest {
  readonly spec: { readonly metadata?: { readonly labels?: Record<string, string> }; readonly spec: ResourceClaimSpecWire };
}

/** Pod `spec.resourceClaims[]`: nested `source` up to 1.30, flat from 1.31. */
export type PodResourceClaimWire =
  | { readonly name: string; readonly resourceClaimTemplateName: string }
  | { readonly name: string; readonly source: { readonly resourceClaimTemplateName: string } };

/** A pod spec whose resourceClaims may use the 1.31+ shape that kubernetes-types 1.30 does not know. */
export type PodSpecWire = Omit<PodSpec, 'resourceClaims'> & { resourceClaims?: PodResourceClaimWire[] };

/** What a claim asks for, independent of the API version. */
export interface DeviceRequest {
  /** Request name (DNS label); containers may pick it with `resources.claims[].request` from 1.31. */
  readonly name: string;
  readonly deviceClassName: string;
  readonly count: number;
  /** CEL expressions over `device`, all of which must hold. */
  readonly selectors: readonly string[];
}

function resourceApiVersion(version: KubernetesVersion): string {
  return `resource.k8s.io/${draFacts(version).api}`;
}

/**
 * The class object a driver ships for `name`: a DeviceClass selecting devices by CEL from 1.31, a
 * ResourceClass naming the driver on 1.30 (classic DRA has no selectors; `expression` is not used there).
 */
export function deviceClass(version: KubernetesVersion, name: string, expression: string): DeviceClassWire | ResourceClassWire {
  const facts = draFacts(version);
  if (facts.classKind === 'ResourceClass') {
    return { apiVersion: resourceApiVersion(version), kind: 'ResourceClass', metadata: { name }, driverName: NVIDIA_GPU_DRIVER };
  }
  return { apiVersion: resourceApiVersion(version), kind: 'DeviceClass', metadata: { name }, spec: { selectors: [{ cel: { expression } }] } };
}

/** The claim spec of one device request in the minor's shape. */
export function resourceClaimSpec(version: KubernetesVersion, request: DeviceRequest): ResourceClaimSpecWire {
  const facts = draFacts(version);
  if (facts.requestShape === 'classic') {
    // Classic DRA carries counts and selectors only in driver-specific parameter objects that the
    // NVIDIA driver no longer ships; the config checks keep DRA off this minor, so this is never lossy.
    if (request.count !== 1 || request.selectors.length > 0) {
      throw new Error(`resource.k8s.io/${facts.api} cannot express a device count or selectors (claim request ${request.name})`);
    }
    return { resourceClassName: request.deviceClassName };
  }
  const device: ExactDeviceRequest = {
    deviceClassName: request.deviceClassName,
    ...(request.selectors.length > 0 ? { selectors: request.selectors.map((expression) => ({ cel: { expression } })) } : {}),
    allocationMode: 'ExactCount',
    count: request.count,
  };
  const wire: DeviceRequestWire = facts.requestShape === 'flat' ? { name: request.name, ...device } : { name: request.name, exactly: device };
  return { devices: { requests: [wire] } };
}

export interface ResourceClaimTemplateOptions {
  readonly name: string;
  readonly namespace: string;
  readonly request: DeviceRequest;
  /** Labels the generated ResourceClaims get. */
  readonly claimLabels?: Record<string, string>;
}

export function resourceClaimTemplate(version: KubernetesVersion, options: ResourceClaimTemplateOptions): ResourceClaimTemplateWire {
  return {
    apiVersion: resourceApiVersion(version),
    kind: 'ResourceClaimTemplate',
    metadata: { name: options.name, namespace: options.namespace },
    spec: {
      ...(options.claimLabels ? { metadata: { labels: options.claimLabels } } : {}),
      spec: resourceClaimSpec(version, options.request),
    },
  };
}

/** A pod's reference to a claim template, in the minor's shape. */
export function podResourceClaim(version: KubernetesVersion, name: string, templateName: string): PodResourceClaimWire {
  return draFacts(version).podClaimShape === 'source'
    ? { name, source: { resourceClaimTemplateName: templateName } }
    : { name, resourceClaimTemplateName: templateName };
}

/** CEL of the DeviceClass the NVIDIA driver ships for a device type (`gpu`, `mig`). */
export function nvidiaDeviceClassExpression(type: 'gpu' | 'mig'): string {
  return `device.driver == '${NVIDIA_GPU_DRIVER}' && device.attributes['${NVIDIA_GPU_DRIVER}'].type == '${type}'`;
}

export type ClaimTemplateConfig = SiteConfig['dra']['claimTemplates'][number];

/** "12.2" → "12.2.0": the semver CEL library wants major.minor.patch. */
export function semverOf(version: string): string {
  const parts = version.split('.');
  while (parts.length < 3) parts.push('0');
  return parts.join('.');
}

/**
 * The typed claim options of the site config turned into CEL over the NVIDIA driver's attributes
 * (cmd/gpu-kubelet-plugin/deviceinfo.go): `productName` (string), `cudaDriverVersion` (version),
 * `profile` (MIG, string) and the `memory` capacity. The config schema restricts every value to
 * characters that need no escaping inside a single-quoted CEL string.
 */
export function claimSelectors(options: ClaimTemplateConfig): string[] {
  const attrs = `device.attributes['${NVIDIA_GPU_DRIVER}']`;
  const selectors: string[] = [];
  if (options.migProfile !== undefined) selectors.push(`${attrs}.profile == '${options.migProfile}'`);
  if (options.productName !== undefined) selectors.push(`${attrs}.productName.contains('${options.productName}')`);
  if (options.minMemory !== undefined) {
    selectors.push(`device.capacity['${NVIDIA_GPU_DRIVER}'].memory.compareTo(quantity('${options.minMemory}')) >= 0`);
  }
  if (options.minCudaDriverVersion !== undefined) {
    selectors.push(`!${attrs}.cudaDriverVersion.isLessThan(semver('${semverOf(options.minCudaDriverVersion)}'))`);
  }
  return selectors;
}

/** Name of the single request in every claim template we render; containers reference the claim, not the request. */
export const CLAIM_REQUEST_NAME = 'gpus';

/** The device request of a configured claim template. */
export function claimRequest(options: ClaimTemplateConfig): DeviceRequest {
  return {
    name: CLAIM_REQUEST_NAME,
    deviceClassName: options.migProfile === undefined ? GPU_DEVICE_CLASS : MIG_DEVICE_CLASS,
    count: options.count,
    selectors: claimSelectors(options),
  };
}
