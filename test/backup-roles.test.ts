/**
 * resources/backup-roles.yml, the least-privilege AWS Backup service roles deployed in each source
 * account: cfn-lint finds no error in it, every role is assumable by AWS Backup only, grants no
 * wildcard action, grants what the source design requires of it (CAPABILITIES), deletes nothing
 * but restore-test resources, copies only into the named vaults, and is created only when the
 * parameters it needs are given.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cfnLint, covers, ensureVenv, list, loadTemplate, type Statement } from './support/cfn.js';

const FILE = 'resources/backup-roles.yml';
type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
type Template = {
  Parameters: Record<string, { Type: string; Default?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Condition?: string; Value: unknown }>;
};
const { text, template, resource } = loadTemplate<Template>(FILE);

/** Each role's logical id and the <kind> of its name backup-sentinel-backup-<kind>-<region>. */
const ROLES = {
  S3RegularRole: 's3-regular',
  S3CopyRole: 's3-copy',
  S3RestoreRole: 's3-restore',
  RdsRegularRole: 'rds-regular',
  RdsCopyRegionRole: 'rds-copy-region',
  RdsCopyAccountRole: 'rds-copy-account',
  RestoreTestingRole: 'restore-testing',
} as const;
type Role = keyof typeof ROLES;
const roleIds = Object.keys(ROLES) as Role[];

const coversAction = (pattern: string, action: string) => covers(pattern, action, 'i');

