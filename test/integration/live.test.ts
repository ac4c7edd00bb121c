/**
 * Against moto server over HTTP: an account seeded with 200+ tagged S3 buckets and RDS instances
 * with known drift. audit finds exactly that drift; fix --apply heals it; a second audit is clean;
 * a second fix changes nothing. moto has no AWS Backup selections, jobs or recovery points, so
 * the rules that need them report ERROR here, and the backup actions are left to the mocked tests.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditAccount } from '../../src/app/live.js';
import { functionActions, iamActionOf } from '../../src/iam.js';
import { parsePolicies } from '../../src/policy/index.js';
import { executePlan } from '../../src/remediation/execute.js';
import { planRemediation } from '../../src/remediation/planner.js';
import type { Finding } from '../../src/rules/types.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const BUCKETS = 140;
const DATABASES = 70;
const NOW = new Date();
const policies = parsePolicies(
  stringify({
    policies: {
      silver: {
        frequency: '1d',
        retentionDays: 14,
        s3: { noncurrentVersionExpirationDays: 14 },
        rds: { minRetentionDays: 7 },
      },
    },
  }),
);
const LOCAL_TYPES = [
  'EnableBucketVersioning',
  'AddBucketLifecycleRule',
  'ModifyDBInstance',
  'ModifyDBCluster',
];

/** The user's own lifecycle rules, as S3 returns them: they must survive our merge untouched. */
const USER_RULES = [
  { ID: 'expire-tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled' as const, Expiration: { Days: 3 } },
  {
    ID: 'abort-mpu',
    Filter: { Prefix: '' },
    Status: 'Enabled' as const,
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  },
];

interface Seeded {
  unversioned: string[];
  noExpiration: string[];
  shortRetention: string[];
  noDeletionProtection: string[];
  noCopyTags: string[];
  auditOnly: string[];
}

async function seed(): Promise<Seeded> {
  const aws = motoAws();
  const s3 = aws.s3(REGION);
  const rds = aws.rds(REGION);
  const seeded: Seeded = {
    unversioned: [],
    noExpiration: [],
    shortRetention: [],
    noDeletionProtection: [],
    noCopyTags: [],
    auditOnly: [],
  };
  const bucketNames = Array.from(
    { length: BUCKETS },
    (_, i) => `sentinel-bucket-${String(i).padStart(3, '0')}`,
  );
  await Promise.all(
    bucketNames.map(async (name, i) => {
      const auditOnly = i >= BUCKETS - 2;
      await s3.send(
        (sdk) =>
          new sdk.CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: { LocationConstraint: REGION },
          }),
      );
      const tags = [
        { Key: 'backup:policy', Value: 'silver' },
        ...(auditOnly ? [{ Key: 'backup:remediate', Value: 'false' }] : []),
      ];
      await s3.send((sdk) => new sdk.PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: tags } }));
      if (auditOnly) seeded.auditOnly.push(name);
      if (i % 3 === 0 || auditOnly) seeded.unversioned.push(name);
      else
        await s3.send(
          (sdk) =>
            new sdk.PutBucketVersioningCommand({
              Bucket: name,
              VersioningConfiguration: { Status: 'Enabled' },
            }),
        );
      if (i % 4 === 0 || auditOnly) {
        seeded.noExpiration.push(name);
        if (i % 8 === 0)
          await s3.send(
            (sdk) =>
              new sdk.PutBucketLifecycleConfigurationCommand({
                Bucket: name,
                LifecycleConfiguration: { Rules: USER_RULES },
              }),
          );
      } else {
        await s3.send(
          (sdk) =>
            new sdk.PutBucketLifecycleConfigurationCommand({
              Bucket: name,
              LifecycleConfiguration: {
                Rules: [
                  {
                    ID: 'noncurrent',
                    Filter: {},
                    Status: 'Enabled',
                    NoncurrentVersionExpiration: { NoncurrentDays: 30 },
                  },
                ],
              },
            }),
        );
      }
    }),
  );
  for (let i = 0; i < DATABASES; i++) {
    const id = `sentinel-db-${String(i).padStart(3, '0')}`;
    const shortRetention = i % 3 === 0;
    const noDeletionProtection = i % 4 === 0;
    const noCopyTags = i % 5 === 0;
    await rds.send(
      (sdk) =>
        new sdk.CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBInstanceClass: 'db.t3.micro',
          Engine: 'postgres',
          MasterUsername: 'sentinel',
          MasterUserPassword: 'not-a-secret-123',
          AllocatedStorage: 20,
          BackupRetentionPeriod: shortRetention ? 1 : 7,
          DeletionProtection: !noDeletionProtection,
          CopyTagsToSnapshot: !noCopyTags,
          StorageEncrypted: false,
          Tags: [{ Key: 'backup:policy', Value: 'silver' }],
        }),
    );
    if (shortRetention) seeded.shortRetention.push(id);
    if (noDeletionProtection) seeded.noDeletionProtection.push(id);
    if (noCopyTags) seeded.noCopyTags.push(id);
  }
  return seeded;
}

const failing = (findings: Finding[], ruleId: string) =>
  findings
    .filter((f) => f.ruleId === ruleId && f.status === 'NON_COMPLIANT')
    .map((f) => f.resourceArn.split(/:::|:db:/)[1])
    .sort();

