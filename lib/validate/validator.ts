/**
 * Validates a site's rendered output before it is written: strict schema validation against the
 * target Kubernetes minor and our CRDs (lib/validate/schema.ts), then the policy checks
 * (lib/validate/policy/checks.ts). `npm run validate` prints the findings with formatFinding; synth refuses to
 * swap in output that has any.
 */
import { describeObject, type RenderedFile } from '../core/manifest';
import { POLICY_CHECKS } from './policy/checks';
import { OutputIndex } from './policy/index';
import { type FieldPath, formatPath } from '../core/paths';
import { schemaSetFor } from './schema';
import type { Finding, ValidationContext } from './types';

export type { Finding, ValidationContext } from './types';
export { SUPPORTED_SCHEMA_VERSIONS } from './schema';

/** Schema and policy findings for every object of every file, sorted by file, object position and field, then by check. */
export function validateFiles(files: readonly RenderedFile[], ctx: ValidationContext): Finding[] {
  const schemas = schemaSetFor(ctx.kubernetesVersion);
  const index = new OutputIndex(files);
  const ranked: { finding: Finding; position: number; field: string }[] = [];
  for (const file of files) {
    file.objects.forEach((object, position) => {
      const add = (check: string, path: FieldPath, message: string, severity: Finding['severity'] = 'error') => {
        // '' for a problem with the object as a whole (no shipped schema or check reports one today)
        const field = formatPath(path);
        const finding: Finding = { check, severity, file: file.path, object: describeObject(object), ...(field ? { field } : {}), message };
        ranked.push({ finding, position, field });
      };
      for (const problem of schemas.validate(object)) add('schema', problem.path, problem.message, problem.severity);
      for (const check of POLICY_CHECKS) {
        check.run({ object, ctx, index, report: (path, message) => add(check.id, path, message) });
      }
    });
  }
  // Within one field the findings keep the order they were made in (the sort is stable): the schema's
  // first, then each policy check's in POLICY_CHECKS order, each in the order it reported them.
  return ranked
    .sort((a, b) => compare(a.finding.file, b.finding.file) || a.position - b.position || compare(a.field, b.field))
    .map((r) => r.finding);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<file>: <object>: <field>: <message> [<check>]` (the field part is left out when there is none). */
export function formatFinding(f: Finding): string {
  const severity = f.severity === 'warning' ? 'warning: ' : '';
  return `${f.file}: ${f.object}: ${f.field ? `${f.field}: ` : ''}${severity}${f.message} [${f.check}]`;
}

/** One-line descriptions of every check, for the README and the CLI's help. */
export const CHECK_DESCRIPTIONS: readonly { readonly id: string; readonly description: string }[] = [
  { id: 'schema', description: 'strict OpenAPI schema of the target Kubernetes minor (unknown fields, wrong types, nulls, kinds/apiVersions it does not serve) and of our CRDs' },
  ...POLICY_CHECKS.map(({ id, description }) => ({ id, description })),
];
