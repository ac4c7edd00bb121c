/** What the rotator decides (pure): order, never a shorter expiry, replicas, backfill, unknown states. */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EscrowCopy } from '../../src/keys/escrow.js';
import { decide, type KeyState, type Material } from '../../src/keys/state.js';
import { parsePolicies } from '../../src/policy/index.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REPLICA = KEY.replace('eu-central-1', 'eu-west-1');
const kcv = (c: string) => `kcv1:${c.repeat(32)}`;
const settings = (extra: Record<string, unknown> = {}) =>
  parsePolicies(
    stringify({
      keyMaterial: {
        escrow: [
          { account: '222222222222', region: 'eu-central-1' },
          { account: '222222222222', region: 'eu-west-1' },
        ],
        ...extra,
      },
      policies: { gold: {} },
    }),
  ).keyMaterial;
const key = (over: Partial<KeyMetadata> = {}): KeyMetadata => ({
  Arn: KEY,
  KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  Origin: 'EXTERNAL',
  KeySpec: 'SYMMETRIC_DEFAULT',
  KeyState: 'Enabled',
  CreationDate: new Date(NOW.getTime() - 400 * DAY),
  ...over,
});
const material = (c: string, over: Partial<Material> = {}): Material => ({
  id: c.repeat(64),
  checkValue: kcv(c),
  imported: true,
  state: 'CURRENT',
  onDemand: false,
  ...over,
});
const copy = (c: string, region: string): EscrowCopy => ({
  secretArn: `arn:aws:secretsmanager:${region}:222222222222:secret:backup-sentinel/key-material/x/${c}`,
  name: `backup-sentinel/key-material/x/${c}`,
  account: '222222222222',
  region,
  keyArn: KEY,
  checkValue: kcv(c),
});
const everywhere = (...cs: string[]) => [
  { where: '222222222222/eu-central-1', copies: cs.map((c) => copy(c, 'eu-central-1')) },
  { where: '222222222222/eu-west-1', copies: cs.map((c) => copy(c, 'eu-west-1')) },
];
const state = (o: Partial<KeyState> = {}): KeyState => ({
  key: key(),
  materials: [
    material('a', { state: 'NON_CURRENT' }),
    material('b', { rotatedAt: new Date(NOW.getTime() - 10 * DAY), onDemand: true }),
  ],
  destinations: everywhere('a', 'b'),
  ...o,
});
const kinds = (d: ReturnType<typeof decide>) => ('actions' in d ? d.actions.map((a) => a.kind) : []);

describe('decide', () => {
  it('does nothing while every material is held, escrowed everywhere and not due', () => {
    expect(decide(state(), settings({ rotateEveryDays: 90 }), NOW)).toEqual({
      kind: 'none',
      reason: `current material ${'b'.repeat(64)} is 10 days old (rotate every 90)`,
    });
  });

  it('reimports an expiring material only when that gives it a later ValidTo — never a shorter one', () => {
    const expiring = material('a', { state: 'NON_CURRENT', validTo: new Date(NOW.getTime() + 20 * DAY) });
    const s = state({ materials: [expiring, material('b')] });
    // 365 days from now is later than 20: reimported.
    expect(kinds(decide(s, settings({ validityDays: 365 }), NOW))).toEqual(['reimport']);
    // No validityDays: reimported to KEY_MATERIAL_DOES_NOT_EXPIRE, later still.
    expect(kinds(decide(s, settings(), NOW))).toEqual(['reimport']);
    // validityDays 10 would shorten it: left alone (the rule still warns). The schema refuses this file anyway.
    const short = { ...settings(), validityDays: 10 };
    expect(decide(s, short, NOW)).toMatchObject({ kind: 'none' });
    expect(() => settings({ validityDays: 10 })).toThrow(
      'validityDays must be longer than expiryWarningDays',
    );
  });

  it('reimports what KMS lost first, and still does when a half-done rotation cannot be completed', () => {
    const s = state({
      materials: [
        material('a', { state: 'NON_CURRENT', imported: false }),
        material('b'),
        material('c', { state: 'PENDING_ROTATION', checkValue: undefined }),
      ],
    });
    const d = decide(s, settings(), NOW);
    expect(d.kind).toBe('fail');
    expect(kinds(d)).toEqual(['reimport']);
    expect(d).toMatchObject({
      reason: expect.stringContaining(
        `material ${'c'.repeat(64)} awaits rotation but was not imported by backup-sentinel`,
      ),
    });
  });

  it("gives a multi-Region replica the materials it lacks and those it lost, from the primary's escrow", () => {
    const s = state({
      key: key({
        MultiRegionConfiguration: {
          MultiRegionKeyType: 'PRIMARY',
          ReplicaKeys: [{ Arn: REPLICA, Region: 'eu-west-1' }],
        },
      }),
      replicas: [{ arn: REPLICA, region: 'eu-west-1', materials: [material('b', { imported: false })] }],
    });
    const d = decide(s, settings(), NOW);
    expect(d).toMatchObject({
      kind: 'act',
      actions: [
        {
          kind: 'reimport',
          target: { arn: REPLICA, region: 'eu-west-1' },
          reason: `replica ${REPLICA} lacks material ${'a'.repeat(64)}`,
        },
        {
          kind: 'reimport',
          target: { arn: REPLICA, region: 'eu-west-1' },
          reason: expect.stringContaining(`material ${'b'.repeat(64)} in replica ${REPLICA} is not imported`),
        },
      ],
    });
    const unreadable = decide(
      { ...s, replicas: [{ arn: REPLICA, region: 'eu-west-1', error: 'AccessDeniedException: no' }] },
      settings(),
      NOW,
    );
    expect(unreadable).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining(`replica ${REPLICA} could not be read`),
    });
  });

  it('copies a material to a destination that lacks it (a destination added, a copy lost)', () => {
    const s = state({
      destinations: [
        everywhere('a', 'b')[0] as never,
        { where: '222222222222/eu-west-1', copies: [copy('b', 'eu-west-1')] },
      ],
    });
    expect(decide(s, settings(), NOW)).toMatchObject({
      kind: 'act',
      actions: [
        {
          kind: 'backfill',
          missing: ['222222222222/eu-west-1'],
          reason: `material ${'a'.repeat(64)} has no escrow copy in 222222222222/eu-west-1`,
        },
      ],
    });
  });

  it('decides nothing on a material KMS listed without its states, or with a destination unread', () => {
    expect(
      decide(state({ materials: [material('b', { unknown: true, state: 'UNKNOWN' })] }), settings(), NOW),
    ).toMatchObject({
      kind: 'fail',
      actions: [],
      reason: expect.stringContaining('without its import or key material state: not touched'),
    });
    expect(
      decide(
        state({ destinations: [{ where: '222222222222/eu-west-1', error: 'TimeoutError: x' }] }),
        settings(),
        NOW,
      ),
    ).toMatchObject({
      kind: 'fail',
      actions: [],
    });
  });

  it('stops scheduled rotation at the reserve of the 25 on-demand rotations', () => {
    const used = Array.from({ length: 23 }, (_, i) =>
      material(String.fromCharCode(100 + i), { state: 'NON_CURRENT', onDemand: true }),
    );
    const s = state({
      materials: [...used, material('b', { rotatedAt: new Date(NOW.getTime() - 100 * DAY), onDemand: true })],
      destinations: everywhere('b', ...used.map((m) => m.id[0] ?? '')),
    });
    expect(decide(s, settings({ rotateEveryDays: 90 }), NOW)).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining('24 of the 25 on-demand rotations AWS allows per key are used'),
    });
  });
});
