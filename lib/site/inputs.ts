import { createHash, X509Certificate } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { BoundedMap } from '../core/bounded-map';
import { plainCredentialsAllowed } from '../model/pull-secrets';
import type { Problem } from '../config/problems';
import { readRegularFile, UnreadableFileError } from '../config/read-file';
import { ROBOT_NAME_MESSAGE, ROBOT_NAME_PATTERN } from '../config/registry';
import type { SiteConfig } from '../config/schema';

/** The registry CA as the charts use it: checked, normalised PEM and its digest. */
export interface RegistryCa {
  /** The certificates of the file, PEM, each block normalised, joined by newlines (what nodes get as ca.crt). */
  readonly pem: string;
  /** sha256 of `pem`: the DaemonSet's pod template carries it so the DaemonSet rolls when the CA changes. */
  readonly sha256: string;
  /** Subject and expiry of each certificate, for annotations and messages. */
  readonly certificates: readonly { readonly subject: string; readonly notAfter: string; readonly fingerprint256: string }[];
}

/** Pull credentials read from the environment in mode plain (never from a file). */
export interface PlainPullCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * What the loader reads besides the site file itself (files the config points to, environment
 * variables the user opted in to). Charts get these through `Site.inputs` and never read anything.
 */
export interface SiteInputs {
  /** Present when `registry.caFile` is set. */
  readonly registryCa?: RegistryCa;
  /** Present in pull-secret mode plain (with its opt-in). */
  readonly plainPullCredentials?: PlainPullCredentials;
}