/** Both branches of an Fn::If (the statement or resource that exists under either), NoValue dropped. */
function branches(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap(branches);
  if (v && typeof v === 'object' && 'Fn::If' in v) {
    const [, yes, no] = (v as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
    return [...branches(yes), ...branches(no)];
  }
  if (v && typeof v === 'object' && 'Ref' in v && (v as { Ref: string }).Ref === 'AWS::NoValue') return [];
  return [v];
}
/** A resource as the ARN template it names: Fn::Sub's string, a parameter's Ref as "${Name}". */
function resourceStrings(v: unknown): string[] {
  return branches(v).flatMap((r) => {
    if (typeof r === 'string') return [r];
    if (r && typeof r === 'object' && 'Fn::Sub' in r) return [(r as { 'Fn::Sub': string })['Fn::Sub']];
    if (r && typeof r === 'object' && 'Ref' in r) return [`\${${(r as { Ref: string }).Ref}}`];
    // Fn::Split of the object ARNs built from BucketArnPatterns (evaluated in its own test).
    if (r && typeof r === 'object' && 'Fn::Split' in r) return [`\${BucketArnPatterns}/*`];
    throw new Error(`unexpected resource ${JSON.stringify(r)}`);
  });
}
/** The identity-policy statements of one role (its inline Policies), under any parameter values. */
function roleStatements(role: Role): Statement[] {
  const policies = resource(role).Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  return policies.flatMap((p) => branches(p.PolicyDocument.Statement) as Statement[]);
}
const trustOf = (role: Role) =>
  (resource(role).Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
const grantsOn = (role: Role, action: string, arn: string) =>
  roleStatements(role).filter(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => coversAction(a, action)) &&
      resourceStrings(s.Resource).some((r) => covers(r, arn)),
  );

// The ARNs the capabilities name, as the template spells them.
const HERE = `\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}`;
const arn = {
  sourceVault: `arn:\${AWS::Partition}:backup:\${AWS::Region}:\${AWS::AccountId}:backup-vault:\${SourceVaultName}`,
  regionVault: `arn:\${AWS::Partition}:backup:\${CopyRegion}:\${AWS::AccountId}:backup-vault:\${CopyRegionVaultName}`,
  accountVault: `arn:\${AWS::Partition}:backup:\${AWS::Region}:\${DestinationAccountId}:backup-vault:\${DestinationVaultName}`,
  recoveryPoint: `arn:\${AWS::Partition}:backup:\${AWS::Region}:\${AWS::AccountId}:recovery-point:ABCD-1234`,
  managedRule: `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/AwsBackupManagedRule-s3-1`,
  bucket: `arn:\${AWS::Partition}:s3:::*`,
  object: `arn:\${AWS::Partition}:s3:::*/*`,
  namedBuckets: `\${BucketArnPatterns}`,
  namedObjects: `\${BucketArnPatterns}/*`,
  testBucket: `arn:\${AWS::Partition}:s3:::awsbackup-restore-test-abc123`,
  testObject: `arn:\${AWS::Partition}:s3:::awsbackup-restore-test-abc123/data/1.json`,
  db: `arn:${HERE}:db:\${DatabaseNamePattern}`,
  cluster: `arn:${HERE}:cluster:\${DatabaseNamePattern}`,
  snapshot: `arn:${HERE}:snapshot:awsbackup:job-1234`,
  clusterSnapshot: `arn:${HERE}:cluster-snapshot:awsbackup:job-1234`,
  regionSnapshot: `arn:\${AWS::Partition}:rds:\${CopyRegion}:\${AWS::AccountId}:snapshot:awsbackup:job-1234`,
  testDb: `arn:${HERE}:db:awsbackup-restore-test-abc123`,
  testCluster: `arn:${HERE}:cluster:awsbackup-restore-test-abc123`,
  subnetGroup: `arn:${HERE}:subgrp:\${RestoreSubnetGroupName}`,
  vaultKey: `\${SourceVaultKeyArn}`,
  bucketKeys: `\${BucketKeyArns}`,
  databaseKeys: `\${DatabaseKeyArns}`,
  regionKey: `\${CopyRegionKeyArn}`,
  awsBackupKeys: `\${AwsBackupKeyArns}`,
  destinationKey: `\${DestinationKeyArn}`,
};
type Capability = [action: string, on: keyof typeof arn];

// The source design's "Allow access to" lists, per role (../shared/seed: "S3 Backups - Security",
// "RDS Backups - Security", "RDS Backups - Restore testing").
const S3_REGULAR: Capability[] = [
  ['kms:Decrypt', 'bucketKeys'], // S3 KMS key (optional)
  ['kms:DescribeKey', 'bucketKeys'],
  ['kms:Decrypt', 'vaultKey'], // source vault KMS key
  ['kms:GenerateDataKey', 'vaultKey'],
  ['backup:DescribeBackupVault', 'sourceVault'], // source vault (describe, tag)
  ['backup:TagResource', 'recoveryPoint'],
  ['events:PutRule', 'managedRule'], // EventBridge (S3 notifications)
  ['events:PutTargets', 'managedRule'],
  ['s3:ListBucket', 'bucket'], // S3 buckets (list)
  ['s3:ListBucket', 'namedBuckets'],
  ['s3:ListBucketVersions', 'bucket'],
  ['s3:GetBucketNotification', 'bucket'],
  ['s3:PutBucketNotification', 'bucket'],
  ['s3:PutInventoryConfiguration', 'bucket'],
  ['s3:GetObject', 'object'], // S3 objects (get)
  ['s3:GetObjectVersion', 'object'],
  ['s3:GetObject', 'namedObjects'],
];
const COPY_VAULTS: Capability[] = [
  ['backup:CopyIntoBackupVault', 'sourceVault'],
  ['backup:CopyIntoBackupVault', 'regionVault'],
  ['backup:CopyIntoBackupVault', 'accountVault'],
];
const RDS_REGULAR: Capability[] = [
  ['kms:CreateGrant', 'databaseKeys'], // RDS KMS key
  ['kms:DescribeKey', 'databaseKeys'],
  ['kms:Decrypt', 'vaultKey'], // source vault KMS key
  ['kms:CreateGrant', 'vaultKey'],
  ['backup:DescribeBackupVault', 'sourceVault'], // source vault (describe, tag)
  ['backup:TagResource', 'recoveryPoint'],
  ['rds:CreateDBSnapshot', 'db'], // RDS snapshots (create, copy)
  ['rds:CreateDBSnapshot', 'snapshot'],
  ['rds:CreateDBClusterSnapshot', 'cluster'],
  ['rds:CreateDBClusterSnapshot', 'clusterSnapshot'],
  ['rds:CopyDBSnapshot', 'snapshot'],
  ['rds:CopyDBClusterSnapshot', 'clusterSnapshot'],
  ['rds:AddTagsToResource', 'snapshot'], // RDS tags (add, list, describe)
  ['rds:ListTagsForResource', 'db'],
  ['rds:DescribeDBInstances', 'db'],
  ['rds:DescribeDBClusters', 'cluster'],
  ['rds:DescribeDBSnapshots', 'snapshot'],
];
const CAPABILITIES: Record<Role, Capability[]> = {
  S3RegularRole: S3_REGULAR,
  S3CopyRole: [
    ...S3_REGULAR,
    ...COPY_VAULTS,
    ['kms:GenerateDataKey', 'regionKey'], // destination vault KMS key
    ['kms:GenerateDataKey', 'destinationKey'],
    ['backup:CopyFromBackupVault', 'recoveryPoint'], // source snapshots
  ],
  S3RestoreRole: [
    ['kms:Decrypt', 'vaultKey'], // source vault KMS key
    ['s3:CreateBucket', 'testBucket'], // awsbackup-restore-test-*
    ['s3:PutBucketVersioning', 'testBucket'],
    ['s3:PutBucketOwnershipControls', 'testBucket'], // ACLs enabled before restoring
    ['s3:PutObject', 'testObject'],
    ['s3:PutObjectAcl', 'testObject'],
  ],
  RdsRegularRole: RDS_REGULAR,
  RdsCopyRegionRole: [
    ...RDS_REGULAR,
    ['backup:CopyIntoBackupVault', 'sourceVault'],
    ['backup:CopyIntoBackupVault', 'regionVault'],
    ['backup:CopyFromBackupVault', 'snapshot'],
    ['backup:CopyFromBackupVault', 'regionSnapshot'], // regex-generated snapshot ARN format
    ['rds:CopyDBSnapshot', 'regionSnapshot'],
    ['kms:CreateGrant', 'regionKey'], // destination vault KMS key
    ['kms:CreateGrant', 'awsBackupKeys'], // AWS managed backup KMS key (CR)

    // copies of continuous backups go through a temporary snapshot it deletes
    ['rds:DeleteDBSnapshot', 'snapshot'],
    ['rds:DeleteDBClusterSnapshot', 'clusterSnapshot'],
  ],
  RdsCopyAccountRole: [
    ...RDS_REGULAR,
    ['backup:CopyIntoBackupVault', 'sourceVault'],
    ['backup:CopyIntoBackupVault', 'accountVault'],
    ['backup:CopyFromBackupVault', 'snapshot'],
    ['rds:ModifyDBSnapshotAttribute', 'snapshot'], // shares the snapshot with the destination
    ['rds:ModifyDBClusterSnapshotAttribute', 'clusterSnapshot'],
    ['kms:CreateGrant', 'destinationKey'], // destination vault KMS key
    ['kms:GenerateDataKey', 'destinationKey'],
    ['rds:DeleteDBSnapshot', 'snapshot'],
    ['rds:DeleteDBClusterSnapshot', 'clusterSnapshot'],
  ],
  RestoreTestingRole: [
    ['kms:Decrypt', 'vaultKey'], // source vault KMS key
    ['kms:CreateGrant', 'vaultKey'],
    ['rds:RestoreDBInstanceFromDBSnapshot', 'snapshot'], // source vault snapshots
    ['rds:RestoreDBInstanceFromDBSnapshot', 'testDb'], // awsbackup-restore-test-*
    ['rds:RestoreDBInstanceFromDBSnapshot', 'subnetGroup'], // dbSubnetGroupName override
    ['rds:RestoreDBClusterFromSnapshot', 'clusterSnapshot'],
    ['rds:RestoreDBClusterFromSnapshot', 'testCluster'],
    ['rds:CreateDBInstance', 'testDb'],
    ['rds:CreateDBInstance', 'subnetGroup'],
    ['rds:DescribeDBSubnetGroups', 'subnetGroup'],
    ['rds:DeleteDBInstance', 'testDb'], // restore testing removes what it restored
  ],
};

/**
 * Every Delete* a role may grant: restore-test resources, and AWS Backup's own EventBridge rules of
 * continuous S3 backups (the managed S3 backup policy's events:DeleteRule, kept on those rules).
 */
const DELETES: Record<string, { roles: Role[]; on: string[] }> = {
  'rds:DeleteDBInstance': { roles: ['RestoreTestingRole'], on: [`arn:${HERE}:db:awsbackup-restore-test*`] },
  'rds:DeleteDBCluster': {
    roles: ['RestoreTestingRole'],
    on: [`arn:${HERE}:cluster:awsbackup-restore-test*`],
  },
  // The temporary snapshot of a continuous backup's copy (point-in-time-recovery-copying.html).
  'rds:DeleteDBSnapshot': {
    roles: ['RdsCopyRegionRole', 'RdsCopyAccountRole'],
    on: [`arn:${HERE}:snapshot:awsbackup:*`, `arn:${HERE}:cluster-snapshot:awsbackup:*`],
  },
  'rds:DeleteDBClusterSnapshot': {
    roles: ['RdsCopyRegionRole', 'RdsCopyAccountRole'],
    on: [`arn:${HERE}:snapshot:awsbackup:*`, `arn:${HERE}:cluster-snapshot:awsbackup:*`],
  },
  's3:DeleteObject': {
    roles: ['S3RestoreRole'],
    on: [`arn:\${AWS::Partition}:s3:::awsbackup-restore-test-*/*`],
  },
  'events:DeleteRule': {
    roles: ['S3RegularRole', 'S3CopyRole'],
    on: [`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/AwsBackupManagedRule*`],
  },
};

/** CloudFormation's value of a condition under the given parameter values (defaults otherwise). */
function evaluate(v: unknown, params: Record<string, string>): unknown {
  const param = (name: string) => params[name] ?? template.Parameters[name]?.Default ?? '';
  if (typeof v === 'string') return v;
  const [op, arg] = Object.entries(v as Record<string, unknown>)[0] as [string, unknown];
  const args = arg as unknown[];
  switch (op) {
    case 'Ref':
      return template.Parameters[arg as string]?.Type === 'CommaDelimitedList'
        ? param(arg as string).split(',')
        : param(arg as string);
    case 'Condition':
      return evaluate(template.Conditions[arg as string], params);
    case 'Fn::Join':
      return (evaluate(args[1], params) as string[]).join(args[0] as string);
    case 'Fn::Equals':
      return evaluate(args[0], params) === evaluate(args[1], params);
    case 'Fn::Not':
      return !evaluate(args[0], params);
    case 'Fn::And':
      return args.every((a) => evaluate(a, params));
    case 'Fn::Or':
      return args.some((a) => evaluate(a, params));
    default:
      throw new Error(`cannot evaluate ${op}`);
  }
}
const created = (params: Record<string, string>) =>
  roleIds.filter((id) => {
    const condition = resource(id).Condition;
    return !condition || evaluate(template.Conditions[condition], params) === true;
  });

describe(FILE, () => {
  beforeAll(ensureVenv, 600_000);

  it('is a template cfn-lint finds no error in', () => {
    // Act
    const lint = cfnLint(FILE);
    // Assess
    expect(lint.ok, lint.output).toBe(true);
  });

  it('parses as plain YAML (long-form intrinsics only), says how to deploy it and cites its sources', () => {
    expect(text).not.toMatch(/!(Sub|Ref|GetAtt|If|Equals|Not|Join|Split|Select|And|Or|Condition)\b/);
    expect(text).toContain('--capabilities CAPABILITY_NAMED_IAM');
    expect(text).toContain('--template-file resources/backup-roles.yml');
    for (const policy of [
      'AWSBackupServiceRolePolicyForBackup',
      'AWSBackupServiceRolePolicyForRestores',
      'AWSBackupServiceRolePolicyForS3Backup',
      'AWSBackupServiceRolePolicyForS3Restore',
    ])
      expect(text).toContain(policy);
    expect(text).toContain('restore-testing-inferred-metadata');
    // Partition-independent: no ARN spells the partition out.
    expect(JSON.stringify(template.Resources)).not.toContain('arn:aws:');
  });

  it('names each role backup-sentinel-backup-<kind>-<region> and outputs each ARN', () => {
    expect(Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').length).toBe(
      roleIds.length,
    );
    for (const [id, kind] of Object.entries(ROLES)) {
      expect(resource(id).Properties.RoleName).toEqual({
        'Fn::Sub': `backup-sentinel-backup-${kind}-\${AWS::Region}`,
      });
      const output = template.Outputs[`${id}Arn`];
      expect(output?.Value, id).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
      expect(output?.Condition, id).toBe(resource(id).Condition);
    }
  });

  it('lets only AWS Backup (and restore testing, for the restore-testing role) assume each role', () => {
    for (const role of roleIds) {
      const services =
        role === 'RestoreTestingRole'
          ? ['backup.amazonaws.com', 'restore-testing.backup.amazonaws.com']
          : ['backup.amazonaws.com'];
      for (const s of trustOf(role)) {
        expect(s.Effect, role).toBe('Allow');
        expect(s.Action, role).toBe('sts:AssumeRole');
        expect(Object.keys(s.Principal as object), role).toEqual(['Service']);
        expect(s.Condition, role).toBeUndefined();
      }
      const trusted = trustOf(role).flatMap((s) =>
        list((s.Principal as { Service: string | string[] }).Service),
      );
      expect(trusted.sort(), role).toEqual(services);
    }
  });

  it('grants no wildcard action, and "*" only to actions that have no resource type', () => {
    const unscoped = new Set([
      'cloudwatch:GetMetricData',
      'events:ListRules',
      's3:ListAllMyBuckets',
      'ec2:DescribeAccountAttributes',
      'ec2:DescribeAddresses',
      'ec2:DescribeAvailabilityZones',
      'ec2:DescribeInternetGateways',
      'ec2:DescribeRouteTables',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
    ]);
    for (const role of roleIds)
      for (const s of roleStatements(role)) {
        expect(s.Effect, `${role} ${s.Sid}`).toBe('Allow');
        for (const action of list(s.Action)) {
          expect(action, `${role} ${s.Sid}`).not.toBe('*');
          expect(action, `${role} ${s.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        }
        if (resourceStrings(s.Resource).includes('*'))
          for (const action of list(s.Action))
            expect(unscoped.has(action), `${role} ${s.Sid} ${action}`).toBe(true);
      }
  });

  it.each(roleIds)('grants %s what the source design requires of it', (role) => {
    for (const [action, on] of CAPABILITIES[role])
      expect(grantsOn(role, action, arn[on]).length, `${role}: ${action} on ${arn[on]}`).toBeGreaterThan(0);
  });

  it('deletes nothing but restore-test resources, AWS Backup managed rules of S3 backups and its temporary copy snapshots', () => {
    for (const role of roleIds)
      for (const s of roleStatements(role))
        for (const action of list(s.Action).filter((a) => /^[a-z0-9-]+:Delete/.test(a))) {
          const allowed = DELETES[action];
          expect(allowed?.roles, `${role} ${s.Sid} grants ${action}`).toContain(role);
          for (const r of resourceStrings(s.Resource))
            expect(allowed?.on, `${role} ${s.Sid} ${action}`).toContain(r);
        }
    // The other snapshot deletes of the managed policies are left to AWS Backup's service-linked
    // role (expired recovery points); the copy roles delete their temporary snapshots only when
    // plans take continuous backups.
    for (const role of roleIds)
      for (const action of ['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot', 's3:DeleteBucket']) {
        const copies = DELETES[action]?.roles.includes(role) ?? false;
        expect(grantsOn(role, action, arn.testBucket), `${role} ${action}`).toEqual([]);
        expect(grantsOn(role, action, arn.snapshot).length > 0, `${role} ${action}`).toBe(copies);
      }
  });

  it('lets the copy roles delete their temporary snapshots only for continuous backups', () => {
    // The statements as CloudFormation creates them under these parameter values.
    const under = (v: unknown, params: Record<string, string>): unknown[] => {
      if (Array.isArray(v)) return v.flatMap((x) => under(x, params));
      if (v && typeof v === 'object' && 'Fn::If' in v) {
        const [cond, yes, no] = (v as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
        return under(evaluate(template.Conditions[cond], params) === true ? yes : no, params);
      }
      if (v && typeof v === 'object' && 'Ref' in v && (v as { Ref: string }).Ref === 'AWS::NoValue')
        return [];
      return [v];
    };
    const snapshotStatements = (role: Role, params: Record<string, string>) =>
      (resource(role).Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[])
        .flatMap((p) => under(p.PolicyDocument.Statement, params) as Statement[])
        .filter((s) => list(s.Action).includes('rds:DeleteDBSnapshot'));
    for (const role of ['RdsCopyRegionRole', 'RdsCopyAccountRole'] as Role[]) {
      expect(snapshotStatements(role, { RdsContinuousBackup: 'true' }).length, role).toBe(1);
      expect(snapshotStatements(role, { RdsContinuousBackup: 'false' }), role).toEqual([]);
    }
  });

  it('lets the copy roles copy into the named vaults only, and the other roles into none', () => {
    const named = [arn.sourceVault, arn.regionVault, arn.accountVault];
    const copyRoles: Role[] = ['S3CopyRole', 'RdsCopyRegionRole', 'RdsCopyAccountRole'];
    for (const role of roleIds) {
      const into = roleStatements(role).filter((s) =>
        list(s.Action).some((a) => coversAction(a, 'backup:CopyIntoBackupVault')),
      );
      if (!copyRoles.includes(role)) {
        expect(into, role).toEqual([]);
        continue;
      }
      expect(into.length, role).toBeGreaterThan(0);
      for (const r of into.flatMap((s) => resourceStrings(s.Resource)))
        expect(named, `${role} ${r}`).toContain(r);
    }
    // The cross-Region role never copies into the other account's vault, nor the reverse.
    expect(grantsOn('RdsCopyRegionRole', 'backup:CopyIntoBackupVault', arn.accountVault)).toEqual([]);
    expect(grantsOn('RdsCopyAccountRole', 'backup:CopyIntoBackupVault', arn.regionVault)).toEqual([]);
  });

  it('creates a grant only for AWS resources, and uses bucket keys only through S3', () => {
    for (const role of roleIds)
      for (const s of roleStatements(role)) {
        if (list(s.Action).includes('kms:CreateGrant'))
          expect(s.Condition, `${role} ${s.Sid}`).toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });
        if (resourceStrings(s.Resource).includes(arn.bucketKeys))
          expect(s.Condition?.StringEquals?.['kms:ViaService'], `${role} ${s.Sid}`).toEqual({
            'Fn::Sub': `s3.\${AWS::Region}.amazonaws.com`,
          });
      }
  });

  it('creates the copy roles only when their destination is given', () => {
    const base = ['S3RegularRole', 'S3RestoreRole', 'RdsRegularRole', 'RestoreTestingRole'];
    const region = { CopyRegion: 'eu-west-1', CopyRegionVaultName: 'dr-vault' };
    const account = {
      DestinationAccountId: '222222222222',
      DestinationVaultName: 'dr-vault',
      DestinationKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect(created({})).toEqual(base);
    expect(created(region)).toEqual([...base, 'S3CopyRole', 'RdsCopyRegionRole'].sort(order));
    expect(created(account)).toEqual([...base, 'S3CopyRole', 'RdsCopyAccountRole'].sort(order));
    // A cross-account copy needs the destination's customer managed key.
    expect(created({ ...account, DestinationKeyArn: '' })).toEqual(base);
    expect(created({ ...region, ...account })).toEqual(roleIds);
  });

  it('scopes the S3 roles to every bucket by default, else to the given bucket ARN patterns', () => {
    // Prepare: the Fn::Split that appends "/*" to each pattern, evaluated as CloudFormation would.
    const read = roleStatements('S3RegularRole').find((s) => s.Sid === 'ReadObjects');
    if (!read) throw new Error('S3RegularRole has no ReadObjects statement');
    const [, , named] = (read.Resource as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
    const split = (named as { 'Fn::Split': [string, { 'Fn::Join': [string, unknown[]] }] })['Fn::Split'];
    const patterns = 'arn:aws:s3:::app-prod-*,arn:aws:s3:::logs';
    const joined = split[1]['Fn::Join'][1]
      .map((p) => (typeof p === 'string' ? p : (evaluate(p, { BucketArnPatterns: patterns }) as string)))
      .join(split[1]['Fn::Join'][0]);
    // Assess
    expect(template.Parameters.BucketArnPatterns?.Default).toBe('*');
    expect(evaluate(template.Conditions.AllBuckets, {})).toBe(true);
    expect(evaluate(template.Conditions.AllBuckets, { BucketArnPatterns: patterns })).toBe(false);
    expect(joined.split(split[0])).toEqual(['arn:aws:s3:::app-prod-*/*', 'arn:aws:s3:::logs/*']);
  });
});

/** Template order of the role logical ids. */
function order(a: string, b: string) {
  return roleIds.indexOf(a as Role) - roleIds.indexOf(b as Role);
}
