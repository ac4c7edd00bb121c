/** The RDS restore planner (pure): every preflight problem with its message, and the configuration carried over. */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { planRds, type RdsFacts, type RdsOptions, RESTORE_TAG, RUN_TAG } from '../../src/restore/plan-rds.js';
import { rdsIdentifierProblem } from '../../src/restore/types.js';

const NOW = new Date('2026-11-25T06:00:00Z');
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SNAP =
  'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-1a2bcd34-567e-8901-23f4-5a6bcdef7890';

const original = (extra: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: 'payments-db',
  DBInstanceArn: 'arn:aws:rds:eu-central-1:111111111111:db:payments-db',
  DbiResourceId: 'db-ORIGINAL',
  DBInstanceStatus: 'available',
  Engine: 'postgres',
  EngineVersion: '16.3',
  DBInstanceClass: 'db.m6g.large',
  AllocatedStorage: 100,
  StorageType: 'io1',
  Iops: 3000,
  MultiAZ: true,
  StorageEncrypted: true,
  KmsKeyId: KEY,
  DeletionProtection: true,
  PubliclyAccessible: false,
  BackupRetentionPeriod: 7,
  LatestRestorableTime: new Date('2026-11-25T05:55:00Z'),
  Endpoint: { Address: 'payments-db.abc.eu-central-1.rds.amazonaws.com', Port: 5432 },
  DBSubnetGroup: { DBSubnetGroupName: 'payments-private' },
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123456789abcdef0', Status: 'active' }],
  DBParameterGroups: [{ DBParameterGroupName: 'payments-pg16' }],
  OptionGroupMemberships: [{ OptionGroupName: 'payments-options' }],
  TagList: [
    { Key: 'backup:policy', Value: 'gold' },
    { Key: 'aws:cloudformation:stack-name', Value: 'db' },
  ],
  ...extra,
});
const snapshot = (extra: Partial<DBSnapshot> = {}): DBSnapshot => ({
  DBSnapshotArn: SNAP,
  Status: 'available',
  Engine: 'postgres',
  EngineVersion: '16.3',
  AllocatedStorage: 100,
  Encrypted: true,
  KmsKeyId: KEY,
  ...extra,
});
const facts = (extra: Partial<RdsFacts> = {}): RdsFacts => ({
  dbId: 'payments-db',
  where: { region: 'eu-central-1', account: '111111111111' },
  original: original(),
  point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot() },
  targetExists: false,
  beforeExists: false,
  now: NOW,
  ...extra,
});
const options = (extra: Partial<RdsOptions> = {}): RdsOptions => ({
  runId: 'run-1',
  replace: true,
  timeoutMinutes: 120,
  ...extra,
});

