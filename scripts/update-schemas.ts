/**
 * `npm run schemas:update`: regenerates imports/schemas/kubernetes-<minor>.json, one strict JSON
 * Schema bundle per supported Kubernetes minor, from the PyPI package kubernetes-validate (which ships
 * the official OpenAPI definitions of every release converted to JSON Schema).
 *
 * Reproducible: the package version and the wheel's sha256 are pinned below; output keys are sorted.
 * Needs python3 with pip (only to download the wheel and read members out of it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { type Json, type JsonObject, refsOf, strictSchema, writeJson } from './schema-transform';

const PACKAGE = 'kubernetes-validate';
const PACKAGE_VERSION = '1.37.0';
const WHEEL_SHA256 = '85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9';
const OUT_DIR = join(__dirname, '..', 'imports', 'schemas');

/**
 * Kinds that only exist as API responses, lists or subresources, never as objects we apply: left out
 * of the bundle to keep it small, but still in the `served` index so they are known to exist.
 */
const NOT_RENDERABLE_KIND = /(List|Review|Options)$|^(Status|Eviction|Scale|Binding|APIGroup|APIResource|APIVersions|WatchEvent)$/;

function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function downloadWheel(dir: string): string {
  execFileSync(
    'python3',
    ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--dest', dir, `${PACKAGE}==${PACKAGE_VERSION}`],
    { stdio: 'inherit' },
  );
  const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip did not download a wheel of ${PACKAGE}==${PACKAGE_VERSION}`);
  const path = join(dir, wheel);
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sha !== WHEEL_SHA256) throw new Error(`${wheel}: sha256 ${sha}, expected ${WHEEL_SHA256}`);
  return path;
}

function readWheelMember(wheel: string, member: string): string {
  const script = 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))';
  return execFileSync('python3', ['-c', script, wheel, member], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
}

interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function buildBundle(minor: string, source: JsonObject): { bundle: JsonObject; kinds: number; served: number } {
  const defs = source.$defs as Record<string, JsonObject>;
  const toLocal = (ref: string) => ref.replace('#/$defs/', '#/definitions/');

  // served: apiVersion → kinds, for every GVK the release's OpenAPI spec carries.
  const served: Record<string, string[]> = {};
  // kinds: "apiVersion Kind" → definition name, for the kinds we keep schemas for.
  const kinds: Record<string, string> = {};
  for (const [name, def] of Object.entries(defs)) {
    const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as unknown as GroupVersionKind[];
    // A definition shared by several GVKs (DeleteOptions, WatchEvent) is a request/response body that
    // every group-version, even long-removed ones like extensions/v1beta1, lists: not a served resource.
    if (gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0];
    const apiVersion = apiVersionOf(group, version);
    (served[apiVersion] ??= []).push(kind);
    if (!NOT_RENDERABLE_KIND.test(kind)) kinds[`${apiVersion} ${kind}`] = name;
  }
  for (const list of Object.values(served)) list.sort();

  // Keep only the definitions reachable from the kept kinds.
  const definitions: JsonObject = {};
  const pending = Object.values(kinds);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in definitions) continue;
    const def = defs[name];
    if (!def) throw new Error(`${minor}: dangling reference to ${name}`);
    const strict = strictSchema(def, { ref: toLocal });
    definitions[name] = strict;
    for (const ref of refsOf(strict)) pending.push(ref.replace('#/definitions/', ''));
  }

  const bundle: JsonObject = {
    kubernetesVersion: minor,
    generatedBy: 'scripts/update-schemas.ts (npm run schemas:update); do not edit',
    source: {
      registry: 'PyPI',
      package: PACKAGE,
      version: PACKAGE_VERSION,
      sha256: WHEEL_SHA256,
      member: memberFor(minor),
    },
    served: served as unknown as Json,
    kinds,
    definitions,
  };
  return { bundle, kinds: Object.keys(kinds).length, served: Object.values(served).flat().length };
}

function memberFor(minor: string): string {
  return `kubernetes_validate/kubernetes-json-schema/v${minor}.0-local/_definitions.json`;
}

function main(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'k8s-schemas-'));
  try {
    const wheel = downloadWheel(tmp);
    for (const minor of SUPPORTED_KUBERNETES_VERSIONS) {
      const source = JSON.parse(readWheelMember(wheel, memberFor(minor))) as JsonObject;
      const { bundle, kinds, served } = buildBundle(minor, source);
      const size = writeJson(join(OUT_DIR, `kubernetes-${minor}.json`), bundle);
      const defs = Object.keys(bundle.definitions as JsonObject).length;
      console.log(`kubernetes-${minor}.json: ${served} served kinds, ${kinds} with schema, ${defs} definitions, ${size} bytes`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
