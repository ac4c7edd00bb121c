/**
 * docs/alerts.md: every alert kind rendered (e-mail text and the Slack Block Kit JSON), from the
 * real event samples (varied where no sample exists) and sweep findings. The file is generated
 * here: this test fails when it is stale; `UPDATE_ALERT_EXAMPLES=1 npx vitest run
 * test/alerts/examples.test.ts` (part of `npm run docs`) rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signalsFromEvent } from '../../src/alerts/classify.js';
import { decide } from '../../src/alerts/incidents.js';
import { signalsFromRotation } from '../../src/alerts/key-rotation.js';
import { render } from '../../src/alerts/render.js';
import { signalsFromFindings } from '../../src/alerts/sweep-signals.js';
import type { Signal } from '../../src/alerts/types.js';
import { parsePolicies } from '../../src/policy/index.js';
import type { Finding } from '../../src/rules/types.js';
import { raw } from '../support/fixtures.js';

const policies = parsePolicies(
  'policies:\n  gold:\n    vaultLock: { minRetentionDays: 7 }\n    deleteProtection: {}\n',
);
const VAULT = 'backup-sentinel-gold';
type Ev = { detail: Record<string, unknown>; [k: string]: unknown };
const ev = (name: string) => structuredClone(raw(`events/${name}`)) as Ev;
const inVault = (e: Ev) => {
  const account = String(e.account);
  const region = String(e.region);
  e.detail.backupVaultName = VAULT;
  e.detail.backupVaultArn = `arn:aws:backup:${region}:${account}:backup-vault:${VAULT}`;
  return e;
};

function eventExamples(): [string, unknown][] {
  const issues = inVault(ev('backup_job_state_change_completed.json'));
  issues.detail.statusMessage = 'Some of the files could not be backed up: access denied on 3 objects.';
  const validation = inVault(ev('restore_job_state_change_completed.json'));
  validation.detail.restoreTestingPlanArn =
    'arn:aws:backup:us-west-2:1112233445566:restore-testing-plan:backup_sentinel_gold-abc';
  validation.detail.validationStatus = 'FAILED';
  validation.detail.validationStatusMessage = 'the restored database did not accept connections';
  const stopped = inVault(ev('recovery_point_state_change_completed.json'));
  stopped.detail.status = 'STOPPED';
  stopped.resources = ['arn:aws:backup:us-west-2:1112233445566:recovery-point:continuous:db-orders-1a2b3c'];
  const deleted = ev('backup_vault_state_change_deleted.json');
  deleted.detail.backupVaultName = VAULT;
  deleted.resources = [`arn:aws:backup:us-west-2:1112233445566:backup-vault:${VAULT}`];
  const lockRemoved = {
    version: '0',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.backup',
    account: '1112233445566',
    time: '2026-11-25T06:00:00Z',
    region: 'us-west-2',
    detail: {
      eventSource: 'backup.amazonaws.com',
      eventName: 'DeleteBackupVaultLockConfiguration',
      awsRegion: 'us-west-2',
      eventTime: '2026-11-25T06:00:00Z',
      userIdentity: {
        type: 'AssumedRole',
        accountId: '1112233445566',
        arn: 'arn:aws:sts::1112233445566:assumed-role/ops/jane',
      },
      requestParameters: { backupVaultName: VAULT },
      recipientAccountId: '1112233445566',
    },
  };
  return [
    ['backup-failed', inVault(ev('backup_job_state_change_failed.json'))],
    ['backup-completed-with-issues', issues],
    ['copy-failed', inVault(ev('copy_job_state_change_failed.json'))],
    ['restore-failed', inVault(ev('restore_job_state_change_failed.json'))],
    ['restore-validation-failed', validation],
    ['continuous-stopped', stopped],
    ['vault-deleted', deleted],
    ['vault-changed', lockRemoved],
  ];
}

const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'copies.recent',
  resourceArn: 'arn:aws:rds:eu-central-1:111111111111:db:orders-db',
  resourceType: 'AWS::RDS::DBInstance',
  region: 'eu-central-1',
  policy: 'gold',
  status: 'NON_COMPLIANT',
  severity: 'critical',
  message:
    'no copy landed in arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault within 24h (newest 53h old)',
  actions: [],
  remediate: true,
  ...over,
});

function sweepExamples(): Signal[] {
  const o = {
    account: '111111111111',
    healed: new Set<string>(),
    open: new Set<string>(),
    now: new Date('2026-11-26T06:00:00Z'),
  };
  return signalsFromFindings(
    [
      finding({}),
      finding({
        ruleId: 'recency.recovery-point',
        message: 'newest recovery point is 31h old; the policy allows 24h',
      }),
      finding({
        ruleId: 'rds.deletion-protection',
        severity: 'high',
        message: 'deletion protection is off',
        expected: 'DeletionProtection=true',
        actual: 'false',
      }),
    ],
    o,
  );
}

/** A rotator run that could not escrow (nothing imported). */
function rotationExamples(): Signal[] {
  const key = 'arn:aws:kms:eu-central-1:111111111111:key/5f1c2d3e-0a1b-4c2d-8e3f-111111111103';
  return signalsFromRotation(
    [
      {
        keyArn: key,
        status: 'failed',
        reason:
          'escrow not readable in 222222222222/eu-west-1 (AccessDenied: User: arn:aws:sts::111111111111:assumed-role/backup-sentinel-prod-eu-central-1-rotateKeyMaterial/backup-sentinel is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/backup-sentinel-escrow-writer-eu-west-1): nothing imported; current material 0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d is 366 days old (rotate every 365)',
        steps: [],
      },
    ],
    { account: '111111111111', region: 'eu-central-1', now: new Date('2026-11-26T03:00:00Z') },
  );
}

