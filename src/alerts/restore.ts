/**
 * Restore jobs and continuous recovery points (pure): a failed restore (by hand or by a restore
 * testing plan), a failed or timed-out restore validation, a continuous backup that stopped.
 *
 * Field names, from the AWS Backup developer guide: Restore Job State Change events say `status`
 * where Backup and Copy events say `state` (eventbridge.html; the CREATED sample says `state`, so
 * both are read); a restore started by a restore testing plan carries
 * `detail.restoreTestingPlanArn` (restore-testing-validation.html); a validation result is
 * PutRestoreValidationResult's FAILED | SUCCESSFUL | TIMED_OUT | VALIDATING, read from
 * `detail.validationStatus` / `validationStatusMessage` when an event carries it.
 */
import {
  type ClassifyContext,
  type Envelope,
  type Json,
  obj,
  shortName,
  stateOf,
  str,
  text,
  vaultNameOf,
} from './fields.js';
import { emit, job, recovered } from './job.js';
import type { Signal } from './types.js';

/** FAILED fails; COMPLETED recovers, and fails or recovers the validation when the event has one. */
export function restoreJobSignals(env: Envelope, ctx: ClassifyContext): Signal[] {
  const d = env.detail;
  const state = stateOf(d);
  const jobId = str(d.restoreJobId, 256);
  const resourceArn = str(d.sourceResourceArn) ?? str(d.recoveryPointArn) ?? env.resources[0];
  const subject = resourceArn ?? (jobId && `restore-job/${jobId}`);
  if (!state || !subject) return [];
  const createdBy = obj(d.createdBy);
  const plan =
    str(d.restoreTestingPlanArn) ??
    str(createdBy.restoreTestingPlanArn) ??
    str(createdBy.RestoreTestingPlanArn);
  const page = jobId ? ({ page: 'restore-job', id: jobId } as const) : undefined;
  const j = job(env, ctx, {
    subject,
    resourceArn,
    vaults: [d.backupVaultArn, d.backupVaultName],
    jobId,
    page,
  });
  const what = plan ? 'Restore test' : 'Restore';
  if (state === 'FAILED')
    return [
      emit(j, {
        kind: 'restore-failed',
        state: 'failing',
        severity: 'high',
        title: `${what} failed: ${j.name}`,
        reason: text(d.statusMessage),
        meaning: plan
          ? `The restore test (${shortName(plan)}) could not restore ${j.name}: until a restore succeeds, it is not proven that it can be recovered from its backups.`
          : `A restore of ${j.name} failed: a recovery in an emergency could fail the same way.`,
        nextSteps: [
          "Read AWS's reason and the restore job in the AWS Backup console.",
          'Check the restore metadata (subnet group, instance profile, KMS key) and the restore role.',
          plan ? 'Run the restore testing plan again once fixed.' : 'Restore again once fixed.',
        ],
      }),
    ];
  if (state !== 'COMPLETED') return [];
  const ok = recovered('restore-failed', 'high', `${what} succeeded: ${j.name}`, 'A restore worked.');
  const validation = validationOf(d);
  if (validation === undefined) return [emit(j, ok)];
  if (validation === 'SUCCESSFUL')
    return [
      emit(j, ok),
      emit(j, recovered('restore-validation-failed', 'high', ok.title, 'Validation passed.')),
    ];
  const outcome = validation === 'FAILED' ? 'failed' : 'timed out';
  return [
    emit(j, ok),
    emit(j, {
      kind: 'restore-validation-failed',
      state: 'failing',
      severity: 'high',
      title: `${what} validation ${outcome}: ${j.name}`,
      reason: text(d.validationStatusMessage) ?? text(d.statusMessage),
      meaning: `The restore of ${j.name} finished, but its validation ${outcome}: the restored copy may not be usable, so recovery from these backups is not proven.`,
      nextSteps: [
        'Read the validation message and the logs of the validation workflow.',
        'Restore the same recovery point by hand and check the data before relying on it.',
      ],
    }),
  ];
}

function validationOf(d: Json): 'FAILED' | 'TIMED_OUT' | 'SUCCESSFUL' | undefined {
  const v = str(d.validationStatus, 64);
  return v === 'FAILED' || v === 'TIMED_OUT' || v === 'SUCCESSFUL' ? v : undefined;
}

/**
 * STOPPED only happens to continuous backups (DescribeRecoveryPoint: permissions removed,
 * versioning or EventBridge turned off, the rule's retention changed). COMPLETED or AVAILABLE
 * recovers only for a continuous point itself (…:recovery-point:continuous:…): a snapshot that
 * completes does not bring point-in-time recovery back.
 */
export function recoveryPointSignals(env: Envelope, ctx: ClassifyContext): Signal[] {
  const d = env.detail;
  const state = stateOf(d);
  const points = [str(d.recoveryPointArn), ...env.resources].filter((a): a is string => a !== undefined);
  const resourceArn = str(d.resourceArn);
  const subject = resourceArn ?? points[0];
  if (!state || !subject) return [];
  const vault = str(d.backupVaultName) ?? vaultNameOf(str(d.backupVaultArn));
  const page = vault ? ({ page: 'vault', name: vault } as const) : undefined;
  const j = job(env, ctx, { subject, resourceArn, vaults: [d.backupVaultName, d.backupVaultArn], page });
  if (state === 'STOPPED')
    return [
      emit(j, {
        kind: 'continuous-stopped',
        state: 'failing',
        severity: 'critical',
        title: `Continuous backup stopped: ${j.name}`,
        reason: text(d.statusMessage),
        meaning: `Point-in-time recovery of ${j.name} is lost: its continuous backup stopped, so only snapshot recovery points remain.`,
        nextSteps: [
          "Put back what changed: the backup role's permissions, S3 versioning, or the EventBridge rules AWS Backup created.",
          "A change to the continuous rule's retention also stops it (RDS, Aurora, S3): let the plan start a new one.",
          'Run `backup-sentinel audit` to confirm continuous backup runs again.',
        ],
      }),
    ];
  const continuous = points.some((a) => a.includes(':recovery-point:continuous:'));
  if ((state !== 'COMPLETED' && state !== 'AVAILABLE') || !continuous) return [];
  return [
    emit(
      j,
      recovered(
        'continuous-stopped',
        'critical',
        `Continuous backup running: ${j.name}`,
        'Point-in-time recovery works again.',
      ),
    ),
  ];
}
