/**
 * Strict schema validation of rendered objects against the official definitions of one Kubernetes
 * minor (imports/schemas/kubernetes-<minor>.json) and the CRDs we install (imports/schemas/crds.json,
 * the index, and one schema file per kind under imports/schemas/crds/), the way
 * `kubeconform -strict -kubernetes-version <minor>` does. Each file is parsed once per process, and
 * only when a run needs it (the minor's bundle, the schemas of the custom resources it renders);
 * evaluation only visits the schema nodes the data reaches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiGroup } from '../core/manifest';
import { minorOf, SUPPORTED_KUBERNETES_VERSIONS } from '../core/versions';
import { type Schema, SchemaEvaluator } from './json-schema';
import type { FieldPath } from '../core/paths';

export const SCHEMA_DIR = join(__dirname, '..', '..', 'imports', 'schemas');
export const SUPPORTED_SCHEMA_VERSIONS: readonly string[] = SUPPORTED_KUBERNETES_VERSIONS;

interface KubernetesBundle {
  readonly kubernetesVersion: string;
  /** apiVersion → kinds the release serves (every resource, even those without a kept schema). */
  readonly served: Record<string, string[]>;
  /** `apiVersion Kind` → definition name. */
  readonly kinds: Record<string, string>;
  readonly definitions: Record<string, Schema>;
}

interface CrdBundle {
  readonly sources: readonly { readonly module: string; readonly version: string; readonly file: string }[];
  readonly served: Record<string, string[]>;
  /** `schemaFile` is relative to SCHEMA_DIR. */
  /** `source` is the Go module release the CRD comes from (`module@version`). */
  readonly kinds: Record<string, { readonly crd: string; readonly scope: string; readonly schemaFile: string; readonly source: string }>;
}

/** Folder of the per-kind CRD schemas, in SCHEMA_DIR. */
export const CRD_SCHEMA_DIR = 'crds';

/** Where scripts/update-crds.ts writes the schema of a custom resource kind, relative to SCHEMA_DIR. */
export function crdSchemaFile(apiVersion: string, kind: string): string {
  return `${CRD_SCHEMA_DIR}/${apiVersion.replace('/', '_')}_${kind}.json`;
}

/** A schema problem at a field of the object. */
export interface SchemaProblem {
  readonly path: FieldPath;
  readonly message: string;
  /** Warnings: the object is valid, but the API version is one a default cluster does not serve. */
  readonly severity?: 'warning';
}

/**
 * Beta API versions a minor carries but serves only with `--runtime-config` (new beta APIs are off by
 * default upstream). A warning, not an error: a cluster may enable them, as EKS 1.33 does for the DRA
 * beta API, which is why 1.33 is not listed.
 */
const OFF_BY_DEFAULT_BETA: readonly { readonly apiVersion: string; readonly minors: readonly number[]; readonly advice: string }[] = [
  { apiVersion: 'resource.k8s.io/v1beta1', minors: [32], advice: 'EKS serves the DRA beta API from 1.33' },
  { apiVersion: 'resource.k8s.io/v1beta1', minors: [34, 35, 36], advice: 'use resource.k8s.io/v1' },
  { apiVersion: 'resource.k8s.io/v1beta2', minors: [34, 35, 36], advice: 'use resource.k8s.io/v1' },
];

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as T;
}

let crdBundle: CrdBundle | undefined;
function crds(): CrdBundle {
  return (crdBundle ??= readJson<CrdBundle>('crds.json'));
}

const crdSchemas = new Map<string, Schema>();
function crdSchema(key: string): Schema {
  let schema = crdSchemas.get(key);
  if (!schema) {
    schema = readJson<Schema>(crds().kinds[key].schemaFile);
    crdSchemas.set(key, schema);
  }
  return schema;
}

/**
 * The CRD that serves a custom resource kind (`<plural>.<group>`) and the upstream module release its
 * schema comes from, or undefined when no CRD in imports/crds serves it.
 */
export function crdServing(apiVersion: string, kind: string): { readonly name: string; readonly checkedWith: string } | undefined {
  // Stryker disable next-line ConditionalExpression: equivalent, the CRD bundle has no built-in kind; this only spares loading it
  if (isBuiltInGroup(apiGroup(apiVersion))) return undefined; // without loading the CRD bundle
  const entry = crds().kinds[`${apiVersion} ${kind}`];
  if (!entry) return undefined;
  const file = entry.crd.slice(entry.crd.lastIndexOf('/') + 1);
  // Stryker disable next-line Regex: equivalent, no CRD file name has ".yaml" anywhere but at its end
  const [group, plural] = file.replace(/\.yaml$/, '').split('_');
  return { name: `${plural}.${group}`, checkedWith: entry.source };
}

/** Built-in API groups: the core group, unqualified names (apps, batch…) and *.k8s.io. */
function isBuiltInGroup(group: string): boolean {
  return !group.includes('.') || group.endsWith('.k8s.io'); // the core group '' has no dot either
}

