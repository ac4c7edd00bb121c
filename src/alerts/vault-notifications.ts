/**
 * The vaults' SNS notifications, as the onBackupEvent function receives them (SNS -> Lambda).
 * EventBridge already carries every backup, copy and restore job state change, so those are
 * dropped here; what only vault notifications carry are the S3 object-level failures
 * (S3_BACKUP_OBJECT_FAILED, S3_RESTORE_OBJECT_FAILED: objects a job could not back up or restore,
 * backup-notifications.html). Pure, total: anything else is no signal, never a throw.
 */
import { consoleUrl } from './console.js';
import { type Json, obj, str, text } from './fields.js';
import type { Signal } from './types.js';

const attribute = (attrs: Json, name: string) => str(obj(attrs[name]).Value);

/** Whether an event is an SNS delivery (Records with EventSource aws:sns). */
export const isSnsEvent = (event: unknown): boolean =>
  Array.isArray(obj(event).Records) &&
  (obj(event).Records as unknown[]).some((r) => obj(r).EventSource === 'aws:sns');

/** The value after `label` in AWS Backup's message text, up to the next space (no regex). */
function after(text: string, label: string): string | undefined {
  const at = text.indexOf(label);
  if (at < 0) return undefined;
  const rest = text.slice(at + label.length).trimStart();
  const end = rest.search(/\s/);
  const value = (end < 0 ? rest : rest.slice(0, end)).replace(/[.,]$/, '');
  return value || undefined;
}

export function signalsFromVaultNotifications(event: unknown): Signal[] {
  if (!isSnsEvent(event)) return [];
  const out: Signal[] = [];
  for (const record of obj(event).Records as unknown[]) {
    const sns = obj(obj(record).Sns);
    const attrs = obj(sns.MessageAttributes);
    const type = attribute(attrs, 'EventType') ?? '';
    const state = attribute(attrs, 'State') ?? '';
    if (!type.startsWith('S3_') || ['COMPLETED', 'SUCCESSFUL'].includes(state)) continue;
    const message = text(sns.Message) ?? '';
    const topic = (str(sns.TopicArn) ?? '').split(':');
    const region = topic[3] ?? '';
    const account = attribute(attrs, 'AccountId') ?? topic[4] ?? '';
    const restore = type.includes('RESTORE');
    const resourceArn = after(message, 'Resource ARN :') ?? after(message, 'Resource ARN:');
    const jobId = attribute(attrs, 'Id');
    out.push({
      kind: restore ? 'restore-failed' : 'backup-failed',
      state: 'failing',
      incident: `${resourceArn ?? jobId ?? 'unknown'}|${restore ? 's3-restore-objects' : 's3-backup-objects'}`,
      severity: 'high',
      title: `S3 objects failed to ${restore ? 'restore' : 'back up'}${resourceArn ? `: ${resourceArn.split(':').pop()}` : ''}`,
      account,
      region,
      ...(resourceArn ? { resourceArn, resourceType: 'S3' } : {}),
      ...(jobId ? { jobId } : {}),
      reason: message,
      meaning: restore
        ? 'Some objects were not restored: the restored bucket is incomplete.'
        : 'Some objects are missing from this backup: restoring it will not bring them back.',
      nextSteps: ['Open the job in the AWS Backup console for the list of failed objects'],
      consoleUrl: jobId
        ? consoleUrl(region, { page: restore ? 'restore-job' : 'backup-job', id: jobId })
        : consoleUrl(region),
      at: str(sns.Timestamp) ?? '',
      eventType: type,
    });
  }
  return out;
}