describe('a live account (moto server)', () => {
  let seeded: Seeded;

  beforeAll(async () => {
    await resetMoto();
    seeded = await seed();
  });

  it('audits 210 resources and finds exactly the seeded drift', async () => {
    // Prepare
    const aws = motoAws();
    const started = performance.now();
    // Act
    const { inventory, result } = await auditAccount(aws, { regions: [REGION], policies, now: NOW });
    // Assess
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[bench] audited ${inventory.resources.length} resources with ${aws.totalCalls()} AWS calls (${(aws.totalCalls() / inventory.resources.length).toFixed(2)} per resource) in ${seconds.toFixed(2)} s`,
    );
    expect(inventory.accountId).toBe(MOTO_ACCOUNT);
    expect(inventory.resources).toHaveLength(BUCKETS + DATABASES);
    // Bucket regions: one ListBuckets; moto gives no BucketRegion, so each bucket is then located.
    expect(aws.calls.get('S3.ListBuckets')).toBe(1);
    expect(aws.calls.get('S3.GetBucketLocation')).toBe(BUCKETS);
    // Settings: those the rules need under silver (no Object Lock asked; no rule reads replication or ownership).
    expect(aws.calls.get('S3.GetBucketVersioning')).toBe(BUCKETS);
    expect(aws.calls.get('S3.GetBucketLifecycleConfiguration')).toBe(BUCKETS);
    expect(aws.calls.get('S3.GetBucketEncryption')).toBe(BUCKETS);
    expect(aws.calls.get('S3.GetObjectLockConfiguration')).toBeUndefined();
    expect(aws.calls.get('S3.GetBucketReplication')).toBeUndefined();
    expect(aws.calls.get('S3.GetBucketOwnershipControls')).toBeUndefined();
    expect(failing(result.findings, 's3.versioning')).toEqual([...seeded.unversioned].sort());
    expect(failing(result.findings, 's3.noncurrent-expiration')).toEqual([...seeded.noExpiration].sort());
    expect(failing(result.findings, 'rds.backup-retention')).toEqual(seeded.shortRetention);
    expect(failing(result.findings, 'rds.deletion-protection')).toEqual(seeded.noDeletionProtection);
    expect(failing(result.findings, 'rds.copy-tags-to-snapshot')).toEqual(seeded.noCopyTags);
    // What moto cannot answer is reported as ERROR, never as compliant.
    expect(result.findings.some((f) => f.ruleId === 'recency.recovery-point' && f.status === 'ERROR')).toBe(
      true,
    );
  });

  it('heals the S3 and RDS drift, keeps user lifecycle rules as they were, and is idempotent', async () => {
    // Prepare
    const aws = motoAws();
    const s3 = aws.s3(REGION);
    const withUserRules = seeded.noExpiration.find((n) => Number(n.slice(-3)) % 8 === 0) ?? '';
    const rulesBefore = (
      await s3.send((sdk) => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: withUserRules }))
    ).Rules;
    const { result } = await auditAccount(aws, { regions: [REGION], policies, now: NOW });
    const plan = planRemediation(result.findings);
    const local = plan.actions.filter((a) => LOCAL_TYPES.includes(a.action.type));
    const options = {
      apply: true,
      maxChanges: 1000,
      backupRoleArn: 'arn:aws:iam::123456789012:role/backup',
    };
    // Act
    const results = await executePlan(aws, local, options);
    const after = await auditAccount(aws, { regions: [REGION], policies, now: NOW });
    const again = await executePlan(aws, local, options);
    // Assess
    expect(results.filter((r) => r.status !== 'applied')).toEqual([]);
    const healed = [
      's3.versioning',
      's3.noncurrent-expiration',
      'rds.backup-retention',
      'rds.deletion-protection',
      'rds.copy-tags-to-snapshot',
    ];
    for (const rule of healed) {
      const left = failing(after.result.findings, rule);
      expect(left, rule).toEqual(rule.startsWith('s3.') ? [...seeded.auditOnly].sort() : []);
    }
    expect(plan.skipped.filter((s) => s.reason.startsWith('audit-only')).length).toBe(
      2 * seeded.auditOnly.length,
    );
    const rulesAfter = (
      await s3.send((sdk) => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: withUserRules }))
    ).Rules;
    expect(rulesAfter?.slice(0, rulesBefore?.length)).toEqual(rulesBefore);
    expect(rulesAfter?.at(-1)).toMatchObject({
      ID: 'backup-sentinel-noncurrent-expiration',
      NoncurrentVersionExpiration: { NoncurrentDays: 14 },
    });
    expect(again.map((r) => r.status)).toEqual(again.map(() => 'already-done'));
    // Every AWS call this path made is allowed by the sweep function's role, and nothing more is needed.
    const called = [...aws.calls.keys()].map(iamActionOf);
    expect(called.filter((a) => !functionActions('sweep').includes(a))).toEqual([]);
    expect(
      planRemediation(after.result.findings).actions.filter((a) => LOCAL_TYPES.includes(a.action.type)),
    ).toEqual([]);
  });
});

describe('the DR account (STS AssumeRole in moto)', () => {
  it('reads the copy-destination vault with the DR role', async () => {
    // Prepare
    await resetMoto();
    const aws = motoAws();
    const dr = aws.assume('arn:aws:iam::222222222222:role/backup-sentinel-dr-read', REGION);
    await dr.backup(REGION).send((sdk) => new sdk.CreateBackupVaultCommand({ BackupVaultName: 'dr-vault' }));
    const set = parsePolicies(
      stringify({ policies: { gold: { copies: [{ account: '222222222222', vault: 'dr-vault' }] } } }),
    );
    // Act
    const { inventory } = await auditAccount(aws, {
      regions: [REGION],
      policies: set,
      now: NOW,
      drRoleArn: 'arn:aws:iam::{account}:role/backup-sentinel-dr-read',
    });
    // Assess
    expect(inventory.backupVaults.map((v) => v.BackupVaultArn)).toContain(
      'arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault',
    );
    expect(
      inventory.collectionErrors.filter(
        (e) =>
          e.Arn.includes('222222222222:backup-vault:dr-vault') && e.Action === 'backup:DescribeBackupVault',
      ),
    ).toEqual([]);
  });
});
