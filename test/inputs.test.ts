import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { EXIT_BAD_INPUT, runCli } from '../lib/cli/cli';
import { readPlainPullCredentials, readRegistryCa, readSiteInputs } from '../lib/site/inputs';
import { SiteConfigError } from '../lib/config/problems';
import { loadSite } from '../lib/site/site';
import { EXAMPLE_CA, FIXTURES } from './fixtures/registry/sites';
import { siteVariantFile } from './helpers/site-variant';
import { snapshotTree } from './helpers/tree';

const NOW = new Date('2027-06-01T00:00:00Z');
const exampleCa = readFileSync(EXAMPLE_CA, 'utf8');

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehc-ca-'));
  writeFileSync(join(dir, name), content);
  return dir;
}

describe('registry.caFile', () => {
  it('reads the example CA: normalised PEM, its sha256, subject and expiry', () => {
    const { ca, problems, warnings } = readRegistryCa('example-harbor-ca.crt', 'sites', NOW);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(ca!.pem).toBe(exampleCa.trimEnd() + '\n');
    expect(ca!.sha256).toBe(createHash('sha256').update(ca!.pem).digest('hex'));
    expect(ca!.certificates).toEqual([
      {
        subject: 'O=eks-hybrid-charts example, CN=Example Harbor CA',
        notAfter: new Date(new X509Certificate(exampleCa).validTo).toISOString(),
        fingerprint256: new X509Certificate(exampleCa).fingerprint256,
      },
    ]);
  });

  it('is relative to the site file', () => {
    const dir = tempFile('nested.crt', exampleCa);
    expect(readRegistryCa('nested.crt', dir, NOW).ca).toBeDefined();
    expect(readRegistryCa(`../${dir.split('/').pop()}/nested.crt`, join(dir, '..', 'elsewhere'), NOW).ca).toBeDefined();
  });

  it('takes an absolute path as it is', () => {
    const dir = tempFile('abs.crt', exampleCa);
    const { ca, problems } = readRegistryCa(join(dir, 'abs.crt'), 'sites', NOW);
    expect(problems).toEqual([]);
    expect(ca!.sha256).toBe(readRegistryCa('example-harbor-ca.crt', 'sites', NOW).ca!.sha256);
  });

  it('says in words why it cannot read a folder or a missing file', () => {
    const dir = tempFile('x.crt', exampleCa);
    expect(readRegistryCa('.', dir, NOW).problems).toEqual([
      { path: 'registry.caFile', message: `${dir} cannot be read (is a directory, expected a PEM file); registry.caFile is relative to the file that sets it`, value: '.' },
    ]);
    expect(readRegistryCa('none.crt', dir, NOW)).toStrictEqual({
      problems: [{ path: 'registry.caFile', message: `${join(dir, 'none.crt')} cannot be read (no such file); registry.caFile is relative to the file that sets it`, value: 'none.crt' }],
      warnings: [],
    });
  });

  it('ignores line endings and text around the blocks (no DaemonSet roll for a re-saved file)', () => {
    const crlf = tempFile('ca.crt', `Example Harbor CA, issued by the security team\r\n${exampleCa.replace(/\n/g, '\r\n')}`);
    expect(readRegistryCa('ca.crt', crlf, NOW).ca!.sha256).toBe(readRegistryCa('example-harbor-ca.crt', 'sites', NOW).ca!.sha256);
  });

  it('accepts a bundle of CA certificates and hashes all of them', () => {
    const dir = tempFile('bundle.crt', `${exampleCa}${exampleCa}`);
    const { ca, problems } = readRegistryCa('bundle.crt', dir, NOW);
    expect(problems).toEqual([]);
    expect(ca!.certificates).toHaveLength(2);
  });

  const cases: [string, string, string, RegExp][] = [
    ['a missing file', 'missing.crt', '', /missing\.crt cannot be read \(no such file\); registry\.caFile is relative to the file that sets it$/],
    ['a file that is not PEM', 'not-pem.crt', join(FIXTURES, 'not-pem.crt'), /not-pem\.crt is not a PEM certificate file: no "-----BEGIN CERTIFICATE-----" block$/],
    ['a server (leaf) certificate', 'leaf.crt', join(FIXTURES, 'leaf.crt'), /leaf\.crt: the certificate \(O=eks-hybrid-charts tests, CN=harbor\.yourdomain\.com\) is not a CA certificate \(basicConstraints CA:FALSE or missing\); this is probably Harbor's server certificate: use the CA that signed it$/],
    ['an expired CA', 'expired-ca.crt', join(FIXTURES, 'expired-ca.crt'), /expired-ca\.crt: the certificate \(O=eks-hybrid-charts tests, CN=Expired Harbor CA\) expired on 2021-01-01T00:00:00\.000Z; nodes would reject Harbor's certificate$/],
  ];
  for (const [what, name, source, message] of cases) {
    it(`refuses ${what}`, () => {
      const dir = source ? tempFile(name, readFileSync(source, 'utf8')) : mkdtempSync(join(tmpdir(), 'ehc-ca-'));
      const { ca, problems } = readRegistryCa(name, dir, NOW);
      expect(ca).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0].path).toBe('registry.caFile');
      expect(problems[0].value).toBe(name);
      expect(problems[0].message).toMatch(message);
      expect(problems[0].message.startsWith(join(dir, name))).toBe(true);
    });
  }

  it('refuses a file that holds a private key, and never prints the key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = tempFile('ca-and-key.pem', `${exampleCa}${keyPem}`);
    const { problems } = readRegistryCa('ca-and-key.pem', dir, NOW);
    expect(problems.map((p) => p.message)).toEqual([`${join(dir, 'ca-and-key.pem')} holds a private key; the CA file must contain only the public CA certificate (the key never leaves the CA)`]);
    expect(JSON.stringify(problems)).not.toContain(keyPem.split('\n')[1]);
  });

  it('refuses a PEM block that is not an X.509 certificate, with the first line of what node:crypto says', () => {
    const dir = tempFile('broken.crt', '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    let reason = '';
    try {
      new X509Certificate('-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    } catch (err) {
      reason = (err as Error).message.split('\n')[0];
    }
    expect(reason).not.toBe('');
    expect(readRegistryCa('broken.crt', dir, NOW).problems).toEqual([
      { path: 'registry.caFile', message: `${join(dir, 'broken.crt')} certificate 1 is not a valid X.509 certificate (${reason})`, value: 'broken.crt' },
    ]);
    // in a bundle, the one that is broken is named by its place
    const bundle = tempFile('bundle.crt', `${exampleCa}-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`);
    expect(readRegistryCa('bundle.crt', bundle, NOW).problems.map((p) => p.message)).toEqual([
      `${join(bundle, 'bundle.crt')} certificate 2 is not a valid X.509 certificate (${reason})`,
    ]);
  });

  it('names each certificate of a bundle by its place and subject in problems', () => {
    const dir = tempFile('bundle.crt', `${exampleCa}${readFileSync(join(FIXTURES, 'leaf.crt'), 'utf8')}`);
    expect(readRegistryCa('bundle.crt', dir, NOW).problems).toEqual([
      {
        path: 'registry.caFile',
        message: `${join(dir, 'bundle.crt')}: certificate 2 (O=eks-hybrid-charts tests, CN=harbor.yourdomain.com) is not a CA certificate (basicConstraints CA:FALSE or missing); this is probably Harbor's server certificate: use the CA that signed it`,
        value: 'bundle.crt',
      },
    ]);
  });

  it('warns, without failing, when the CA expires within 30 days', () => {
    const notAfter = new Date(new X509Certificate(exampleCa).validTo);
    const soon = new Date(notAfter.getTime() - 10 * 24 * 3600 * 1000 - 60_000);
    const { ca, problems, warnings } = readRegistryCa('example-harbor-ca.crt', 'sites', soon);
    expect(problems).toEqual([]);
    expect(ca).toBeDefined();
    expect(warnings).toEqual([
      `registry.caFile: sites/example-harbor-ca.crt: the certificate (O=eks-hybrid-charts example, CN=Example Harbor CA) expires on ${notAfter.toISOString()} (in 10 day(s)); renew it and Harbor's certificate before then`,
    ]);
    expect(readRegistryCa('example-harbor-ca.crt', 'sites', new Date(notAfter.getTime() - 31 * 24 * 3600 * 1000)).warnings).toEqual([]);
  });

  it('goes into Site.warnings through the loader', () => {
    const site = loadSite('sites/example.yaml');
    expect(site.warnings.filter((w) => w.startsWith('registry.caFile'))).toEqual([]);
    const notAfter = new Date(new X509Certificate(exampleCa).validTo);
    const result = readSiteInputs(site.config, 'sites', {}, new Date(notAfter.getTime() - 5 * 24 * 3600 * 1000));
    expect(result.warnings).toHaveLength(1);
  });
});

describe('plain-mode credentials from the environment', () => {
  const plainSite = () =>
    loadSite(siteVariantFile({ pullSecrets: { mode: 'plain', plain: { iUnderstandTheSecretIsWrittenToDist: true } } }), {
      env: { HARBOR_USERNAME: 'robot$library+puller', HARBOR_PASSWORD: 'not-a-real-token' },
    });

  it('reads the variables the config names', () => {
    expect(plainSite().inputs.plainPullCredentials).toEqual({ username: 'robot$library+puller', password: 'not-a-real-token' });
    expect(plainSite().warnings).toContain('pullSecrets.mode is plain: the robot token from HARBOR_PASSWORD is written unencrypted to the output; do not commit it');
  });

  it('refuses to run without them, naming the variables and never a value', () => {
    const config = plainSite().config;
    expect(readPlainPullCredentials(config, {}).problems).toEqual([
      { path: 'pullSecrets.plain.usernameEnv', message: 'environment variable HARBOR_USERNAME is not set or empty; mode plain reads the robot account name from it at synth time', value: 'HARBOR_USERNAME' },
      { path: 'pullSecrets.plain.passwordEnv', message: 'environment variable HARBOR_PASSWORD is not set or empty; mode plain reads the robot token from it at synth time', value: 'HARBOR_PASSWORD' },
    ]);
    const badUser = readPlainPullCredentials(config, { HARBOR_USERNAME: 'admin', HARBOR_PASSWORD: 'secret-value' });
    // no credentials at all with a problem: not the token beside a wrong name
    expect(Object.keys(badUser)).toEqual(['problems']);
    expect(badUser.problems).toHaveLength(1);
    expect(badUser.problems[0].message).toMatch(/HARBOR_USERNAME must be a Harbor 2\.x robot account name/);
    expect(JSON.stringify(badUser.problems)).not.toContain('secret-value');
  });

  it('gives no credentials, and no warning that they are written, when one variable is missing', () => {
    const config = plainSite().config;
    expect(readPlainPullCredentials(config, { HARBOR_USERNAME: 'robot$library+puller' })).toStrictEqual({
      problems: [
        { path: 'pullSecrets.plain.passwordEnv', message: 'environment variable HARBOR_PASSWORD is not set or empty; mode plain reads the robot token from it at synth time', value: 'HARBOR_PASSWORD' },
      ],
    });
    const result = readSiteInputs(config, 'sites', { HARBOR_USERNAME: 'robot$library+puller' }, NOW);
    expect(result.inputs.plainPullCredentials).toBeUndefined();
    expect(result.warnings).toEqual([]);
    expect(result.problems.map((p) => p.path)).toEqual(['pullSecrets.plain.passwordEnv']);
  });

  it('are not read unless the site is in plain mode with the opt-in', () => {
    const site = loadSite('sites/example.yaml', { env: { HARBOR_USERNAME: 'robot$x', HARBOR_PASSWORD: 'y' } });
    expect(site.inputs.plainPullCredentials).toBeUndefined();
  });
});

describe('bad registry input on the command line', () => {
  const registry = { charts: CHARTS, artifacts: ARTIFACTS };

  async function synthFails(site: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
    // A previous good output must survive a failed synth byte for byte.
    const out = mkdtempSync(join(tmpdir(), 'ehc-out-'));
    expect(await runCli(['synth', '--out', out], registry, { out: () => {}, err: () => {} })).toBe(0);
    const before = snapshotTree(out);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const err: string[] = [];
    try {
      expect(await runCli(['synth', '--site', site, '--out', out], registry, { out: () => {}, err: (l) => err.push(l) })).toBe(EXIT_BAD_INPUT);
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    }
    expect(snapshotTree(out)).toEqual(before);
    return err.flatMap((l) => l.split('\n'));
  }

  const caCases: [string, string][] = [
    ['not-pem.crt', 'is not a PEM certificate file'],
    ['leaf.crt', 'is not a CA certificate'],
    ['expired-ca.crt', 'expired on 2021-01-01T00:00:00.000Z'],
  ];
  for (const [fixture, what] of caCases) {
    it(`${fixture}: one line naming file and field, exit 2, output untouched`, async () => {
      const site = siteVariantFile({ registry: { caFile: fixture } }, { [fixture]: join(FIXTURES, fixture) });
      const err = await synthFails(site);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(new RegExp(`^${site.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: registry\\.caFile: ${join(dirname(site), fixture).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* ${what}.*\\(got "${fixture}"\\)$`));
    });
  }

  it('an unreadable CA file', async () => {
    const site = siteVariantFile({ registry: { caFile: 'nowhere.crt' } });
    expect(existsSync(join(dirname(site), 'nowhere.crt'))).toBe(false);
    expect(await synthFails(site)).toEqual([`${site}: registry.caFile: ${join(dirname(site), 'nowhere.crt')} cannot be read (no such file); registry.caFile is relative to the file that sets it (got "nowhere.crt")`]);
  });

  it('plain mode without the opt-in', async () => {
    const site = siteVariantFile({ pullSecrets: { mode: 'plain' } });
    expect(await synthFails(site, { HARBOR_USERNAME: 'robot$k8s-robot', HARBOR_PASSWORD: 'x' })).toEqual([
      `${site}: pullSecrets.plain.iUnderstandTheSecretIsWrittenToDist: must be true to use pullSecrets.mode plain: the robot token is then written base64-encoded, not encrypted, into dist/ (use mode externalSecret or sealedSecret to keep it out) (got false)`,
    ]);
  });

  it('plain mode without its environment variables', async () => {
    const site = siteVariantFile({ pullSecrets: { mode: 'plain', plain: { iUnderstandTheSecretIsWrittenToDist: true, usernameEnv: 'EHC_TEST_NO_USER', passwordEnv: 'EHC_TEST_NO_TOKEN' } } });
    expect(await synthFails(site)).toEqual([
      `${site}: pullSecrets.plain.usernameEnv: environment variable EHC_TEST_NO_USER is not set or empty; mode plain reads the robot account name from it at synth time (got "EHC_TEST_NO_USER")`,
      `${site}: pullSecrets.plain.passwordEnv: environment variable EHC_TEST_NO_TOKEN is not set or empty; mode plain reads the robot token from it at synth time (got "EHC_TEST_NO_TOKEN")`,
    ]);
  });

  it('a missing caFile while the CA DaemonSet is enabled', () => {
    const site = siteVariantFile({ registry: { caFile: null } });
    expect(() => loadSite(site)).toThrow(SiteConfigError);
    expect(() => loadSite(site)).toThrow(/registry\.caFile: is required while registryCaTrust\.enabled is true/);
    expect(loadSite(siteVariantFile({ registry: { caFile: null }, registryCaTrust: { enabled: false } })).inputs.registryCa).toBeUndefined();
  });
});

describe('registry CA validity at both edges (issue 21)', () => {
  const cert = new X509Certificate(exampleCa);
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  const DAY = 24 * 3600 * 1000;
  const which = 'the certificate (O=eks-hybrid-charts example, CN=Example Harbor CA)';
  const at = (ms: number) => readRegistryCa('example-harbor-ca.crt', 'sites', new Date(ms));

  it('is expired at its notAfter instant, valid a millisecond before', () => {
    expect(at(notAfter.getTime()).problems).toEqual([
      { path: 'registry.caFile', message: `sites/example-harbor-ca.crt: ${which} expired on ${notAfter.toISOString()}; nodes would reject Harbor's certificate`, value: 'example-harbor-ca.crt' },
    ]);
    expect(at(notAfter.getTime()).ca).toBeUndefined();
    const last = at(notAfter.getTime() - 1);
    expect(last.problems).toEqual([]);
    expect(last.warnings).toEqual([`registry.caFile: sites/example-harbor-ca.crt: ${which} expires on ${notAfter.toISOString()} (in 0 day(s)); renew it and Harbor's certificate before then`]);
  });

  it('is valid from its notBefore instant, not a millisecond earlier', () => {
    expect(at(notBefore.getTime()).problems).toEqual([]);
    expect(at(notBefore.getTime() - 1).problems).toEqual([
      { path: 'registry.caFile', message: `sites/example-harbor-ca.crt: ${which} is not valid before ${notBefore.toISOString()}`, value: 'example-harbor-ca.crt' },
    ]);
  });

  it('warns below 30 whole days left, not at 30', () => {
    expect(at(notAfter.getTime() - 30 * DAY).warnings).toEqual([]);
    expect(at(notAfter.getTime() - 30 * DAY + 1).warnings).toEqual([
      `registry.caFile: sites/example-harbor-ca.crt: ${which} expires on ${notAfter.toISOString()} (in 29 day(s)); renew it and Harbor's certificate before then`,
    ]);
  });
});

describe('registry.caFile PEM scanning', () => {
  const caBody = exampleCa.trim().split('\n').slice(1, -1);
  const OTHERS = (labels: string) => `holds PEM blocks other than well-formed certificates (${labels}); only "-----BEGIN CERTIFICATE-----" blocks are allowed`;
  const KEY = 'holds a private key; the CA file must contain only the public CA certificate (the key never leaves the CA)';
  const NOT_PEM = 'is not a PEM certificate file: no "-----BEGIN CERTIFICATE-----" block';

  /** The problems for a CA file with this text, each without the leading path and space. */
  function caMessages(text: string): string[] {
    const dir = tempFile('ca.pem', text);
    const prefix = `${join(dir, 'ca.pem')} `;
    return readRegistryCa('ca.pem', dir, NOW).problems.map((p) => (p.message.startsWith(prefix) ? p.message.slice(prefix.length) : p.message));
  }
  const block = (begin: string, body: string[], end: string) => [begin, ...body, end].join('\n');

  it('names every PEM label it knows, spacing and case normalised, and nothing else', () => {
    const text = [
      block('-----BEGIN CERTIFICATE-----', [], '-----END CERTIFICATE-----'),
      block('-----BEGIN TRUSTED  CERTIFICATE-----', ['AAAA'], '-----END TRUSTED  CERTIFICATE-----'),
      block('-----BEGIN X509 CRL-----', ['AAAA'], '-----END X509 CRL-----'),
      block('-----BEGIN certificate request-----', ['AAAA'], '-----END certificate request-----'),
      block('-----BEGIN NEW CERTIFICATE REQUEST-----', ['AAAA'], '-----END NEW CERTIFICATE REQUEST-----'),
      block('-----BEGIN PKCS7-----', ['AAAA'], '-----END PKCS7-----'),
      block('-----BEGIN CMS-----', ['AAAA'], '-----END CMS-----'),
      block('-----BEGIN EC PARAMETERS-----', ['AAAA'], '-----END EC PARAMETERS-----'),
      block('-----BEGIN DH PARAMETERS-----', ['AAAA'], '-----END DH PARAMETERS-----'),
      block('-----BEGIN SECRET TOKEN-----', ['AAAA'], '-----END SECRET TOKEN-----'),
      block('-----BEGIN-----', ['AAAA'], '-----END-----'),
      '',
    ].join('\n');
    expect(caMessages(text)).toEqual([
      OTHERS(
        'CERTIFICATE, TRUSTED CERTIFICATE, X509 CRL, CERTIFICATE REQUEST, NEW CERTIFICATE REQUEST, PKCS7, CMS, EC PARAMETERS, DH PARAMETERS, ' +
          'a block with another label, a block with another label',
      ),
    ]);
  });

  it('reads labels with spaces around the dashes and many spaces before the label', () => {
    expect(caMessages(block('----- BEGIN CMS -----', ['AAAA'], '----- END CMS -----'))).toEqual([OTHERS('CMS')]);
    expect(caMessages(block(`-----BEGIN${' '.repeat(45)}CMS-----`, ['AAAA'], '-----END CMS-----'))).toEqual([OTHERS('CMS')]);
  });

  it('reports an END without BEGIN, however it is spaced', () => {
    expect(caMessages('-----END CERTIFICATE-----\n')).toEqual([OTHERS('CERTIFICATE (END without BEGIN)')]);
    expect(caMessages('----- END CMS -----\n')).toEqual([OTHERS('CMS (END without BEGIN)')]);
  });

  it('reports a BEGIN without END, at the end of the file or before the next block', () => {
    expect(caMessages('-----BEGIN CERTIFICATE-----\nAAAA\n')).toEqual([OTHERS('CERTIFICATE')]);
    expect(caMessages(`-----BEGIN CMS-----\nAAAA\n${exampleCa}`)).toEqual([OTHERS('CMS')]);
    expect(caMessages('-----BEGIN CMS-----\nAAAA\n----- BEGIN PKCS7 -----\nAAAA\n----- END PKCS7 -----\n')).toEqual([OTHERS('CMS, PKCS7')]);
  });

  it('refuses blocks whose BEGIN and END labels differ', () => {
    expect(caMessages(block('-----BEGIN CMS-----', caBody, '-----END CERTIFICATE-----'))).toEqual([OTHERS('CMS')]);
    expect(caMessages(block('-----BEGIN CERTIFICATE-----', caBody, '-----END CMS-----'))).toEqual([OTHERS('CERTIFICATE')]);
  });

  it('refuses certificate blocks with lines that are not base64', () => {
    const text = [
      block('-----BEGIN CERTIFICATE-----', ['#' + caBody[0], ...caBody.slice(1)], '-----END CERTIFICATE-----'),
      block('-----BEGIN CERTIFICATE-----', [caBody[0] + '#', ...caBody.slice(1)], '-----END CERTIFICATE-----'),
      block('-----BEGIN CERTIFICATE-----', [...caBody, 'not base64'], '-----END CERTIFICATE-----'),
      '',
    ].join('\n');
    expect(caMessages(text)).toEqual([OTHERS('CERTIFICATE, CERTIFICATE, CERTIFICATE')]);
  });

  it('ends a block only at a dashed BEGIN or END line, not at a dash in its body', () => {
    expect(caMessages(block('-----BEGIN CMS-----', ['front-end'], '-----END CMS-----'))).toEqual([OTHERS('CMS')]);
  });

  it('does not take a dash in text outside blocks for a BEGIN or END line', () => {
    const { ca, problems } = readRegistryCa('ca.pem', tempFile('ca.pem', `Re-begin and year-end notes\n${exampleCa}`), NOW);
    expect(problems).toEqual([]);
    expect(ca!.pem).toBe(exampleCa.trimEnd() + '\n');
  });

  it('accepts indented certificates and blank lines in their body, normalised away', () => {
    const indented = [' -----BEGIN CERTIFICATE-----  ', ...caBody.slice(0, 2).map((l) => `\t${l} `), '', ...caBody.slice(2), '  -----END CERTIFICATE----- ', ''].join('\n');
    const { ca, problems } = readRegistryCa('ca.pem', tempFile('ca.pem', indented), NOW);
    expect(problems).toEqual([]);
    expect(ca!.pem).toBe(exampleCa.trimEnd() + '\n');
  });

  it('refuses an empty certificate block', () => {
    expect(caMessages(block('-----BEGIN CERTIFICATE-----', [], '-----END CERTIFICATE-----'))).toEqual([OTHERS('CERTIFICATE')]);
  });

  it('keeps every certificate of a bundle, in order, normalised', () => {
    const { ca, problems } = readRegistryCa('ca.pem', tempFile('ca.pem', `${exampleCa}\nbetween\n${exampleCa}`), NOW);
    expect(problems).toEqual([]);
    expect(ca!.pem).toBe(`${exampleCa.trimEnd()}\n${exampleCa.trimEnd()}\n`);
  });

  it('refuses any mention of a private key outside blocks, however it is spaced', () => {
    expect(caMessages(`${exampleCa}privatekey: see the vault\n`)).toEqual([KEY]);
    expect(caMessages(`${exampleCa}private  key: see the vault\n`)).toEqual([KEY]);
  });

  it('names public-key blocks as what they are, not as private keys', () => {
    const text = [
      block('-----BEGIN PUBLIC KEY-----', ['AAAA'], '-----END PUBLIC KEY-----'),
      block('-----BEGIN RSA PUBLIC KEY-----', ['AAAA'], '-----END RSA PUBLIC KEY-----'),
      block('-----BEGIN PGP PUBLIC KEY BLOCK-----', ['AAAA'], '-----END PGP PUBLIC KEY BLOCK-----'),
      '',
    ].join('\n');
    expect(caMessages(text)).toEqual([OTHERS('PUBLIC KEY, RSA PUBLIC KEY, PGP PUBLIC KEY BLOCK')]);
  });

  it('names the X9.42 DH PARAMETERS label, dot included', () => {
    expect(caMessages(block('-----BEGIN X9.42 DH PARAMETERS-----', ['AAAA'], '-----END X9.42 DH PARAMETERS-----'))).toEqual([OTHERS('X9.42 DH PARAMETERS')]);
  });

  it('says a file without blocks is not PEM', () => {
    expect(caMessages('just text\n')).toEqual([NOT_PEM]);
  });
});

describe('registry.caFile, when reading fails for another reason than the file', () => {
  afterEach(() => {
    vi.doUnmock('../lib/config/read-file');
    vi.resetModules();
  });

  it('lets an error that is not about the file (a bug) through, not as "cannot be read"', async () => {
    vi.resetModules();
    vi.doMock('../lib/config/read-file', async (importOriginal) => ({
      ...(await importOriginal<typeof import('../lib/config/read-file')>()),
      readRegularFile: () => {
        throw new TypeError('a bug');
      },
    }));
    const { readRegistryCa: read } = await import('../lib/site/inputs.js');
    expect(() => read('example-harbor-ca.crt', 'sites', NOW)).toThrow(new TypeError('a bug'));
  });
});

describe('registry.caFile, when node:crypto refuses a certificate at length', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.resetModules();
  });

  it('says the first line of what it says, to 200 characters', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => ({
      ...(await importOriginal<typeof import('node:crypto')>()),
      X509Certificate: class {
        constructor() {
          throw new Error(`${'x'.repeat(199)}yz\nsecond line`);
        }
      },
    }));
    const { readRegistryCa: read } = await import('../lib/site/inputs.js');
    expect(read('example-harbor-ca.crt', 'sites', NOW)).toStrictEqual({
      problems: [
        {
          path: 'registry.caFile',
          message: `${join('sites', 'example-harbor-ca.crt')} certificate 1 is not a valid X.509 certificate (${'x'.repeat(199)}y)`,
          value: 'example-harbor-ca.crt',
        },
      ],
      warnings: [],
    });
  });
});
