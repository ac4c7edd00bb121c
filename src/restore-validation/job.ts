/**
 * Which restore job an event is about, and whether validateRestore answers that job (pure).
 *
 * The Restore Job State Change event names the job but not who started it (the published COMPLETED
 * sample has no restore testing plan field), so the function reads the job (DescribeRestoreJob) and
 * answers only jobs a restore testing plan started (`CreatedBy.RestoreTestingPlanArn`) that carry
 * no validation yet (EventBridge may deliver an event twice; another validator may have answered).
 */
import type { DescribeRestoreJobCommandOutput } from '@aws-sdk/client-backup';
import { type ArnParts, parseArn } from '../inventory/arn.js';
import { obj } from '../maps.js';

export type RestoreJob = Omit<DescribeRestoreJobCommandOutput, '$metadata'>;

/** A restore left alone, and why (logged on one line). */
export interface Ignored {
  kind: 'ignored';
  reason: string;
  restoreJobId?: string;
}

export const ignored = (reason: string, restoreJobId?: string): Ignored => ({
  kind: 'ignored',
  reason,
  ...(restoreJobId ? { restoreJobId } : {}),
});

const str = (v: unknown, max = 2048) =>
  typeof v === 'string' && v !== '' && v.length <= max ? v : undefined;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The COMPLETED restore job an EventBridge event is about, in the event's Region. */
export function restoreJobOf(
  event: unknown,
  fallbackRegion: string,
): { kind: 'job'; restoreJobId: string; region: string } | Ignored {
  const e = obj(event);
  const type = str(e['detail-type'], 256);
  if (str(e.source) !== 'aws.backup' || type !== 'Restore Job State Change')
    return ignored(`not an AWS Backup restore job event: ${type ?? 'no detail-type'}`);
  const d = obj(e.detail);
  const id = str(d.restoreJobId, 256);
  // Restore events say `status`; the CREATED sample says `state` (AWS Backup developer guide).
  const status = str(d.status, 64) ?? str(d.state, 64);
  if (status !== 'COMPLETED')
    return ignored(`restore job ${status ?? 'without a status'}: only COMPLETED restores are validated`, id);
  if (!id) return ignored('the event names no restoreJobId');
  const region = str(e.region, 64);
  return { kind: 'job', restoreJobId: id, region: region && REGION.test(region) ? region : fallbackRegion };
}

/** What a restore test restored, and what it is compared with. */
export type Subject =
  | {
      kind: 'db' | 'cluster';
      restored: ArnParts & { arn: string; id: string };
      source?: ArnParts & { arn: string; id: string };
    }
  | { kind: 'bucket'; restored: { arn: string; name: string }; source?: { arn: string; name: string } };

const db = (arn: string | undefined, prefix: 'db:' | 'cluster:') => {
  const p = arn ? parseArn(arn) : undefined;
  return p?.service === 'rds' && p.resource.startsWith(prefix)
    ? { ...p, arn: arn as string, id: p.resource.slice(prefix.length) }
    : undefined;
};
const bucket = (arn: string | undefined) => {
  const p = arn ? parseArn(arn) : undefined;
  return p?.service === 's3' && p.resource !== '' && !p.resource.includes('/')
    ? { arn: arn as string, name: p.resource }
    : undefined;
};

/**
 * The subject of a restore job validateRestore answers, or why it leaves the job alone: not
 * started by a restore testing plan, already validated, or a resource type it does not validate.
 */
export function subjectOf(job: RestoreJob): Subject | Ignored {
  const id = job.RestoreJobId;
  if (job.Status !== 'COMPLETED') return ignored(`restore job is ${job.Status ?? 'of unknown status'}`, id);
  if (!job.CreatedBy?.RestoreTestingPlanArn)
    return ignored('not started by a restore testing plan: a restore by hand is left alone', id);
  if (job.ValidationStatus)
    return ignored(
      `already validated: ${job.ValidationStatus}${job.ValidationStatusMessage ? ` (${job.ValidationStatusMessage})` : ''}`,
      id,
    );
  const created = job.CreatedResourceArn;
  if (!created) return ignored('the restore job names no restored resource (CreatedResourceArn)', id);
  const type = job.ResourceType ?? '';
  if (type === 'S3') {
    const restored = bucket(created);
    if (!restored) return ignored(`not a bucket ARN: ${created}`, id);
    const source = bucket(job.SourceResourceArn);
    return { kind: 'bucket', restored, ...(source ? { source } : {}) };
  }
  if (type === 'RDS' || type === 'Aurora') {
    const kind = db(created, 'db:') ? 'db' : 'cluster';
    const restored = db(created, kind === 'db' ? 'db:' : 'cluster:');
    if (!restored) return ignored(`not an RDS database or cluster ARN: ${created}`, id);
    const source = db(job.SourceResourceArn, kind === 'db' ? 'db:' : 'cluster:');
    return { kind, restored, ...(source ? { source } : {}) };
  }
  return ignored(
    `resource type ${type || 'unknown'} is not one backup-sentinel validates (RDS, Aurora, S3)`,
    id,
  );
}
