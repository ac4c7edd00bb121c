/**
 * Drift of the vaults the policies name (pure): a policy vault deleted, its lock removed or
 * changed, its access policy deleted or replaced. From "Backup Vault State Change" events and
 * from CloudTrail records of backup.amazonaws.com calls (in their EventBridge envelope or bare).
 * Vaults no policy names give nothing: they are not ours to watch.
 *
 * CloudTrail records carry the REST request's parameters: `backupVaultName` is the URI
 * parameter of DeleteBackupVault, DeleteBackupVaultAccessPolicy, PutBackupVaultAccessPolicy,
 * DeleteBackupVaultLockConfiguration and PutBackupVaultLockConfiguration (AWS Backup API
 * reference). A call that failed (errorCode) changed nothing.
 */
import { vaultArn } from '../inventory/arn.js';
import { own } from '../maps.js';
import { consoleUrl } from './console.js';
import {
  type ClassifyContext,
  type Envelope,
  incidentKey,
  isoTime,
  type Json,
  obj,
  REGION,
  stateOf,
  str,
  text,
  type VaultOwner,
  vaultNameOf,
  vaultOwner,
} from './fields.js';
import type { AlertSeverity, Signal } from './types.js';

type Aspect = 'deleted' | 'lock' | 'lock-config' | 'access-policy';

interface Drift {
  aspect: Aspect;
  severity: AlertSeverity;
  title: string;
  meaning: string;
  nextSteps: string[];
}

const LOCK_MEANING =
  'Without the vault lock, recovery points in this vault can be deleted or shortened before their retention ends (by a compromised administrator or ransomware).';
const ACCESS_MEANING =
  "The vault's access policy decides who may delete its recovery points: this change can remove the protection against deletion.";
const DELETED: Omit<Drift, 'title'> = {
  aspect: 'deleted',
  severity: 'critical',
  meaning:
    'The vault that holds this policy’s recovery points is gone (AWS Backup deletes only empty vaults, so its recovery points were deleted first): backup and copy jobs into it fail until it is re-created.',
  nextSteps: [
    'Find who deleted it and its recovery points (CloudTrail DeleteRecoveryPoint, DeleteBackupVault) and whether the credentials are compromised.',
    'Re-create the vault (`backup-sentinel plan`, then `backup-sentinel fix`) and start on-demand backups of the resources of this policy.',
  ],
};

const lockRemoved = (o: VaultOwner, title = `Backup vault lock removed: ${o.vault}`): Drift => ({
  aspect: 'lock',
  severity: 'critical',
  title,
  meaning: LOCK_MEANING,
  nextSteps: [
    'Find who removed the lock (the principal above) and whether it was intended.',
    'Put the lock back (`backup-sentinel plan`, then `backup-sentinel fix`) with the bounds of the policy.',
  ],
});

/** The calls that change a vault, by CloudTrail eventName (read with own()). */
const CALLS: Readonly<Record<string, (owner: VaultOwner) => Drift>> = {
  DeleteBackupVault: (o) => ({ ...DELETED, title: `Backup vault deleted: ${o.vault}` }),
  DeleteBackupVaultLockConfiguration: (o) => lockRemoved(o),
  PutBackupVaultLockConfiguration: (o) => ({
    aspect: 'lock-config',
    severity: 'high',
    title: `Backup vault lock changed: ${o.vault}`,
    meaning: `The lock's retention bounds changed; the policy wants ${o.policy.vaultLock ? `min ${o.policy.vaultLock.minRetentionDays} days` : 'no lock'}. Looser bounds let recovery points be deleted sooner.`,
    nextSteps: ['Compare the new bounds (above) with the policy, and restore them if they are looser.'],
  }),
  DeleteBackupVaultAccessPolicy: (o) => ({
    aspect: 'access-policy',
    severity: o.policy.deleteProtection ? 'critical' : 'high',
    title: `Backup vault access policy deleted: ${o.vault}`,
    meaning: ACCESS_MEANING,
    nextSteps: [
      'Find who deleted it and put the deny-delete access policy back (`backup-sentinel plan`, then `backup-sentinel fix`).',
    ],
  }),
  PutBackupVaultAccessPolicy: (o) => ({
    aspect: 'access-policy',
    severity: 'high',
    title: `Backup vault access policy changed: ${o.vault}`,
    meaning: ACCESS_MEANING,
    nextSteps: [
      'Review the new access policy: it must still deny deleting recovery points to everyone but the exempt principals.',
    ],
  }),
};

