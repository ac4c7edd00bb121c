/**
 * Under ownedPlansOnly (the Lambda runtime: its roles may change only plans tagged
 * managed-by=backup-sentinel), a plan someone else made is refused with the reason, not failed
 * with AccessDenied; plans it owns are changed as before.
 */
import {
  BackupClient,
  CreateBackupSelectionCommand,
  GetBackupPlanCommand,
  type GetBackupPlanOutput,
  ListBackupPlansCommand,
  type ListBackupPlansOutput,
  ListBackupSelectionsCommand,
  ListTagsCommand,
  UpdateBackupPlanCommand,
  type UpdateBackupPlanInput,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { type Action, describeAction } from '../../src/remediation/actions.js';
import { type ActionResult, executePlan } from '../../src/remediation/execute.js';
import { placebo } from '../support/fixtures.js';

const PLANS = placebo<ListBackupPlansOutput>('backup_ListBackupPlans_placebo.json');
const GOT_PLAN = placebo<GetBackupPlanOutput>('backup_GetBackupPlan_placebo.json');
const PLAN_NAME = PLANS.BackupPlansList?.[0]?.BackupPlanName ?? '';
const backup = mockClient(BackupClient);

const actions: Action[] = [
  {
    type: 'RaiseRuleRetention',
    region: 'us-east-1',
    planName: PLAN_NAME,
    ruleName: GOT_PLAN.BackupPlan?.Rules?.[0]?.RuleName ?? '',
    deleteAfterDays: 10_000,
  },
  {
    type: 'CreateBackupSelection',
    region: 'us-east-1',
    planName: PLAN_NAME,
    selectionName: 'backup-sentinel-gold-s3',
    tagKey: 'backup:policy',
    tagValue: 'gold',
    auditOnlyTagKey: 'backup:remediate',
    kind: 's3',
    copies: { crossRegion: false, crossAccount: false },
  },
];

function run(ownedPlansOnly: boolean): Promise<ActionResult[]> {
  return executePlan(
    new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    // Changed: an action and its summary only; no accountId or policies (the executor needs neither).
    actions.map((action) => ({ action, summary: describeAction(action) })),
    {
      apply: true,
      maxChanges: 10,
      backupRoleArn: 'arn:aws:iam::644160558196:role/service-role/AWSBackupDefaultServiceRole',
      ownedPlansOnly,
    },
  );
}

beforeEach(() => {
  backup.reset();
  backup.on(ListBackupPlansCommand).resolves(PLANS);
  // The plan as AWS keeps it: an update is what the next read returns.
  let plan = structuredClone(GOT_PLAN);
  backup.on(GetBackupPlanCommand).callsFake(async () => plan);
  backup.on(UpdateBackupPlanCommand).callsFake(async (input: UpdateBackupPlanInput) => {
    plan = { ...plan, BackupPlan: input.BackupPlan as GetBackupPlanOutput['BackupPlan'] };
    return {};
  });
  backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
  backup.on(CreateBackupSelectionCommand).resolves({ SelectionId: 's' });
});
afterAll(() => backup.restore());

describe('ownedPlansOnly', () => {
  it('refuses to change or extend a plan backup-sentinel did not create, naming the tag to add', async () => {
    // Prepare
    backup.on(ListTagsCommand).resolves({ Tags: { team: 'data' } });
    // Act
    const results = await run(true);
    // Assess
    expect(results.map((r) => r.status)).toEqual(['refused', 'refused']);
    expect(results[0]?.reason).toContain('managed-by=backup-sentinel');
    expect(backup).not.toHaveReceivedCommand(UpdateBackupPlanCommand);
    expect(backup).not.toHaveReceivedCommand(CreateBackupSelectionCommand);
  });

  it('changes the plans it owns', async () => {
    // Prepare
    backup.on(ListTagsCommand).resolves({ Tags: { 'managed-by': 'backup-sentinel' } });
    // Act
    const results = await run(true);
    // Assess
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(backup).toHaveReceivedCommandWith(CreateBackupSelectionCommand, {
      BackupSelection: expect.objectContaining({ SelectionName: 'backup-sentinel-gold-s3' }),
    });
  });

  it('does not ask when not set (the CLI runs with the user’s own credentials)', async () => {
    // Act
    const results = await run(false);
    // Assess
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(backup).not.toHaveReceivedCommand(ListTagsCommand);
  });
});
