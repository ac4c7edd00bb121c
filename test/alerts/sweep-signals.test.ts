/** What a sweep tells: missing copies and points, unhealed loud drift, and recoveries of open incidents only. */
import { describe, expect, it } from 'vitest';
import { findingIncident, signalsFromFindings } from '../../src/alerts/sweep-signals.js';
import type { Finding } from '../../src/rules/types.js';
import { ACCOUNT, NOW, REGION } from '../support/builders.js';

const ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'copies.recent',
  resourceArn: ARN,
  resourceType: 'AWS::RDS::DBInstance',
  region: REGION,
  policy: 'gold',
  status: 'NON_COMPLIANT',
  severity: 'high',
  message: 'no copy in eu-west-1 within 24h',
  actions: [],
  remediate: true,
  ...over,
});
const options = (over: { healed?: string[]; open?: string[] } = {}) => ({
  account: ACCOUNT,
  healed: new Set(over.healed ?? []),
  open: new Set(over.open ?? []),
  now: NOW,
});

describe('signalsFromFindings', () => {
  it('signals a copy that stopped arriving and a recovery point older than the RPO', () => {
    // Act
    const signals = signalsFromFindings(
      [finding({}), finding({ ruleId: 'recency.recovery-point', severity: 'critical' })],
      options(),
    );
    // Assess
    expect(signals.map((s) => [s.kind, s.state, s.incident])).toEqual([
      ['copy-missing', 'failing', `${ARN}|copies.recent`],
      ['backup-missing', 'failing', `${ARN}|recency.recovery-point`],
    ]);
    expect(signals[0]).toMatchObject({
      policy: 'gold',
      account: ACCOUNT,
      region: REGION,
      ruleId: 'copies.recent',
    });
  });

  it('signals high and critical drift only when this run did not heal it', () => {
    // Prepare
    const drift = finding({ ruleId: 'rds.deletion-protection', severity: 'high' });
    const low = finding({ ruleId: 's3.noncurrent-expiration', severity: 'medium' });
    // Act
    const unhealed = signalsFromFindings([drift, low], options());
    const healed = signalsFromFindings([drift], options({ healed: [findingIncident(drift)] }));
    // Assess
    expect(unhealed.map((s) => s.kind)).toEqual(['finding-unhealed']);
    expect(healed).toEqual([]);
  });

  it('signals a recovery only for an incident that is open, so compliant resources cost nothing', () => {
    // Prepare
    const ok = finding({ status: 'COMPLIANT', message: 'copy landed' });
    // Act
    const open = signalsFromFindings([ok], options({ open: [findingIncident(ok)] }));
    const closed = signalsFromFindings([ok], options());
    // Assess
    expect(open.map((s) => s.state)).toEqual(['recovered']);
    expect(closed).toEqual([]);
  });

  it('signals nothing for ERROR or NOT_APPLICABLE findings (a read that failed is not an incident)', () => {
    expect(
      signalsFromFindings([finding({ status: 'ERROR' }), finding({ status: 'NOT_APPLICABLE' })], options()),
    ).toEqual([]);
  });
});
