/** Signals from the real AWS Backup events in test/fixtures/real/events, and from CloudTrail records. */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signalsFromEvent } from '../../src/alerts/classify.js';
import type { Signal } from '../../src/alerts/types.js';
import { parsePolicies } from '../../src/policy/index.js';
import { edits, HOSTILE_STRINGS, mutate, RUNS } from '../fuzz/mutate.js';
import { FIXTURES, type Json, raw } from '../support/fixtures.js';

const event = (name: string): Json => raw(`events/${name}`);
const ACCOUNT = '1112233445566';
const CONSOLE = 'https://us-west-2.console.aws.amazon.com/backup/home?region=us-west-2';
const policies = parsePolicies(`
policies:
  gold:
    vault: 9ab3e749-82c6-4342-9320-5edbf4918b86
    vaultLock: { minRetentionDays: 7 }
    deleteProtection: {}
    copies:
      - { region: eu-west-1, vault: dr-vault }
      - { account: "222222222222", vault: far-vault }
  silver:
    vault: e8189629-1f8e-4ed2-af7d-b32415d04db1
  locked:
    vault: vaultName
    vaultLock: { minRetentionDays: 7 }
`);
const ctx = { policies };
const failing = (signals: Signal[]) => signals.filter((s) => s.state === 'failing');

describe('signalsFromEvent: the published failure samples', () => {
  it.each([
    {
      file: 'backup_job_state_change_failed.json',
      kind: 'backup-failed',
      severity: 'high',
      policy: 'gold',
      jobId: '34176239-e96d-4e1d-9fad-529dbb3c3556',
      resourceArn: 'arn:aws:service:us-west-2:1112233445566:resource-type/resource-id',
      title: 'Backup failed: resource-type/resource-id',
      consoleUrl: `${CONSOLE}#/jobs/backup/details/34176239-e96d-4e1d-9fad-529dbb3c3556`,
      at: '2020-07-29T20:15:26.000Z',
    },
    {
      file: 'backup_job_state_change_aborted.json',
      kind: 'backup-failed',
      severity: 'high',
      policy: undefined,
      jobId: '58cdef95-7680-4c74-80d5-1b64093999c8',
      title: 'Backup aborted: resource-type/resource-id',
    },
    {
      file: 'backup_job_state_change_expired.json',
      kind: 'backup-failed',
      severity: 'high',
      policy: undefined,
      jobId: '01EE26DC-7107-4D8E-0C54-EAC27C662BA4',
      title: 'Backup expired: resource-type/resource-id',
    },
    {
      file: 'copy_job_state_change_failed.json',
      kind: 'copy-failed',
      severity: 'high',
      jobId: '47C8EF56-74D8-059D-1301-C5BE1D5C926E',
      resourceArn: 'arn:aws:ec2:us-west-2:1112233445566:instance/i-0515aee7de03f58e1',
      title: 'Copy failed: instance/i-0515aee7de03f58e1 to us-west-2/55aa945e-c46a-421b-aa27-f94b074e31b7',
      consoleUrl: `${CONSOLE}#/jobs/copy/details/47C8EF56-74D8-059D-1301-C5BE1D5C926E`,
    },
    {
      file: 'restore_job_state_change_failed.json',
      kind: 'restore-failed',
      severity: 'high',
      jobId: '1B234A56-789B-01CD-2A34-4567A08901FD',
      resourceArn: 'arn:aws:ec2:us-west-2::image/ami-12b3456dfb7f8cf90',
      consoleUrl: `${CONSOLE}#/jobs/restore/details/1B234A56-789B-01CD-2A34-4567A08901FD`,
    },
    {
      file: 'backup_vault_state_change_deleted.json',
      kind: 'vault-deleted',
      severity: 'critical',
      policy: 'silver',
      resourceArn: 'arn:aws:backup:us-west-2:1112233445566:backup-vault:e8189629-1f8e-4ed2-af7d-b32415d04db1',
      consoleUrl: `${CONSOLE}#/backupvaults`,
    },
  ])('$file gives exactly one failing $kind signal', ({ file, ...expected }) => {
    // Prepare
    const e = event(file);
    // Act
    const signals = signalsFromEvent(e, ctx);
    // Assess
    expect(signals).toHaveLength(1);
    const [s] = signals;
    expect(s).toMatchObject({ ...expected, state: 'failing', account: ACCOUNT, region: 'us-west-2' });
    expect(s?.policy).toBe(expected.policy);
    expect(s?.eventType).toBe(e['detail-type']);
    expect(s?.reason).toBe(e.detail.statusMessage);
    expect(s?.meaning.length).toBeGreaterThan(20);
    expect(s?.incident).toContain(s?.kind);
  });

  it('says a job in a vault no policy names is outside every policy, and still alerts', () => {
    const [s] = signalsFromEvent(event('backup_job_state_change_expired.json'), ctx);
    expect(s?.policy).toBeUndefined();
    expect(s?.meaning).toContain('aws/backup/AutomatedBackupVaultDel2');
    expect(s?.meaning).toContain('outside every policy');
  });

  it('keys a copy incident by resource and destination vault', () => {
    const [s] = signalsFromEvent(event('copy_job_state_change_failed.json'), ctx);
    expect(s?.incident).toBe(
      'copy-failed|1112233445566|us-west-2|arn:aws:ec2:us-west-2:1112233445566:instance/i-0515aee7de03f58e1|arn:aws:backup:us-west-2:1112233445566:backup-vault:55aa945e-c46a-421b-aa27-f94b074e31b7',
    );
  });
});

