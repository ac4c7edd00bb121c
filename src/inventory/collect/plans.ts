/** AWS Backup plans of a region, with their tags and selections. */
import type {
  BackupPlan,
  BackupSelection,
  GetBackupPlanOutput,
  GetBackupSelectionOutput,
  ListTagsOutput,
} from '@aws-sdk/client-backup';
import type { BackupApi } from '../../aws/clients.js';
import { all, type Collection, type Input, mapLimit } from './calls.js';

export interface PlanLists {
  backupPlans: Input<'backupPlans'>[];
  backupSelections: Input<'backupSelections'>[];
}

/** Every plan of the region (GetBackupPlan, tags) and every selection of each. */
export async function collectPlans(b: BackupApi, c: Collection, limit: number): Promise<PlanLists> {
  const planPages =
    (await c.try('*', 'backup:ListBackupPlans', () =>
      all(b.pages((sdk, client) => sdk.paginateListBackupPlans({ client }, {}))),
    )) ?? [];
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

async function readPlan(b: BackupApi, c: Collection, o: { id: string; arn: string; limit: number }) {
  const { id, arn } = o;
  const [got, tags, selPages] = await Promise.all([
    c.try(arn, 'backup:GetBackupPlan', () =>
      b.send((sdk) => new sdk.GetBackupPlanCommand({ BackupPlanId: id })),
    ),
    c.try(arn, 'backup:ListTags', () => b.send((sdk) => new sdk.ListTagsCommand({ ResourceArn: arn }))),
    c.try(arn, 'backup:ListBackupSelections', () =>
      all(b.pages((sdk, client) => sdk.paginateListBackupSelections({ client }, { BackupPlanId: id }))),
    ),
  ]);
  const selectionIds = (selPages ?? [])
    .flatMap((p) => p.BackupSelectionsList ?? [])
    .map((s) => s.SelectionId ?? '');
  const selections = await mapLimit(selectionIds, o.limit, (sid) =>
    c.try(arn, 'backup:GetBackupSelection', () =>
      b.send((sdk) => new sdk.GetBackupSelectionCommand({ BackupPlanId: id, SelectionId: sid })),
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
