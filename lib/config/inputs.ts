import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainCredentialsAllowed } from '../pull-secrets';
import { unreadableReason, type Problem } from './problems';
import { ROBOT_NAME_MESSAGE, ROBOT_NAME_PATTERN } from './registry';
import type { SiteConfig } from './schema';

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

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/g;

interface CaResult {
  readonly ca?: RegistryCa;
  readonly problems: Problem[];
  readonly warnings: string[];
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
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    return problem(`cannot be read (${unreadableReason(err, 'a PEM file')}); registry.caFile is relative to the file that sets it`);
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.some((b) => b[1].includes('PRIVATE KEY'))) {
    return problem('holds a private key; the CA file must contain only the public CA certificate (the key never leaves the CA)');
  }
  const certs = blocks.filter((b) => b[1] === 'CERTIFICATE');
  if (certs.length === 0) return problem('is not a PEM certificate file: no "-----BEGIN CERTIFICATE-----" block');
  if (certs.length !== blocks.length) {
    return problem(`holds PEM blocks other than certificates (${blocks.filter((b) => b[1] !== 'CERTIFICATE').map((b) => b[1]).join(', ')})`);
  }
  const parsed: X509Certificate[] = [];
  for (const [i, block] of certs.entries()) {
    try {
      parsed.push(new X509Certificate(block[0]));
    } catch (err) {
      return problem(`certificate ${i + 1} is not a valid X.509 certificate (${(err as Error).message})`);
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
  const pem = `${certs.map((b) => b[0].replace(/\r\n/g, '\n')).join('\n')}\n`;
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

function oneLine(subject: string): string {
  return subject.split('\n').filter(Boolean).join(', ');
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
    problems.push({ path: 'pullSecrets.plain.usernameEnv', message: `environment variable ${usernameEnv} ${ROBOT_NAME_MESSAGE}`, value: username });
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