describe('signalsFromEvent: what is not a failure', () => {
  const failures = new Set([
    'backup_job_state_change_failed.json',
    'backup_job_state_change_aborted.json',
    'backup_job_state_change_expired.json',
    'copy_job_state_change_failed.json',
    'restore_job_state_change_failed.json',
    'backup_vault_state_change_deleted.json',
  ]);
  const others = readdirSync(`${FIXTURES}/events`).filter((f) => !failures.has(f));

  it.each(others)('%s gives no failing signal', (file) => {
    expect(failing(signalsFromEvent(event(file), ctx))).toEqual([]);
  });

  it('turns a COMPLETED backup without statusMessage into recoveries only', () => {
    const signals = signalsFromEvent(event('backup_job_state_change_completed.json'), ctx);
    expect(signals.map((s) => [s.state, s.kind])).toEqual([
      ['recovered', 'backup-failed'],
      ['recovered', 'backup-completed-with-issues'],
    ]);
  });

  it('gives nothing for CREATED, RUNNING, plan, region-setting and non-Backup events', () => {
    for (const file of [
      'backup_job_state_change_created.json',
      'backup_job_state_change_running.json',
      'restore_job_state_change_created.json',
      'backup_plan_state_change_modified.json',
      'region_setting_state_change_modified.json',
      'rds_db_instance_event_stopped_docs.json',
      'cloudtrail_s3_CreateBucket_custodian.json',
      'tag_change_on_resource_ec2_docs.json',
      'scheduled_event_docs.json',
      'sns_lambda_event_backup_vault_notification_backup_job_failed_docs.json',
    ])
      expect(signalsFromEvent(event(file), ctx), file).toEqual([]);
  });
});

describe('signalsFromEvent: backups, restores and continuous backups', () => {
  it('turns COMPLETED with a status message into "completed with issues" (medium)', () => {
    const e = event('backup_job_state_change_completed.json');
    e.detail.statusMessage = 'Some objects were skipped';
    const signals = signalsFromEvent(e, ctx);
    expect(signals.map((s) => [s.state, s.kind, s.severity])).toEqual([
      ['recovered', 'backup-failed', 'high'],
      ['failing', 'backup-completed-with-issues', 'medium'],
    ]);
    expect(signals[1]?.reason).toBe('Some objects were skipped');
  });

  it('names a failed restore test by its restore testing plan', () => {
    const e = event('restore_job_state_change_failed.json');
    e.detail.restoreTestingPlanArn = 'arn:aws:backup:us-west-2:1112233445566:restore-testing-plan:weekly-abc';
    const [s] = signalsFromEvent(e, ctx);
    expect(s).toMatchObject({
      kind: 'restore-failed',
      title: 'Restore test failed: image/ami-12b3456dfb7f8cf90',
    });
    expect(s?.meaning).toContain('restore-testing-plan:weekly-abc');
  });

  it('reads the restore status from `state` too', () => {
    const e = event('restore_job_state_change_failed.json');
    e.detail.state = e.detail.status;
    delete e.detail.status;
    expect(failing(signalsFromEvent(e, ctx)).map((s) => s.kind)).toEqual(['restore-failed']);
  });

  it.each([
    ['FAILED', 'failing', 'Restore validation failed: db:example-database'],
    ['TIMED_OUT', 'failing', 'Restore validation timed out: db:example-database'],
    ['SUCCESSFUL', 'recovered', 'Restore succeeded: db:example-database'],
  ])('turns validation %s of a completed restore into a %s validation signal', (status, state, title) => {
    const e = event('restore_job_state_change_completed.json');
    e.detail.validationStatus = status;
    e.detail.validationStatusMessage = 'row count 0';
    const signals = signalsFromEvent(e, ctx);
    expect(signals[0]).toMatchObject({ kind: 'restore-failed', state: 'recovered' });
    expect(signals[1]).toMatchObject({ kind: 'restore-validation-failed', state, title });
  });

  it('turns a STOPPED recovery point into a critical "continuous-stopped"', () => {
    const e = event('recovery_point_state_change_completed.json');
    e.detail.status = 'STOPPED';
    const [s, ...rest] = signalsFromEvent(e, ctx);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      kind: 'continuous-stopped',
      state: 'failing',
      severity: 'critical',
      resourceArn: 'arn:aws:rds:us-west-2:1112233445566:cluster:id',
      consoleUrl: `${CONSOLE}#/backupvaults/details/e6625738-0655-4aa9-bd37-6ec1dd183b15`,
    });
  });

  it('recovers continuous backup only from a continuous recovery point, not a snapshot', () => {
    const e = event('recovery_point_state_change_completed.json');
    expect(signalsFromEvent(e, ctx)).toEqual([]);
    e.resources = ['arn:aws:backup:us-west-2:1112233445566:recovery-point:continuous:cluster-abc-1234'];
    expect(signalsFromEvent(e, ctx).map((s) => [s.state, s.kind])).toEqual([
      ['recovered', 'continuous-stopped'],
    ]);
  });
});

