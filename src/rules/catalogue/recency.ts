/** Recency: the newest recovery point of each resource is within the RPO. */
import { parseArn } from '../../inventory/arn.js';
import { formatHours } from '../../policy/schedule.js';
import { ageHours, latest } from '../time.js';
import { compliant, nonCompliant, type Rule } from '../types.js';

/** Recovery point states that can be restored from. */
const USABLE = new Set(['COMPLETED', 'AVAILABLE']);

export const recoveryPointRecent: Rule<'resource'> = {
  id: 'recency.recovery-point',
  title: 'Newest completed recovery point is within the RPO',
  area: 'recency',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: {
    collect: ['backup:ListRecoveryPointsByBackupVault', 'backup:ListBackupJobs'],
    remediate: [],
  },
  example:
    'rpoHours 2, newest recovery point 26h old, last job FAILED -> NON_COMPLIANT: 26h old (RPO 2h); last backup job FAILED: <reason>',
  evaluate({ resource, policy }, { index, now }) {
    const jobs = index.backupJobsByResource.get(resource.Arn) ?? [];
    const local = (index.recoveryPointsByResource.get(resource.Arn) ?? []).filter((p) => {
      const v = parseArn(p.BackupVaultArn);
      return v?.region === resource.Region && v.account === resource.AccountId && USABLE.has(p.Status);
    });
    // A continuous recovery point keeps its first CreationDate; each completed job moves it forward.
    const pointInTime = (p: (typeof local)[number]) =>
      p.RecoveryPointArn.includes(':recovery-point:continuous:')
        ? (jobs.find((j) => j.RecoveryPointArn === p.RecoveryPointArn && j.State === 'COMPLETED')
            ?.CompletionDate ?? p.CreationDate)
        : p.CreationDate;
    // A continuous point older than the listing window is not listed; its protected resource's
    // LastBackupTime still moves with every completed continuous job.
    const lastBackup = policy.continuous
      ? index.inventory.protectedResources.find((p) => p.ResourceArn === resource.Arn)?.LastBackupTime
      : undefined;
    const newest = latest([...local.map(pointInTime), lastBackup]);
    const lastJob = jobs[0];
    const jobNote =
      lastJob && !['COMPLETED', 'RUNNING', 'CREATED', 'PENDING'].includes(lastJob.State)
        ? `; last backup job ${lastJob.State}${lastJob.StatusMessage ? `: ${lastJob.StatusMessage}` : ''}`
        : '';
    const expected = `younger than ${formatHours(policy.rpoHours)}`;
    if (!newest) return nonCompliant(`no completed recovery point${jobNote}`, { expected, actual: 'none' });
    const age = ageHours(newest, now);
    if (age <= policy.rpoHours)
      return compliant(
        `newest recovery point is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})`,
      );
    return nonCompliant(
      `newest recovery point is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})${jobNote}`,
      {
        expected,
        actual: formatHours(age),
      },
    );
  },
};

export const recencyRules = [recoveryPointRecent];
