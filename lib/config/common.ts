import { Type, type TSchema, type SchemaOptions, type TProperties } from '@sinclair/typebox';

/**
 * Schema keyword holding the message shown when a value fails this schema. ajv keeps unknown
 * keywords out of validation (strict mode is told about it in the loader); the loader reads it from
 * `parentSchema` to turn "must match pattern ^…$" into something a platform engineer understands.
 */
export const ERROR_KEYWORD = 'x-error';

export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** A Kubernetes object name (DNS-1123 subdomain, at most 253 characters; Kubernetes limits no label). */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A DNS hostname: dot-separated labels, each at most 63 characters (the whole name's 253 is the schema's maxLength). */
export const DNS_HOSTNAME = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';

/** One IPv4 octet, 0-255, without leading zeros (`010` is octal to some parsers and decimal to others). */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** A closed object: unknown keys are errors, and a missing object is defaulted to `{}` so nested defaults apply. */
export function Section<T extends TProperties>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, default: {}, ...options });
}

/** A closed object without a default (used for list items and required objects). */
export function Closed<T extends TProperties>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export function Enabled(defaultValue: boolean, what: string) {
  return Type.Boolean({ default: defaultValue, description: `Render ${what}.` });
}

export function DnsLabel(options: SchemaOptions = {}) {
  return Type.String({
    pattern: DNS1123_LABEL,
    maxLength: 63,
    [ERROR_KEYWORD]: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    ...options,
  });
}

export function Hostname(options: SchemaOptions = {}) {
  return Type.String({
    pattern: DNS_HOSTNAME,
    maxLength: 253,
    [ERROR_KEYWORD]: 'must be a DNS hostname: lowercase labels of letters, digits and "-" separated by dots, each label at most 63 characters, at most 253 in all',
    ...options,
  });
}

/** A hostname or an IPv4 address (an NFS server, say): anything else would be written into a manifest as is. */
export function HostOrIpv4(options: SchemaOptions = {}) {
  return Type.String({
    maxLength: 253,
    anyOf: [{ format: 'ipv4' }, { pattern: DNS_HOSTNAME, not: { pattern: '^[0-9.]+$' } }],
    [ERROR_KEYWORD]: 'must be a DNS hostname or an IPv4 address such as 192.168.1.100',
    ...options,
  });
}

export function Ipv4(options: SchemaOptions = {}) {
  return Type.String({ format: 'ipv4', [ERROR_KEYWORD]: 'must be an IPv4 address such as 192.168.1.100', ...options });
}

export function Cidr(options: SchemaOptions = {}) {
  return Type.String({
    pattern: `^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(3[0-2]|[12]?[0-9])$`,
    [ERROR_KEYWORD]: 'must be an IPv4 CIDR such as 10.0.0.0/16 (octets 0-255 without leading zeros, prefix 0-32)',
    ...options,
  });
}

/** Kubernetes labels; key and value syntax is checked by the semantic checks (a schema cannot say it clearly). */
export function LabelMap(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), { default: {}, ...options });
}

export const TaintEffect = Type.Union(
  [Type.Literal('NoSchedule'), Type.Literal('PreferNoSchedule'), Type.Literal('NoExecute')],
  { [ERROR_KEYWORD]: 'must be one of NoSchedule, PreferNoSchedule, NoExecute' },
);

export const Taint = Closed({
  key: Type.String({ description: 'Taint key (label-key syntax).' }),
  value: Type.Optional(Type.String({ description: 'Taint value (label-value syntax).' })),
  effect: TaintEffect,
});

/** A container image reference: repository plus tag or digest (never `latest`, never untagged). */
export function Image(defaultValue: string, description: string) {
  return Type.String({
    default: defaultValue,
    description,
    pattern: '^[a-z0-9][a-z0-9._/:-]*[a-z0-9](:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$',
    not: { pattern: ':latest$' },
    [ERROR_KEYWORD]: 'must be an image pinned to a tag or digest, such as registry.k8s.io/pause:3.10 (never :latest)',
  });
}

export type { TSchema };
