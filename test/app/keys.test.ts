/**
 * rotateKeyMaterial's triggers (pure) on the payloads AWS sends, and the alerts of its outcomes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kmsConsoleUrl, signalsFromRotation } from '../../src/alerts/key-rotation.js';
import { rotationTargets } from '../../src/app/keys.js';
import type { KeyOutcome } from '../../src/keys/rotate.js';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/${name}`, 'utf8'));
const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OWN = 'arn:aws:iam::111122223333:role/backup-sentinel-prod-eu-central-1-rotateKeyMaterial';

/** A CloudTrail record (the KMS guide's shape) in its EventBridge envelope. */
const cloudTrail = (detail: Record<string, unknown>) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.kms',
  account: '111122223333',
  time: '2026-12-01T10:00:00Z',
  region: 'eu-central-1',
  resources: [],
  detail: {
    eventSource: 'kms.amazonaws.com',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/Alice' },
    ...detail,
  },
});

describe('rotationTargets', () => {
  it('runs every managed key on the schedule and when the stack is deployed', () => {
    expect(rotationTargets(fixture('events/scheduled_event_docs.json'), 'backup:key-material')).toEqual({
      kind: 'all',
      reason: 'scheduled run',
    });
    const deployed = {
      'detail-type': 'CloudFormation Stack Status Change',
      source: 'aws.cloudformation',
      detail: {
        'stack-id': 'arn:aws:cloudformation:eu-central-1:111122223333:stack/backup-sentinel-prod/a1b2',
        'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' },
      },
    };
    expect(rotationTargets(deployed, 'backup:key-material')).toMatchObject({
      kind: 'all',
      reason: expect.stringContaining('CREATE_COMPLETE'),
    });
  });

  it('runs one key when it is created for imported material, tagged for escrow, or replicated', () => {
    const created = cloudTrail({
      eventName: 'CreateKey',
      requestParameters: { origin: 'EXTERNAL', keySpec: 'SYMMETRIC_DEFAULT' },
      responseElements: { keyMetadata: { arn: KEY, origin: 'EXTERNAL', keyState: 'PendingImport' } },
    });
    const tagged = cloudTrail({
      eventName: 'TagResource',
      requestParameters: { keyId: KEY, tags: [{ tagKey: 'backup:key-material', tagValue: 'escrow' }] },
    });
    const replicated = cloudTrail({
      eventName: 'ReplicateKey',
      requestParameters: { keyId: KEY, replicaRegion: 'eu-west-1' },
    });
    expect([created, tagged, replicated].map((e) => rotationTargets(e, 'backup:key-material'))).toEqual([
      { kind: 'key', keyId: KEY, reason: 'key created for imported material' },
      { kind: 'key', keyId: KEY, reason: 'tagged backup:key-material=escrow' },
      { kind: 'key', keyId: KEY, reason: 'multi-Region replica created: it needs the material' },
    ]);
  });

  it('ignores keys KMS makes the material of, other tags, its own calls and everything else — never throws', () => {
    const awsKey = cloudTrail({
      eventName: 'CreateKey',
      responseElements: { keyMetadata: { arn: KEY, origin: 'AWS_KMS' } },
    });
    const otherTag = cloudTrail({
      eventName: 'TagResource',
      requestParameters: { keyId: KEY, tags: [{ tagKey: 'team', tagValue: 'a' }] },
    });
    const own = cloudTrail({
      eventName: 'TagResource',
      userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: OWN } } },
      requestParameters: { keyId: KEY, tags: [{ tagKey: 'backup:key-material', tagValue: 'escrow' }] },
    });
    // The KMS guide's ImportKeyMaterial record, bare (no envelope): not a trigger.
    const imported = fixture('events/cloudtrail_record_kms_ImportKeyMaterial_docs.json');
    for (const e of [
      awsKey,
      otherTag,
      own,
      imported,
      null,
      'x',
      { 'detail-type': 42 },
      cloudTrail({ eventName: 'ScheduleKeyDeletion' }),
    ])
      expect(rotationTargets(e, 'backup:key-material', [OWN]).kind).toBe('ignored');
    expect(rotationTargets(own, 'backup:key-material', [OWN])).toEqual({
      kind: 'ignored',
      reason: 'our own call',
    });
  });
});

describe('signalsFromRotation', () => {
  const outcome = (status: KeyOutcome['status'], steps: KeyOutcome['steps'] = []): KeyOutcome => ({
    keyArn: KEY,
    status,
    reason:
      status === 'failed'
        ? 'escrow not readable in 222222222222/eu-west-1 (AccessDenied: ...): nothing imported'
        : 'ok',
    steps,
  });
  const o = { account: '111122223333', region: 'eu-central-1', now: new Date('2026-12-01T10:00:00Z') };

  it('makes a failed run an incident, its next good run the recovery, and says nothing of plans and skips', () => {
    const [failing, recovered, ...rest] = signalsFromRotation(
      [outcome('failed'), outcome('ok'), outcome('planned'), outcome('skipped')],
      o,
    );
    expect(rest).toEqual([]);
    expect(failing).toMatchObject({
      kind: 'key-rotation-failed',
      state: 'failing',
      incident: `${KEY}|key-rotation`,
      severity: 'high',
      title: 'Key material rotation failed: key/1234abcd-12ab-34cd-56ef-1234567890ab',
      reason: expect.stringContaining('nothing imported'),
      meaning: expect.stringContaining('Nothing was imported: the key keeps its current material'),
      consoleUrl:
        'https://eu-central-1.console.aws.amazon.com/kms/home?region=eu-central-1#/kms/keys/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(recovered).toMatchObject({ state: 'recovered', incident: failing?.incident });
  });

  it('says a run that imported and then failed leaves the material pending rotation, for the next run', () => {
    const [s] = signalsFromRotation(
      [
        outcome('failed', [
          { call: 'kms:GetParametersForImport+ImportKeyMaterial', target: KEY, status: 'done' },
          { call: 'kms:RotateKeyOnDemand', target: KEY, status: 'failed', detail: 'TimeoutError' },
        ]),
      ],
      o,
    );
    expect(s?.meaning).toContain('waits in PENDING_ROTATION');
    expect(s?.nextSteps).toContain(`failed: kms:RotateKeyOnDemand on ${KEY}`);
  });

  it('links the console home for an ARN it cannot read', () => {
    expect(kmsConsoleUrl('not-an-arn')).toBe('https://console.aws.amazon.com/kms/home');
  });
});
