import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Manifest } from '../core/manifest';

/**
 * Adds one Kubernetes object to a chart exactly as written: a raw ApiObject, so cdk8s' typed converters
 * cannot drop or null fields (hostPID, `nvidia.com/gpu` quantities, DRA fields of newer versions).
 * Shape checking comes from the wire-format types of `kubernetes-types` at compile time and from the
 * strict schema validator on every synth. The construct id is derived from kind, namespace and name,
 * so it is stable and unique per object.
 */
export function emit<T extends Manifest>(scope: Construct, object: T): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = object;
  // Stryker disable next-line MethodExpression: equivalent, without the filter a cluster-scoped object's id has an empty part ("Kind--name"), still unique
  const id = [kind, metadata.namespace, metadata.name].filter(Boolean).join('-');
  return new ApiObject(scope, id, { apiVersion, kind, metadata, ...rest });
}

/** Narrows a wire-format object of `kubernetes-types` (whose apiVersion/kind/metadata are optional) to a Manifest. */
export type Typed<T> = T & Manifest;
