/**
 * `restore rds --replace` end to end against moto over HTTP: a database with its own subnet group,
 * security group, parameter and option groups, KMS key, tags and deletion protection; a snapshot of
 * it named as AWS Backup names its RDS recovery points (awsbackup-job-… here: moto refuses the
 * colon of awsbackup:job-…); the restore from it (RDS RestoreDBInstanceFromDBSnapshot: moto has no
 * AWS Backup restore jobs), the waits, the renames, the verification and the record with each
 * step's duration. Then an interrupted restore resumed from its record, and a dry run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DBInstance } from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/main.js';
import { restoreCommand } from '../../src/cli/restore.js';
import { RESTORE_TAG, RUN_TAG } from '../../src/restore/plan-rds.js';
import type { RestoreRecord } from '../../src/restore/types.js';
import { MOTO_ACCOUNT, motoAws, motoUrl, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const DB = 'payments-db';
const NOW = new Date('2026-11-25T06:00:00Z');

/** An EC2 query call to moto (the project has no EC2 client); returns the response XML. */
async function ec2(params: Record<string, string>): Promise<string> {
  const res = await fetch(motoUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20261125/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ec2 ${params.Action}: ${res.status} ${text}`);
  return text;
}
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';

interface World {
  sg: string;
  key: string;
  original: DBInstance;
  snapshotArn: string;
}

async function world(): Promise<World> {
  const aws = motoAws();
  const rds = aws.rds(REGION);
  const vpc = tag(await ec2({ Action: 'CreateVpc', CidrBlock: '10.1.0.0/16' }), 'vpcId');
  const subnets: string[] = [];
  for (const [i, az] of ['a', 'b'].entries())
    subnets.push(
      tag(
        await ec2({
          Action: 'CreateSubnet',
          VpcId: vpc,
          CidrBlock: `10.1.${i}.0/24`,
          AvailabilityZone: `${REGION}${az}`,
        }),
        'subnetId',
      ),
    );
  const sg = tag(
    await ec2({
      Action: 'CreateSecurityGroup',
      GroupName: 'payments-db',
      GroupDescription: 'db',
      VpcId: vpc,
    }),
    'groupId',
  );
  await rds.send(
    (sdk) =>
      new sdk.CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'payments-private',
        DBSubnetGroupDescription: 'private',
        SubnetIds: subnets,
      }),
  );
  await rds.send(
    (sdk) =>
      new sdk.CreateDBParameterGroupCommand({
        DBParameterGroupName: 'payments-pg13',
        DBParameterGroupFamily: 'postgres13',
        Description: 'payments',
      }),
  );
  await rds.send(
    (sdk) =>
      new sdk.CreateOptionGroupCommand({
        OptionGroupName: 'payments-options',
        EngineName: 'postgres',
        MajorEngineVersion: '13',
        OptionGroupDescription: 'payments',
      }),
  );
  const key =
    (await aws.kms(REGION).send((sdk) => new sdk.CreateKeyCommand({ Description: 'payments' }))).KeyMetadata
      ?.Arn ?? '';
  await rds.send(
    (sdk) =>
      new sdk.CreateDBInstanceCommand({
        DBInstanceIdentifier: DB,
        Engine: 'postgres',
        EngineVersion: '13.4',
        DBInstanceClass: 'db.m6g.large',
        AllocatedStorage: 100,
        StorageType: 'gp3',
        MasterUsername: 'payments',
        MasterUserPassword: 'not-a-real-password-1',
        DBSubnetGroupName: 'payments-private',
        VpcSecurityGroupIds: [sg],
        DBParameterGroupName: 'payments-pg13',
        OptionGroupName: 'payments-options',
        MultiAZ: true,
        StorageEncrypted: true,
        KmsKeyId: key,
        DeletionProtection: true,
        BackupRetentionPeriod: 7,
        Tags: [
          { Key: 'backup:policy', Value: 'gold' },
          { Key: 'team', Value: 'payments' },
        ],
      }),
  );
  const snap = await rds.send(
    (sdk) =>
      new sdk.CreateDBSnapshotCommand({
        DBInstanceIdentifier: DB,
        DBSnapshotIdentifier: 'awsbackup-job-1a2bcd34-567e-8901-23f4-5a6bcdef7890',
      }),
  );
  const original = (await rds.send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: DB })))
    .DBInstances?.[0];
  if (!original) throw new Error('no original');
  return { sg, key, original, snapshotArn: snap.DBSnapshot?.DBSnapshotArn ?? '' };
}

function io(files: Map<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => {
      files.set(p, t);
      writeFileSync(p, t);
    },
    now: () => NOW,
    env: {},
  };
  return { io: value, out, err };
}

const fast = { pollMinMs: 5, pollMaxMs: 20 };
const dir = mkdtempSync(join(tmpdir(), 'restore-rds-'));

async function describe1(id: string): Promise<DBInstance | undefined> {
  try {
    return (
      await motoAws()
        .rds(REGION)
        .send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    ).DBInstances?.[0];
  } catch (e) {
    if ((e as Error).name === 'DBInstanceNotFoundFault') return undefined;
    throw e;
  }
}

beforeEach(resetMoto);

describe('restore rds --replace against moto', () => {
  it('restores from the snapshot with the original configuration, renames both, verifies, and records each step', async () => {
    const w = await world();
    const files = new Map<string, string>();
    const t = io(files);
    const record = join(dir, 'replace.json');
    const aws = motoAws();
    const code = await restoreCommand(
      t.io,
      {
        db: DB,
        region: [REGION],
        'recovery-point': w.snapshotArn,
        replace: true,
        apply: true,
        record,
      },
      ['rds'],
      {},
      { aws, ...fast },
    );
    expect(t.out.join('') + t.err.join('')).not.toContain('not-a-real-password-1');
    expect(code, t.out.join('')).toBe(0);
    const r = JSON.parse(readFileSync(record, 'utf8')) as RestoreRecord;
    expect(r.status).toBe('done');
    expect(r.steps.map((s) => [s.name, s.call, s.status])).toEqual([
      ['restore', 'rds:RestoreDBInstanceFromDBSnapshot', 'done'],
      ['wait-restored', 'rds:DescribeDBInstances', 'done'],
      ['verify-restored', 'rds:DescribeDBInstances', 'done'],
      ['rename-original', 'rds:ModifyDBInstance', 'done'],
      ['wait-original-renamed', 'rds:DescribeDBInstances', 'done'],
      ['rename-restored', 'rds:ModifyDBInstance', 'done'],
      ['wait-restored-renamed', 'rds:DescribeDBInstances', 'done'],
      ['verify-replaced', 'rds:DescribeDBInstances', 'done'],
    ]);
    for (const s of r.steps) {
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(s.end ?? '') - Date.parse(s.start ?? '')).toBe(s.durationMs);
    }
    expect(r.rtoSeconds).toBeGreaterThanOrEqual(0);
    // what was sent (moto would copy some of these from the snapshot anyway: the input proves we pass them)
    expect(r.steps[0]?.input).toMatchObject({
      DBSnapshotIdentifier: w.snapshotArn,
      DBInstanceClass: 'db.m6g.large',
      DBSubnetGroupName: 'payments-private',
      VpcSecurityGroupIds: [w.sg],
      DBParameterGroupName: 'payments-pg13',
      OptionGroupName: 'payments-options',
      MultiAZ: true,
      StorageType: 'gp3',
      AllocatedStorage: 100,
      DeletionProtection: true,
    });
    expect(JSON.stringify(r)).not.toContain('MasterUserPassword');
    writeFileSync(join(tmpdir(), 'restore-rds-moto-record.json'), JSON.stringify(r, null, 2));

    // The original's identifier is now the restored database, configured as the original was.
    const now = await describe1(DB);
    const before = await describe1(`${DB}-before-restore-20261125-0600`);
    // (moto copies the snapshot's source DbiResourceId onto the restored instance; AWS does not)
    expect(now?.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'backup:policy', Value: 'gold' },
        { Key: 'team', Value: 'payments' },
        { Key: RESTORE_TAG, Value: DB },
        { Key: RUN_TAG, Value: r.runId },
      ]),
    );
    expect(now).toMatchObject({
      DBInstanceStatus: 'available',
      Engine: 'postgres',
      EngineVersion: '13.4',
      DBInstanceClass: 'db.m6g.large',
      AllocatedStorage: 100,
      StorageType: 'gp3',
      MultiAZ: true,
      StorageEncrypted: true,
      KmsKeyId: w.key,
      DeletionProtection: true,
      DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: 'payments-private' }),
      VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: w.sg })],
      DBParameterGroups: [expect.objectContaining({ DBParameterGroupName: 'payments-pg13' })],
      OptionGroupMemberships: [expect.objectContaining({ OptionGroupName: 'payments-options' })],
    });
    // The original is kept, renamed, with its deletion protection.
    expect(before).toMatchObject({ DbiResourceId: w.original.DbiResourceId, DeletionProtection: true });
    expect(before?.TagList?.find((x) => x.Key === RUN_TAG)).toBeUndefined();
    expect(aws.calls.get('RDS.DeleteDBInstance')).toBeUndefined();
    expect(t.out.join('')).toContain('done: measured RTO');
  });

  it('resumes an interrupted restore from its record, checking what was done still holds', async () => {
    const w = await world();
    const files = new Map<string, string>();
    const record = join(dir, 'interrupted.json');
    const first = io(files);
    const values = {
      db: DB,
      region: [REGION],
      'recovery-point': w.snapshotArn,
      replace: true,
      apply: true,
      record,
    };
    expect(
      await restoreCommand(first.io, values, ['rds'], {}, { aws: motoAws(), ...fast, stepBudget: 4 }),
    ).toBe(1);
    const cut = JSON.parse(readFileSync(record, 'utf8')) as RestoreRecord;
    expect(cut.status).toBe('interrupted');
    expect(cut.steps.map((s) => s.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
      'planned',
      'planned',
      'planned',
      'planned',
    ]);
    expect(await describe1(DB)).toBeUndefined(); // renamed away, the restored one not yet in its place

    const second = io(files);
    const aws = motoAws();
    const code = await restoreCommand(
      second.io,
      { resume: record, region: [REGION], apply: true },
      ['rds'],
      {},
      { aws, ...fast },
    );
    expect(code, second.out.join('')).toBe(0);
    const r = JSON.parse(readFileSync(record, 'utf8')) as RestoreRecord;
    expect(r.status).toBe('done');
    expect(r.runId).toBe(cut.runId);
    // the steps done before the interruption keep their times; no second restore or rename
    expect(r.steps.slice(0, 4).map((s) => s.start)).toEqual(cut.steps.slice(0, 4).map((s) => s.start));
    expect(aws.calls.get('RDS.RestoreDBInstanceFromDBSnapshot')).toBeUndefined();
    expect(aws.calls.get('RDS.ModifyDBInstance')).toBe(1);
    expect((await describe1(DB))?.TagList).toContainEqual({ Key: RUN_TAG, Value: r.runId });

    // Resuming a finished restore changes nothing.
    const third = io(files);
    const again = motoAws();
    expect(
      await restoreCommand(third.io, { resume: record, apply: true }, ['rds'], {}, { aws: again, ...fast }),
    ).toBe(0);
    expect(again.calls.get('RDS.ModifyDBInstance')).toBeUndefined();
  });

  it('a resume stops when a completed step no longer holds', async () => {
    const w = await world();
    const files = new Map<string, string>();
    const record = join(dir, 'broken.json');
    const values = {
      db: DB,
      region: [REGION],
      'recovery-point': w.snapshotArn,
      replace: true,
      apply: true,
      record,
    };
    expect(
      await restoreCommand(io(files).io, values, ['rds'], {}, { aws: motoAws(), ...fast, stepBudget: 1 }),
    ).toBe(1);
    const cut = JSON.parse(readFileSync(record, 'utf8')) as RestoreRecord;
    // someone else's change: the record now claims a restore of another run
    cut.runId = '00000000-0000-0000-0000-000000000000';
    writeFileSync(record, JSON.stringify(cut));
    const t = io(files);
    expect(
      await restoreCommand(t.io, { resume: record, apply: true }, ['rds'], {}, { aws: motoAws(), ...fast }),
    ).toBe(1);
    expect(t.out.join('')).toContain('on resume it no longer holds: the restored database');
  });

  it('a dry run prints every call and changes nothing', async () => {
    const w = await world();
    const t = io(new Map());
    const aws = motoAws();
    const code = await restoreCommand(
      t.io,
      { db: DB, region: [REGION], 'recovery-point': w.snapshotArn, replace: true },
      ['rds'],
      {},
      { aws },
    );
    expect(code).toBe(0);
    const out = t.out.join('');
    expect(out).toContain('dry run');
    for (const call of [
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:ModifyDBInstance',
      '"NewDBInstanceIdentifier"',
    ])
      expect(out).toContain(call);
    expect(out).toContain(`"DBSubnetGroupName":"payments-private"`);
    expect([...aws.calls.keys()].filter((k) => !/\.Describe|\.List|\.Get/.test(k))).toEqual([]);
    expect(await describe1(`${DB}-restored-20261125-0600`)).toBeUndefined();
    expect(MOTO_ACCOUNT).toBe('123456789012');
  });
});
