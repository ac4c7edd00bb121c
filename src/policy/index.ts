/**
 * Loads, validates and normalises the policy file, and resolves a resource's tags to its policy.
 * No I/O: callers pass the text (the CLI and the bundler read the file).
 */
import { parseDocument } from 'yaml';
import { InvalidFileError } from '../errors.js';
import { formatIssues, knownKeys } from '../issues.js';
import { parseFrequency } from './schedule.js';
import { type ParsedPolicy, policyFileSchema } from './schema.js';

export interface Policy extends ParsedPolicy {
  name: string;
  planName: string;
  vaultName: string;
  maxGapHours: number;
  scheduleExpression: string;
  rpoHours: number;
  s3: ParsedPolicy['s3'] & { noncurrentVersionExpirationDays: number };
}

export interface PolicySet {
  tagKey: string;
  remediateTagKey: string;
  keyMaterial: { replicas: { account: string; region: string }[]; expiryWarningDays: number };
  policies: Record<string, Policy>;
}

/** Parses YAML (or JSON) policy text; throws InvalidFileError listing every problem by path. */
export function parsePolicies(text: string, file = 'policies.yml'): PolicySet {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InvalidFileError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${first}`;
      }),
    );
  }
  const parsed = policyFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    throw new InvalidFileError(
      file,
      formatIssues(parsed.error, (path) => knownKeys(policyFileSchema, path)),
    );
  }
  const { policies, keyMaterial, ...rest } = parsed.data;
  return {
    ...rest,
    keyMaterial: keyMaterial ?? { replicas: [], expiryWarningDays: 30 },
    policies: Object.fromEntries(Object.entries(policies).map(([name, p]) => [name, normalise(name, p)])),
  };
}

function normalise(name: string, p: ParsedPolicy): Policy {
  // validated by the schema, so parseFrequency cannot fail here
  const freq = parseFrequency(p.frequency) ?? { maxGapHours: 24, scheduleExpression: 'cron(0 5 ? * * *)' };
  return {
    ...p,
    name,
    planName: p.plan ?? `backup-sentinel-${name}`,
    vaultName: p.vault ?? `backup-sentinel-${name}`,
    maxGapHours: freq.maxGapHours,
    scheduleExpression: freq.scheduleExpression,
    rpoHours: p.rpoHours ?? freq.maxGapHours * 2,
    s3: { ...p.s3, noncurrentVersionExpirationDays: p.s3.noncurrentVersionExpirationDays ?? p.retentionDays },
  };
}

export type Resolution =
  | { kind: 'policy'; policy: Policy; remediate: boolean }
  | { kind: 'opt-out'; remediate: boolean }
  | { kind: 'missing'; remediate: boolean }
  | { kind: 'unknown'; value: string; known: string[]; remediate: boolean };

/** What a resource's tags declare. Tag values are matched exactly, trimmed of white space. */
export function resolvePolicy(tags: Record<string, string>, set: PolicySet): Resolution {
  const remediate = (tags[set.remediateTagKey] ?? '').trim().toLowerCase() !== 'false';
  const value = tags[set.tagKey]?.trim();
  if (value === undefined || value === '') return { kind: 'missing', remediate };
  if (value === 'none') return { kind: 'opt-out', remediate };
  const policy = set.policies[value];
  if (policy) return { kind: 'policy', policy, remediate };
  return { kind: 'unknown', value, known: Object.keys(set.policies).sort(), remediate };
}
