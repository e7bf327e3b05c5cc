import { Type, type Static } from '@sinclair/typebox';
import { clusterProperties } from './cluster';
import { fleetProperties } from './fleet';
import { gpuProperties } from './gpu';
import { observabilityProperties } from './observability';
import { registryProperties } from './registry';

/**
 * The site config schema: the single source of both the JSON Schema ajv validates against and the
 * TypeScript `SiteConfig` type (TypeBox derives one from the other, so they cannot disagree).
 */
export const SiteSchema = Type.Object(
  {
    ...clusterProperties,
    ...registryProperties,
    ...gpuProperties,
    ...observabilityProperties,
    ...fleetProperties,
  },
  {
    $id: 'https://eks-hybrid-charts.local/site-config.json',
    title: 'eks-hybrid-charts site config',
    additionalProperties: false,
  },
);

/** A validated, defaulted site config: every default is filled in. */
export type SiteConfig = Static<typeof SiteSchema>;
export type NodePool = SiteConfig['nodePools'][number];
