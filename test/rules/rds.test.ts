import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/policy/schema.js';
import {
  ACCOUNT,
  cluster,
  DR_ACCOUNT,
  db,
  findings,
  inventory,
  key,
  only,
  policies,
  REGION,
} from '../support/builders.js';

const gold = (p: PolicyInput = {}) => policies({ policies: { gold: p } });
const cmk = (p: PolicyInput = {}) => gold({ encryption: { customerManagedKey: true }, ...p });
const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;

describe('rds.backup-retention', () => {
  it('is compliant when retention meets the policy minimum', () => {
    // Prepare
    const orders = db('orders', { BackupRetentionPeriod: 7 });
    // Act
    const f = only('rds.backup-retention', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('raises a short retention on a DB instance', () => {
    // Prepare
    const orders = db('orders', { BackupRetentionPeriod: 1 });
    // Act
    const f = only('rds.backup-retention', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('automated backups kept 1 day');
    expect(f.message).toContain('policy needs 7');
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBInstance',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 7 },
        applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
      },
    ]);
  });

  it('says automated backups are disabled at retention 0 and turns them on at the maintenance window', () => {
    // Prepare
    const orders = db('orders', { BackupRetentionPeriod: 0 });
    // Act
    const f = only(
      'rds.backup-retention',
      inventory({ resources: [orders] }),
      gold({ rds: { minRetentionDays: 14 } }),
      orders.Arn,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('automated backups are disabled (retention 0)');
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBInstance',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 14 },
        applyAt: 'next-maintenance-window', // Changed: was applyImmediately: false
      },
    ]);
  });

  it('modifies a DB cluster with ModifyDBCluster', () => {
    // Prepare
    const orders = cluster('orders', { BackupRetentionPeriod: 1 });
    // Act
    const f = only('rds.backup-retention', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBCluster',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 7 },
        applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
      },
    ]);
  });

  it('turns automated backups of a DB cluster on at the maintenance window', () => {
    // Prepare
    const orders = cluster('orders', { BackupRetentionPeriod: 0 });
    // Act
    const f = only('rds.backup-retention', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBCluster',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 7 },
        applyAt: 'next-maintenance-window', // Changed: was applyImmediately: false
      },
    ]);
  });
});

describe('rds.deletion-protection', () => {
  it('is compliant when deletion protection is on', () => {
    // Prepare
    const orders = db('orders');
    // Act
    const f = only('rds.deletion-protection', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('turns deletion protection on', () => {
    // Prepare
    const orders = cluster('orders', { DeletionProtection: false });
    // Act
    const f = only('rds.deletion-protection', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('DeletionProtection is off');
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBCluster',
        region: REGION,
        identifier: 'orders',
        changes: { DeletionProtection: true },
        applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
      },
    ]);
  });

  it('is not applicable when the policy turns it off', () => {
    // Prepare
    const orders = db('orders', { DeletionProtection: false });
    // Act
    const f = only(
      'rds.deletion-protection',
      inventory({ resources: [orders] }),
      gold({ rds: { deletionProtection: false } }),
      orders.Arn,
    );
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('rds.copy-tags-to-snapshot', () => {
  it('turns CopyTagsToSnapshot on', () => {
    // Prepare
    const orders = db('orders', { CopyTagsToSnapshot: false });
    // Act
    const f = only('rds.copy-tags-to-snapshot', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      {
        type: 'ModifyDBInstance',
        region: REGION,
        identifier: 'orders',
        changes: { CopyTagsToSnapshot: true },
        applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
      },
    ]);
  });

  it('is not applicable when the policy turns it off', () => {
    // Prepare
    const orders = db('orders', { CopyTagsToSnapshot: false });
    // Act
    const f = only(
      'rds.copy-tags-to-snapshot',
      inventory({ resources: [orders] }),
      gold({ rds: { copyTagsToSnapshot: false } }),
      orders.Arn,
    );
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.actions).toEqual([]);
  });
});

describe('rds.encryption', () => {
  it('is not applicable by default', () => {
    // Prepare
    const orders = db('orders', { StorageEncrypted: false, KmsKeyId: undefined });
    // Act
    const f = only('rds.encryption', inventory({ resources: [orders] }), gold(), orders.Arn);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('flags unencrypted storage, without an action', () => {
    // Prepare
    const orders = db('orders', { StorageEncrypted: false, KmsKeyId: undefined });
    // Act
    const f = only('rds.encryption', inventory({ resources: [orders] }), cmk(), orders.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not encrypted');
    expect(f.actions).toEqual([]);
  });

  it('flags storage encrypted with the AWS managed key', () => {
    // Prepare
    const orders = db('orders', { KmsKeyId: keyArn('aws-rds') });
    const inv = inventory({
      resources: [orders],
      kmsKeys: [key('aws-rds', { KeyManager: 'AWS', Aliases: ['alias/aws/rds'] })],
    });
    // Act
    const f = only('rds.encryption', inv, cmk(), orders.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('aws/rds');
  });

  it('is compliant with a customer-managed key', () => {
    // Prepare
    const orders = db('orders', { KmsKeyId: keyArn('cmk-1') });
    const inv = inventory({ resources: [orders], kmsKeys: [key('cmk-1')] });
    // Act
    const f = only('rds.encryption', inv, cmk(), orders.Arn);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('cmk-1');
  });

  it('leaves the AWS managed key to copies.rds-cmk when the policy copies cross-account', () => {
    // Prepare
    const orders = db('orders', { KmsKeyId: keyArn('aws-rds') });
    const inv = inventory({
      resources: [orders],
      kmsKeys: [key('aws-rds', { KeyManager: 'AWS', Aliases: ['alias/aws/rds'] })],
    });
    // Act
    const f = only('rds.encryption', inv, cmk({ copies: [{ account: DR_ACCOUNT }] }), orders.Arn);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toContain('reported by copies.rds-cmk');
    expect(only('copies.rds-cmk', inv, cmk({ copies: [{ account: DR_ACCOUNT }] }), orders.Arn).status).toBe(
      'NON_COMPLIANT',
    );
  });

  it('reports an error when the key was not collected', () => {
    // Prepare
    const orders = db('orders', { KmsKeyId: keyArn('cmk-1') });
    // Act
    const f = only('rds.encryption', inventory({ resources: [orders], kmsKeys: [] }), cmk(), orders.Arn);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain(`KMS key ${keyArn('cmk-1')} was not collected`);
  });
});

describe('Aurora member instances', () => {
  it('get no rds.* findings: the cluster is judged instead', () => {
    // Prepare
    const member = db('orders-1', {
      DBClusterIdentifier: 'orders',
      Engine: 'aurora-postgresql',
      BackupRetentionPeriod: 1,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
    });
    const inv = inventory({ resources: [cluster('orders'), member], kmsKeys: [key('cmk-1')] });
    const set = cmk();
    // Act
    const memberFindings = [
      'rds.backup-retention',
      'rds.deletion-protection',
      'rds.copy-tags-to-snapshot',
      'rds.encryption',
    ].flatMap((id) => findings(id, inv, set, member.Arn));
    // Assess
    expect(memberFindings).toEqual([]);
    expect(only('rds.backup-retention', inv, set, cluster('orders').Arn).status).toBe('COMPLIANT');
  });
});
