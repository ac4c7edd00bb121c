/** Vault notifications (SNS -> Lambda): S3 object failures become signals; job states EventBridge carries do not. */
import { describe, expect, it } from 'vitest';
import { isSnsEvent, signalsFromVaultNotifications } from '../../src/alerts/vault-notifications.js';
import { raw } from '../support/fixtures.js';

const sample = (name: string) => raw(`events/${name}`);
function s3ObjectFailed(type: string) {
  const event = structuredClone(
    sample('sns_lambda_event_backup_vault_notification_backup_job_failed_docs.json'),
  ) as {
    Records: {
      Sns: { Message: string; MessageAttributes: Record<string, { Type: string; Value: string }> };
    }[];
  };
  const sns = event.Records[0]?.Sns;
  if (!sns) throw new Error('fixture without a record');
  sns.MessageAttributes.EventType = { Type: 'String', Value: type };
  sns.Message =
    'An AWS Backup job failed to back up some S3 objects. Resource ARN : arn:aws:s3:::acme-<!channel>-data. BackupJob ID : 1b2345b2';
  return event;
}

describe('signalsFromVaultNotifications', () => {
  it.each([
    'sns_lambda_event_backup_vault_notification_backup_job_completed_docs.json',
    'sns_lambda_event_backup_vault_notification_backup_job_expired_docs.json',
    'sns_lambda_event_backup_vault_notification_backup_job_failed_docs.json',
  ])('drops %s: EventBridge already carries job state changes', (name) => {
    expect(isSnsEvent(sample(name))).toBe(true);
    expect(signalsFromVaultNotifications(sample(name))).toEqual([]);
  });

  it('turns an S3 object-level backup failure into one failing signal naming the bucket', () => {
    // Act
    const [signal, ...rest] = signalsFromVaultNotifications(s3ObjectFailed('S3_BACKUP_OBJECT_FAILED'));
    // Assess
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({
      kind: 'backup-failed',
      state: 'failing',
      resourceArn: 'arn:aws:s3:::acme-<!channel>-data',
      region: 'us-west-1',
      account: '123456789012',
      incident: 'arn:aws:s3:::acme-<!channel>-data|s3-backup-objects',
    });
  });

  it('turns a restore failure into a restore-failed signal', () => {
    expect(signalsFromVaultNotifications(s3ObjectFailed('S3_RESTORE_OBJECT_FAILED'))[0]?.kind).toBe(
      'restore-failed',
    );
  });

  it.each([null, 1, 'x', {}, { Records: 'x' }, { Records: [null, { EventSource: 'aws:sns' }] }])(
    'is total: %j gives no signal',
    (event) => {
      expect(signalsFromVaultNotifications(event)).toEqual([]);
    },
  );
});
