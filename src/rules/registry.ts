/** The rule catalogue, by id. Adding a rule = adding it to one of these lists. */

import { copyRules } from './catalogue/copies.js';
import { coverageRules } from './catalogue/coverage.js';
import { kmsRules } from './catalogue/kms.js';
import { planRules } from './catalogue/plan.js';
import { rdsRules } from './catalogue/rds.js';
import { recencyRules } from './catalogue/recency.js';
import { restoreRules } from './catalogue/restore.js';
import { s3Rules } from './catalogue/s3.js';
import { vaultRules } from './catalogue/vault.js';
import type { AnyRule } from './types.js';

export const RULES: readonly AnyRule[] = [
  ...coverageRules,
  ...planRules,
  ...copyRules,
  ...vaultRules,
  ...recencyRules,
  ...restoreRules,
  ...s3Rules,
  ...rdsRules,
  ...kmsRules,
];

const byId = new Map(RULES.map((r) => [r.id, r]));
if (byId.size !== RULES.length) throw new Error('duplicate rule id in the registry');

export function getRule(id: string): AnyRule | undefined {
  return byId.get(id);
}
