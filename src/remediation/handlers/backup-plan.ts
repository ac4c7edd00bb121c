/**
 * Backup plans: created from the body the action carries, assigned resources by tag, and changed
 * by rule (added rules, raised retentions, added and raised copies) with every other part kept.
 */
import type { BackupPlanInput, BackupRuleInput, CopyAction, Lifecycle } from '@aws-sdk/client-backup';
import type { Aws, BackupApi } from '../../aws/clients.js';
import { own } from '../../maps.js';
import { keepDays, raisedDays, showDays } from '../../rules/catalogue/plan.js';
import type { Action, NewBackupPlan } from '../actions.js';
import { backupRoleFor, type SelectionKind, selectionRoleKind } from '../backup-roles.js';
import {
  createOnce,
  creatorRequestId,
  guard,
  type HandlerContext,
  type Handlers,
  OWNER_TAG,
  OWNER_TAGS,
  refuse,
  type Step,
} from '../step.js';

export const backupPlanHandlers = {
  CreateBackupPlan: (aws, a) => createPlan(aws, a.region, a.plan),
  CreateBackupSelection: createSelection,
  AddBackupPlanRule: updatePlan,
  RaiseRuleRetention: updatePlan,
  AddCopyAction: updatePlan,
  RaiseCopyRetention: updatePlan,
} satisfies Partial<Handlers>;

async function findPlan(aws: Aws, region: string, name: string) {
  const b = aws.backup(region);
  for await (const page of b.pages((sdk, client) => sdk.paginateListBackupPlans({ client }, {}))) {
    const hit = page.BackupPlansList?.find((p) => p.BackupPlanName === name);
    if (hit?.BackupPlanId)
      return b.send((sdk) => new sdk.GetBackupPlanCommand({ BackupPlanId: hit.BackupPlanId }));
  }
  return undefined;
}

/** Creates the plan the action carries, tagged as ours, unless a plan of that name exists. */
async function createPlan(aws: Aws, region: string, plan: NewBackupPlan): Promise<Step> {
  const name = plan.BackupPlanName;
  const existing = await findPlan(aws, region, name);
  if (existing) return { before: { exists: true }, after: { exists: true } };
  return {
    before: { exists: false },
    after: plan,
    write: () =>
      createOnce(
        () =>
          aws.backup(region).send(
            (sdk) =>
              new sdk.CreateBackupPlanCommand({
                BackupPlan: plan,
                BackupPlanTags: OWNER_TAGS,
                CreatorRequestId: creatorRequestId('plan', region, name),
              }),
          ),
        () => findPlan(aws, region, name),
      ),
  };
}

/**
 * What a selection of each kind picks, by pattern: one kind per selection, so that each gets the
 * role its kind needs. RDS instances and clusters named by type are picked without the
 * service-wide opt-in (Aurora, Neptune and DocumentDB still need theirs: they share the cluster
 * ARN). S3 bucket ARNs name no type, so `arn:aws:s3:::*` still needs the S3 opt-in
 * (namesResourceType in src/rules/selection.ts).
 */
const SELECTION_RESOURCES: Record<SelectionKind, string[]> = {
  s3: ['arn:aws:s3:::*'],
  rds: ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:*:*:cluster:*'],
};

/** Why a plan may not be changed under `ownedPlansOnly`, or undefined when it may. */
async function notOwned(aws: Aws, region: string, plan: { BackupPlanArn?: string }, o: HandlerContext) {
  if (!o.ownedPlansOnly) return undefined;
  const { Tags } = await aws
    .backup(region)
    .send((sdk) => new sdk.ListTagsCommand({ ResourceArn: plan.BackupPlanArn }));
  if (own(Tags ?? {}, OWNER_TAG.key) === OWNER_TAG.value) return undefined;
  return `plan ${plan.BackupPlanArn} was not created by backup-sentinel (no tag managed-by=backup-sentinel): its role may change only the plans it owns; tag the plan to let it heal this one`;
}

async function createSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateBackupSelection' }>,
  o: HandlerContext,
): Promise<Step> {
  const b = aws.backup(a.region);
  const plan = await findPlan(aws, a.region, a.planName);
  if (plan?.BackupPlanId && (await selectionExists(b, plan.BackupPlanId, a.selectionName)))
    return { before: { exists: true }, after: { exists: true } };
  const foreign = plan && (await notOwned(aws, a.region, plan, o));
  if (foreign) return refuse({ exists: false }, foreign);
  const selection = {
    SelectionName: a.selectionName,
    IamRoleArn: backupRoleFor(selectionRoleKind(a.kind, a.copies), a.region, o),
    Resources: SELECTION_RESOURCES[a.kind],
    Conditions: {
      StringEquals: [{ ConditionKey: `aws:ResourceTag/${a.tagKey}`, ConditionValue: a.tagValue }],
      StringNotEquals: [{ ConditionKey: `aws:ResourceTag/${a.auditOnlyTagKey}`, ConditionValue: 'false' }],
    },
  };
  return {
    before: { exists: false, plan: plan ? 'exists' : 'to be created earlier in this run' },
    after: selection,
    // The plan may be created earlier in this run: look it up again when writing.
    write: async () => {
      const id = plan?.BackupPlanId ?? (await findPlan(aws, a.region, a.planName))?.BackupPlanId;
      if (!id) throw new Error(`plan ${a.planName} does not exist in ${a.region}`);
      return createOnce(
        () =>
          b.send(
            (sdk) =>
              new sdk.CreateBackupSelectionCommand({
                BackupPlanId: id,
                BackupSelection: selection,
                CreatorRequestId: creatorRequestId('selection', a.region, id, a.selectionName),
              }),
          ),
        () => selectionExists(b, id, a.selectionName),
      );
    },
  };
}

