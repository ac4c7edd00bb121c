/** AWS Backup restore testing of a region: its plans and their selections. */
import type {
  ListRestoreTestingPlansOutput,
  RestoreTestingPlanForGet,
  RestoreTestingSelectionForGet,
} from '@aws-sdk/client-backup';
import type { BackupApi } from '../../aws/clients.js';
import { all, type Collection, type Input, mapLimit, withIsoDates } from './calls.js';

export interface RestoreTestingLists {
  restoreTestingPlans: Input<'restoreTestingPlans'>[];
  restoreTestingSelections: Input<'restoreTestingSelections'>[];
}

/** The region's restore testing plans, as listed (undefined: the listing failed). */
export function listRestoreTestingPlans(
  b: BackupApi,
  c: Collection,
): Promise<ListRestoreTestingPlansOutput[] | undefined> {
  return c.try('*', 'backup:ListRestoreTestingPlans', () =>
    all(b.pages((sdk, client) => sdk.paginateListRestoreTestingPlans({ client }, {}))),
  );
}

/** Each listed plan in full, with each of its selections in full. */
export async function collectRestoreTesting(
  b: BackupApi,
  c: Collection,
  listed: ListRestoreTestingPlansOutput[] | undefined,
  o: { region: string; limit: number },
): Promise<RestoreTestingLists> {
  const names = (listed ?? [])
    .flatMap((p) => p.RestoreTestingPlans ?? [])
    .map((p) => ({ name: p.RestoreTestingPlanName ?? '', arn: p.RestoreTestingPlanArn ?? '' }));
  const read = await mapLimit(names, o.limit, (plan) =>
    readRestoreTestingPlan(b, c, { ...plan, limit: o.limit }),
  );
  return {
    restoreTestingPlans: read.flatMap(({ plan }) =>
      plan?.RestoreTestingPlan ? [toRestoreTestingPlan(plan.RestoreTestingPlan)] : [],
    ),
    restoreTestingSelections: read.flatMap(({ selections }) =>
      selections.flatMap((s) =>
        s?.RestoreTestingSelection ? [toRestoreTestingSelection(s.RestoreTestingSelection, o.region)] : [],
      ),
    ),
  };
}

async function readRestoreTestingPlan(
  b: BackupApi,
  c: Collection,
  { name, arn, limit }: { name: string; arn: string; limit: number },
) {
  const [plan, selPages] = await Promise.all([
    c.try(arn, 'backup:GetRestoreTestingPlan', () =>
      b.send((sdk) => new sdk.GetRestoreTestingPlanCommand({ RestoreTestingPlanName: name })),
    ),
    c.try(arn, 'backup:ListRestoreTestingSelections', () =>
      all(
        b.pages((sdk, client) =>
          sdk.paginateListRestoreTestingSelections({ client }, { RestoreTestingPlanName: name }),
        ),
      ),
    ),
  ]);
  const selNames = (selPages ?? [])
    .flatMap((p) => p.RestoreTestingSelections ?? [])
    .map((s) => s.RestoreTestingSelectionName ?? '');
  const selections = await mapLimit(selNames, limit, (sel) =>
    c.try(arn, 'backup:GetRestoreTestingSelection', () =>
      b.send(
        (sdk) =>
          new sdk.GetRestoreTestingSelectionCommand({
            RestoreTestingPlanName: name,
            RestoreTestingSelectionName: sel,
          }),
      ),
    ),
  );
  return { plan, selections };
}

export const toRestoreTestingPlan = (p: RestoreTestingPlanForGet) =>
  withIsoDates(p) as Input<'restoreTestingPlans'>;

/** A restore testing selection, with the region it is in (its answer does not say). */
export const toRestoreTestingSelection = (s: RestoreTestingSelectionForGet, region: string) =>
  ({ ...withIsoDates(s), Region: region }) as Input<'restoreTestingSelections'>;