/** A CloudTrail record as EventBridge delivers it (the envelope of the S3 sample, a Backup call). */
function apiCall(eventName: string, vault: string, extra: Json = {}): Json {
  const e = event('cloudtrail_s3_CreateBucket_custodian.json');
  e.source = 'aws.backup';
  e.account = '111111111111';
  e.detail = {
    ...e.detail,
    eventSource: 'backup.amazonaws.com',
    eventName,
    awsRegion: 'eu-central-1',
    recipientAccountId: '111111111111',
    requestParameters: { backupVaultName: vault },
    responseElements: null,
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111111111111:assumed-role/Admin/mallory',
      sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::111111111111:role/Admin' } },
    },
    ...extra,
  };
  return e;
}

describe('signalsFromEvent: drift of the vaults the policies name', () => {
  it.each([
    ['DeleteBackupVaultLockConfiguration', 'vault-changed', 'critical', 'lock'],
    ['PutBackupVaultLockConfiguration', 'vault-changed', 'high', 'lock-config'],
    ['DeleteBackupVaultAccessPolicy', 'vault-changed', 'critical', 'access-policy'],
    ['PutBackupVaultAccessPolicy', 'vault-changed', 'high', 'access-policy'],
    ['DeleteBackupVault', 'vault-deleted', 'critical', undefined],
  ])('%s on a policy vault is %s (%s)', (call, kind, severity, aspect) => {
    const signals = signalsFromEvent(apiCall(call, '9ab3e749-82c6-4342-9320-5edbf4918b86'), ctx);
    const arn = 'arn:aws:backup:eu-central-1:111111111111:backup-vault:9ab3e749-82c6-4342-9320-5edbf4918b86';
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ kind, severity, state: 'failing', policy: 'gold', resourceArn: arn });
    expect(signals[0]?.incident).toBe(aspect ? `vault-changed|${aspect}|${arn}` : `vault-deleted|${arn}`);
    expect(signals[0]?.reason).toBe(`${call} by arn:aws:sts::111111111111:assumed-role/Admin/mallory`);
    expect(signals[0]?.at).toBe('2016-06-04T12:19:03.000Z');
  });

  it('folds the CloudTrail DeleteBackupVault and the vault DELETED event into one incident', () => {
    const trail = signalsFromEvent(apiCall('DeleteBackupVault', 'e8189629-1f8e-4ed2-af7d-b32415d04db1'), ctx);
    const state = event('backup_vault_state_change_deleted.json');
    state.account = '111111111111';
    state.region = 'eu-central-1';
    expect(signalsFromEvent(state, ctx)[0]?.incident).toBe(trail[0]?.incident);
  });

  it('reads a bare CloudTrail record, and the lock bounds a Put sets', () => {
    const record = apiCall('PutBackupVaultLockConfiguration', 'vaultName', {
      requestParameters: { backupVaultName: 'vaultName', minRetentionDays: 1, maxRetentionDays: 2 },
    }).detail;
    const [s] = signalsFromEvent(record, ctx);
    expect(s?.reason).toContain('(minRetentionDays=1, maxRetentionDays=2)');
  });

  it('watches same-account copy vaults, and a cross-account copy vault only in its account', () => {
    expect(signalsFromEvent(apiCall('DeleteBackupVault', 'dr-vault'), ctx)[0]?.policy).toBe('gold');
    expect(signalsFromEvent(apiCall('DeleteBackupVault', 'far-vault'), ctx)).toEqual([]);
    const far = apiCall('DeleteBackupVault', 'far-vault', { recipientAccountId: '222222222222' });
    expect(signalsFromEvent(far, ctx)[0]?.policy).toBe('gold');
  });

  it('ignores vaults no policy names, failed calls, our own roles and other calls', () => {
    expect(signalsFromEvent(apiCall('DeleteBackupVault', 'someone-elses'), ctx)).toEqual([]);
    const denied = apiCall('DeleteBackupVault', 'dr-vault', { errorCode: 'AccessDenied' });
    expect(signalsFromEvent(denied, ctx)).toEqual([]);
    const ours = { ...ctx, ownRoleArns: ['arn:aws:iam::111111111111:role/Admin'] };
    expect(signalsFromEvent(apiCall('DeleteBackupVault', 'dr-vault'), ours)).toEqual([]);
    expect(signalsFromEvent(apiCall('StartBackupJob', 'dr-vault'), ctx)).toEqual([]);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      expect(signalsFromEvent(apiCall(name, 'dr-vault'), ctx)).toEqual([]);
    const elsewhere = event('backup_vault_state_change_deleted.json');
    expect(signalsFromEvent(elsewhere, { policies: parsePolicies('policies:\n  p: {}\n') })).toEqual([]);
  });

  it('fails a policy vault that is not locked when the policy wants a lock, and recovers when it is', () => {
    const e = event('backup_vault_state_change_modified.json');
    expect(signalsFromEvent(e, ctx).map((s) => [s.state, s.kind, s.title])).toEqual([
      ['recovered', 'vault-changed', 'Backup vault locked again: vaultName'],
    ]);
    e.detail.isLocked = 'false';
    const [s] = signalsFromEvent(e, ctx);
    expect(s).toMatchObject({
      state: 'failing',
      kind: 'vault-changed',
      severity: 'critical',
      policy: 'locked',
    });
    e.detail.backupVaultName = 'e8189629-1f8e-4ed2-af7d-b32415d04db1'; // silver: no vaultLock
    e.resources = [];
    expect(signalsFromEvent(e, ctx)).toEqual([]);
  });
});

