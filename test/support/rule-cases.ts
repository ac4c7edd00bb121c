/**
 * Table-driven rule tests, in the spirit of typescript-eslint's RuleTester: one rule, a list of
 * cases, each an account (inventory), the policy file, and what the rule must answer — its
 * status, words of its message, what it found, and the fixes it proposes. A case reads as a line of the spec.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/index.js';
import type { PolicySet } from '../../src/policy/index.js';
import type { Action } from '../../src/remediation/actions.js';
import type { Status } from '../../src/rules/types.js';
import { NOW, only, policies } from './builders.js';

export interface RuleCase {
  /** What the case shows, as the test name. */
  name: string;
  inventory: Inventory;
  /** Default: one policy, gold, with every default. */
  policies?: PolicySet;
  /** The subject, when the inventory holds several. */
  arn?: string;
  now?: Date;
  status: Status;
  /** Words the message must contain, or a pattern it must match. */
  message?: string | RegExp;
  /** What the finding reports it found (its `actual`). */
  actual?: string;
  /** The fixes proposed, exactly; [] for none. Unchecked when absent. */
  actions?: Action[];
}

/** One describe block per rule, one test per case. */
export function ruleCases(ruleId: string, cases: RuleCase[]): void {
  describe(ruleId, () => {
    it.each(cases)('$name', (c) => {
      // Act
      const finding = only(ruleId, c.inventory, c.policies ?? policies(), c.arn, c.now ?? NOW);
      // Assess
      expect(finding.status, finding.message).toBe(c.status);
      if (typeof c.message === 'string') expect(finding.message).toContain(c.message);
      else if (c.message) expect(finding.message).toMatch(c.message);
      if (c.actual !== undefined) expect(finding.actual).toBe(c.actual);
      if (c.actions) expect(finding.actions).toEqual(c.actions);
    });
  });
}
