/**
 * Reading AWS Backup events defensively (pure): every field is checked for its type, a missing or
 * wrong one is `undefined`, never a TypeError. Used by classify.ts and vault-drift.ts.
 */
import { parseArn } from '../inventory/arn.js';
import type { Json } from '../maps.js';
import type { Policy, PolicySet } from '../policy/index.js';

export type { Json } from '../maps.js';

/** What classifying an event needs to know besides the event. */
export interface ClassifyContext {
  policies: PolicySet;
  /** backup-sentinel's own roles (exact ARNs): their CloudTrail calls are healing, not drift. */
  ownRoleArns?: readonly string[];
}

export { obj } from '../maps.js';

/** A non-blank string of at most `max` characters (an identifier or ARN), else undefined. */
export function str(v: unknown, max = 2048): string | undefined {
  return typeof v === 'string' && v.trim() !== '' && v.length <= max ? v : undefined;
}

/** A non-blank free text (a status message), clipped to `max` characters. */
export function text(v: unknown, max = 4000): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return v.length <= max ? v : `${v.slice(0, max - 1)}…`;
}

/** AWS region names, as the policy schema accepts them; anything else is not used in a URL. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The first candidate that is a date, as ISO-8601. */
export function isoTime(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const t = typeof c === 'string' ? Date.parse(c) : Number.NaN;
    if (Number.isFinite(t)) return new Date(t).toISOString();
  }
  return undefined;
}

/** An AWS Backup EventBridge event, checked: source aws.backup, a detail, an account, a region, a time. */
export interface Envelope {
  type: string;
  account: string;
  region: string;
  at: string;
  detail: Json;
  resources: string[];
}

export function envelopeOf(e: Json): Envelope | undefined {
  const type = str(e['detail-type']);
  const account = str(e.account, 64);
  const region = str(e.region, 64);
  const at = isoTime(e.time);
  const detail = e.detail;
  if (e.source !== 'aws.backup' || !type || !account || !region || !REGION.test(region) || !at) return;
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return;
  const resources = Array.isArray(e.resources)
    ? e.resources.filter((r): r is string => str(r) !== undefined)
    : [];
  return { type, account, region, at, detail: detail as Json, resources };
}

/** A job's state: Backup and Copy events say `state`, Restore and Recovery Point events `status`. */
export const stateOf = (d: Json): string | undefined => str(d.state, 64) ?? str(d.status, 64);

/** The vault name of a vault ARN (arn:…:backup-vault:NAME), or undefined. */
export function vaultNameOf(arn: string | undefined): string | undefined {
  const at = arn?.indexOf(':backup-vault:') ?? -1;
  return arn && at >= 0 ? str(arn.slice(at + ':backup-vault:'.length)) : undefined;
}

/** A short human name for a resource ARN: "db:orders", "my-bucket", "volume/vol-1". */
export function shortName(arn: string): string {
  const resource = parseArn(arn)?.resource;
  const name = resource && resource !== '' ? resource : arn;
  return name.length <= 60 ? name : `…${name.slice(-59)}`;
}

/** The account and region of an ARN, where it has them. */
export function arnPlace(arn: string | undefined): { account?: string; region?: string } {
  const p = arn ? parseArn(arn) : undefined;
  return { account: str(p?.account), region: str(p?.region) };
}

/** The policy a vault belongs to, with its name. */
export interface VaultOwner {
  name: string;
  policy: Policy;
  vault: string;
}

/**
 * The policy that names one of `vaults` in `account`: its own vault (policy.vaultName, in every
 * account and region it applies to) or one of its copy vaults in that account (copies[].vault,
 * which defaults to the policy's vault name; a copy without `account` stays in the same account).
 */
export function vaultOwner(
  set: PolicySet,
  vaults: (string | undefined)[],
  account: string,
): VaultOwner | undefined {
  for (const vault of vaults) {
    if (vault === undefined) continue;
    for (const [name, policy] of Object.entries(set.policies)) {
      if (policy.vaultName === vault) return { name, policy, vault };
      const copy = policy.copies.find(
        (c) => (c.vault ?? policy.vaultName) === vault && (c.account === undefined || c.account === account),
      );
      if (copy) return { name, policy, vault };
    }
  }
  return undefined;
}

/** The incident key: kind, then where, then what (the key the incident table is read by). */
export const incidentKey = (kind: string, ...parts: string[]): string => [kind, ...parts].join('|');