describe('signalsFromEvent: malformed events', () => {
  it('gives [] for values that are not events and events with broken fields', () => {
    const broken: unknown[] = [
      null,
      undefined,
      0,
      'event',
      [],
      {},
      { detail: null },
      { source: 'aws.backup' },
    ];
    const failed = event('backup_job_state_change_failed.json');
    for (const patch of [
      { detail: [] },
      { detail: 'x' },
      { time: 'not a date' },
      { region: 'x/../y' },
      { account: 7 },
    ])
      broken.push({ ...failed, ...patch });
    broken.push({ ...failed, detail: { ...failed.detail, state: 42 } });
    broken.push({ ...failed, detail: { ...failed.detail, state: 'constructor' } });
    for (const e of broken) expect(signalsFromEvent(e, ctx)).toEqual([]);
  });

  const samples = readdirSync(`${FIXTURES}/events`).filter((f) =>
    /^(backup|copy|restore|recovery|cloudtrail)/.test(f),
  );

  it('never throws on mutated real events, and every signal it gives is well formed', () => {
    const hostile = fc.constantFrom(...HOSTILE_STRINGS);
    fc.assert(
      fc.property(fc.constantFrom(...samples), edits(), hostile, (file, list, name) => {
        const e = mutate(event(file), list);
        const policy = parsePolicies(
          `policies:\n  p: { vault: ${JSON.stringify(/^[\w-]{2,50}$/.test(name) ? name : 'v1')} }\n`,
        );
        for (const s of signalsFromEvent(e, { policies: policy, ownRoleArns: [name] })) {
          expect(['failing', 'recovered']).toContain(s.state);
          expect(s.incident.length).toBeGreaterThan(0);
          expect(s.title.length).toBeGreaterThan(0);
          expect(s.consoleUrl).toMatch(/^https:\/\/[a-z0-9.-]+\/backup\/home/);
          expect(new Date(s.at).toISOString()).toBe(s.at);
          expect(s.nextSteps.every((step) => typeof step === 'string')).toBe(true);
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