/** The schemas of one Kubernetes minor plus our CRDs. */
export class SchemaSet {
  private readonly bundle: KubernetesBundle;
  private readonly evaluator: SchemaEvaluator;

  constructor(readonly kubernetesVersion: string) {
    if (!SUPPORTED_SCHEMA_VERSIONS.includes(kubernetesVersion)) {
      throw new Error(`no schema bundle for Kubernetes ${kubernetesVersion} (supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')})`);
    }
    this.bundle = readJson<KubernetesBundle>(`kubernetes-${kubernetesVersion}.json`);
    this.evaluator = new SchemaEvaluator(this.bundle.definitions);
  }

  /** The schema of a kind, or the reason there is none (not served, alpha, unknown custom resource). */
  schemaFor(apiVersion: string, kind: string): Schema | string {
    const unserved = this.unservedReason(apiVersion, kind);
    if (unserved) return unserved;
    const key = `${apiVersion} ${kind}`;
    const crd = crds().kinds[key];
    // CRD schemas leave metadata open; the API server validates it as ObjectMeta.
    if (crd) return { allOf: [crdSchema(key), { properties: { metadata: { $ref: `#/definitions/${OBJECT_META}` } } }] };
    return { $ref: `#/definitions/${this.bundle.kinds[key]}` };
  }

  /** The definitions `$ref`s point into (for tests that compare with ajv). */
  get definitions(): Readonly<Record<string, Schema>> {
    return this.bundle.definitions;
  }

  /** Problems of one object, or a single problem on `apiVersion` when the kind is not served. */
  validate(object: { readonly apiVersion: string; readonly kind: string }): SchemaProblem[] {
    const schema = this.schemaFor(object.apiVersion, object.kind);
    if (typeof schema === 'string') return [{ path: ['apiVersion'], message: schema }];
    const seen = new Set<string>();
    const problems: SchemaProblem[] = this.evaluator.validate(schema, object).filter((p) => {
      const key = JSON.stringify([p.path, p.message]);
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const minor = minorOf(this.kubernetesVersion);
    const offByDefault = OFF_BY_DEFAULT_BETA.find((b) => b.apiVersion === object.apiVersion && b.minors.includes(minor));
    if (offByDefault) {
      problems.unshift({
        path: ['apiVersion'],
        severity: 'warning',
        message: `${object.apiVersion} ${object.kind} is beta and off by default in Kubernetes ${this.kubernetesVersion} (served only with --runtime-config); ${offByDefault.advice}`,
      });
    }
    return problems;
  }

  private unservedReason(apiVersion: string, kind: string): string | undefined {
    const key = `${apiVersion} ${kind}`;
    const version = this.kubernetesVersion;
    if (crds().kinds[key]) return undefined;
    const group = apiGroup(apiVersion);
    if (isBuiltInGroup(group)) {
      if (this.bundle.kinds[key]) {
        // Stryker disable next-line Regex: equivalent on the bundles' data, no served version has a multi-digit number or a suffix after alphaN
        if (/^v\d+alpha\d+$/.test(apiVersion.slice(apiVersion.lastIndexOf('/') + 1))) {
          return `${key} is alpha in Kubernetes ${version}: not served unless its feature gate and runtime-config are enabled, which EKS does not do`;
        }
        return undefined;
      }
      if (this.bundle.served[apiVersion]?.includes(kind)) return `${key} is served by Kubernetes ${version} but is not an object that can be applied`;
      return `${key} is not served by Kubernetes ${version}${alternatives(this.bundle.served, group, kind)}`;
    }
    const crdGroup = Object.keys(crds().served).some((v) => apiGroup(v) === group);
    if (crdGroup) return `${key} is not served by the CRDs in imports/crds${alternatives(crds().served, group, kind)}`;
    return `${key}: no CRD in imports/crds serves it (add the CRD to scripts/update-crds.ts)`;
  }
}

/** ` (served: resource.k8s.io/v1beta1, resource.k8s.io/v1beta2)` when the kind exists under other versions of the group. */
function alternatives(served: Record<string, string[]>, group: string, kind: string): string {
  // Stryker disable next-line MethodExpression: equivalent, the bundles list API versions sorted (scripts/schema-transform.ts writeJson sorts every key); sorted again so the message does not depend on it
  const others = Object.entries(served)
    .filter(([v, kinds]) => apiGroup(v) === group && kinds.includes(kind))
    .map(([v]) => v)
    .sort();
  return others.length > 0 ? ` (served: ${others.join(', ')})` : '';
}

const schemaSets = new Map<string, SchemaSet>();

/** The validators for a minor, built once per process. */
export function schemaSetFor(kubernetesVersion: string): SchemaSet {
  let set = schemaSets.get(kubernetesVersion);
  if (!set) {
    set = new SchemaSet(kubernetesVersion);
    schemaSets.set(kubernetesVersion, set);
  }
  return set;
}