interface Place {
  account: string;
  region: string;
  at: string;
  eventType: string;
}

function signal(place: Place, owner: VaultOwner, d: Drift, state: Signal['state'], reason?: string): Signal {
  const arn = vaultArn(place.region, place.account, owner.vault);
  return {
    kind: d.aspect === 'deleted' ? 'vault-deleted' : 'vault-changed',
    state,
    incident:
      d.aspect === 'deleted'
        ? incidentKey('vault-deleted', arn)
        : incidentKey('vault-changed', d.aspect, arn),
    severity: d.severity,
    title: d.title,
    resourceArn: arn,
    resourceType: 'AWS::Backup::BackupVault',
    policy: owner.name,
    reason,
    meaning: d.meaning,
    nextSteps: state === 'failing' ? d.nextSteps : [],
    consoleUrl: consoleUrl(
      place.region,
      d.aspect === 'deleted' ? { page: 'vaults' } : { page: 'vault', name: owner.vault },
    ),
    ...place,
  };
}

/** Backup Vault State Change: DELETED, CREATED again, MODIFIED with isLocked "false"/"true". */
export function vaultStateSignals(env: Envelope, ctx: ClassifyContext): Signal[] {
  const d = env.detail;
  const names = [str(d.backupVaultName), vaultNameOf(env.resources[0])];
  const owner = vaultOwner(ctx.policies, names, env.account);
  const state = stateOf(d);
  if (!owner || !state) return [];
  const place = { account: env.account, region: env.region, at: env.at, eventType: env.type };
  const deleted = { ...DELETED, title: `Backup vault deleted: ${owner.vault}` };
  if (state === 'DELETED') return [signal(place, owner, deleted, 'failing')];
  if (state === 'CREATED')
    return [
      signal(place, owner, { ...deleted, title: `Backup vault re-created: ${owner.vault}` }, 'recovered'),
    ];
  if (state !== 'MODIFIED' || !owner.policy.vaultLock) return [];
  // isLocked is the string "true" or "false" in the published sample; a boolean is read too.
  const locked = d.isLocked === true || d.isLocked === 'true';
  if (!locked && d.isLocked !== false && d.isLocked !== 'false') return [];
  if (locked)
    return [
      signal(place, owner, lockRemoved(owner, `Backup vault locked again: ${owner.vault}`), 'recovered'),
    ];
  return [signal(place, owner, lockRemoved(owner, `Backup vault not locked: ${owner.vault}`), 'failing')];
}

/** A CloudTrail record of a backup.amazonaws.com call that changes a policy vault. */
export function apiCallSignals(e: Json, ctx: ClassifyContext): Signal[] {
  const inEnvelope = e['detail-type'] === 'AWS API Call via CloudTrail';
  const r = inEnvelope ? obj(e.detail) : e;
  const name = str(r.eventName, 128);
  const drift = name ? own(CALLS, name) : undefined;
  if (r.eventSource !== 'backup.amazonaws.com' || !name || !drift) return [];
  if (r.errorCode !== undefined && r.errorCode !== null) return [];
  const identity = obj(r.userIdentity);
  const issuer = str(obj(obj(identity.sessionContext).sessionIssuer).arn);
  if (issuer && ctx.ownRoleArns?.includes(issuer)) return [];
  const region = str(r.awsRegion, 64) ?? (inEnvelope ? str(e.region, 64) : undefined);
  const account =
    str(r.recipientAccountId, 64) ??
    (inEnvelope ? str(e.account, 64) : undefined) ??
    str(identity.accountId, 64);
  const at = isoTime(r.eventTime, inEnvelope ? e.time : undefined);
  const params = obj(r.requestParameters);
  if (!region || !REGION.test(region) || !account || !at) return [];
  const owner = vaultOwner(ctx.policies, [str(params.backupVaultName)], account);
  if (!owner) return [];
  const who = str(identity.arn) ?? issuer ?? str(identity.principalId) ?? 'an unknown principal';
  const bounds = ['minRetentionDays', 'maxRetentionDays', 'changeableForDays']
    .filter((k) => typeof params[k] === 'number')
    .map((k) => `${k}=${params[k]}`);
  const reason = text(`${name} by ${who}${bounds.length ? ` (${bounds.join(', ')})` : ''}`);
  const place = { account, region, at, eventType: 'AWS API Call via CloudTrail' };
  return [signal(place, owner, drift(owner), 'failing', reason)];
}
