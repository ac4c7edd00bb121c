/**
 * Alerts end to end with the real samples: one alert per incident across invocations, its
 * recovery on the next successful job, nothing for successful jobs, and a send that fails gives
 * its claim back (the retried invocation alerts).
 */
import { describe, expect, it } from 'vitest';
import type { RenderedAlert } from '../../src/alerts/types.js';
import { type AlertDeps, onBackupEvent } from '../../src/app/alerts.js';
import { parsePolicies } from '../../src/policy/index.js';
import { raw } from '../support/fixtures.js';
import { MemoryIncidentStore } from '../support/memory-store.js';

const policies = parsePolicies('policies:\n  gold: {}\n');
const failed = raw('events/backup_job_state_change_failed.json') as { detail: Record<string, unknown> };
/** The same job kind for the same resource, succeeding (no status message). */
const completed = {
  ...raw('events/backup_job_state_change_completed.json'),
  detail: {
    ...(raw('events/backup_job_state_change_completed.json') as { detail: object }).detail,
    resourceArn: failed.detail.resourceArn,
  },
};

function deps(store: MemoryIncidentStore, sent: RenderedAlert[], at: string, fail = false): AlertDeps {
  return {
    store,
    send: async (r) => {
      if (fail) throw new Error('SNS is down');
      sent.push(r);
    },
    settings: { windowMinutes: 360, minSeverity: 'medium', ttlDays: 30 },
    now: new Date(at),
  };
}

describe('onBackupEvent', () => {
  it('alerts once for a failed job seen three times, then once more when the next job succeeds', async () => {
    // Prepare
    const store = new MemoryIncidentStore();
    const sent: RenderedAlert[] = [];
    // Act
    for (const at of ['2020-07-29T20:16:00Z', '2020-07-29T20:30:00Z', '2020-07-29T21:00:00Z'])
      await onBackupEvent(failed, policies, [], deps(store, sent, at));
    await onBackupEvent(
      { ...completed, time: '2020-07-30T20:15:00Z' },
      policies,
      [],
      deps(store, sent, '2020-07-30T20:16:00Z'),
    );
    await onBackupEvent(completed, policies, [], deps(store, sent, '2020-07-31T20:16:00Z'));
    // Assess
    expect(sent.map((r) => r.attributes.state)).toEqual(['failing', 'recovered']);
    expect(sent[0]?.subject.length).toBeLessThanOrEqual(100);
  });

  it('sends nothing for successful, created or running jobs', async () => {
    const store = new MemoryIncidentStore();
    const sent: RenderedAlert[] = [];
    for (const name of ['completed', 'created', 'running'])
      await onBackupEvent(
        raw(`events/backup_job_state_change_${name}.json`),
        policies,
        [],
        deps(store, sent, '2020-07-29T20:16:00Z'),
      );
    expect(sent).toEqual([]);
  });

  it('gives the claim back when the send fails, so the retried invocation alerts', async () => {
    // Prepare
    const store = new MemoryIncidentStore();
    const sent: RenderedAlert[] = [];
    // Act
    await expect(
      onBackupEvent(failed, policies, [], deps(store, sent, '2020-07-29T20:16:00Z', true)),
    ).rejects.toThrow('SNS is down');
    await onBackupEvent(failed, policies, [], deps(store, sent, '2020-07-29T20:17:00Z'));
    // Assess
    expect(sent).toHaveLength(1);
  });

  it('ignores vault changes this stack made itself (CloudTrail session issuer)', async () => {
    const own = 'arn:aws:iam::111111111111:role/backup-sentinel-prod-eu-central-1-sweep';
    const event = {
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.backup',
      detail: {
        eventSource: 'backup.amazonaws.com',
        eventName: 'PutBackupVaultAccessPolicy',
        userIdentity: { sessionContext: { sessionIssuer: { arn: own } } },
        requestParameters: { backupVaultName: 'backup-sentinel-gold' },
      },
    };
    expect(
      await onBackupEvent(
        event,
        policies,
        [own],
        deps(new MemoryIncidentStore(), [], '2026-11-25T00:00:00Z'),
      ),
    ).toEqual([]);
  });
});
