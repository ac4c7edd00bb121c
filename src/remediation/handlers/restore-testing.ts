/** Restore testing: the plan the action carries, and selections of the policy's tagged resources. */
import type { Aws, BackupApi } from '../../aws/clients.js';
import type { Action, NewRestoreTestingPlan } from '../actions.js';
import { backupRoleFor, restoreTestingRoleKind } from '../backup-roles.js';
import { absent, createOnce, creatorRequestId, type Handlers, OWNER_TAGS, type Step } from '../step.js';

export const restoreTestingHandlers = {
  CreateRestoreTestingPlan: (aws, a) => createRestoreTestingPlan(aws, a.region, a.plan),
  CreateRestoreTestingSelection: (aws, a, o) =>
    createRestoreTestingSelection(aws, a, backupRoleFor(restoreTestingRoleKind(a.resourceType), a.region, o)),
} satisfies Partial<Handlers>;

/** Creates the plan the action carries, tagged as ours, unless a plan of that name exists. */
async function createRestoreTestingPlan(
  aws: Aws,
  region: string,
  plan: NewRestoreTestingPlan,
): Promise<Step> {
  const b = aws.backup(region);
  const name = plan.RestoreTestingPlanName;
  if (await restoreTestingPlanExists(b, name)) return { before: { exists: true }, after: { exists: true } };
  return {
    before: { exists: false },
    after: plan,
    write: () =>
      createOnce(
        () =>
          b.send(
            (sdk) =>
              new sdk.CreateRestoreTestingPlanCommand({
                RestoreTestingPlan: plan,
                Tags: OWNER_TAGS,
                CreatorRequestId: creatorRequestId('restore-testing-plan', region, name),
              }),
          ),
        () => restoreTestingPlanExists(b, name),
      ),
  };
}

async function restoreTestingPlanExists(b: BackupApi, name: string): Promise<boolean> {
  for await (const page of b.pages((sdk, client) => sdk.paginateListRestoreTestingPlans({ client }, {}))) {
    if (page.RestoreTestingPlans?.some((p) => p.RestoreTestingPlanName === name)) return true;
  }
  return false;
}

async function createRestoreTestingSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateRestoreTestingSelection' }>,
  role: string,
): Promise<Step> {
  const b = aws.backup(a.region);
  const exists = async () =>
    (
      await b
        .send(
          (sdk) =>
            new sdk.GetRestoreTestingSelectionCommand({
              RestoreTestingPlanName: a.planName,
              RestoreTestingSelectionName: a.selectionName,
            }),
        )
        .catch(absent)
    )?.RestoreTestingSelection;
  if (await exists()) return { before: { exists: true }, after: { exists: true } };
  const selection = {
    RestoreTestingSelectionName: a.selectionName,
    ProtectedResourceType: a.resourceType,
    IamRoleArn: role,
    ProtectedResourceArns: ['*'],
    ProtectedResourceConditions: {
      StringEquals: [{ Key: `aws:ResourceTag/${a.tagKey}`, Value: a.tagValue }],
      StringNotEquals: [{ Key: `aws:ResourceTag/${a.auditOnlyTagKey}`, Value: 'false' }],
    },
    ...(Object.keys(a.overrides).length ? { RestoreMetadataOverrides: a.overrides } : {}),
    ...(a.validationWindowHours ? { ValidationWindowHours: a.validationWindowHours } : {}),
  };
  return {
    before: { exists: false },
    after: selection,
    write: () =>
      createOnce(
        () =>
          b.send(
            (sdk) =>
              new sdk.CreateRestoreTestingSelectionCommand({
                RestoreTestingPlanName: a.planName,
                RestoreTestingSelection: selection,
                CreatorRequestId: creatorRequestId(
                  'restore-testing-selection',
                  a.region,
                  a.planName,
                  a.selectionName,
                ),
              }),
          ),
        exists,
      ),
  };
}
