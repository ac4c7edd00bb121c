/** AWS Backup plans of a region, with their tags and selections. */
import {
  type BackupClient,
  type BackupPlan,
  type BackupSelection,
  GetBackupPlanCommand,
  type GetBackupPlanOutput,
  GetBackupSelectionCommand,
  type GetBackupSelectionOutput,
  ListTagsCommand,
  type ListTagsOutput,
  paginateListBackupPlans,
  paginateListBackupSelections,
} from '@aws-sdk/client-backup';
import { all, type Collection, type Input, mapLimit } from './calls.js';

export interface PlanLists {
  backupPlans: Input<'backupPlans'>[];
  backupSelections: Input<'backupSelections'>[];
}

/** Every plan of the region (GetBackupPlan, tags) and every selection of each. */
export async function collectPlans(b: BackupClient, c: Collection, limit: number): Promise<PlanLists> {
  const planPages =
    (await c.try('*', 'backup:ListBackupPlans', () => all(paginateListBackupPlans({ client: b }, {})))) ?? [];
  const planIds = planPages
    .flatMap((p) => p.BackupPlansList ?? [])
    .map((p) => ({ id: p.BackupPlanId ?? '', arn: p.BackupPlanArn ?? '' }));
  const plans = await mapLimit(planIds, limit, (plan) => readPlan(b, c, { ...plan, limit }));
  return {
    backupPlans: plans.flatMap(({ got, tags }) =>
      got?.BackupPlan ? [toPlan(got, got.BackupPlan, tags)] : [],
    ),
    backupSelections: plans.flatMap(({ selections }) =>
      selections.flatMap((s) => (s?.BackupSelection ? [toSelection(s, s.BackupSelection)] : [])),
    ),
  };
}

async function readPlan(b: BackupClient, c: Collection, o: { id: string; arn: string; limit: number }) {
  const { id, arn } = o;
  const [got, tags, selPages] = await Promise.all([
    c.try(arn, 'backup:GetBackupPlan', () => b.send(new GetBackupPlanCommand({ BackupPlanId: id }))),
    c.try(arn, 'backup:ListTags', () => b.send(new ListTagsCommand({ ResourceArn: arn }))),
    c.try(arn, 'backup:ListBackupSelections', () =>
      all(paginateListBackupSelections({ client: b }, { BackupPlanId: id })),
    ),
  ]);
  const selectionIds = (selPages ?? [])
    .flatMap((p) => p.BackupSelectionsList ?? [])
    .map((s) => s.SelectionId ?? '');
  const selections = await mapLimit(selectionIds, o.limit, (sid) =>
    c.try(arn, 'backup:GetBackupSelection', () =>
      b.send(new GetBackupSelectionCommand({ BackupPlanId: id, SelectionId: sid })),
    ),
  );
  return { got, tags, selections };
}

/** GetBackupPlan answer (and its BackupPlan) and the plan's tags -> plan. */
export function toPlan(
  got: GetBackupPlanOutput,
  plan: BackupPlan,
  tags: ListTagsOutput | undefined,
): Input<'backupPlans'> {
  return {
    BackupPlanId: got.BackupPlanId ?? '',
    BackupPlanArn: got.BackupPlanArn ?? '',
    BackupPlanName: plan.BackupPlanName ?? '',
    VersionId: got.VersionId,
    Rules: (plan.Rules ?? []).map((r) => ({
      ...r,
      RuleName: r.RuleName ?? '',
      TargetBackupVaultName: r.TargetBackupVaultName ?? '',
      CopyActions: (r.CopyActions ?? []).map((a) => ({
        ...a,
        DestinationBackupVaultArn: a.DestinationBackupVaultArn ?? '',
      })),
    })),
    Tags: tags?.Tags ?? {},
  } as Input<'backupPlans'>;
}

/** GetBackupSelection answer (and its BackupSelection) -> selection. */
export function toSelection(
  s: GetBackupSelectionOutput,
  selection: BackupSelection,
): Input<'backupSelections'> {
  return {
    ...selection,
    SelectionId: s.SelectionId ?? '',
    BackupPlanId: s.BackupPlanId ?? '',
    SelectionName: selection.SelectionName ?? '',
  } as Input<'backupSelections'>;
}