async function selectionExists(b: BackupApi, planId: string, name: string): Promise<boolean> {
  for await (const page of b.pages((sdk, client) =>
    sdk.paginateListBackupSelections({ client }, { BackupPlanId: planId }),
  )) {
    if (page.BackupSelectionsList?.some((s) => s.SelectionName === name)) return true;
  }
  return false;
}

async function updatePlan(
  aws: Aws,
  a: Extract<
    Action,
    { type: 'AddBackupPlanRule' | 'RaiseRuleRetention' | 'AddCopyAction' | 'RaiseCopyRetention' }
  >,
  o: HandlerContext,
): Promise<Step> {
  const got = await findPlan(aws, a.region, a.planName);
  const id = got?.BackupPlanId;
  if (!got?.BackupPlan || !id) throw new Error(`plan ${a.planName} does not exist in ${a.region}`);
  const foreign = await notOwned(aws, a.region, got, o);
  if (foreign) return refuse({ exists: true }, foreign);
  const b = aws.backup(a.region);
  const read = async (): Promise<PlanDocument> =>
    (await b.send((sdk) => new sdk.GetBackupPlanCommand({ BackupPlanId: id }))).BackupPlan;
  // A copy: the changes below leave the plan as read intact, for the check before the write.
  const rules: BackupRuleInput[] = structuredClone(got.BackupPlan.Rules ?? []).map(
    ({ RuleId: _id, ...r }) => r as BackupRuleInput,
  );
  const before = structuredClone(rules);
  const ruleName = a.type === 'AddBackupPlanRule' ? a.rule.RuleName : a.ruleName;
  const rule = rules.find((r) => r.RuleName === ruleName);
  if (a.type === 'AddBackupPlanRule') {
    if (!rule) rules.push(a.rule as BackupRuleInput);
  } else if (!rule) {
    throw new Error(`rule ${ruleName} is no longer in plan ${a.planName}`);
  } else if (a.type === 'RaiseRuleRetention') {
    // Unset, 0 and -1 keep recovery points forever: raising those would shorten them.
    const days = rule.Lifecycle?.DeleteAfterDays;
    if (days !== undefined && days > 0 && days < a.deleteAfterDays)
      rule.Lifecycle = { ...rule.Lifecycle, DeleteAfterDays: raisedDays(a.deleteAfterDays, rule.Lifecycle) };
  } else {
    const copy = rule.CopyActions?.find((c) => c.DestinationBackupVaultArn === a.destinationVaultArn);
    if (a.type === 'AddCopyAction' && !copy) {
      rule.CopyActions = [
        ...(rule.CopyActions ?? []),
        {
          DestinationBackupVaultArn: a.destinationVaultArn,
          Lifecycle: { DeleteAfterDays: a.deleteAfterDays },
        },
      ];
    } else if (a.type === 'RaiseCopyRetention' && !copy) {
      throw new Error(`rule ${ruleName} no longer copies to ${a.destinationVaultArn}`);
    } else if (a.type === 'RaiseCopyRetention' && copy) {
      // The copy's own DeleteAfterDays (-1: forever), else its rule's (unset: forever).
      const days = copy.Lifecycle?.DeleteAfterDays ?? rule.Lifecycle?.DeleteAfterDays;
      if (days !== undefined && days > 0 && days < a.deleteAfterDays)
        copy.Lifecycle = {
          ...copy.Lifecycle,
          DeleteAfterDays: raisedDays(a.deleteAfterDays, copy.Lifecycle),
        };
    }
  }
  if (JSON.stringify(rules) === JSON.stringify(before)) return { before, after: before };
  // UpdateBackupPlan replaces the document: keep every plan-level field (advanced, scan settings).
  const plan = { ...got.BackupPlan, BackupPlanName: a.planName, Rules: rules } as BackupPlanInput;

  return {
    before,
    after: rules,
    write: () => b.send((sdk) => new sdk.UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: plan })),
    guard: guard(read, got.BackupPlan, plan, planParts),
  };
}

type PlanDocument =
  | { Rules?: { RuleName?: string; Lifecycle?: Lifecycle; CopyActions?: CopyAction[] }[] }
  | undefined;

/** A plan's rules and copies, each with what it keeps (so that a lowered retention shows). */
function planParts(plan: PlanDocument): string[] {
  return (plan?.Rules ?? []).flatMap((r) => [
    `rule ${r.RuleName} keeping ${showDays(keepDays(r.Lifecycle))}`,
    ...(r.CopyActions ?? []).map(
      (c) =>
        `copy of rule ${r.RuleName} to ${c.DestinationBackupVaultArn} keeping ${showDays(keepDays(c.Lifecycle?.DeleteAfterDays === undefined ? r.Lifecycle : c.Lifecycle))}`,
    ),
  ]);
}
