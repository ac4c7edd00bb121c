/**
 * Small builders for rule tests: valid AWS-shaped inventory pieces with overridable fields, run
 * through the real inventory schema (so defaults apply exactly as for a file).
 */
import { stringify } from 'yaml';
import { type Inventory, type InventoryInput, inventorySchema } from '../../src/inventory/schema.js';
import { HOME_READS } from '../../src/inventory/scope.js';
import { type PolicySet, parsePolicies } from '../../src/policy/index.js';
import type { PolicyFileInput } from '../../src/policy/schema.js';
import { audit } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/types.js';

export const ACCOUNT = '111111111111';
export const DR_ACCOUNT = '222222222222';
export const REGION = 'eu-central-1';
export const NOW = new Date('2026-11-25T06:00:00Z');

type In<K extends keyof InventoryInput> = NonNullable<InventoryInput[K]> extends (infer T)[] ? T : never;

export const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
export const daysAgo = (d: number) => hoursAgo(d * 24);

export function db(
  id: string,
  over: Partial<Extract<In<'resources'>, { Type: 'AWS::RDS::DBInstance' }>> = {},
): In<'resources'> {
  return {
    Type: 'AWS::RDS::DBInstance',
    Arn: `arn:aws:rds:${over.Region ?? REGION}:${ACCOUNT}:db:${id}`,
    Region: REGION,
    AccountId: ACCOUNT,
    Tags: { 'backup:policy': 'gold' },
    DBInstanceIdentifier: id,
    Engine: 'postgres',
    BackupRetentionPeriod: 7,
    DeletionProtection: true,
    CopyTagsToSnapshot: true,
    StorageEncrypted: true,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/cmk-1`,
    DBSubnetGroupName: 'private-db',
    ...over,
  };
}

export function cluster(
  id: string,
  over: Partial<Extract<In<'resources'>, { Type: 'AWS::RDS::DBCluster' }>> = {},
): In<'resources'> {
  return {
    Type: 'AWS::RDS::DBCluster',
    Arn: `arn:aws:rds:${over.Region ?? REGION}:${ACCOUNT}:cluster:${id}`,
    Region: REGION,
    AccountId: ACCOUNT,
    Tags: { 'backup:policy': 'gold' },
    DBClusterIdentifier: id,
    Engine: 'aurora-postgresql',
    BackupRetentionPeriod: 7,
    DeletionProtection: true,
    CopyTagsToSnapshot: true,
    StorageEncrypted: true,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/cmk-1`,
    DBSubnetGroupName: 'private-db',
    ...over,
  };
}

export function bucket(
  name: string,
  over: Partial<Extract<In<'resources'>, { Type: 'AWS::S3::Bucket' }>> = {},
): In<'resources'> {
  return {
    Type: 'AWS::S3::Bucket',
    Arn: `arn:aws:s3:::${name}`,
    Region: REGION,
    AccountId: ACCOUNT,
    Tags: { 'backup:policy': 'gold' },
    Name: name,
    Versioning: { Status: 'Enabled' },
    LifecycleRules: [],
    ...over,
  };
}

export const vaultArnOf = (name: string, region = REGION, account = ACCOUNT) =>
  `arn:aws:backup:${region}:${account}:backup-vault:${name}`;

export function plan(
  name: string,
  rules: In<'backupPlans'>['Rules'],
  over: Partial<In<'backupPlans'>> = {},
): In<'backupPlans'> {
  const id = `${name}-id`;
  return {
    BackupPlanId: id,
    BackupPlanArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:${id}`,
    BackupPlanName: name,
    Rules: rules,
    ...over,
  };
}

export function planRule(
  over: Partial<In<'backupPlans'>['Rules'][number]> = {},
): In<'backupPlans'>['Rules'][number] {
  return {
    RuleName: 'daily',
    TargetBackupVaultName: 'backup-sentinel-gold',
    ScheduleExpression: 'cron(0 5 ? * * *)',
    Lifecycle: { DeleteAfterDays: 35 },
    CopyActions: [],
    ...over,
  };
}

export function selection(
  planName: string,
  over: Partial<In<'backupSelections'>> = {},
): In<'backupSelections'> {
  return {
    SelectionId: `${planName}-sel`,
    SelectionName: `${planName}-sel`,
    BackupPlanId: `${planName}-id`,
    IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backup`,
    ...over,
  };
}

export function vault(name: string, over: Partial<In<'backupVaults'>> = {}): In<'backupVaults'> {
  return {
    BackupVaultName: name,
    BackupVaultArn: vaultArnOf(name),
    EncryptionKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/cmk-1`,
    ...over,
  };
}

export function key(id: string, over: Partial<In<'kmsKeys'>> = {}): In<'kmsKeys'> {
  return {
    KeyId: id,
    Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`,
    Enabled: true,
    KeyState: 'Enabled',
    KeyManager: 'CUSTOMER',
    ...over,
  };
}

export function inventory(over: Partial<InventoryInput> = {}): Inventory {
  return inventorySchema.parse({
    version: 1,
    capturedAt: NOW.toISOString(),
    accountId: ACCOUNT,
    regions: [REGION],
    ...over,
  });
}

/** Policies from a plain object (as it would be written in YAML). */
export function policies(file: PolicyFileInput = { policies: { gold: {} } }): PolicySet {
  return parsePolicies(stringify(file));
}

/** Findings of one rule for one subject ARN (or all of that rule when arn is omitted). */
export function findings(ruleId: string, inv: Inventory, set: PolicySet, arn?: string, now = NOW): Finding[] {
  return audit(inv, set, { now }).filter(
    (f) => f.ruleId === ruleId && (arn === undefined || f.resourceArn === arn),
  );
}

/** The single finding of a rule for a subject; fails the test if there is not exactly one. */
export function only(ruleId: string, inv: Inventory, set: PolicySet, arn?: string, now = NOW): Finding {
  const list = findings(ruleId, inv, set, arn, now);
  if (list.length !== 1)
    throw new Error(
      `expected 1 ${ruleId} finding${arn ? ` for ${arn}` : ''}, got ${list.length}: ${JSON.stringify(list.map((f) => f.message))}`,
    );
  return list[0] as Finding;
}

type ScopeInput = NonNullable<InventoryInput['scope']>[number];

/**
 * An inventory scope: the home region read in full, plus the given (account, region) pairs,
 * read as copy destinations (their vault list by default).
 */
export function scopeOf(
  ...extra: { account?: string; region?: string; via?: 'destination' | 'dr-role'; reads?: string[] }[]
): ScopeInput[] {
  return [
    { Account: ACCOUNT, Region: REGION, Via: 'home', Reads: [...HOME_READS] },
    ...extra.map((e) => ({
      Account: e.account ?? ACCOUNT,
      Region: e.region ?? REGION,
      Via: e.via ?? (e.account && e.account !== ACCOUNT ? ('dr-role' as const) : ('destination' as const)),
      Reads: e.reads ?? ['backup:ListBackupVaults'],
    })),
  ];
}
