/**
 * Vaults: created with the owner tag, their notifications and access policy merged (never
 * replaced), and locked only within bounds that reject no copy already flowing in.
 */
import type { BackupVaultEvent } from '@aws-sdk/client-backup';
import type { Aws, BackupApi } from '../../aws/clients.js';
import { showDays } from '../../rules/catalogue/plan.js';
import {
  deleteProtection,
  graceChangeableDays,
  incomingCopies,
  lockBounds,
  outsideLock,
  PROTECTED_ACTIONS,
} from '../../rules/catalogue/vault.js';
import type { Action } from '../actions.js';
import {
  absent,
  createOnce,
  creatorRequestId,
  errorName,
  fingerprint,
  guard,
  type Handlers,
  OWNER_TAGS,
  refuse,
  type Step,
} from '../step.js';

export const vaultHandlers = {
  CreateBackupVault: (aws, a) => createVault(aws, a.region, a.vaultName, a.encryptionKeyArn),
  PutVaultNotifications: (aws, a) => putNotifications(aws, a.region, a.vaultName, a.events, a.snsTopicArn),
  AddVaultDeleteProtection: (aws, a) =>
    addDeleteProtection(aws, a.region, a.vaultName, a.exemptPrincipalArns),
  PutVaultLock: putLock,
} satisfies Partial<Handlers>;

/**
 * The statement backup-sentinel merges into vault access policies: what AWS's managed Config rule
 * backup-recovery-point-manual-deletion-disabled asks for (Deny to "*" on "*" of the three actions).
 */
export const DENY_DELETE_STATEMENT = {
  Sid: 'BackupSentinelDenyRecoveryPointChanges',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: [...PROTECTED_ACTIONS],
  Resource: '*',
};

/** The statement, exempting the policy's break-glass principals when it names some. */
function denyStatement(exempt: string[] = []): Record<string, unknown> {
  return exempt.length
    ? { ...DENY_DELETE_STATEMENT, Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt } } }
    : DENY_DELETE_STATEMENT;
}

/**
 * AWS Backup answers DescribeBackupVault on a vault that does not exist with AccessDenied (403),
 * even when the caller may describe vaults: confirm by listing before calling it absent.
 */
async function vaultExists(aws: Aws, region: string, name: string) {
  const b = aws.backup(region);
  try {
    return await b.send((sdk) => new sdk.DescribeBackupVaultCommand({ BackupVaultName: name }));
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    if (errorName(e) !== 'AccessDeniedException') throw e;
    let listed = false;
    try {
      for await (const page of b.pages((sdk, client) => sdk.paginateListBackupVaults({ client }, {}))) {
        listed ||= page.BackupVaultList?.some((v) => v.BackupVaultName === name) ?? false;
      }
    } catch {
      throw e; // cannot tell: report the original denial
    }
    if (listed) throw e;
    return undefined;
  }
}

async function createVault(aws: Aws, region: string, name: string, key: string | undefined): Promise<Step> {
  const existing = await vaultExists(aws, region, name);
  if (existing)
    return { before: { exists: true, EncryptionKeyArn: existing.EncryptionKeyArn }, after: { exists: true } };
  return {
    before: { exists: false },
    after: { exists: true, EncryptionKeyArn: key ?? 'aws/backup' },
    write: () =>
      createOnce(
        () =>
          aws.backup(region).send(
            (sdk) =>
              new sdk.CreateBackupVaultCommand({
                BackupVaultName: name,
                ...(key ? { EncryptionKeyArn: key } : {}),
                BackupVaultTags: OWNER_TAGS,
                CreatorRequestId: creatorRequestId('vault', region, name),
              }),
          ),
        () => vaultExists(aws, region, name),
      ),
  };
}

async function putNotifications(
  aws: Aws,
  region: string,
  vault: string,
  events: string[],
  topic: string | undefined,
): Promise<Step> {
  const b = aws.backup(region);
  const read = async (): Promise<Notifications | undefined> => {
    const got = await b
      .send((sdk) => new sdk.GetBackupVaultNotificationsCommand({ BackupVaultName: vault }))
      .catch(absent);
    return got && { SNSTopicArn: got.SNSTopicArn, BackupVaultEvents: got.BackupVaultEvents ?? [] };
  };
  const got = await read();
  const have = got?.BackupVaultEvents ?? [];
  const sns = got?.SNSTopicArn ?? topic;
  if (!sns) throw new Error('no SNS topic to send vault events to');
  const merged = [...new Set([...have, ...events])];
  const before = { SNSTopicArn: got?.SNSTopicArn, BackupVaultEvents: have };
  if (got?.SNSTopicArn && merged.length === have.length) return { before, after: before };
  const after = { SNSTopicArn: sns, BackupVaultEvents: merged };
  return {
    before,
    after,
    write: () =>
      b.send(
        (sdk) =>
          new sdk.PutBackupVaultNotificationsCommand({
            BackupVaultName: vault,
            SNSTopicArn: sns,
            BackupVaultEvents: merged as BackupVaultEvent[],
          }),
      ),
    guard: guard(read, got, after, notificationParts),
  };
}

interface Notifications {
  SNSTopicArn?: string;
  BackupVaultEvents: string[];
}

const notificationParts = (n: Notifications | undefined) =>
  n ? [`topic ${n.SNSTopicArn}`, ...n.BackupVaultEvents.map((e) => `event ${e}`)] : [];

