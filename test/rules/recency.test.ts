import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import {
  DR_ACCOUNT,
  db,
  hoursAgo,
  inventory,
  only,
  policies,
  REGION,
  vaultArnOf,
} from '../support/builders.js';

type PointInput = NonNullable<InventoryInput['recoveryPoints']>[number];
type JobInput = NonNullable<InventoryInput['backupJobs']>[number];

const ORDERS = db('orders');
const ORDERS_ARN = ORDERS.Arn;
const GOLD_VAULT_ARN = vaultArnOf('backup-sentinel-gold');

let seq = 0;
function point(creationDate: string, over: Partial<PointInput> = {}): PointInput {
  seq += 1;
  const vaultArn = over.BackupVaultArn ?? GOLD_VAULT_ARN;
  const [, , , region, account] = vaultArn.split(':');
  return {
    RecoveryPointArn: `arn:aws:backup:${region}:${account}:recovery-point:rp-${seq}`,
    ResourceArn: ORDERS_ARN,
    ResourceType: 'RDS',
    BackupVaultArn: GOLD_VAULT_ARN,
    CreationDate: creationDate,
    CompletionDate: creationDate,
    Status: 'COMPLETED',
    IsEncrypted: true,
    ...over,
  };
}

function job(state: string, creationDate: string, over: Partial<JobInput> = {}): JobInput {
  return {
    BackupJobId: `job-${state}-${creationDate}`,
    BackupVaultArn: GOLD_VAULT_ARN,
    ResourceArn: ORDERS_ARN,
    ResourceType: 'RDS',
    State: state,
    CreationDate: creationDate,
    ...over,
  };
}

const hourly = (p: PolicyInput = {}) => policies({ policies: { gold: { frequency: '1h', ...p } } });
const withPoints = (recoveryPoints: PointInput[], more: Partial<InventoryInput> = {}) =>
  inventory({ resources: [ORDERS], recoveryPoints, ...more });

describe('recency.recovery-point', () => {
  it('is compliant with a fresh completed recovery point', () => {
    // Prepare
    const inv = withPoints([point(hoursAgo(1))]);
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('1h old (RPO 2h)');
  });

  it('flags a stale recovery point with its age and the RPO', () => {
    // Prepare
    const inv = withPoints([point(hoursAgo(26)), point(hoursAgo(50))]);
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('26h old (RPO 2h)');
    expect(f.expected).toBe('younger than 2h');
    expect(f.actual).toBe('26h');
    expect(f.actions).toEqual([]);
  });

  it('names the failure of the last backup job', () => {
    // Prepare
    const inv = withPoints([point(hoursAgo(26))], {
      backupJobs: [
        job('COMPLETED', hoursAgo(26)),
        job('FAILED', hoursAgo(2), { StatusMessage: 'Insufficient privileges to perform this action.' }),
      ],
    });
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('last backup job FAILED: Insufficient privileges to perform this action.');
  });

  it('says so when there is no completed recovery point at all', () => {
    // Prepare
    const inv = withPoints([], { backupJobs: [job('EXPIRED', hoursAgo(5))] });
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no completed recovery point; last backup job EXPIRED');
    expect(f.actual).toBe('none');
  });

  it('does not count copies in another region or account', () => {
    // Prepare
    const inv = withPoints([
      point(hoursAgo(30)),
      point(hoursAgo(1), { BackupVaultArn: vaultArnOf('backup-sentinel-gold', 'eu-west-1') }),
      point(hoursAgo(1), { BackupVaultArn: vaultArnOf('dr-vault', REGION, DR_ACCOUNT) }),
    ]);
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('30h old');
  });

  it('ignores recovery points that are not COMPLETED', () => {
    // Prepare
    const inv = withPoints([
      point(hoursAgo(30)),
      point(hoursAgo(1), { Status: 'CREATING' }),
      point(hoursAgo(1.5), { Status: 'PARTIAL' }),
      point(hoursAgo(1.8), { Status: 'EXPIRED' }),
    ]);
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('30h old');
  });

  it('defaults the RPO to twice the backup frequency', () => {
    // Prepare
    const set = policies({ policies: { gold: { frequency: '12h' } } });
    const fresh = withPoints([point(hoursAgo(20))]);
    const stale = withPoints([point(hoursAgo(30))]);
    // Act
    const ok = only('recency.recovery-point', fresh, set, ORDERS_ARN);
    const late = only('recency.recovery-point', stale, set, ORDERS_ARN);
    // Assess
    expect(ok.status).toBe('COMPLIANT');
    expect(ok.message).toContain('(RPO 24h)');
    expect(late.status).toBe('NON_COMPLIANT');
    expect(late.message).toContain('30h old (RPO 24h)');
  });

  it('uses an explicit rpoHours over the default', () => {
    // Prepare
    const inv = withPoints([point(hoursAgo(5))]);
    // Act
    const f = only('recency.recovery-point', inv, hourly({ rpoHours: 6 }), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('(RPO 6h)');
  });

  it('judges the recovery points of each resource separately', () => {
    // Prepare
    const other = db('billing');
    const inv = inventory({
      resources: [ORDERS, other],
      recoveryPoints: [point(hoursAgo(30)), point(hoursAgo(1), { ResourceArn: other.Arn })],
    });
    // Act
    const f = only('recency.recovery-point', inv, hourly(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('30h old');
  });
});
