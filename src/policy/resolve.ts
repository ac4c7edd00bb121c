/**
 * What a resource's tags declare, under the policy set. Apart from the parser (index.ts), so the
 * functions that only resolve tags (the parsed set is inlined at build time) load no YAML parser.
 */
import { own } from '../maps.js';
import type { Policy, PolicySet } from './index.js';

export type Resolution =
  | { kind: 'policy'; policy: Policy; remediate: boolean }
  | { kind: 'opt-out'; remediate: boolean }
  | { kind: 'missing'; remediate: boolean }
  | { kind: 'unknown'; value: string; known: string[]; remediate: boolean };

/** What a resource's tags declare. Tag values are matched exactly, trimmed of white space. */
export function resolvePolicy(tags: Record<string, string>, set: PolicySet): Resolution {
  const remediate = (own(tags, set.remediateTagKey) ?? '').trim().toLowerCase() !== 'false';
  const value = own(tags, set.tagKey)?.trim();
  if (value === undefined || value === '') return { kind: 'missing', remediate };
  if (value === 'none') return { kind: 'opt-out', remediate };
  const policy = own(set.policies, value);
  if (policy) return { kind: 'policy', policy, remediate };
  return { kind: 'unknown', value, known: Object.keys(set.policies).sort(), remediate };
}