function section(signal: Signal, recovered = false): string {
  const options = {
    now: new Date(signal.at || '2026-11-26T06:00:00Z'),
    windowMinutes: 360,
    ttlDays: 30,
    minSeverity: 'low' as const,
  };
  let d = decide(signal, undefined, options);
  if (recovered && d.send === 'alert')
    d = decide(
      { ...signal, state: 'recovered', at: new Date(Date.parse(signal.at) + 86_400_000).toISOString() },
      d.record,
      {
        ...options,
        now: new Date(Date.parse(signal.at) + 86_400_000),
      },
    );
  if (d.send === 'none') throw new Error(`${signal.kind}: nothing to send (${d.why})`);
  const r = render(d, { stage: 'prod' });
  const email = (JSON.parse(r.snsMessage) as { email: string }).email;
  return [
    `## ${recovered ? `${signal.kind} — recovery` : signal.kind}`,
    '',
    `Subject: \`${r.subject}\``,
    '',
    `Attributes: \`${JSON.stringify(r.attributes)}\``,
    '',
    '```text',
    email.trimEnd(),
    '```',
    '',
    '<details><summary>Slack (Block Kit)</summary>',
    '',
    '```json',
    JSON.stringify(r.slack, null, 2),
    '```',
    '',
    '</details>',
    '',
  ].join('\n');
}

function examples(): string {
  const parts = [
    '# Alerts, as they are sent',
    '',
    'Generated by test/alerts/examples.test.ts (`npm run docs`). Every kind below is rendered from a real AWS event sample (test/fixtures/real/events/, varied where AWS publishes none) or a sweep finding; the chat-channel JSON every non-e-mail subscriber gets carries the same fields.',
    '',
  ];
  for (const [kind, event] of eventExamples()) {
    const signal = signalsFromEvent(event, { policies }).find((s) => s.state === 'failing');
    if (!signal) throw new Error(`${kind}: the example event gives no failing signal`);
    expect(signal.kind, kind).toBe(kind);
    parts.push(section(signal));
  }
  const sweep = sweepExamples();
  for (const signal of sweep) parts.push(section(signal));
  const first = sweep[0];
  if (first) parts.push(section(first, true));
  for (const signal of rotationExamples()) parts.push(section(signal));
  return `${parts.join('\n').trimEnd()}\n`;
}

describe('docs/alerts.md', () => {
  it('shows every alert kind as rendered, and is current (npm run docs)', () => {
    const text = examples();
    if (process.env.UPDATE_ALERT_EXAMPLES) writeFileSync('docs/alerts.md', text);
    expect(readFileSync('docs/alerts.md', 'utf8')).toBe(text);
    for (const kind of [
      'backup-failed',
      'copy-failed',
      'restore-failed',
      'continuous-stopped',
      'vault-changed',
      'vault-deleted',
      'copy-missing',
      'backup-missing',
      'finding-unhealed',
      'key-rotation-failed',
    ])
      expect(text).toContain(`## ${kind}`);
  });
});
