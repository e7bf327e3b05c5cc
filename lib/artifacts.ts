import type { ArtifactDefinition } from './render';

/** Site artefacts that are not cluster objects (NodeConfigs, eksctl config, cost report, overview). */
export const ARTIFACTS: readonly ArtifactDefinition[] = [];
