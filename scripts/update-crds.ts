/**
 * `npm run crds:update`: regenerates the CustomResourceDefinitions of the custom resources the project
 * renders, from the Go modules of their upstream projects (downloaded with `go mod download` through
 * the Go module proxy; versions pinned below, content checked by go.sum's hash database).
 *
 * Writes
 * - imports/crds/<group>_<plural>.yaml: the CRD as upstream ships it, minus schema descriptions (which
 *   keeps each file well under the 256 KiB `kubectl apply` annotation limit). A valid
 *   apiextensions.k8s.io/v1 CRD: the cluster-test harness applies every file in that folder.
 * - imports/schemas/crds.json: for lib/validate/, the index of the served apiVersion+kinds (CRD file,
 *   scope, schema file), and imports/schemas/crds/<group>_<version>_<Kind>.json: the strict JSON Schema
 *   of each, one file per kind so a run parses only the schemas of the kinds it renders (the whole set
 *   is ~2 MB, ~20 ms of JSON.parse, against ~90 KB for the example's two kinds).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CRD_SCHEMA_DIR, crdSchemaFile, SCHEMA_DIR } from '../lib/validate/schema';
import { type Json, type JsonObject, strictSchema, writeJson } from './schema-transform';

interface CrdSource {
  /** Go module path and pinned version. */
  readonly module: string;
  readonly version: string;
  /** File inside the module zip. */
  readonly file: string;
}

/** One entry per CRD: the custom resources our charts emit. */
const SOURCES: readonly CrdSource[] = [
  ...['externalsecrets', 'clusterexternalsecrets', 'secretstores', 'clustersecretstores'].map((plural) => ({
    module: 'github.com/external-secrets/external-secrets',
    version: 'v1.3.2',
    file: `config/crds/bases/external-secrets.io_${plural}.yaml`,
  })),
  ...['podmonitors', 'servicemonitors', 'scrapeconfigs', 'prometheusrules'].map((plural) => ({
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    file: `example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml`,
  })),
  {
    module: 'github.com/bitnami-labs/sealed-secrets',
    version: 'v0.40.0',
    file: 'helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml',
  },
  // Fleet delivery (gitops/): what the Argo CD and Flux objects we render are checked against.
  // v3.5.7 and v1.9.6 are the newest releases whose modules need no Go newer than 1.26.
  ...['application', 'applicationset'].map((name) => ({
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.5.7',
    file: `manifests/crds/${name}-crd.yaml`,
  })),
  {
    module: 'github.com/fluxcd/kustomize-controller',
    version: 'v1.9.6',
    file: 'config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml',
  },
  {
    module: 'github.com/fluxcd/source-controller',
    version: 'v1.9.6',
    file: 'config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml',
  },
];

const ROOT = join(__dirname, '..');
const CRD_DIR = join(ROOT, 'imports', 'crds');
const BUNDLE = join(ROOT, 'imports', 'schemas', 'crds.json');

const moduleDirs = new Map<string, string>();

function moduleDir(module: string, version: string): string {
  const key = `${module}@${version}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    const out = execFileSync('go', ['mod', 'download', '-json', key], { cwd: ROOT });
    const info = JSON.parse(out.toString('utf8')) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download ${key}: ${info.Error ?? 'no Dir'}`);
    dir = info.Dir;
    moduleDirs.set(key, dir);
  }
  return dir;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes `description` from every schema node (property names called "description" are kept). */
function withoutDescriptions(schema: Json): Json {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, withoutDescriptions(s)]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      out[key] = withoutDescriptions(value);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(withoutDescriptions);
    } else out[key] = value;
  }
  return out;
}

interface CrdVersion {
  name: string;
  served: boolean;
  schema?: { openAPIV3Schema?: JsonObject };
}

function loadCrd(source: CrdSource): JsonObject {
  const path = join(moduleDir(source.module, source.version), source.file);
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).filter((d) => d.contents !== null);
  if (docs.length !== 1) throw new Error(`${source.file}: expected one YAML document, found ${docs.length}`);
  const crd = docs[0].toJSON() as JsonObject;
  if (crd.apiVersion !== 'apiextensions.k8s.io/v1' || crd.kind !== 'CustomResourceDefinition') {
    throw new Error(`${source.file}: not an apiextensions.k8s.io/v1 CustomResourceDefinition`);
  }
  return crd;
}

const GENERATED_MARK = '# Generated by scripts/update-crds.ts';

/** Removes the CRD files a previous run wrote (files of other origin are left alone). */
function removeGenerated(): void {
  mkdirSync(CRD_DIR, { recursive: true });
  for (const file of readdirSync(CRD_DIR)) {
    const path = join(CRD_DIR, file);
    if (file.endsWith('.yaml') && readFileSync(path, 'utf8').startsWith(GENERATED_MARK)) rmSync(path);
  }
}

function main(): void {
  removeGenerated();
  rmSync(join(SCHEMA_DIR, CRD_SCHEMA_DIR), { recursive: true, force: true });
  const kinds: JsonObject = {};
  const served: Record<string, string[]> = {};
  for (const source of SOURCES) {
    const crd = loadCrd(source);
    const spec = crd.spec as JsonObject;
    const names = spec.names as JsonObject;
    const group = spec.group as string;
    const versions = spec.versions as unknown as CrdVersion[];
    for (const v of versions) {
      if (v.schema?.openAPIV3Schema) v.schema.openAPIV3Schema = withoutDescriptions(v.schema.openAPIV3Schema) as JsonObject;
    }
    const fileName = `${group}_${names.plural as string}.yaml`;
    const header =
      `${GENERATED_MARK} (npm run crds:update); do not edit.\n` +
      `# Source: Go module ${source.module}@${source.version}, ${source.file} (schema descriptions removed).\n`;
    writeFileSync(join(CRD_DIR, fileName), header + stringify(crd, { lineWidth: 0 }));

    for (const v of versions.filter((version) => version.served)) {
      const apiVersion = `${group}/${v.name}`;
      const kind = names.kind as string;
      if (!v.schema?.openAPIV3Schema) throw new Error(`${fileName}: ${apiVersion} has no openAPIV3Schema`);
      (served[apiVersion] ??= []).push(kind);
      const schemaFile = crdSchemaFile(apiVersion, kind);
      writeJson(join(SCHEMA_DIR, schemaFile), strictSchema(v.schema.openAPIV3Schema));
      kinds[`${apiVersion} ${kind}`] = { crd: `imports/crds/${fileName}`, scope: spec.scope as string, schemaFile, source: `${source.module}@${source.version}` };
    }
    console.log(`imports/crds/${fileName}: ${versions.filter((v) => v.served).map((v) => v.name).join(', ')} served`);
  }
  for (const list of Object.values(served)) list.sort();
  const size = writeJson(BUNDLE, {
    generatedBy: 'scripts/update-crds.ts (npm run crds:update); do not edit',
    sources: SOURCES.map((s) => ({ module: s.module, version: s.version, file: s.file })) as unknown as Json,
    served: served as unknown as Json,
    kinds,
  });
  console.log(`imports/schemas/crds.json: ${Object.keys(kinds).length} kinds, ${size} bytes`);
  for (const f of readdirSync(CRD_DIR)) console.log(`  ${f}`);
}

main();
