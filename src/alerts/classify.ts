/**
 * What an AWS Backup event means for recovery, as Signals (pure). Reads the EventBridge events of
 * source aws.backup (eventbridge.html in the AWS Backup developer guide) and the CloudTrail calls
 * that change a policy vault (vault-drift.ts). A malformed or unrelated event gives [], never an
 * exception. Successful jobs give "recovered" signals, which the incident logic sends only when
 * they close an open incident (incidents.ts).
 *
 * Example: a "Backup Job State Change" with state FAILED for arn:aws:rds:…:db:orders in the
 * vault of policy gold → [{ kind: 'backup-failed', state: 'failing', severity: 'high',
 * policy: 'gold', jobId, reason: statusMessage, title: 'Backup failed: db:orders', … }].
 */

import { own } from '../maps.js';
import {
  arnPlace,
  type ClassifyContext,
  type Envelope,
  envelopeOf,
  obj,
  stateOf,
  str,
  text,
  vaultNameOf,
  vaultOwner,
} from './fields.js';
import { emit, job, recovered } from './job.js';
import { recoveryPointSignals, restoreJobSignals } from './restore.js';
import type { Signal } from './types.js';
import { apiCallSignals, vaultStateSignals } from './vault-drift.js';

export type { ClassifyContext } from './fields.js';

/** The signals in one event: [] for anything that is not a failure, a recovery or vault drift. */
export function signalsFromEvent(event: unknown, ctx: ClassifyContext): Signal[] {
  const e = obj(event);
  if (e['detail-type'] === 'AWS API Call via CloudTrail' || (str(e.eventSource) && str(e.eventName)))
    return apiCallSignals(e, ctx);
  const env = envelopeOf(e);
  if (!env) return [];
  if (env.type === 'Backup Job State Change') return backupJob(env, ctx);
  if (env.type === 'Copy Job State Change') return copyJob(env, ctx);
  if (env.type === 'Restore Job State Change') return restoreJobSignals(env, ctx);
  if (env.type === 'Recovery Point State Change') return recoveryPointSignals(env, ctx);
  if (env.type === 'Backup Vault State Change') return vaultStateSignals(env, ctx);
  return [];
}

const BACKUP_FAILED: Readonly<Record<string, string>> = {
  FAILED: 'The backup job failed',
  ABORTED: 'The backup job was stopped',
  EXPIRED: 'The backup job did not start or finish within its window',
};

const FIRST_STEP: Readonly<Record<string, string>> = {
  FAILED: "Fix the cause (the backup role's permissions, the vault, its KMS key, the resource's state).",
  ABORTED:
    'Find who stopped the job (CloudTrail StopBackupJob); if it was not intended, start an on-demand backup.',
  EXPIRED:
    'Look for a job still running for the same resource, or a start/completion window too short for it.',
};

/** FAILED / ABORTED / EXPIRED fail; COMPLETED recovers, with issues when it has a statusMessage. */
function backupJob(env: Envelope, ctx: ClassifyContext): Signal[] {
  const d = env.detail;
  const state = stateOf(d);
  const jobId = str(d.backupJobId, 256);
  const resourceArn = str(d.resourceArn);
  const subject = resourceArn ?? (jobId && `backup-job/${jobId}`);
  if (!state || !subject) return [];
  const page = jobId ? ({ page: 'backup-job', id: jobId } as const) : undefined;
  const j = job(env, ctx, {
    subject,
    resourceArn,
    vaults: [d.backupVaultName, d.backupVaultArn],
    jobId,
    page,
  });
  const reason = text(d.statusMessage);
  const failed = own(BACKUP_FAILED, state);
  if (failed)
    return [
      emit(j, {
        kind: 'backup-failed',
        state: 'failing',
        severity: 'high',
        title: `Backup ${state.toLowerCase()}: ${j.name}`,
        reason,
        meaning: `${failed}, so it made no recovery point: the newest restorable copy of ${j.name} is older than its schedule intends, and the policy's RPO is at risk if the next job fails too.`,
        nextSteps: [
          "Read AWS's reason and the job in the AWS Backup console.",
          own(FIRST_STEP, state) ?? 'Fix the cause AWS names.',
          'Start an on-demand backup to close the gap, then run `backup-sentinel audit` to check the RPO.',
        ],
      }),
    ];
  if (state !== 'COMPLETED') return [];
  const ok = recovered(
    'backup-failed',
    'high',
    `Backup succeeded: ${j.name}`,
    'A new recovery point exists.',
  );
  if (!reason)
    return [
      emit(j, ok),
      emit(j, recovered('backup-completed-with-issues', 'medium', ok.title, 'The backup completed cleanly.')),
    ];
  return [
    emit(j, ok),
    emit(j, {
      kind: 'backup-completed-with-issues',
      state: 'failing',
      severity: 'medium',
      title: `Backup completed with issues: ${j.name}`,
      reason,
      meaning: `A recovery point of ${j.name} was made, but AWS Backup reported a problem: it may not hold everything (for example, objects or files that were skipped).`,
      nextSteps: [
        "Read AWS's reason: it names what was skipped or went wrong.",
        'Fix the cause (permissions on skipped objects, KMS keys, object sizes) before relying on this recovery point.',
      ],
    }),
  ];
}

/** FAILED / ABORTED fail and COMPLETED recovers, per resource and destination vault. */
function copyJob(env: Envelope, ctx: ClassifyContext): Signal[] {
  const d = env.detail;
  const state = stateOf(d);
  const jobId = str(d.copyJobId, 256);
  const dest = str(d.destinationBackupVaultArn);
  const resourceArn = str(d.resourceArn);
  const subject = resourceArn ?? (jobId && `copy-job/${jobId}`);
  if (!state || !subject) return [];
  const to = arnPlace(dest);
  const destVault = vaultNameOf(dest);
  const owner = vaultOwner(ctx.policies, [destVault], to.account ?? env.account);
  const page = jobId ? ({ page: 'copy-job', id: jobId } as const) : undefined;
  const j = job(env, ctx, { subject, resourceArn, vaults: [d.sourceBackupVaultArn], jobId, page, owner });
  const where = dest ? `${to.region ?? '?'}/${destVault ?? '?'}` : 'its destination';
  const key = [dest ?? 'unknown-destination'];
  if (state === 'COMPLETED')
    return [
      emit(j, { ...recovered('copy-failed', 'high', `Copy succeeded: ${j.name}`, 'The copy exists.'), key }),
    ];
  if (state !== 'FAILED' && state !== 'ABORTED') return [];
  return [
    emit(j, {
      kind: 'copy-failed',
      state: 'failing',
      severity: 'high',
      key,
      title: `Copy ${state === 'FAILED' ? 'failed' : 'stopped'}: ${j.name} to ${where}`,
      reason: text(d.statusMessage),
      meaning: `The recovery point of ${j.name} was not copied to ${where}: if the source region or account is lost, no copy newer than the last successful one can be restored.`,
      nextSteps: [
        "Read AWS's reason and the copy job in the AWS Backup console.",
        "Check the destination vault's access policy and KMS key, and the copy role's permissions (cross-account copies need both sides).",
        'Copy the recovery point again once the cause is fixed.',
      ],
    }),
  ];
}
