/**
 * The restore validator's inputs, from real published payloads: the EventBridge Restore Job State
 * Change samples (test/fixtures/real/events), the placebo DescribeDBInstances / DescribeDBClusters
 * responses, and DescribeRestoreJob as the AWS Backup API reference's response syntax has it
 * (API_DescribeRestoreJob: CreatedBy.RestoreTestingPlanArn, RecoveryPointCreationDate,
 * ValidationStatus) — no recorded DescribeRestoreJob of a restore test was found in the allowed
 * sources (test/fixtures/real/SOURCES.md), so its values are the COMPLETED event's, moved into the
 * placebo database's account and Region.
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { RestoreJob } from '../../src/restore-validation/job.js';
import { placebo, raw } from '../support/fixtures.js';

export const event = (name: 'completed' | 'created' | 'failed') =>
  raw(`events/restore_job_state_change_${name}.json`);

/** The placebo database (mysql 8.0.28, 200 GiB, encrypted, available) is the source. */
export const SOURCE_DB = placebo<{ DBInstances: DBInstance[] }>('rds_DescribeDBInstances_placebo.json')
  .DBInstances[0] as DBInstance;
export const SOURCE_ARN = SOURCE_DB.DBInstanceArn as string;
const [, , , REGION = '', ACCOUNT = ''] = SOURCE_ARN.split(':');

export { ACCOUNT, REGION };

const completed = event('completed').detail;
export const JOB_ID: string = completed.restoreJobId;
/** AWS Backup names restore-test resources awsbackup-restore-test-… (restore testing inferred metadata). */
export const RESTORED_ID = 'awsbackup-restore-test-1a2bcd34-567e-8901-23f4';
export const RESTORED_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:${RESTORED_ID}`;
export const VAULT_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:backup-sentinel-gold`;
export const PLAN_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:restore-testing-plan:backup_sentinel_gold-8d2f1c7e`;

/** The restored copy of the source: the same, under the restore test's name. */
export const restoredDb = (change: Partial<DBInstance> = {}): DBInstance => ({
  ...SOURCE_DB,
  DBInstanceIdentifier: RESTORED_ID,
  DBInstanceArn: RESTORED_ARN,
  ...change,
});

/** DescribeRestoreJob of the COMPLETED sample, started by a restore testing plan, not validated. */
export function restoreTestJob(change: Partial<RestoreJob> = {}): RestoreJob {
  return {
    AccountId: ACCOUNT,
    RestoreJobId: JOB_ID,
    RecoveryPointArn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:awsbackup:job-1a2bcd34-567e-8901-23f4-5g6hijkl7890`,
    SourceResourceArn: SOURCE_ARN,
    BackupVaultArn: VAULT_ARN,
    CreationDate: new Date(completed.creationDate),
    CompletionDate: new Date(completed.completionDate),
    Status: 'COMPLETED',
    PercentDone: '100.00%',
    BackupSizeInBytes: Number(completed.backupSizeInBytes),
    IamRoleArn: completed.iamRoleArn,
    CreatedResourceArn: RESTORED_ARN,
    ResourceType: completed.resourceType,
    RecoveryPointCreationDate: new Date('2020-07-14T03:00:00.000Z'),
    CreatedBy: { RestoreTestingPlanArn: PLAN_ARN },
    ...change,
  };
}

/** The placebo Aurora cluster (aurora 5.6.10a, encrypted) is the source of a cluster restore. */
export const SOURCE_CLUSTER = placebo<{ DBClusters: DBCluster[] }>('rds_DescribeDBClusters_placebo.json')
  .DBClusters[0] as DBCluster;

/** An AWS SDK error as the SDK throws it (name, and the HTTP status in $metadata). */
export function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} (test)`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
  });
}
