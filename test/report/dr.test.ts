/**
 * The DR report's core (src/report/dr.ts): on the example account as of its capturedAt, and on
 * small built inventories for each verdict — met, missed, no copy, not read — and for key
 * recoverability, restore evidence and the restore command.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Inventory, type InventoryInput, parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { type DrRow, drReport, rpoMet } from '../../src/report/dr.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  DR_ACCOUNT,
  db,
  hoursAgo,
  inventory,
  key,
  NOW,
  policies,
  REGION,
  scopeOf,
  vault,
  vaultArnOf,
} from '../support/builders.js';

// ---------------------------------------------------------------------------------------------
// The example account

const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
const demoPolicies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
const demoReport = drReport(demo, demoPolicies, { now: new Date(demo.capturedAt) });
const demoRow = (name: string): DrRow => {
  const r = demoReport.rows.find((x) => x.resourceName === name);
  if (!r) throw new Error(`no row for ${name}`);
  return r;
};

describe('dr report of the example account (as of its capturedAt)', () => {
  it('has one row per resource under a policy: opted-out, policy-less and Aurora members left out', () => {
    // Assess
    expect(demoReport.rows.map((r) => r.resourceName)).toEqual([
      'orders-db',
      'payments-db',
      'billing-db',
      'analytics-db',
      'legacy-crm-db',
      'inventory-db',
      'search-db',
      'ledger-cluster',
      'quotes-cluster',
      'events-cluster',
      'acme-prod-assets',
      'acme-legal-hold',
      'acme-prod-uploads',
      'acme-prod-logs',
      'acme-ml-datasets',
      'acme-partner-feeds',
      'acme-prod-exports-eu-west-1',
      'finance-ledger',
    ]);
    expect(demoReport.summary.skipped).toEqual({ optedOut: 2, noPolicy: 2, clusterMembers: 3 });
    expect(demoReport.evaluatedAt).toBe('2026-11-25T06:00:00.000Z');
    expect(demoReport.window).toEqual({
      start: '2026-10-11T06:00:00.000Z',
      end: '2026-11-25T06:00:00.000Z',
      listed: true,
    });
  });

  it('orders-db: its newest point in each location, both RPOs met, its restore test and its restore command', () => {
    // Act
    const r = demoRow('orders-db');
    // Assess
    expect(r.locations.source).toMatchObject({
      state: 'found',
      newest: {
        recoveryPointArn:
          'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-00000001-5b1c-4d2e-9f3a-000000000001',
        dataTime: '2026-11-25T01:00:00.000Z',
        ageHours: 5,
      },
    });
    expect(r.locations.otherRegion.newest?.backupVaultArn).toBe(
      'arn:aws:backup:eu-west-1:111111111111:backup-vault:backup-sentinel-gold',
    );
    expect(r.locations.drAccount.newest?.backupVaultArn).toBe(
      'arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault',
    );
    expect(r.scenarios.regionLost).toMatchObject({ status: 'met', achievedHours: 5, targetHours: 24 });
    // The DR vault is in the same region: only the eu-west-1 copies survive the region.
    expect(r.scenarios.regionLost.from?.region).toBe('eu-west-1');
    expect(r.scenarios.accountLost).toMatchObject({ status: 'met', achievedHours: 5 });
    expect(r.restoreTest).toMatchObject({
      state: 'found',
      targetMinutes: 60,
      job: {
        restoreJobId: '00000080-5B1C-4D2E-9F3A-000000000080',
        status: 'COMPLETED',
        durationMinutes: 42,
        validationStatus: 'SUCCESSFUL',
      },
    });
    expect(r.keys.verdict).toBe('recoverable');
    expect(r.restore.command).toBe(
      'backup-sentinel restore rds --db orders-db --recovery-point arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-00000001-5b1c-4d2e-9f3a-000000000001 --vault backup-sentinel-gold --region eu-central-1',
    );
    expect(rpoMet(r)).toBe(true);
  });

  it('prints restore rds --cluster for an Aurora cluster, and no command for a Multi-AZ DB cluster', () => {
    expect(demoRow('ledger-cluster').restore.command).toBe(
      'backup-sentinel restore rds --cluster ledger-cluster --recovery-point arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:awsbackup:job-0000002b-5b1c-4d2e-9f3a-00000000002b --vault backup-sentinel-gold --region eu-central-1',
    );
    const quotes = demoRow('quotes-cluster').restore;
    expect(quotes).toEqual({
      commands: [],
      detail:
        'a Multi-AZ DB cluster: `backup-sentinel restore rds` does not automate it yet; restore the cluster snapshot with AWS Backup (StartRestoreJob) or aws rds restore-db-cluster-from-snapshot --db-cluster-instance-class CLASS (RDS creates its instances)',
    });
  });

  it('payments-db: the DR vault was read and holds none (its copy jobs fail): no copy if the account is lost', () => {
    const r = demoRow('payments-db');
    expect(r.locations.drAccount.state).toBe('none');
    expect(r.locations.drAccount.detail).toContain(
      'no usable recovery point in arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault since 2026-10-11T06:00:00.000Z; last copy job FAILED (3 failed in the window)',
    );
    expect(r.scenarios.accountLost.status).toBe('no-copy');
    expect(r.scenarios.regionLost.status).toBe('met');
    expect(rpoMet(r)).toBe(false);
  });

  it('judges key material: imported material whose escrow copy holds other bytes, a key pending deletion, a key not read', () => {
    expect(demoRow('ledger-cluster').keys).toMatchObject({ verdict: 'not-recoverable' });
    expect(demoRow('ledger-cluster').keys.summary).toMatch(
      /^not recoverable: arn:aws:kms:eu-central-1:111111111111:key\/5f1c2d3e-0a1b-4c2d-8e3f-111111111102 \(database\): imported key material; material 3b9d\w+ \(expires 2026-12-05T00:00:00.000Z\): the copy in 222222222222\/eu-west-1 holds other bytes than the material KMS has/,
    );
    // the database's key, then the keys of the newest point in each location (a copy: its vault's);
    // the source vault key's imported material has a verified escrow copy
    expect(
      demoRow('orders-db').keys.keys.map((k) => [k.keyArn.slice(-6), k.usedBy.join(), k.verdict]),
    ).toEqual([
      ['111101', 'database', 'recoverable'],
      ['111103', `recovery point in ${demoRow('orders-db').sourceVault.arn}`, 'recoverable'],
      [
        '111105',
        'recovery point in arn:aws:backup:eu-west-1:111111111111:backup-vault:backup-sentinel-gold',
        'recoverable',
      ],
      [
        'bbbbb1',
        'recovery point in arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault',
        'recoverable',
      ],
    ]);
    expect(demoRow('orders-db').keys.keys[1]?.detail).toBe(
      'imported key material; material 0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d (expires 2027-11-01T00:00:00.000Z): verified escrow copy in 222222222222/eu-west-1',
    );
    expect(demoRow('analytics-db').keys.summary).toContain(
      'key is PendingDeletion (deleted on 2026-12-02T11:30:00.000Z)',
    );
    expect(demoRow('acme-prod-exports-eu-west-1').keys).toMatchObject({ verdict: 'unknown' });
    expect(demoRow('acme-prod-exports-eu-west-1').keys.summary).toContain(
      'the key was not read (kms:DescribeKey)',
    );
  });

  it('says what is not configured, what does not exist and what was never tested', () => {
    const legacy = demoRow('legacy-crm-db');
    expect(legacy.locations.source.state).toBe('none');
    expect(legacy.locations.otherRegion.state).toBe('not-configured');
    expect(legacy.scenarios.regionLost).toMatchObject({ status: 'no-copy' });
    expect(legacy.scenarios.regionLost.detail).toContain(
      'policy bronze makes no copy outside region eu-central-1',
    );
    expect(legacy.restore.command).toBeUndefined();
    expect(demoRow('finance-ledger').locations.source.detail).toBe(
      'vault arn:aws:backup:eu-central-1:111111111111:backup-vault:backup-sentinel-partner does not exist',
    );
    expect(demoRow('ledger-cluster').restoreTest.detail).toContain('took 95 min (target 60 min: OVER)');
    expect(demoRow('acme-legal-hold').restoreTest.job?.validationStatus).toBe('FAILED');
    expect(demoRow('search-db').restoreTest).toMatchObject({ state: 'none' });
  });

  it('summarises the verdicts', () => {
    expect(demoReport.summary).toMatchObject({
      resources: 18,
      regionLost: { met: 7, missed: 0, 'no-copy': 11, 'not-read': 0 },
      accountLost: { met: 6, missed: 0, 'no-copy': 12, 'not-read': 0 },
      rpoNotMet: 12,
      keys: { recoverable: 15, 'not-recoverable': 2, unknown: 1 },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Built inventories: a bucket under gold, copied to eu-west-1 and to the DR account

const WEST = 'eu-west-1';
const SOURCE = vaultArnOf('backup-sentinel-gold');
const WEST_VAULT = vaultArnOf('backup-sentinel-gold', WEST);
const DR_VAULT = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
const APP = 'arn:aws:s3:::app';
const SET = policies({
  keyMaterial: { escrow: [{ account: DR_ACCOUNT, region: WEST }] },
  policies: {
    gold: {
      frequency: '12h',
      rpoHours: 24,
      copies: [{ region: WEST }, { account: DR_ACCOUNT, vault: 'dr-vault' }],
      restoreTest: { everyDays: 7, maxRestoreMinutes: 30 },
    },
  },
});

let n = 0;
function point(
  vaultArn: string,
  hours: number,
  over: Partial<NonNullable<InventoryInput['recoveryPoints']>[number]> = {},
) {
  n++;
  const region = vaultArn.split(':')[3];
  const account = vaultArn.split(':')[4];
  return {
    RecoveryPointArn: `arn:aws:backup:${region}:${account}:recovery-point:rp-${n}`,
    ResourceArn: APP,
    BackupVaultArn: vaultArn,
    CreationDate: hoursAgo(hours),
    Status: 'COMPLETED',
    ...over,
  };
}

const KEY = (id: string, region = REGION, account = ACCOUNT) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** The bucket, its three vaults (each with its key), read everywhere unless `over` says otherwise. */
function world(over: Partial<InventoryInput> = {}): Inventory {
  return inventory({
    regions: [REGION],
    listedSince: hoursAgo(24 * 30),
    resources: [bucket('app')],
    backupVaults: [
      vault('backup-sentinel-gold', { EncryptionKeyArn: KEY('source-key') }),
      vault('backup-sentinel-gold', { BackupVaultArn: WEST_VAULT, EncryptionKeyArn: KEY('west-key', WEST) }),
      vault('dr-vault', { BackupVaultArn: DR_VAULT, EncryptionKeyArn: KEY('dr-key', REGION, DR_ACCOUNT) }),
    ],
    kmsKeys: [
      key('source-key'),
      key('west-key', { Arn: KEY('west-key', WEST) }),
      key('dr-key', { Arn: KEY('dr-key', REGION, DR_ACCOUNT) }),
    ],
    scope: scopeOf({ region: WEST }, { account: DR_ACCOUNT }),
    ...over,
  });
}

