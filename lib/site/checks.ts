import { checkSchema, outsideOf, type SchemaCheckedDocument, whereCheckable } from '../config/load';
import { siteConfigError } from '../config/overlay';
import type { SiteConfig } from '../config/schema';
import { checkCloudNodeGroups, checkCost, checkGitops, checkNodeadm } from './fleet-checks';
import { GPU_CHECKS } from './gpu-checks';
import { OBSERVABILITY_CHECKS } from './observability-checks';
import { checkRegistry } from './registry-checks';
import { checkNetworks, checkNodePools, type SemanticCheck } from './semantic';

/** Every semantic check, in the order their messages appear. Each config section registers its checks here. */
export const SEMANTIC_CHECKS: readonly SemanticCheck[] = [checkNetworks, checkNodePools, checkRegistry, checkCost, checkNodeadm, checkCloudNodeGroups, checkGitops, ...GPU_CHECKS, ...OBSERVABILITY_CHECKS];

/**
 * Validates a parsed document against the schema (filling in defaults) and runs the semantic checks.
 * Throws SiteConfigError with every problem at once.
 */
export function validateSiteDocument(file: string, document: unknown): SiteConfig {
  const checked = checkSiteDocument(document);
  if (checked.problems.length > 0) throw siteConfigError(file, document, checked.problems);
  return checked.config;
}

/**
 * A document checked against the schema and by the semantic checks; `config` is typed only when
 * `schemaValid`. Its `problems` are the schema's, then the semantic checks' that do not touch a field the
 * schema refused.
 */
export type CheckedSiteDocument = SchemaCheckedDocument;

/**
 * Validates a parsed document against the schema (filling in defaults) and runs the semantic checks,
 * also when the schema found problems, so one run reports every problem at once: a semantic check then
 * sees a config that may hold values of the wrong type, so a check that throws is skipped, and its
 * problems about fields the schema refused are dropped (the schema's message says what is wrong there).
 */
export function checkSiteDocument(document: unknown): CheckedSiteDocument {
  const { config, schemaValid, problems: schema, refused } = checkSchema(document);
  const semantic = SEMANTIC_CHECKS.flatMap((check) => (schemaValid ? check(config) : (whereCheckable(config, refused, check) ?? [])));
  return { config, schemaValid, problems: [...schema, ...outsideOf(refused, semantic)], refused };
}
