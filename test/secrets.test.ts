import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { runCli } from '../lib/cli/cli';
import { snapshotTree } from './helpers/tree';

/**
 * Planted secrets never come out: known tokens go into environment variables, into files a site points
 * at (`extends`, `registry.caFile`, the site file itself) and into a Secret's data, and every output
 * stream of every command (stdout and stderr of synth, validate, diff as text and JSON, cost, plan) and
 * every file written outside the opted-in Secret is searched for them, in every spelling a leak could
 * take: as is, base64, base64 of `user:token`, and any 16-character piece of the Secret's base64 data.
 */

const registry = { charts: CHARTS, artifacts: ARTIFACTS };
const EXAMPLE = parse(readFileSync('sites/example.yaml', 'utf8')) as Record<string, any>;
const USER = 'robot$k8s-robot';
const TOKEN_A = 'tokA-7Qx9-secret-value-never-shown';
const TOKEN_B = 'tokB-3Zp4-other-secret-never-shown';
const FILE_TOKEN = 'file-token-5Kd2-secret-in-a-file';
const PLAIN = { mode: 'plain', plain: { iUnderstandTheSecretIsWrittenToDist: true } };
const CREDENTIALS_FILE = '11-registry-credentials.yaml';

let dir: string;
const saved = { HARBOR_USERNAME: process.env.HARBOR_USERNAME, HARBOR_PASSWORD: process.env.HARBOR_PASSWORD };

function setEnv(username: string | undefined, password: string | undefined): void {
  for (const [name, value] of [['HARBOR_USERNAME', username], ['HARBOR_PASSWORD', password]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

afterEach(() => setEnv(saved.HARBOR_USERNAME, saved.HARBOR_PASSWORD));

function writeSite(name: string, change: (doc: Record<string, any>) => void): string {
  const doc = structuredClone(EXAMPLE);
  change(doc);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/** Every spelling of `token` that would be a leak. */
function spellings(token: string): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [token, b64(token), b64(`${USER}:${token}`), b64(`${USER}:${token}`).slice(4, 24), token.slice(0, 12), token.slice(-12)];
}

/** 16-character windows of a Secret's base64 data (the old plain diff printed the head of .dockerconfigjson). */
function windows(value: string, size = 16): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= value.length; i += 4) out.push(value.slice(i, i + size));
  return out;
}

/** The pieces of `secrets` that occur in `text`, for a readable failure. */
function leaks(text: string, secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => text.includes(s)))];
}

interface Streams {
  code: number;
  text: string;
}

async function run(args: string[]): Promise<Streams> {
  const lines: string[] = [];
  const code = await runCli(args, registry, { out: (l) => lines.push(`stdout: ${l}`), err: (l) => lines.push(`stderr: ${l}`) });
  return { code, text: lines.join('\n') };
}

/** Every command on `file`: synth into `out`, validate, diff (text, JSON) against `out`, cost, plan. */
async function everyCommand(file: string, out: string): Promise<Record<string, Streams>> {
  // synth last: the diffs compare with what `out` held before this call
  return {
    validate: await run(['validate', '--site', file]),
    'diff text': await run(['diff', '--site', file, '--against', out]),
    'diff text --full': await run(['diff', '--site', file, '--against', out, '--full']),
    'diff json': await run(['diff', '--site', file, '--against', out, '--output', 'json']),
    cost: await run(['cost', '--site', file]),
    plan: await run(['plan', '--site', file, '--to', '1.34']),
    synth: await run(['synth', '--site', file, '--out', out]),
  };
}

function expectNoLeak(results: Record<string, Streams>, secrets: readonly string[]): void {
  for (const [command, result] of Object.entries(results)) expect(leaks(result.text, secrets), `${command} printed a secret:\n${result.text.slice(0, 3000)}`).toEqual([]);
}