const only = (inv: Inventory, set = SET): DrRow => {
  const rows = drReport(inv, set, { now: NOW }).rows;
  expect(rows).toHaveLength(1);
  return rows[0] as DrRow;
};

describe('RPO if the region or the account is lost', () => {
  it('met: the newest copy outside the region (eu-west-1) and outside the account (the DR vault) are within the RPO', () => {
    // Arrange
    const inv = world({
      recoveryPoints: [point(SOURCE, 2), point(WEST_VAULT, 3), point(DR_VAULT, 4), point(WEST_VAULT, 15)],
    });
    // Act
    const r = only(inv);
    // Assess
    expect(r.scenarios.regionLost).toMatchObject({ status: 'met', achievedHours: 3, targetHours: 24 });
    expect(r.scenarios.accountLost).toMatchObject({ status: 'met', achievedHours: 4 });
    expect(r.locations.otherRegion.points.map((p) => p.ageHours)).toEqual([3, 15]);
    expect(rpoMet(r)).toBe(true);
  });

  it('missed: the newest copy in the DR account is older than the RPO', () => {
    const r = only(world({ recoveryPoints: [point(SOURCE, 2), point(WEST_VAULT, 3), point(DR_VAULT, 30)] }));
    expect(r.scenarios.accountLost).toMatchObject({ status: 'missed', achievedHours: 30 });
    expect(r.scenarios.accountLost.detail).toContain('is 30h old');
    // the DR vault is in the same region, so the region is met by eu-west-1 alone
    expect(r.scenarios.regionLost.status).toBe('met');
    expect(rpoMet(r)).toBe(false);
  });

  it('no copy: both destinations were read and hold nothing', () => {
    const r = only(world({ recoveryPoints: [point(SOURCE, 2)] }));
    expect(r.locations.otherRegion).toMatchObject({ state: 'none' });
    expect(r.locations.drAccount).toMatchObject({ state: 'none' });
    expect(r.scenarios.regionLost.status).toBe('no-copy');
    expect(r.scenarios.accountLost.status).toBe('no-copy');
  });

  it('not read: a DR account whose vaults were not read is "not read", never "none", even with a copy job COMPLETED', () => {
    // Arrange: no DR read role (the DR account is not in the scope)
    const inv = world({
      scope: scopeOf({ region: WEST }),
      recoveryPoints: [point(SOURCE, 2), point(WEST_VAULT, 3)],
      copyJobs: [
        {
          CopyJobId: 'c-1',
          SourceBackupVaultArn: SOURCE,
          DestinationBackupVaultArn: DR_VAULT,
          ResourceArn: APP,
          State: 'COMPLETED',
          CreationDate: hoursAgo(3),
          CompletionDate: hoursAgo(2),
        },
      ],
    });
    // Act
    const r = only(inv);
    // Assess
    expect(r.locations.drAccount.state).toBe('not-read');
    expect(r.locations.drAccount.detail).toContain(
      `${DR_VAULT} was not read: account 222222222222 was not read (configure the DR read role`,
    );
    expect(r.scenarios.accountLost).toMatchObject({ status: 'not-read' });
    expect(r.scenarios.accountLost.detail).toContain('cannot tell whether a newer one exists');
    expect(r.scenarios.regionLost.status).toBe('met');
    expect(rpoMet(r)).toBe(false);
  });

  it('not read: an old copy was found, but a destination a newer one could be in was not read', () => {
    const inv = world({
      scope: scopeOf({ account: DR_ACCOUNT }), // eu-west-1 not read
      recoveryPoints: [point(SOURCE, 2), point(DR_VAULT, 3)],
      copyJobs: [
        {
          CopyJobId: 'c-2',
          SourceBackupVaultArn: SOURCE,
          DestinationBackupVaultArn: WEST_VAULT,
          ResourceArn: APP,
          State: 'COMPLETED',
          CreationDate: hoursAgo(3),
        },
      ],
    });
    const r = only(inv);
    expect(r.locations.otherRegion.state).toBe('not-read');
    expect(r.scenarios.regionLost.status).toBe('not-read');
    expect(r.locations.otherRegion.notRead[0]?.reason).toContain('region eu-west-1 was not read');
  });

  it('not read: the DR vault read failed (AccessDenied), and says so as a failure', () => {
    const inv = world({
      recoveryPoints: [point(SOURCE, 2), point(WEST_VAULT, 3)],
      copyJobs: [
        {
          CopyJobId: 'c-3',
          SourceBackupVaultArn: SOURCE,
          DestinationBackupVaultArn: DR_VAULT,
          ResourceArn: APP,
          State: 'COMPLETED',
          CreationDate: hoursAgo(3),
        },
      ],
      collectionErrors: [
        {
          Arn: DR_VAULT,
          Action: 'backup:ListRecoveryPointsByBackupVault',
          Code: 'AccessDenied',
          Message: 'no',
        },
      ],
    });
    const r = only(inv);
    expect(r.locations.drAccount.notRead).toEqual([
      {
        backupVaultArn: DR_VAULT,
        reason: `backup:ListRecoveryPointsByBackupVault failed on ${DR_VAULT} with AccessDenied (no)`,
        failed: true,
      },
    ]);
    expect(r.scenarios.accountLost.status).toBe('not-read');
  });

  it('missed, not "not read": the DR account was not read, but no copy job to it completed in a window longer than the RPO', () => {
    const inv = world({
      scope: scopeOf({ region: WEST }),
      recoveryPoints: [point(SOURCE, 2), point(WEST_VAULT, 3)],
      copyJobs: [
        {
          CopyJobId: 'c-4',
          SourceBackupVaultArn: SOURCE,
          DestinationBackupVaultArn: DR_VAULT,
          ResourceArn: APP,
          State: 'FAILED',
          StatusMessage: 'Access denied to the destination vault',
          CreationDate: hoursAgo(3),
        },
      ],
    });
    const r = only(inv);
    expect(r.locations.drAccount.state).toBe('not-read');
    expect(r.locations.drAccount.detail).toContain('no copy job to it completed since');
    expect(r.scenarios.accountLost.status).toBe('missed');
    expect(r.scenarios.accountLost.detail).toContain(`no copy job to ${DR_VAULT} completed since`);
  });

  it('no copy, not configured: a policy without copies', () => {
    const set = policies({ policies: { gold: { rpoHours: 48 } } });
    const r = only(world({ recoveryPoints: [point(SOURCE, 2)] }), set);
    expect(r.locations.otherRegion.state).toBe('not-configured');
    expect(r.locations.drAccount.state).toBe('not-configured');
    expect(r.scenarios.regionLost).toMatchObject({ status: 'no-copy' });
    expect(r.scenarios.regionLost.detail).toContain('policy gold makes no copy outside region eu-central-1');
  });

  it('a copy is as old as the point it was copied from; a point not yet made (as of now) is left out', () => {
    const source = point(SOURCE, 20);
    const copy = point(WEST_VAULT, 1);
    const inv = world({
      recoveryPoints: [source, copy, point(DR_VAULT, -2)],
      copyJobs: [
        {
          CopyJobId: 'c-5',
          SourceBackupVaultArn: SOURCE,
          SourceRecoveryPointArn: source.RecoveryPointArn,
          DestinationBackupVaultArn: WEST_VAULT,
          DestinationRecoveryPointArn: copy.RecoveryPointArn,
          ResourceArn: APP,
          State: 'COMPLETED',
          CreationDate: hoursAgo(2),
        },
      ],
    });
    const r = only(inv);
    expect(r.locations.otherRegion.newest).toMatchObject({
      ageHours: 20,
      dataTime: hoursAgo(20),
      sourceRecoveryPointArn: source.RecoveryPointArn,
    });
    expect(r.locations.drAccount.state).toBe('none');
  });

  it('a continuous point is as recent as its newest completed job', () => {
    const cont = point(SOURCE, 24 * 20, {
      RecoveryPointArn: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:continuous:app-1`,
    });
    const inv = world({
      recoveryPoints: [cont],
      backupJobs: [
        {
          BackupJobId: 'b-1',
          BackupVaultArn: SOURCE,
          RecoveryPointArn: cont.RecoveryPointArn,
          ResourceArn: APP,
          State: 'COMPLETED',
          CreationDate: hoursAgo(2),
          CompletionDate: hoursAgo(1),
        },
      ],
    });
    expect(only(inv).locations.source.newest).toMatchObject({ continuous: true, ageHours: 1 });
  });

  it('judges Aurora at cluster level and skips its member instances', () => {
    const inv = inventory({
      resources: [
        cluster('ledger'),
        db('ledger-1', { DBClusterIdentifier: 'ledger', Engine: 'aurora-postgresql' }),
      ],
    });
    const report = drReport(inv, policies(), { now: NOW });
    expect(report.rows.map((r) => [r.resourceName, r.backupResourceType])).toEqual([['ledger', 'Aurora']]);
    expect(report.summary.skipped.clusterMembers).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Key material

const IMPORTED = KEY('imported');
const imported = (over: Partial<NonNullable<InventoryInput['kmsKeys']>[number]> = {}) =>
  key('imported', {
    Origin: 'EXTERNAL',
    Materials: [
      { KeyMaterialId: 'm-1', CheckValue: 'kcv1:aa', ImportState: 'IMPORTED', KeyMaterialState: 'CURRENT' },
    ],
    ...over,
  });
const escrowCopy = (over: Partial<NonNullable<InventoryInput['keyMaterialReplicas']>[number]> = {}) => ({
  SecretArn: `arn:aws:secretsmanager:${WEST}:${DR_ACCOUNT}:secret:escrow-1`,
  KeyArn: IMPORTED,
  AccountId: DR_ACCOUNT,
  Region: WEST,
  CheckValue: 'kcv1:aa',
  ReadCheckValue: 'kcv1:aa',
  KeyMaterialId: 'm-1',
  KmsKeyId: 'alias/backup-sentinel-escrow',
  ...over,
});

/** A database encrypted with the imported key, one recovery point in the source vault. */
function keyWorld(over: Partial<InventoryInput> = {}): Inventory {
  return world({
    resources: [db('app-db', { KmsKeyId: IMPORTED, Tags: { 'backup:policy': 'gold' } })],
    recoveryPoints: [point(SOURCE, 2, { ResourceArn: db('app-db').Arn as string })],
    kmsKeys: [key('source-key'), imported()],
    ...over,
  });
}

describe('key recoverability', () => {
  it('recoverable: imported material with a verified escrow copy; KMS-generated material', () => {
    const r = only(keyWorld({ keyMaterialReplicas: [escrowCopy()] }));
    expect(r.keys.verdict).toBe('recoverable');
    expect(r.keys.keys.map((k) => [k.keyArn, k.usedBy, k.verdict])).toEqual([
      [IMPORTED, ['database'], 'recoverable'],
      [KEY('source-key'), [`recovery point in ${SOURCE}`], 'recoverable'],
    ]);
    expect(r.keys.keys[0]?.detail).toBe(
      'imported key material; material m-1: verified escrow copy in 222222222222/eu-west-1',
    );
  });

  it('not recoverable: no escrow copy; one with other bytes; no escrow destinations at all', () => {
    expect(only(keyWorld()).keys.summary).toBe(
      `not recoverable: ${IMPORTED} (database): imported key material; material m-1: no escrow copy in 222222222222/eu-west-1`,
    );
    expect(
      only(keyWorld({ keyMaterialReplicas: [escrowCopy({ ReadCheckValue: 'kcv1:bb' })] })).keys.summary,
    ).toContain('the copy in 222222222222/eu-west-1 holds other bytes than the material KMS has');
    const noEscrow = policies({ policies: { gold: { rpoHours: 24 } } });
    expect(only(keyWorld(), noEscrow).keys.summary).toContain(
      'no keyMaterial.escrow destinations in the policy file',
    );
  });

  it('recoverable from escrow: material no longer imported (expired) with a verified copy, and how to reimport it', () => {
    const inv = keyWorld({
      kmsKeys: [
        key('source-key'),
        imported({
          KeyState: 'PendingImport',
          Materials: [
            {
              KeyMaterialId: 'm-1',
              CheckValue: 'kcv1:aa',
              ImportState: 'PENDING_IMPORT',
              KeyMaterialState: 'CURRENT',
            },
          ],
        }),
      ],
      keyMaterialReplicas: [escrowCopy()],
    });
    const k = only(inv).keys.keys[0];
    expect(k?.verdict).toBe('recoverable');
    expect(k?.detail).toContain(`backup-sentinel keys restore --key ${IMPORTED} --region eu-central-1`);
  });

  it('unknown: the escrow was not read, the key was not read', () => {
    const unreadEscrow = keyWorld({
      collectionErrors: [
        {
          Arn: '*',
          Account: DR_ACCOUNT,
          Region: WEST,
          Action: 'secretsmanager:ListSecrets',
          Code: 'AccessDenied',
        },
      ],
    });
    expect(only(unreadEscrow).keys).toMatchObject({ verdict: 'unknown' });
    expect(only(unreadEscrow).keys.summary).toContain('the escrow in 222222222222/eu-west-1 was not read');
    const unreadKey = keyWorld({ kmsKeys: [key('source-key')] });
    expect(only(unreadKey).keys.summary).toBe(
      `unknown: ${IMPORTED} (database): the key was not read (kms:DescribeKey)`,
    );
  });

  it('not recoverable: a key pending deletion or disabled, with what keeps it', () => {
    const pending = keyWorld({
      kmsKeys: [
        key('source-key', {
          KeyState: 'PendingDeletion',
          Enabled: false,
          DeletionDate: '2026-12-01T00:00:00Z',
        }),
        imported(),
      ],
      keyMaterialReplicas: [escrowCopy()],
    });
    const k = only(pending).keys;
    expect(k.verdict).toBe('not-recoverable');
    expect(k.summary).toBe(
      `not recoverable: ${KEY('source-key')} (recovery point in ${SOURCE}): key is PendingDeletion (deleted on 2026-12-01T00:00:00.000Z): nothing it encrypts can be decrypted; until then aws kms cancel-key-deletion --key-id ${KEY('source-key')} --region eu-central-1 keeps it`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Restore evidence and the restore command

describe('restore evidence and command', () => {
  it('takes the newest restore test, its duration and validation', () => {
    const inv = world({
      recoveryPoints: [point(SOURCE, 2)],
      restoreJobs: [
        {
          RestoreJobId: 'manual',
          RecoveryPointArn: 'x',
          SourceResourceArn: APP,
          Status: 'COMPLETED',
          CreationDate: hoursAgo(1),
          CompletionDate: hoursAgo(0.5),
        },
        {
          RestoreJobId: 'test-1',
          RecoveryPointArn: 'y',
          SourceResourceArn: APP,
          Status: 'COMPLETED',
          CreationDate: hoursAgo(30),
          CompletionDate: hoursAgo(29),
          ValidationStatus: 'SUCCESSFUL',
          CreatedBy: {
            RestoreTestingPlanArn: 'arn:aws:backup:eu-central-1:111111111111:restore-testing-plan:p',
          },
        },
      ],
    });
    expect(only(inv).restoreTest).toMatchObject({
      state: 'found',
      targetMinutes: 30,
      job: { restoreJobId: 'test-1', durationMinutes: 60, validationStatus: 'SUCCESSFUL', ageDays: 1.25 },
    });
    expect(only(inv).restoreTest.detail).toContain('took 60 min (target 30 min: OVER)');
  });

  it('restore jobs not read: "not read", not "never tested"', () => {
    const inv = world({
      scope: [
        {
          Account: ACCOUNT,
          Region: REGION,
          Via: 'home',
          Reads: ['backup:ListBackupVaults', 'backup:ListRecoveryPointsByBackupVault'],
        },
      ],
    });
    expect(only(inv).restoreTest).toMatchObject({ state: 'not-read' });
    expect(only(inv).restoreTest.detail).toContain('backup:ListRestoreJobs was not read completely');
  });

  it('restores from the newest point wherever it is, in its region; quotes what the shell would split', () => {
    const inv = world({ recoveryPoints: [point(SOURCE, 10), point(WEST_VAULT, 3)] });
    const r = only(inv);
    expect(r.restore.command).toBe(
      `backup-sentinel restore s3 --bucket app --to app-restored --restore-role-arn RESTORE_ROLE_ARN --recovery-point ${r.locations.otherRegion.newest?.recoveryPointArn} --vault backup-sentinel-gold --region eu-west-1`,
    );
    expect(r.restore.commands.map((c) => c.location)).toEqual(['source', 'otherRegion']);
    const odd = only(
      world({
        recoveryPoints: [
          point(SOURCE, 1, { RecoveryPointArn: "arn:aws:backup:eu-central-1:1:recovery-point:a b'c" }),
        ],
      }),
    );
    expect(odd.restore.command).toContain(
      `--recovery-point 'arn:aws:backup:eu-central-1:1:recovery-point:a b'\\''c'`,
    );
  });
});