async function addDeleteProtection(
  aws: Aws,
  region: string,
  vault: string,
  exempt: string[] | undefined,
): Promise<Step> {
  const b = aws.backup(region);
  const read = async () =>
    (
      await b
        .send((sdk) => new sdk.GetBackupVaultAccessPolicyCommand({ BackupVaultName: vault }))
        .catch(absent)
    )?.Policy;
  const text = await read();
  const doc = text
    ? (JSON.parse(text) as { Version?: string; Statement?: unknown })
    : { Version: '2012-10-17', Statement: [] };
  const statements = statementsOf(doc);
  // Judged as the rule judges it: the policy's exemptions (none named: any principal named by ARN).
  const judged = deleteProtection({ Statement: statements }, exempt);
  if (judged.protectedBy) return { before: doc, after: doc };
  if (judged.holdouts.length)
    return refuse(
      doc,
      `a deny for everyone would lock out principals the vault policy exempts (${judged.holdouts.join('; ')})`,
    );
  // Every statement is kept as read; ours is appended under a Sid no other statement uses.
  const sids = new Set(statements.map((s) => (s as { Sid?: unknown }).Sid));
  let sid = DENY_DELETE_STATEMENT.Sid;
  for (let n = 2; sids.has(sid); n++) sid = `${DENY_DELETE_STATEMENT.Sid}${n}`;
  const after = {
    ...doc,
    Version: doc.Version ?? '2012-10-17',
    Statement: [...statements, { ...denyStatement(exempt), Sid: sid }],
  };
  return {
    before: doc,
    after,
    write: () =>
      b.send(
        (sdk) =>
          new sdk.PutBackupVaultAccessPolicyCommand({
            BackupVaultName: vault,
            Policy: JSON.stringify(after),
          }),
      ),
    guard: guard(read, text, JSON.stringify(after), policyParts),
  };
}

function statementsOf(doc: { Statement?: unknown }): unknown[] {
  return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
}

/** A policy's statements, by Sid (by content when they have none). */
const policyParts = (text: string | undefined) =>
  text
    ? statementsOf(JSON.parse(text)).map((s) => {
        const sid = (s as { Sid?: unknown }).Sid;
        return `statement ${typeof sid === 'string' ? sid : fingerprint(s)}`;
      })
    : [];

async function putLock(aws: Aws, a: Extract<Action, { type: 'PutVaultLock' }>): Promise<Step> {
  const v = await aws
    .backup(a.region)
    .send((sdk) => new sdk.DescribeBackupVaultCommand({ BackupVaultName: a.vaultName }));
  const before = {
    Locked: v.Locked ?? false,
    MinRetentionDays: v.MinRetentionDays,
    MaxRetentionDays: v.MaxRetentionDays,
    LockDate: v.LockDate,
  };
  const satisfied =
    v.Locked &&
    (v.MinRetentionDays ?? 0) >= a.minRetentionDays &&
    (a.maxRetentionDays === undefined ||
      (v.MaxRetentionDays !== undefined && v.MaxRetentionDays <= a.maxRetentionDays)) &&
    (a.changeableForDays === undefined || v.LockDate !== undefined);
  if (satisfied) return { before, after: before };
  const now = Date.now();
  const lockDate = v.LockDate?.getTime();
  if (lockDate !== undefined && lockDate <= now)
    return refuse(before, 'the compliance-mode lock is in force and cannot be changed');
  // A compliance-mode lock in its grace period: only a call that keeps compliance mode (with
  // ChangeableForDays) and the same or stricter bounds; anything else would make it removable.
  const inGrace = Boolean(v.Locked) && lockDate !== undefined;
  if (inGrace && a.changeableForDays === undefined)
    return refuse(
      before,
      `vault ${a.vaultName} has a compliance-mode lock in its grace period (until ${v.LockDate?.toISOString()}): a lock without ChangeableForDays would turn it into a removable governance lock`,
    );
  // Bounds only tighten: the minimum never drops, the maximum never rises (the vault's own
  // maximum is kept when the policy sets none; the Put would otherwise remove it).
  const { min, max } = lockBounds(a.minRetentionDays, a.maxRetentionDays, v);
  if (max !== undefined && max < min)
    return refuse(before, `maximum retention ${max}d would be below the minimum ${min}d`);
  // Copies from other accounts or regions (this account may be someone's DR account) come from
  // plans we cannot see: the newest point of each source tells what its next copy keeps.
  const rejected = incomingCopies(await recentPoints(aws.backup(a.region), a.vaultName)).filter(
    outsideLock(min, max),
  );
  if (rejected.length)
    return refuse(
      before,
      `a lock with minimum ${min}d${max === undefined ? '' : `, maximum ${max}d`} would reject the copies into vault ${a.vaultName} from ${rejected.map((c) => `${c.source} (kept ${showDays(c.days)})`).join(', ')}: their copy jobs would fail`,
    );
  const changeable = inGrace ? graceChangeableDays(lockDate ?? now, now) : a.changeableForDays;
  const input = {
    BackupVaultName: a.vaultName,
    MinRetentionDays: min,
    ...(max !== undefined ? { MaxRetentionDays: max } : {}),
    ...(changeable !== undefined ? { ChangeableForDays: changeable } : {}),
  };
  return {
    before,
    after: input,
    write: () => aws.backup(a.region).send((sdk) => new sdk.PutBackupVaultLockConfigurationCommand(input)),
  };
}

/** How far back the executor looks for copies into a vault before locking it. */
const INCOMING_DAYS = 35;

async function recentPoints(b: BackupApi, vault: string) {
  const since = new Date(Date.now() - INCOMING_DAYS * 86_400_000);
  const points = [];
  for await (const page of b.pages((sdk, client) =>
    sdk.paginateListRecoveryPointsByBackupVault(
      { client },
      { BackupVaultName: vault, ByCreatedAfter: since },
    ),
  ))
    points.push(...(page.RecoveryPoints ?? []));
  return points;
}
