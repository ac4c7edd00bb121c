/** Recency: the newest recovery point of each resource is within the RPO. */
import { parseArn } from '../../inventory/arn.js';
import {
  type InventoryIndex,
  isContinuousPoint,
  isUsablePoint,
  type RecoveryPoint,
  type Resource,
} from '../../inventory/index.js';
import { formatHours } from '../../policy/schedule.js';
import { ageHours, latest } from '../time.js';
import { compliant, defineRule, nonCompliant, notApplicable, notRead } from '../types.js';

/** Reads that would have listed every recovery point of a resource in its own region. */
const POINTS_READ = ['backup:ListBackupVaults', 'backup:ListRecoveryPointsByBackupVault'];

/** The resource's recovery points in the vaults of its own region and account, newest first. */
function ownPoints(resource: Resource, index: InventoryIndex): RecoveryPoint[] {
  return (index.recoveryPointsByResource.get(resource.Arn) ?? []).filter((p) => {
    const v = parseArn(p.BackupVaultArn);
    return v?.region === resource.Region && v.account === resource.AccountId;
  });
}

export const recoveryPointRecent = defineRule<'resource'>({
  id: 'recency.recovery-point',
  title: 'Newest completed recovery point is within the RPO',
  area: 'recency',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:ListRecoveryPointsByBackupVault', 'backup:ListBackupJobs'] },
  proposes: [],
  example:
    'rpoHours 2, newest recovery point 26h old, last job FAILED -> NON_COMPLIANT: 26h old (RPO 2h); last backup job FAILED: <reason>',
  evaluate({ resource, policy }, { index, now }) {
    const jobs = index.backupJobsByResource.get(resource.Arn) ?? [];
    const local = ownPoints(resource, index).filter(isUsablePoint);
    // A continuous recovery point keeps its first CreationDate; each completed job moves it forward.
    const pointInTime = (p: (typeof local)[number]) =>
      isContinuousPoint(p)
        ? (jobs.find((j) => j.RecoveryPointArn === p.RecoveryPointArn && j.State === 'COMPLETED')
            ?.CompletionDate ?? p.CreationDate)
        : p.CreationDate;
    // A continuous point older than the listing window is not listed; its protected resource's
    // LastBackupTime still moves with every completed continuous job.
    const lastBackup = policy.continuous ? index.protectedResource(resource.Arn)?.LastBackupTime : undefined;
    const newest = latest([...local.map(pointInTime), lastBackup]);
    const lastJob = jobs[0];
    const jobNote =
      lastJob && !['COMPLETED', 'RUNNING', 'CREATED', 'PENDING'].includes(lastJob.State)
        ? `; last backup job ${lastJob.State}${lastJob.StatusMessage ? `: ${lastJob.StatusMessage}` : ''}`
        : '';
    const expected = `younger than ${formatHours(policy.rpoHours)}`;
    const age = newest === undefined ? undefined : ageHours(newest, now);
    if (age !== undefined && age >= 0 && age <= policy.rpoHours)
      return compliant(
        `newest recovery point is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})`,
      );
    // Too old or none: only a complete listing of the region's vaults proves nothing newer exists.
    const unread = index.scope.unread(POINTS_READ, resource.AccountId, resource.Region);
    if (unread) return notRead('whether a recent recovery point exists', unread);
    if (newest === undefined || age === undefined)
      return nonCompliant(`no completed recovery point${jobNote}`, { expected, actual: 'none' });
    if (age < 0)
      return nonCompliant(`newest recovery point is dated in the future (${newest}): not counted as recent`, {
        expected,
        actual: `future date ${newest}`,
      });
    return nonCompliant(
      `newest recovery point is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})${jobNote}`,
      {
        expected,
        actual: formatHours(age),
      },
    );
  },
});

/**
 * A backup job that COMPLETED with a status message "completed with issues": for S3, objects that
 * could not be backed up (AWS Backup reports them in the message); the point is not a clean copy.
 */
export const cleanBackup = defineRule<'resource'>({
  id: 'recency.clean-backup',
  title: 'Newest completed backup job completed without issues',
  area: 'recency',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:ListBackupJobs'] },
  proposes: [],
  example:
    'newest backup job COMPLETED with StatusMessage "2 objects failed to back up" -> NON_COMPLIANT: completed with issues',
  evaluate({ resource }, { index }) {
    const done = (index.backupJobsByResource.get(resource.Arn) ?? []).find((j) => j.State === 'COMPLETED');
    if (!done) return notApplicable('no completed backup job in the window (see recency.recovery-point)');
    if (!done.StatusMessage?.trim())
      return compliant(`backup job ${done.BackupJobId} completed without issues`);
    return nonCompliant(
      `backup job ${done.BackupJobId} completed with issues: ${done.StatusMessage}${resource.Type === 'AWS::S3::Bucket' ? ' (objects named there are not in the recovery point)' : ''}`,
      { expected: 'completed without issues', actual: 'completed with issues' },
    );
  },
});

/** A continuous recovery point STOPPED: point-in-time recovery is gone until backups start again. */
export const continuousRunning = defineRule<'resource'>({
  id: 'recency.continuous-running',
  title: 'Continuous backup (point-in-time recovery) is running where the policy asks',
  area: 'recency',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: POINTS_READ },
  proposes: [],
  example:
    'policy continuous: true, continuous recovery point STOPPED, daily snapshots fresh -> NON_COMPLIANT: point-in-time recovery lost',
  evaluate({ resource, policy }, { index }) {
    if (!policy.continuous) return notApplicable(`policy ${policy.name} does not ask for continuous backup`);
    const newest = ownPoints(resource, index).find(isContinuousPoint);
    if (!newest)
      return notApplicable(
        'no continuous recovery point listed (see plan.continuous and recency.recovery-point)',
      );
    if (newest.Status === 'STOPPED')
      return nonCompliant(
        `continuous recovery point ${newest.RecoveryPointArn} is STOPPED: point-in-time recovery is lost, even though snapshots may be fresh${newest.StatusMessage ? ` (${String(newest.StatusMessage)})` : ''}`,
        { expected: 'continuous backup running', actual: 'STOPPED' },
      );
    return compliant(`continuous recovery point is ${newest.Status}`);
  },
});

export const recencyRules = [recoveryPointRecent, cleanBackup, continuousRunning];
