import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EKSCTL_PATH } from '../lib/artifacts/eksctl';
import { buildSite } from '../lib/pipeline/pipeline';
import { siteVariantFile } from './helpers/site-variant';

/** eksctl's own ClusterConfig schema, generated from its Go module by scripts/update-eksctl-schema.ts. */
const schema = JSON.parse(readFileSync('imports/schemas/eksctl-v1alpha5.json', 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

const registry = { charts: CHARTS, artifacts: ARTIFACTS };

function eksctlErrors(file: string): string[] {
  const build = buildSite(file, registry);
  const content = build.output.find((f) => f.path === EKSCTL_PATH)!.content;
  return validate(parse(content)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('cluster/eksctl.yaml against eksctl v1alpha5 schema', () => {
  it('the schema is eksctl\'s and knows the hybrid fields', () => {
    expect(schema.definitions.RemoteNetworkConfig.required).toContain('remoteNodeNetworks');
    expect(validate({ apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: { name: 'x', region: 'eu-west-1' }, notAField: 1 })).toBe(false);
  });

  it.each(['sites/example.yaml', 'sites/example-operator.yaml'])('%s renders a valid ClusterConfig', (file) => {
    expect(eksctlErrors(file)).toEqual([]);
  });

  it('is valid with IAM Roles Anywhere and with a private endpoint', () => {
    const ira = siteVariantFile({
      nodeadm: { credentialProvider: 'iamRolesAnywhere' },
      eksctl: { endpointAccess: 'private', caBundleCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
    });
    expect(eksctlErrors(ira)).toEqual([]);
  });
});