describe('planRds: configuration carried over', () => {
  it('restores the snapshot with every setting of the original, then verifies, then renames', () => {
    const plan = planRds(facts(), options());
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => `${s.name} ${s.call}`)).toEqual([
      'restore rds:RestoreDBInstanceFromDBSnapshot',
      'wait-restored rds:DescribeDBInstances',
      'verify-restored rds:DescribeDBInstances',
      'rename-original rds:ModifyDBInstance',
      'wait-original-renamed rds:DescribeDBInstances',
      'rename-restored rds:ModifyDBInstance',
      'wait-restored-renamed rds:DescribeDBInstances',
      'verify-replaced rds:DescribeDBInstances',
    ]);
    expect(plan.steps[0]?.input).toEqual({
      DBInstanceIdentifier: 'payments-db-restored-20261125-0600',
      DBSnapshotIdentifier: SNAP,
      DBInstanceClass: 'db.m6g.large',
      DBSubnetGroupName: 'payments-private',
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      DBParameterGroupName: 'payments-pg16',
      OptionGroupName: 'payments-options',
      MultiAZ: true,
      StorageType: 'io1',
      Iops: 3000,
      AllocatedStorage: 100,
      Port: 5432,
      PubliclyAccessible: false,
      DeletionProtection: true,
      Tags: [
        { Key: 'backup:policy', Value: 'gold' },
        { Key: RESTORE_TAG, Value: 'payments-db' },
        { Key: RUN_TAG, Value: 'run-1' },
      ],
    });
    expect(plan.context.expected).toEqual({
      engine: 'postgres',
      engineVersion: '16.3',
      storageEncrypted: true,
      kmsKeyId: KEY,
      allocatedStorage: 100,
      storageType: 'io1',
      instanceClass: 'db.m6g.large',
      multiAZ: true,
      subnetGroup: 'payments-private',
      securityGroups: ['sg-0123456789abcdef0'],
      parameterGroup: 'payments-pg16',
      optionGroup: 'payments-options',
      deletionProtection: true,
    });
    expect(plan.steps[3]?.input).toEqual({
      DBInstanceIdentifier: 'payments-db',
      NewDBInstanceIdentifier: 'payments-db-before-restore-20261125-0600',
      ApplyImmediately: true,
    });
    expect(plan.steps[5]?.input).toEqual({
      DBInstanceIdentifier: 'payments-db-restored-20261125-0600',
      NewDBInstanceIdentifier: 'payments-db',
      ApplyImmediately: true,
    });
    expect(JSON.stringify(plan)).not.toMatch(/Delete|MasterUserPassword/);
  });

  it('without --replace only restores and verifies', () => {
    const plan = planRds(facts(), options({ replace: false }));
    expect(plan.steps.map((s) => s.name)).toEqual(['restore', 'wait-restored', 'verify-restored']);
  });

  it('overrides replace the original settings', () => {
    const plan = planRds(
      facts(),
      options({
        overrides: {
          subnetGroup: 'dr-private',
          securityGroups: ['sg-0fedcba9876543210'],
          instanceClass: 'db.r6g.large',
        },
      }),
    );
    expect(plan.steps[0]?.input).toMatchObject({
      DBSubnetGroupName: 'dr-private',
      VpcSecurityGroupIds: ['sg-0fedcba9876543210'],
      DBInstanceClass: 'db.r6g.large',
    });
  });

  it('through AWS Backup: the restore metadata with the original configuration written over it (case-insensitively)', () => {
    const plan = planRds(
      facts({
        point: {
          kind: 'snapshot',
          arn: SNAP,
          snapshot: snapshot(),
          vault: 'prod-vault',
          metadata: {
            dbInstanceIdentifier: 'payments-db',
            dbSubnetGroupName: 'default',
            Engine: 'postgres',
            'aws:backup:request-id': '7ac9f761-50dc-4fa7-a801-0440c618f41e',
          },
        },
      }),
      options({ restoreRoleArn: 'arn:aws:iam::111111111111:role/restore' }),
    );
    expect(plan.problems).toEqual([]);
    const restore = plan.steps[0];
    expect(restore?.call).toBe('backup:StartRestoreJob');
    expect(restore?.input).toMatchObject({
      RecoveryPointArn: SNAP,
      ResourceType: 'RDS',
      IamRoleArn: 'arn:aws:iam::111111111111:role/restore',
      Metadata: {
        Engine: 'postgres',
        DBInstanceIdentifier: 'payments-db-restored-20261125-0600',
        DBSubnetGroupName: 'payments-private',
        VpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
        DBParameterGroupName: 'payments-pg16',
        OptionGroupName: 'payments-options',
        DBInstanceClass: 'db.m6g.large',
        MultiAZ: 'true',
        StorageType: 'io1',
        AllocatedStorage: '100',
      },
    });
    const meta = (restore?.input.Metadata ?? {}) as Record<string, string>;
    expect(
      Object.keys(meta).filter((k) => /^dbinstanceidentifier$|^dbsubnetgroupname$/i.test(k)),
    ).toHaveLength(2);
    expect(meta['aws:backup:request-id']).toBeUndefined();
    expect(plan.steps.map((s) => s.name).slice(0, 6)).toEqual([
      'restore',
      'wait-restore-job',
      'wait-restored',
      'tag-restored',
      'protect-restored',
      'verify-restored',
    ]);
  });

  it('a point in time restores from the automated backups with the same settings', () => {
    const time = new Date('2026-11-25T05:00:00Z');
    const plan = planRds(facts({ point: { kind: 'time', time } }), options());
    expect(plan.problems).toEqual([]);
    expect(plan.steps[0]).toMatchObject({
      call: 'rds:RestoreDBInstanceToPointInTime',
      input: {
        SourceDBInstanceIdentifier: 'payments-db',
        TargetDBInstanceIdentifier: 'payments-db-restored-20261125-0600',
        RestoreTime: '2026-11-25T05:00:00.000Z',
        DBSubnetGroupName: 'payments-private',
        DBParameterGroupName: 'payments-pg16',
      },
    });
  });
});

