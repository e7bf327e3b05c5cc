// lib/validate/policy/credentials.ts: the plaintext-credential check, one concern per case (named after the
// module so the mutation run tries it first). Messages name the field and never the value.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../lib/core/manifest';
import { credentialProblems } from '../lib/validate/policy/credentials';

const FIX = 'deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const secret = (fields: Record<string, unknown>, apiVersion = 'v1'): Manifest => ({ apiVersion, kind: 'Secret', metadata: { name: 's', namespace: 'ml' }, ...fields });
const configMap = (data: Record<string, unknown>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ml' }, data });
const problems = (object: Manifest, allowPlain = false) => credentialProblems(object, allowPlain).map((p) => [p.path.join('.'), p.message]);

describe('Secrets', () => {
  it('every non-empty entry of a credential-typed Secret, in data and stringData', () => {
    for (const type of ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg', 'kubernetes.io/basic-auth', 'kubernetes.io/ssh-auth']) {
      expect(problems(secret({ type, data: { a: b64('x'), empty: '' }, stringData: { b: 'y' } })), type).toEqual([
        ['data.a', `Secret of type ${type} holds a plaintext credential; ${FIX}`],
        ['stringData.b', `Secret of type ${type} holds a plaintext credential; ${FIX}`],
      ]);
    }
  });

  it('an Opaque (or untyped) Secret: keys named like a credential, and credentials written inside other values', () => {
    expect(problems(secret({ stringData: { password: 'hunter2', username: 'bob' } }))).toEqual([['stringData.password', `Secret key "password" holds a plaintext credential; ${FIX}`]]);
    expect(problems(secret({ type: 'Opaque', stringData: { 'config.ini': 'user=bob\ndb_password=hunter2' } }))).toEqual([
      ['stringData.config.ini', `contains a plaintext credential assignment ("db_password" = …); ${FIX}`],
    ]);
    // data is base64: decoded before it is read
    expect(problems(secret({ data: { 'app.env': b64('TOKEN=abc123') } }))).toEqual([['data.app.env', `contains a plaintext credential assignment ("TOKEN" = …); ${FIX}`]]);
    expect(problems(secret({ data: { 'app.env': b64('MODE=fast') }, stringData: { n: 'plain' } }))).toEqual([]);
  });

  it('skips empty and non-string values, and data that is not base64 (the schema check reports that)', () => {
    expect(problems(secret({ type: 'kubernetes.io/basic-auth', stringData: { password: '', n: 3 } }))).toEqual([]);
    expect(problems(secret({ data: { 'app.env': `${b64('TOKEN=abc123')}!` } }))).toEqual([]);
  });

  it('nothing for a Secret when plain credentials are opted in', () => {
    expect(problems(secret({ type: 'kubernetes.io/basic-auth', stringData: { password: 'hunter2' } }), true)).toEqual([]);
    // its payload is not scanned as text either
    expect(problems(secret({ stringData: { 'app.conf': 'password=hunter2' }, data: { 'app.env': b64('TOKEN=abc123') } }), true)).toEqual([]);
  });

  it('a Secret of another API group is scanned field by field like any object', () => {
    expect(problems(secret({ stringData: { password: 'hunter2' } }, 'example.com/v1'))).toEqual([['stringData.password', 'field "password" holds a plaintext credential']]);
  });

  it("a v1 Secret's other fields are still scanned", () => {
    const annotated: Manifest = { ...secret({ stringData: { n: 'plain' } }), metadata: { name: 's', namespace: 'ml', annotations: { note: 'password=hunter2' } } };
    expect(problems(annotated)).toEqual([['metadata.annotations.note', 'contains a plaintext credential assignment ("password" = …)']]);
  });
});

describe('any object', () => {
  it('a field named like a credential with a value', () => {
    for (const key of ['password', 'passwd', 'dbPwd', 'token', 'apiKey', 'api_key', 'api-key', 'apikey', 'secretAccessKey', 'secret_access_key', 'clientSecret', 'client-secret', 'privateKey', 'private_key', 'tls.key', 'ssh-privatekey', '.dockerconfigjson', '.dockercfg']) {
      expect(problems(configMap({ [key]: 'abc123' })), key).toEqual([[`data.${key}`, `field "${key}" holds a plaintext credential`]]);
    }
    // ExternalSecret's secretKey names a key; tokenLength is not a token
    expect(problems(configMap({ secretKey: 'password', tokenLength: '32', passwordFile: '/etc/pw' }))).toEqual([]);
  });

  it('a number under a credential name is a credential; empty values, references and non-string names are not', () => {
    const object = (spec: Record<string, unknown>): Manifest => ({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't', namespace: 'ml' }, spec });
    expect(problems(object({ password: 123456, port: 5432 }))).toEqual([['spec.password', 'field "password" holds a plaintext credential']]);
    expect(problems(object({ password: '', token: '$(TOKEN)' }))).toEqual([]);
    // a reference object under a credential name (external-secrets, Dex) is walked, not reported
    expect(problems(object({ clientSecret: { name: 'azure-sp', key: 'secret' } }))).toEqual([]);
    // a list under a credential name is read item by item, like any list
    expect(problems(object({ token: ['password=hunter2'] }))).toEqual([['spec.token.0', 'contains a plaintext credential assignment ("password" = …)']]);
    // `name` must be a string to make a name/value pair (the schema check reports a list there)
    expect(problems(object({ env: [{ name: ['DB_PASSWORD'], value: 'hunter2' }] }))).toEqual([]);
  });

  it('an env var (name/value pair) named like a credential, with a plaintext value', () => {
    const deployment = (env: unknown[]): Manifest => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ml' }, spec: { template: { spec: { containers: [{ name: 'c', env }] } } } });
    expect(problems(deployment([{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'USER', value: 'bob' }]))).toEqual([
      ['spec.template.spec.containers.0.env.0.value', '"DB_PASSWORD" is set to a plaintext value; reference a Secret (valueFrom.secretKeyRef) instead'],
    ]);
    expect(problems(deployment([{ name: 'DB_PASSWORD', value: '' }, { name: 'API_TOKEN', value: '$(TOKEN)' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'p' } } }]))).toEqual([]);
  });

  it('credentials written into strings: assignments and Docker config auths; references and placeholders are not credentials', () => {
    const found = ['password=hunter2', 'DB_PASSWORD: hunter2', '"token": "abc"', "--api-key='k1'", 'password: notnull', 'token=trueblue', 'password: hunter$2',
      // each separator of the longer names is optional: with and without it
      'apikey=k1', 'secretaccesskey: k2', 'AWS_SECRET_ACCESS_KEY=k3', 'secret-access-key=k4', 'clientsecret=k5', 'client_secret=k6'];
    for (const text of found) expect(problems(configMap({ script: text })).length, text).toBe(1);
    const references = ['password=$DB_PASSWORD', 'password: {{ .Values.pw }}', 'password=<set-me>', 'password: /etc/pw', 'password=%PW%', 'password=*', 'password=(x)', 'password=[x]', 'token: {x}', 'password=file:/run/pw', 'token=env:TOKEN', 'password=secret:db', 'password=ref+vault://x', 'password: true', 'password=FALSE', 'password: null', 'password=none', 'password=""', "password=''"];
    for (const text of references) expect(problems(configMap({ script: text })), text).toEqual([]);
    expect(problems(configMap({ 'config.json': '{"auths": {"harbor.example.com": {"auth": "dXNlcjpwdw=="}}}' }))).toEqual([
      ['data.config.json', 'contains a registry "auths" entry with an "auth" credential'],
    ]);
    expect(problems(configMap({ 'config.json': '{"auths": {"harbor.example.com": {}}}', note: 'no credential word here' }))).toEqual([]);
    // spaces before the colons, as some tools write JSON
    expect(problems(configMap({ 'config.json': '{"auths" : {"harbor.example.com": {"auth" : "dXNlcjpwdw=="}}}' }))).toEqual([
      ['data.config.json', 'contains a registry "auths" entry with an "auth" credential'],
    ]);
  });

  it("a SealedSecret's ciphertext is not read; the same field elsewhere is", () => {
    const sealed: Manifest = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'ml' }, spec: { encryptedData: { password: 'AgBy3i4OJSWK' } } };
    expect(problems(sealed)).toEqual([]);
    expect(problems({ ...sealed, kind: 'Other' })).toEqual([['spec.encryptedData.password', 'field "password" holds a plaintext credential']]);
    expect(problems({ ...sealed, spec: { template: { encryptedData: { password: 'x1' } } } })).toEqual([['spec.template.encryptedData.password', 'field "password" holds a plaintext credential']]);
  });

  it('never repeats the value', () => {
    const all = [
      ...credentialProblems(secret({ stringData: { password: 'hunter2', 'c.ini': 'db_password=hunter2' } }), false),
      ...credentialProblems(configMap({ token: 'hunter2', s: 'password=hunter2' }), false),
    ];
    expect(all).toHaveLength(4);
    expect(all.filter((p) => p.message.includes('hunter2'))).toEqual([]);
  });
});
