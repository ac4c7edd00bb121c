import type { Inventory, InventoryIndex, Unread } from '../inventory/index.js';
import type { BackupPlan, BackupVault, KmsKey, Resource, ResourceType } from '../inventory/schema.js';
import type { Policy, PolicySet } from '../policy/index.js';
import type { Resolution } from '../policy/resolve.js';
import type { Action, ActionType } from '../remediation/actions.js';
import { iamFor } from '../remediation/actions-catalogue.js';

export type Status = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'ERROR';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type Area = 'coverage' | 'plan' | 'copies' | 'vault' | 'recency' | 'restore' | 's3' | 'rds' | 'kms';

/** What a rule looks at. */
export type Subject =
  /** Every resource in the inventory, whatever its tags say. */
  | { kind: 'tagged'; arn: string; resource: Resource; resolution: Resolution }
  /** A resource with a known policy (Aurora members excluded: judged at cluster level). */
  | { kind: 'resource'; arn: string; resource: Resource; policy: Policy; remediate: boolean }
  /** The backup plan a policy names, in one region. */
  | { kind: 'plan'; arn: string; plan: BackupPlan; policy: Policy; region: string; remediate: boolean }
  /** A vault a policy backs up or copies into. */
  | {
      kind: 'vault';
      arn: string;
      vault: BackupVault;
      policy: Policy;
      role: 'source' | 'copy';
      remediate: boolean;
    }
  /** The audited account as a whole: is what we know of it complete? */
  | { kind: 'account'; arn: string; accountId: string; remediate: boolean }
  /** A KMS key that protects an audited resource or vault. */
  | { kind: 'key'; arn: string; key: KmsKey; usedBy: string[]; remediate: boolean };

export type SubjectKind = Subject['kind'];
export type SubjectOf<K extends SubjectKind> = Extract<Subject, { kind: K }>;

export interface RuleContext {
  index: InventoryIndex;
  inventory: Inventory;
  policies: PolicySet;
  now: Date;
}

export interface Outcome {
  status: Status;
  message: string;
  expected?: string;
  actual?: string;
  actions?: Action[];
  /** ERROR only: what decides it was outside what this run was set up to read (see Scope). */
  outOfScope?: boolean;
}

/** A rule as it is written: data plus one pure function. `defineRule` makes it a Rule. */
export interface RuleSpec<K extends SubjectKind = SubjectKind> {
  id: string;
  title: string;
  area: Area;
  severity: Severity;
  subject: K;
  /** For resource subjects: the resource types the rule judges. */
  resourceTypes?: ResourceType[];
  /** IAM actions needed to collect what the rule reads. */
  permissions: { collect: string[] };
  /**
   * The action types the rule may propose (none: report only). The IAM its fixes need comes from
   * their handlers (src/remediation/actions-catalogue.ts); the engine turns a proposal of any other
   * type into ERROR, so a fix cannot run without its permissions.
   */
  proposes: readonly ActionType[];
  /** A short example: policy + state -> finding. Shown in the catalogue. */
  example: string;
  evaluate(subject: SubjectOf<K>, ctx: RuleContext): Outcome | Outcome[];
}

export interface Rule<K extends SubjectKind = SubjectKind> extends Omit<RuleSpec<K>, 'permissions'> {
  permissions: {
    collect: string[];
    /** Derived, never declared: the IAM actions the handlers of `proposes` call, each once. */
    remediate: string[];
  };
}

/** The rule, with the IAM its fixes need derived from the actions it proposes. */
export function defineRule<K extends SubjectKind>(spec: RuleSpec<K>): Rule<K> {
  return { ...spec, permissions: { ...spec.permissions, remediate: iamFor(spec.proposes) } };
}

export interface Finding {
  ruleId: string;
  resourceArn: string;
  resourceType: string;
  region: string;
  policy?: string;
  status: Status;
  severity: Severity;
  message: string;
  expected?: string;
  actual?: string;
  actions: Action[];
  /** false when the subject is tagged audit-only (backup:remediate=false). */
  remediate: boolean;
  /**
   * ERROR only: not a failure, the run was not set up to read what decides it (a region not
   * audited, no DR read role). The Config rule names these without letting them decide.
   */
  outOfScope?: true;
  /**
   * What the finding read came from when not a direct read: the resource's AWS Config item,
   * captured at `capturedAt` (the bucket's ReadFrom, for the settings this rule collects).
   */
  source?: { readFrom: 'aws-config'; capturedAt: string };
}

export const compliant = (message: string): Outcome => ({ status: 'COMPLIANT', message });
export const notApplicable = (message: string): Outcome => ({ status: 'NOT_APPLICABLE', message });
export const nonCompliant = (message: string, more: Omit<Outcome, 'status' | 'message'> = {}): Outcome => ({
  status: 'NON_COMPLIANT',
  message,
  ...more,
});
export const cannotEvaluate = (message: string): Outcome => ({ status: 'ERROR', message });
/** ERROR because what would prove it was not read (Scope.unread): says what, and how to read it. */
export const notRead = (what: string, u: Unread): Outcome => ({
  status: 'ERROR',
  message: `cannot tell ${what}: ${u.reason}`,
  ...(u.failed ? {} : { outOfScope: true }),
});

/** Any rule, whatever its subject. */
export type AnyRule = { [K in SubjectKind]: Rule<K> }[SubjectKind];