describe('secrets never reach an output stream', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ehc-secrets-'));
    copyFileSync('sites/example-harbor-ca.crt', join(dir, 'example-harbor-ca.crt'));
  });

  it('plain mode (opted in): the token is in the opted-in Secret only; a changed token shows in diff only as redacted sizes', async () => {
    const file = writeSite('plain', (d) => (d.pullSecrets = { ...d.pullSecrets, ...PLAIN }));
    const out = mkdtempSync(join(dir, 'out-'));
    setEnv(USER, TOKEN_A);
    expect((await run(['synth', '--site', file, '--out', out])).code).toBe(0);
    const written = snapshotTree(out);
    const secretFile = join('example', CREDENTIALS_FILE);
    const stored = readFileSync(join(out, secretFile), 'utf8');
    const data = [...stored.matchAll(/\.dockerconfigjson: (\S+)/g)].map((m) => m[1]);
    expect(data.length, 'the opted-in Secret holds the credentials (the scan below can find them)').toBeGreaterThan(0);
    expect(Buffer.from(data[0], 'base64').toString()).toContain(Buffer.from(`${USER}:${TOKEN_A}`).toString('base64'));
    // files other than the opted-in Secret
    for (const [path, bytes] of Object.entries(written)) {
      if (path === secretFile) continue;
      expect(leaks(Buffer.from(bytes, 'base64').toString('utf8'), [...spellings(TOKEN_A), ...windows(data[0])]), path).toEqual([]);
    }
    // every command with a new token: the diffs show the Secret changed, never a piece of either token
    setEnv(USER, TOKEN_B);
    const results = await everyCommand(file, out);
    expect(results['diff text'].code).toBe(1);
    expect(results['diff text'].text).toMatch(/data\S*dockerconfigjson\S*: "<redacted, \d+ bytes>" → "<redacted, \d+ bytes>"/);
    expect(results['diff json'].text).toContain('<redacted, ');
    expect(results.synth.code).toBe(0);
    const now = [...readFileSync(join(out, secretFile), 'utf8').matchAll(/\.dockerconfigjson: (\S+)/g)].map((m) => m[1]);
    expect(now[0]).not.toBe(data[0]);
    expectNoLeak(results, [...spellings(TOKEN_A), ...spellings(TOKEN_B), ...windows(data[0]), ...windows(now[0])]);
  });

  it('swapped environment variables: the token in usernameEnv is never echoed, by any command', async () => {
    const file = writeSite('swapped', (d) => (d.pullSecrets = { ...d.pullSecrets, ...PLAIN }));
    setEnv(TOKEN_A, USER);
    const out = mkdtempSync(join(dir, 'out-'));
    const results = await everyCommand(file, out);
    for (const [command, result] of Object.entries(results)) expect(result.code, command).toBe(2);
    expect(results.validate.text).toMatch(/pullSecrets\.plain\.usernameEnv: environment variable HARBOR_USERNAME must be a Harbor 2\.x robot account name/);
    expectNoLeak(results, spellings(TOKEN_A));
    expect(snapshotTree(out)).toEqual({});
  });

  it('a site without plain mode writes and prints nothing of the variables, even when they are set', async () => {
    const file = writeSite('external', () => {});
    setEnv(USER, TOKEN_A);
    const out = mkdtempSync(join(dir, 'out-'));
    const results = await everyCommand(file, out);
    expect(results.synth.code).toBe(0);
    expectNoLeak(results, spellings(TOKEN_A));
    for (const [path, bytes] of Object.entries(snapshotTree(out))) expect(leaks(Buffer.from(bytes, 'base64').toString('utf8'), spellings(TOKEN_A)), path).toEqual([]);
  });

  it('files that are not YAML we parsed are never quoted: extends a token file or a passwd file, caFile a token file, the site file a token file', async () => {
    const tokenFile = join(dir, 'token.txt');
    writeFileSync(tokenFile, `${FILE_TOKEN}\n`);
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, `${FILE_TOKEN}:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n`);
    const listToken = join(dir, 'list-token.txt');
    writeFileSync(listToken, `- ${FILE_TOKEN}\n`);
    const keyFile = join(dir, 'ca-with-key.crt');
    writeFileSync(keyFile, `${readFileSync('sites/example-harbor-ca.crt', 'utf8')}-----BEGIN PRIVATE KEY----- \n${Buffer.from(FILE_TOKEN).toString('base64')}\n-----END PRIVATE KEY-----\n`);
    const notPem = join(dir, 'not-pem.crt');
    writeFileSync(notPem, `-----BEGIN ${FILE_TOKEN.toUpperCase().replace(/[^A-Z0-9]/g, ' ')}-----\nxx\n-----END CERTIFICATE-----\n`);
    const sites = [
      writeFileSync(join(dir, 'ext-token.yaml'), 'extends: token.txt\n'),
      writeFileSync(join(dir, 'ext-passwd.yaml'), 'extends: passwd\n'),
      writeFileSync(join(dir, 'ext-list.yaml'), 'extends: list-token.txt\n'),
    ].map((_, i) => join(dir, ['ext-token.yaml', 'ext-passwd.yaml', 'ext-list.yaml'][i]));
    sites.push(writeSite('ca-token', (d) => (d.registry.caFile = 'token.txt')));
    sites.push(writeSite('ca-key', (d) => (d.registry.caFile = 'ca-with-key.crt')));
    sites.push(writeSite('ca-not-pem', (d) => (d.registry.caFile = 'not-pem.crt')));
    sites.push(tokenFile, passwd);
    const out = mkdtempSync(join(dir, 'out-'));
    for (const site of sites) {
      const results = await everyCommand(site, out);
      for (const [command, result] of Object.entries(results)) expect(result.code, `${command} ${site}: ${result.text}`).toBe(2);
      expectNoLeak(results, [FILE_TOKEN, FILE_TOKEN.slice(0, 12), FILE_TOKEN.toUpperCase().replace(/[^A-Z0-9]/g, ' ').slice(0, 16), Buffer.from(FILE_TOKEN).toString('base64').slice(0, 16), 'root:x:0', 'nologin']);
    }
    expect(snapshotTree(out)).toEqual({});
  });
});