describe('planRds: every preflight problem, each with what is wrong and how to fix it, and no step', () => {
  const cases: [string, Partial<RdsFacts>, Partial<RdsOptions>, string][] = [
    [
      'invalid --db',
      { dbId: 'payments--db' },
      {},
      '--db "payments--db" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row',
    ],
    [
      'invalid --target-id',
      {},
      { targetId: '1st-restore' },
      '--target-id "1st-restore" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row',
    ],
    [
      'renamed original name too long',
      { dbId: `p${'a'.repeat(37)}` },
      {},
      `the name the original is renamed to (from --db) "p${'a'.repeat(37)}-before-restore-20261125-0600" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row: use a shorter --db`,
    ],
    [
      'Aurora',
      { original: original({ DBClusterIdentifier: 'payments-cluster' }) },
      {},
      'payments-db is an instance of the DB cluster payments-cluster: an Aurora cluster is restored as a whole, with its instances: restore rds --cluster payments-cluster',
    ],
    [
      '--replace without the original',
      { original: undefined },
      { overrides: { subnetGroup: 'x', securityGroups: ['sg-0123456789abcdef0'] } },
      '--replace renames database payments-db, but there is no database payments-db in account 111111111111, eu-central-1: restore without --replace (a new database), or restore in the account and region of the original',
    ],
    [
      'original not available',
      { original: original({ DBInstanceStatus: 'modifying' }) },
      {},
      'payments-db is modifying: --replace renames it, which RDS does only while it is available; wait until it is, or restore without --replace',
    ],
    [
      'target taken',
      { targetExists: true },
      {},
      'a database named payments-db-restored-20261125-0600 already exists in account 111111111111, eu-central-1: pass another --target-id, or --resume the record of the restore that made it',
    ],
    [
      'renamed name taken',
      { beforeExists: true },
      {},
      'a database named payments-db-before-restore-20261125-0600 already exists in account 111111111111, eu-central-1: run the restore again a minute later',
    ],
    [
      'timeout too tight',
      {},
      { timeoutMinutes: 5 },
      '--timeout 5 minutes is too tight for an RDS restore (they take 15 minutes to hours, by size): give at least 15; a timeout stops the waiting, not the restore',
    ],
    [
      'no subnet group',
      { original: original({ DBSubnetGroup: undefined }) },
      {},
      'no DB subnet group to restore into: payments-db has none; without one RDS restores into the default VPC. Pass --subnet-group NAME',
    ],
    [
      'no security groups',
      { original: original({ VpcSecurityGroups: [] }) },
      {},
      "no VPC security groups to restore with: payments-db has none; without them RDS uses the VPC's default group. Pass --security-groups sg-…[,sg-…]",
    ],
    [
      'snapshot not found',
      { point: { kind: 'snapshot', arn: SNAP } },
      {},
      `recovery point ${SNAP}: no such RDS snapshot in account 111111111111, eu-central-1 (or these credentials cannot see it): check the ARN, and the account and region it is restored in (--from-account, --region)`,
    ],
    [
      'snapshot not available',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ Status: 'creating' }) } },
      {},
      `snapshot ${SNAP} is creating: wait until it is available`,
    ],
    [
      'snapshot of another engine',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ Engine: 'mysql' }) } },
      {},
      `snapshot ${SNAP} is of a mysql database, payments-db is postgres: choose a recovery point of payments-db`,
    ],
    [
      'AWS Backup without restore role',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot(), vault: 'v', metadata: {} } },
      {},
      'restoring through AWS Backup (StartRestoreJob) needs the restore role AWS Backup assumes: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForRestores and the vault key), or --via rds to restore the snapshot directly',
    ],
    [
      'AWS Backup without vault',
      {},
      { via: 'backup', restoreRoleArn: 'arn:aws:iam::111111111111:role/r' },
      `--via backup needs the vault holding ${SNAP}: pass --vault NAME (or omit --recovery-point for the newest recovery point, found with its vault)`,
    ],
    [
      'AWS Backup metadata unreadable',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot(), vault: 'prod-vault' } },
      { restoreRoleArn: 'arn:aws:iam::111111111111:role/r' },
      `the restore metadata of ${SNAP} in vault prod-vault could not be read (backup:GetRecoveryPointRestoreMetadata): check the vault name and the credentials' permissions`,
    ],
    [
      'time without the original',
      { original: undefined, point: { kind: 'time', time: NOW } },
      { replace: false, overrides: { subnetGroup: 'x', securityGroups: ['sg-0123456789abcdef0'] } },
      '--time restores payments-db from its automated backups, but there is no database payments-db in account 111111111111, eu-central-1: choose a recovery point (--recovery-point ARN) instead',
    ],
    [
      'time without automated backups',
      { original: original({ BackupRetentionPeriod: 0 }), point: { kind: 'time', time: NOW } },
      {},
      'payments-db keeps no automated backups (BackupRetentionPeriod 0): there is no point in time to restore; choose a snapshot recovery point (--recovery-point ARN)',
    ],
    [
      'time after the latest restorable time',
      { point: { kind: 'time', time: new Date('2026-11-25T05:59:00Z') } },
      {},
      "--time 2026-11-25T05:59:00.000Z is after payments-db's latest restorable time 2026-11-25T05:55:00.000Z: choose an earlier time (or omit --time for the newest recovery point)",
    ],
    [
      'time older than the retention',
      { point: { kind: 'time', time: new Date('2026-11-01T00:00:00Z') } },
      {},
      "--time 2026-11-01T00:00:00.000Z is older than payments-db's 7-day backup retention (earliest 2026-11-18T06:00:00.000Z): choose a later time, or a snapshot recovery point",
    ],
  ];
  it.each(cases)('%s', (_name, f, o, message) => {
    const plan = planRds(facts(f), options(o));
    expect(plan.problems).toEqual([message]);
    expect(plan.steps).toEqual([]);
  });

  it('a snapshot under another key is a warning (a snapshot restore keeps its key), verified as such', () => {
    const other = 'arn:aws:kms:eu-central-1:111111111111:key/ffffffff-12ab-34cd-56ef-1234567890ab';
    const plan = planRds(
      facts({ point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ KmsKeyId: other }) } }),
      options(),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.warnings).toEqual([
      `snapshot ${SNAP} is encrypted with ${other}, payments-db with ${KEY}: a snapshot restore keeps the snapshot's key (to change it, copy the snapshot with the other key first)`,
    ]);
    expect(plan.context.expected.kmsKeyId).toBe(other);
  });

  it('identifier rules', () => {
    for (const ok of ['a', 'payments-db', `a${'b'.repeat(62)}`])
      expect(rdsIdentifierProblem(ok, 'x')).toBeUndefined();
    for (const bad of ['', '1a', 'a-', 'a--b', 'a_b', `a${'b'.repeat(63)}`, 'a\nb'])
      expect(rdsIdentifierProblem(bad, 'x')).toBeDefined();
  });
});
