/**
 * The `plaintext-credential` check: credentials must reach the cluster through ExternalSecret or
 * SealedSecret, never as readable text in dist/. Messages name the field, never the value.
 */
import { isRecord } from '../../core/json';
import type { Manifest } from '../../core/manifest';
import type { FieldPath } from '../../core/paths';

/** Secret types whose whole content is a credential. */
const CREDENTIAL_SECRET_TYPES: ReadonlySet<unknown> = new Set([
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/dockercfg',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
]);

/**
 * Names (of Secret keys, fields, env vars) that hold a credential: they end in password, token,
 * api key, secret access key or client secret, or are a registry config or a private key. (Not plain
 * `secretKey`: ExternalSecret uses it for the name of a key.)
 */
const CREDENTIAL_NAME = /(pass(word|wd)|pwd|token|api[_-]?key|secret[_-]?access[_-]?key|client[_-]?secret|private[_-]?key|\.dockerconfigjson|\.dockercfg|tls\.key|ssh-privatekey)$/i;

/** `password=…`, `DB_PASSWORD: …`, `"token": "…"` inside a string (config files, args, scripts). */
const CREDENTIAL_ASSIGNMENT = /(?:^|[^\w.-])([\w.-]*?(?:pass(?:word|wd)|pwd|token|api[_-]?key|secret[_-]?access[_-]?key|client[_-]?secret))["']?[ \t]*[:=][ \t]*["']?([^\s"'`,;&|)]+)/gi;

/** Registry auth in a Docker config: `"auths": {…"auth": "…"}`. */
const DOCKER_CONFIG_AUTH = /"auths"\s*:[\s\S]*"auth"\s*:\s*"[^"]+"/;

/** Values that point at a credential instead of being one: env/template references, paths, placeholders. */
function isReference(value: string): boolean {
  return /^(\$|\{\{|<|\/|%|\*|\(|\[|\{|file:|env:|secret:|ref\+)/i.test(value) || /^(true|false|null|none|""|'')$/i.test(value);
}

export interface CredentialProblem {
  readonly path: FieldPath;
  readonly message: string;
}

/** Every credential name CREDENTIAL_ASSIGNMENT knows contains one of these: most strings are skipped after one quick test. */
const ASSIGNMENT_WORD = /pass|pwd|token|api|secret/i;

function textProblem(text: string): string | undefined {
  // Stryker disable next-line StringLiteral: equivalent, a quick pre-test only: DOCKER_CONFIG_AUTH itself requires "auths"
  if (text.includes('"auths"') && DOCKER_CONFIG_AUTH.test(text)) return 'contains a registry "auths" entry with an "auth" credential';
  // Stryker disable next-line ConditionalExpression: equivalent, a quick pre-test only: every name CREDENTIAL_ASSIGNMENT matches contains one of these words
  if (!ASSIGNMENT_WORD.test(text)) return undefined;
  for (const match of text.matchAll(CREDENTIAL_ASSIGNMENT)) {
    if (!isReference(match[2])) return `contains a plaintext credential assignment ("${match[1]}" = …)`;
  }
  return undefined;
}

function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

function secretProblems(secret: Manifest, allowPlain: boolean): CredentialProblem[] {
  if (allowPlain) return [];
  const problems: CredentialProblem[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const entries = secret[field];
    if (!isRecord(entries)) continue;
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value !== 'string' || value === '') continue;
      const path = [field, key];
      const fix = 'deliver it with an ExternalSecret or SealedSecret (or opt in to plain credentials)';
      if (CREDENTIAL_SECRET_TYPES.has(secret.type)) problems.push({ path, message: `Secret of type ${String(secret.type)} holds a plaintext credential; ${fix}` });
      else if (CREDENTIAL_NAME.test(key)) problems.push({ path, message: `Secret key "${key}" holds a plaintext credential; ${fix}` });
      else {
        const text = field === 'data' ? decodeBase64(value) : value;
        const problem = text === undefined ? undefined : textProblem(text);
        if (problem) problems.push({ path, message: `${problem}; ${fix}` });
      }
    }
  }
  return problems;
}

/** Fields never scanned: Secret payloads (checked above) and ciphertext. */
function skipped(object: Manifest, path: FieldPath): boolean {
  const at = JSON.stringify(path);
  if (object.kind === 'Secret' && object.apiVersion === 'v1') return at === '["data"]' || at === '["stringData"]';
  return object.kind === 'SealedSecret' && at === '["spec","encryptedData"]';
}

/** Every plaintext credential in one object. */
export function credentialProblems(object: Manifest, allowPlain: boolean): CredentialProblem[] {
  const problems = object.kind === 'Secret' && object.apiVersion === 'v1' ? secretProblems(object, allowPlain) : [];
  const walk = (node: unknown, path: FieldPath): void => {
    if (skipped(object, path)) return;
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) problems.push({ path, message: problem });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
    } else if (isRecord(node)) {
      // `{name: DB_PASSWORD, value: hunter2}`: env vars and similar name/value pairs.
      if (typeof node.name === 'string' && typeof node.value === 'string' && CREDENTIAL_NAME.test(node.name) && node.value !== '' && !isReference(node.value)) {
        problems.push({ path: [...path, 'value'], message: `"${node.name}" is set to a plaintext value; reference a Secret (valueFrom.secretKeyRef) instead` });
      }
      for (const [key, value] of Object.entries(node)) {
        // `password: 123456` is a credential too (YAML reads it as a number)
        const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
        if (CREDENTIAL_NAME.test(key) && text !== '' && !isReference(text)) {
          problems.push({ path: [...path, key], message: `field "${key}" holds a plaintext credential` });
        } else walk(value, [...path, key]);
      }
    }
  };
  walk(object, []);
  return problems;
}