export interface InputsResult {
  readonly inputs: SiteInputs;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

/** A CA that expires within this many days is worth a warning on every synth. */
export const CA_EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A CA bundle is a few certificates: far below the loader's general limit. */
const MAX_CA_FILE_BYTES = 256 * 1024;

interface PemScan {
  /** The certificate blocks, each normalised: BEGIN line, base64 lines, END line, `\n`-separated. */
  readonly certificates: string[];
  /** Everything that looked like a PEM block but is not a well-formed CERTIFICATE block (labels, when readable). */
  readonly others: string[];
  /** Some part of the file names or looks like a private key (any label, any spacing, any case). */
  readonly privateKey: boolean;
}

/**
 * Reads the PEM blocks of a CA file line by line, accepting only exact `CERTIFICATE` blocks.
 * OpenSSL is lenient (trailing spaces after `-----`, an END label that differs from the BEGIN label,
 * `RSA`/`EC`/`OPENSSH`/`ENCRYPTED` keys), so the private-key refusal does not depend on the block
 * parsing at all: any "PRIVATE KEY" or "ENCRYPTED" in the file, in any case and spacing, refuses it.
 */
// Private-key labels are not listed: a file naming one is refused as a private key before labels are shown.
const PEM_LABELS = new Set([
  'CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CRL', 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'PKCS7', 'CMS', 'PUBLIC KEY',
  'RSA PUBLIC KEY', 'EC PARAMETERS', 'DH PARAMETERS', 'X9.42 DH PARAMETERS', 'PGP PUBLIC KEY BLOCK',
]);

function scanPem(text: string): PemScan {
  const privateKey = /PRIVATE\s*KEY|ENCRYPTED|Proc-Type:/i.test(text);
  const certificates: string[] = [];
  const others: string[] = [];
  const lines = text.split(/\r?\n|\r/);
  // only labels PEM defines are named: anything else in the file may be a secret pasted by mistake
  // (not anchored: one dash on each side finds the label between runs of them)
  const label = (line: string) => {
    const m = /-\s*(?:BEGIN|END)\s+([A-Z0-9. ]{1,40}?)\s*-/i.exec(line);
    const name = m?.[1].replace(/\s+/g, ' ').toUpperCase();
    return name && PEM_LABELS.has(name) ? name : 'a block with another label';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (/-{2,}\s*END/i.test(line)) {
      others.push(`${label(line)} (END without BEGIN)`);
      continue;
    }
    if (!/-{2,}\s*BEGIN/i.test(line)) continue;
    const body: string[] = [];
    let end: string | undefined;
    for (i++; i < lines.length; i++) {
      const inner = lines[i].trim();
      const marker = /-{2,}\s*(BEGIN|END)/i.exec(inner);
      if (marker) {
        if (marker[1].toUpperCase() === 'END') end = inner;
        else i--;
        break;
      }
      body.push(inner);
    }
    const wellFormed =
      line === '-----BEGIN CERTIFICATE-----' &&
      end === '-----END CERTIFICATE-----' &&
      body.length > 0 &&
      body.every((b) => /^[A-Za-z0-9+/]*={0,2}$/.test(b));
    if (wellFormed) certificates.push(`${line}\n${body.filter((b) => b !== '').join('\n')}\n${end}`);
    else others.push(label(line));
  }
  return { certificates, others, privateKey };
}

interface CaResult {
  readonly ca?: RegistryCa;
  readonly problems: Problem[];
  readonly warnings: string[];
}

/** What readRegistryCa reads from a certificate. */
interface CertificateFacts {
  readonly subject: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly ca: boolean;
  readonly fingerprint256: string;
}

/**
 * Certificates parsed in this process, by their PEM block: a fleet's sites share one CA file, parsed
 * once (X.509 parsing was about a twentieth of a site's time). Only certificates that parsed are kept.
 */
const certificates = new BoundedMap<string, CertificateFacts>(64);

function certificateFacts(block: string): CertificateFacts {
  let facts = certificates.get(block);
  // Stryker disable next-line ConditionalExpression: equivalent, parsing a block again gives the same facts (the cache only saves time)
  if (facts === undefined) {
    const cert = new X509Certificate(block);
    facts = { subject: cert.subject, validFrom: cert.validFrom, validTo: cert.validTo, ca: cert.ca, fingerprint256: cert.fingerprint256 };
    certificates.set(block, facts);
  }
  return facts;
}

/**
 * Reads `registry.caFile` (relative to the file that sets it, unless absolute) and checks what makes nodes trust Harbor:
 * a PEM file of certificates only (a private key there would end up in a ConfigMap and in Git), every
 * one a CA certificate (the server certificate is the classic mistake), valid today, with a warning
 * when one expires within CA_EXPIRY_WARNING_DAYS days.
 */
export function readRegistryCa(caFile: string, siteDir: string, now: Date): CaResult {
  const path = isAbsolute(caFile) ? caFile : join(siteDir, caFile);
  const problem = (message: string): CaResult => ({ problems: [{ path: 'registry.caFile', message: `${path} ${message}`, value: caFile }], warnings: [] });
  let text: string;
  try {
    text = readRegularFile(resolve(path), 'a PEM file', MAX_CA_FILE_BYTES).toString('utf8');
  } catch (err) {
    if (!(err instanceof UnreadableFileError)) throw err;
    return problem(`cannot be read (${err.reason}); registry.caFile is relative to the file that sets it`);
  }
  // Messages never quote the file: it is not YAML we parsed, and a mistaken path may point at a secret.
  const scan = scanPem(text);
  // a PUBLIC KEY block is refused below as a block that is not a certificate, not as a private key
  if (scan.privateKey) {
    return problem('holds a private key; the CA file must contain only the public CA certificate (the key never leaves the CA)');
  }
  if (scan.others.length > 0) {
    return problem(`holds PEM blocks other than well-formed certificates (${scan.others.join(', ')}); only "-----BEGIN CERTIFICATE-----" blocks are allowed`);
  }
  const certs = scan.certificates;
  if (certs.length === 0) return problem('is not a PEM certificate file: no "-----BEGIN CERTIFICATE-----" block');
  const parsed: CertificateFacts[] = [];
  for (const [i, block] of certs.entries()) {
    try {
      parsed.push(certificateFacts(block));
    } catch (err) {
      return problem(`certificate ${i + 1} is not a valid X.509 certificate (${firstLine((err as Error).message)})`);
    }
  }
  const problems: Problem[] = [];
  const warnings: string[] = [];
  for (const [i, cert] of parsed.entries()) {
    const which = parsed.length > 1 ? `certificate ${i + 1} (${oneLine(cert.subject)})` : `the certificate (${oneLine(cert.subject)})`;
    const notAfter = new Date(cert.validTo);
    const notBefore = new Date(cert.validFrom);
    if (!cert.ca) {
      problems.push({
        path: 'registry.caFile',
        message: `${path}: ${which} is not a CA certificate (basicConstraints CA:FALSE or missing); this is probably Harbor's server certificate: use the CA that signed it`,
        value: caFile,
      });
    } else if (notAfter.getTime() <= now.getTime()) {
      problems.push({ path: 'registry.caFile', message: `${path}: ${which} expired on ${notAfter.toISOString()}; nodes would reject Harbor's certificate`, value: caFile });
    } else if (notBefore.getTime() > now.getTime()) {
      problems.push({ path: 'registry.caFile', message: `${path}: ${which} is not valid before ${notBefore.toISOString()}`, value: caFile });
    } else {
      const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
      if (days < CA_EXPIRY_WARNING_DAYS) {
        warnings.push(`registry.caFile: ${path}: ${which} expires on ${notAfter.toISOString()} (in ${days} day(s)); renew it and Harbor's certificate before then`);
      }
    }
  }
  if (problems.length > 0) return { problems, warnings };
  // Normalised so that line endings or text around the blocks do not roll the DaemonSet.
  const pem = `${certs.join('\n')}\n`;
  return {
    ca: {
      pem,
      sha256: createHash('sha256').update(pem).digest('hex'),
      certificates: parsed.map((c) => ({ subject: oneLine(c.subject), notAfter: new Date(c.validTo).toISOString(), fingerprint256: c.fingerprint256 })),
    },
    problems,
    warnings,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0].slice(0, 200);
}

function oneLine(subject: string): string {
  return subject.split('\n').join(', ');
}

const ROBOT_NAME = new RegExp(ROBOT_NAME_PATTERN);

/**
 * Mode plain: the robot name and token come from the environment variables the config names, at synth
 * time, so neither is ever in the site file. Messages name the variable, never its value.
 */
export function readPlainPullCredentials(config: SiteConfig, env: NodeJS.ProcessEnv): { credentials?: PlainPullCredentials; problems: Problem[] } {
  const { usernameEnv, passwordEnv } = config.pullSecrets.plain;
  const problems: Problem[] = [];
  const username = env[usernameEnv];
  const password = env[passwordEnv];
  if (!username) {
    problems.push({ path: 'pullSecrets.plain.usernameEnv', message: `environment variable ${usernameEnv} is not set or empty; mode plain reads the robot account name from it at synth time`, value: usernameEnv });
  } else if (!ROBOT_NAME.test(username)) {
    // never the value: with the two variables swapped it is the robot token
    problems.push({ path: 'pullSecrets.plain.usernameEnv', message: `environment variable ${usernameEnv} ${ROBOT_NAME_MESSAGE} (its value is not shown; are usernameEnv and passwordEnv swapped?)`, value: usernameEnv });
  }
  if (!password) {
    problems.push({ path: 'pullSecrets.plain.passwordEnv', message: `environment variable ${passwordEnv} is not set or empty; mode plain reads the robot token from it at synth time`, value: passwordEnv });
  }
  if (problems.length > 0 || !username || !password) return { problems };
  return { credentials: { username, password }, problems };
}

/**
 * Reads the site's side inputs; `siteDir` is the directory of the file that set `registry.caFile` (a
 * relative path starts there) and `now` the moment certificates must be valid at (the loader's clock,
 * so charts never read it).
 */
export function readSiteInputs(config: SiteConfig, siteDir: string, env: NodeJS.ProcessEnv, now: Date = new Date()): InputsResult {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  let registryCa: RegistryCa | undefined;
  let plainPullCredentials: PlainPullCredentials | undefined;
  if (config.registry.caFile !== undefined) {
    const result = readRegistryCa(config.registry.caFile, siteDir, now);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    registryCa = result.ca;
  }
  if (plainCredentialsAllowed(config)) {
    const result = readPlainPullCredentials(config, env);
    problems.push(...result.problems);
    plainPullCredentials = result.credentials;
    if (plainPullCredentials) {
      warnings.push(`pullSecrets.mode is plain: the robot token from ${config.pullSecrets.plain.passwordEnv} is written unencrypted to the output; do not commit it`);
    }
  }
  return { inputs: { ...(registryCa ? { registryCa } : {}), ...(plainPullCredentials ? { plainPullCredentials } : {}) }, problems, warnings };
}
