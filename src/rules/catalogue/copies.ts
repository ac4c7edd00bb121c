/** Copies: cross-region / cross-account copies exist in the plan, succeed, and can succeed. */

import { isDefaultOptionGroup, optionGroupArn, parseArn } from '../../inventory/arn.js';
import type { InventoryIndex } from '../../inventory/index.js';
import { backupResourceType, isUsablePoint } from '../../inventory/index.js';
import type { BackupVault, OptionGroup, Resource } from '../../inventory/schema.js';
import { copyDestinations, destinations } from '../../policy/destinations.js';
import type { Policy } from '../../policy/index.js';
import { formatHours } from '../../policy/schedule.js';
import type { Action } from '../../remediation/actions.js';
import { grantFor } from '../policy-doc.js';
import { ageHours } from '../time.js';
import {
  cannotEvaluate,
  compliant,
  defineRule,
  nonCompliant,
  notApplicable,
  notRead,
  type Outcome,
} from '../types.js';
import { copyKeepDays, gapOf, lockRejects, primaryRule, raisedDays } from './plan.js';

export const copyActions = defineRule<'plan'>({
  id: 'copies.configured',
  title: 'Plan copies recovery points to every destination of the policy',
  area: 'copies',
  severity: 'critical',
  subject: 'plan',
  permissions: { collect: ['backup:ListBackupPlans', 'backup:GetBackupPlan'] },
  proposes: ['AddCopyAction', 'RaiseCopyRetention'],
  example:
    'policy copies to account 222222222222/dr-vault, plan has no copy action -> NON_COMPLIANT + AddCopyAction',
  evaluate({ plan, policy, region }, { index, inventory, now }) {
    const dests = destinations(policy, region, inventory.accountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const primary = primaryRule(plan.Rules, now);
    return dests.map((d): Outcome => {
      if (!d.crossRegion && !d.crossAccount) {
        return notApplicable(`copy destination ${d.arn} is the source region and account: nothing to copy`);
      }
      const found = plan.Rules.flatMap((r) => r.CopyActions.map((c) => ({ rule: r, copy: c }))).find(
        (x) => x.copy.DestinationBackupVaultArn === d.arn,
      );
      if (!found) {
        // A copy the destination vault's lock rejects fails every time: not added.
        const rejected = lockRejects(index, policy, d.arn, d.retentionDays);
        const actions: Action[] =
          primary && !rejected
            ? [
                {
                  type: 'AddCopyAction',
                  region,
                  planName: plan.BackupPlanName,
                  ruleName: primary.RuleName,
                  destinationVaultArn: d.arn,
                  deleteAfterDays: d.retentionDays,
                },
              ]
            : [];
        return nonCompliant(
          `no copy action to ${d.arn}${primary && rejected ? `; not added: ${rejected}` : ''}`,
          { expected: `copy to ${d.arn}`, actual: 'none', actions },
        );
      }
      // -1 of the copy's own means kept forever; without a DeleteAfterDays it keeps its rule's.
      const days = copyKeepDays(found.rule, found.copy);
      const inherited =
        found.copy.Lifecycle?.DeleteAfterDays === undefined ? ', inherited from its rule' : '';
      if (days < d.retentionDays) {
        const raised = raisedDays(d.retentionDays, found.copy.Lifecycle);
        const rejected = lockRejects(index, policy, d.arn, raised);
        return nonCompliant(
          `copy to ${d.arn} (rule ${found.rule.RuleName}) keeps ${days} days${inherited}; policy needs ${d.retentionDays}${rejected ? `; not raised: ${rejected}` : ''}`,
          {
            expected: `>= ${d.retentionDays} days`,
            actual: `${days} days`,
            actions: rejected
              ? []
              : [
                  {
                    type: 'RaiseCopyRetention',
                    region,
                    planName: plan.BackupPlanName,
                    ruleName: found.rule.RuleName,
                    destinationVaultArn: d.arn,
                    deleteAfterDays: raised,
                  },
                ],
          },
        );
      }
      return compliant(
        `rule ${found.rule.RuleName} copies to ${d.arn} (keeps ${Number.isFinite(days) ? `${days}d` : 'forever'}${inherited})`,
      );
    });
  },
});

export const rdsSingleHop = defineRule<'resource'>({
  id: 'copies.rds-single-hop',
  title: 'RDS/Aurora copies go cross-region or cross-account, not both',
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'] },
  proposes: [],
  example:
    'RDS policy copying to eu-west-1 and to account 222222222222 -> NON_COMPLIANT: AWS Backup supports one or the other for RDS in a plan',
  evaluate({ resource, policy }, { index, inventory }) {
    // What the policy asks for and what the plan already does both count.
    const wanted = destinations(policy, resource.Region, inventory.accountId);
    const planned = (index.plan(resource.Region, policy.planName)?.Rules ?? []).flatMap((r) =>
      r.CopyActions.map((c) => parseArn(c.DestinationBackupVaultArn)),
    );
    const dests = [
      ...wanted,
      ...planned.map((a) => ({
        arn: `arn:${a?.partition}:backup:${a?.region}:${a?.account}:${a?.resource}`,
        crossRegion: a?.region !== resource.Region,
        crossAccount: a?.account !== resource.AccountId,
      })),
    ];
    if (dests.length === 0) return notApplicable(`policy ${policy.name} and its plan make no copies`);
    const crossRegion = dests.filter((d) => d.crossRegion);
    const crossAccount = dests.filter((d) => d.crossAccount);
    if (crossRegion.length === 0 || crossAccount.length === 0) {
      return compliant(crossAccount.length ? 'copies cross-account only' : 'copies cross-region only');
    }
    return nonCompliant(
      `AWS Backup supports cross-region or cross-account copies of ${backupResourceType(resource)} in one plan, not both, and cannot chain them: policy ${policy.name} and plan ${policy.planName} copy to ${[...new Set([...crossRegion, ...crossAccount].map((d) => d.arn))].join(' and ')}. Split the copies (e.g. cross-account here, cross-region from the DR account)`,
      { expected: 'cross-region or cross-account', actual: 'both' },
    );
  },
});

export const copiesRecent = defineRule<'resource'>({
  id: 'copies.recent',
  title: 'Newest completed copy in each destination is within the RPO',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:ListCopyJobs', 'backup:ListRecoveryPointsByBackupVault'] },
  proposes: [],
  example:
    'copy to eu-west-1 failing for 3 days, rpoHours 48 -> NON_COMPLIANT: newest completed copy 3d old; last copy FAILED: <reason>',
  evaluate({ resource, policy }, { index, inventory, now }) {
    const dests = copyDestinations(policy, resource.Region, resource.AccountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    if (isMultiAzCluster(resource))
      return notApplicable(
        'Multi-AZ DB cluster: its snapshots cannot be copied (see copies.multi-az-cluster)',
      );
    const jobs = index.copyJobsByResource.get(resource.Arn) ?? [];
    const points = index.recoveryPointsByResource.get(resource.Arn) ?? [];
    const plan = index.plan(resource.Region, policy.planName);
    const copied = new Set(plan?.Rules.flatMap((r) => r.CopyActions.map((c) => c.DestinationBackupVaultArn)));
    const rpo = formatHours(policy.rpoHours);
    // A copy keeps its source's data: it is as old as the recovery point it was copied from.
    const ageOf = (p: (typeof points)[number]) => {
      const job = jobs.find((j) => j.DestinationRecoveryPointArn === p.RecoveryPointArn);
      const source = job?.SourceRecoveryPointArn
        ? index.recoveryPoint(job.SourceRecoveryPointArn)
        : undefined;
      return Math.max(ageHours(p.CreationDate, now), source ? ageHours(source.CreationDate, now) : 0);
    };
    return dests.map((d): Outcome => {
      if (!copied.has(d.arn)) return notApplicable(`no copy action to ${d.arn} yet (see copies.configured)`);
      const toDest = jobs.filter((j) => j.DestinationBackupVaultArn === d.arn);
      const last = toDest[0];
      const done = toDest.find((j) => j.State === 'COMPLETED');
      const lastFailure =
        last && last.State !== 'COMPLETED' && last.State !== 'RUNNING' && last.State !== 'CREATED'
          ? `; last copy job ${last.State}${last.StatusMessage ? `: ${last.StatusMessage}` : ''}`
          : '';
      // "Copies landed" means the copy's recovery point is in the destination vault, read there.
      const landed = points.find(
        (p) => p.BackupVaultArn === d.arn && isUsablePoint(p) && ageHours(p.CreationDate, now) >= 0,
      );
      const age = landed ? ageOf(landed) : undefined;
      if (age !== undefined && age <= policy.rpoHours)
        return compliant(`newest copy in ${d.arn} is ${formatHours(age)} old (RPO ${rpo})`);
      const expected = `copy in ${d.arn} younger than ${rpo}`;
      const unread =
        index.scope.unread('backup:ListBackupVaults', d.account, d.region) ??
        (index.vaultsByArn.has(d.arn)
          ? index.scope.unread('backup:ListRecoveryPointsByBackupVault', d.account, d.region, d.arn)
          : undefined);
      if (unread) {
        // The destination is not read; the source side still proves a copy that never completes.
        const jobsRead = !index.scope.unread('backup:ListCopyJobs', resource.AccountId, resource.Region);
        const window = inventory.listedSince
          ? ageHours(inventory.listedSince, now)
          : Number.POSITIVE_INFINITY;
        if (!done && jobsRead && window >= policy.rpoHours)
          return nonCompliant(
            `no copy job to ${d.arn} completed ${Number.isFinite(window) ? `in the last ${formatHours(window)}` : 'in the listed window'}${lastFailure} (the destination itself was not read: ${unread.reason})`,
            { expected, actual: 'no completed copy job' },
          );
        return notRead(
          `whether copies landed in ${d.arn}${done ? ` (copy job ${done.CopyJobId} COMPLETED ${done.CompletionDate ?? done.CreationDate})` : ''}`,
          unread,
        );
      }
      if (!index.vaultsByArn.has(d.arn))
        return nonCompliant(
          `destination vault ${d.arn} does not exist: every copy job to it fails${lastFailure}`,
          {
            expected,
            actual: 'no such vault',
          },
        );
      if (age === undefined) {
        return nonCompliant(
          `no completed copy in ${d.arn}${done ? `; copy job ${done.CopyJobId} says COMPLETED, but its recovery point is not in the destination vault` : ''}${lastFailure}`,
          { expected, actual: 'none' },
        );
      }
      return nonCompliant(
        `newest completed copy in ${d.arn} is ${formatHours(age)} old (RPO ${rpo})${lastFailure}`,
        { expected: `< ${rpo}`, actual: formatHours(age) },
      );
    });
  },
});

export const cmkForCrossAccount = defineRule<'resource'>({
  id: 'copies.rds-cmk',
  title: 'RDS/Aurora copied to another account is encrypted with a customer-managed key',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'kms:DescribeKey'] },
  proposes: [],
  example:
    'db encrypted with aws/rds, policy copies to account 222222222222 -> NON_COMPLIANT: cross-account copies will fail',
  evaluate({ resource, policy }, { index, inventory }) {
    if (resource.Type === 'AWS::S3::Bucket') return notApplicable('not a database');
    const crossAccount = destinations(policy, resource.Region, inventory.accountId).some(
      (d) => d.crossAccount,
    );
    if (!crossAccount) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    if (!resource.StorageEncrypted)
      return compliant('unencrypted: snapshots can be shared (see rds.encryption)');
    const manager = index.keyManager(resource.KmsKeyId);
    if (manager === undefined)
      return cannotEvaluate(`KMS key ${resource.KmsKeyId ?? '(none)'} was not collected`);
    if (manager === 'CUSTOMER') return compliant(`encrypted with customer-managed key ${resource.KmsKeyId}`);
    return nonCompliant(
      'encrypted with the AWS managed key aws/rds: its snapshots cannot be shared, so every cross-account copy fails. Re-encrypt with a customer-managed key (snapshot copy + restore)',
      { expected: 'customer-managed KMS key', actual: 'aws/rds' },
    );
  },
});

/** Multi-AZ DB clusters (RDS, not Aurora): AWS cannot copy their snapshots to another region or account. */
export const multiAzClusterCopies = defineRule<'resource'>({
  id: 'copies.multi-az-cluster',
  title: 'Multi-AZ DB clusters are not asked to copy (their snapshots cannot be copied)',
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBCluster'],
  permissions: { collect: ['rds:DescribeDBClusters'] },
  proposes: [],
  example:
    'Multi-AZ DB cluster (engine postgres), policy copies to eu-west-1 -> NON_COMPLIANT: the copies cannot be made; protect it another way',
  evaluate({ resource, policy }) {
    if (!isMultiAzCluster(resource)) return notApplicable('not a Multi-AZ DB cluster');
    const dests = copyDestinations(policy, resource.Region, resource.AccountId);
    if (dests.length === 0) return compliant(`policy ${policy.name} makes no copies`);
    return nonCompliant(
      `Multi-AZ DB cluster snapshots cannot be copied, so every copy to ${dests.map((d) => d.arn).join(', ')} fails. Use a policy without copies for it, or a Multi-AZ DB instance / Aurora`,
      { expected: 'no copies for a Multi-AZ DB cluster', actual: `${dests.length} copy destination(s)` },
    );
  },
});

/** A DB cluster that is neither Aurora, Neptune nor DocumentDB is a Multi-AZ DB cluster. */
export function isMultiAzCluster(r: Resource): boolean {
  return r.Type === 'AWS::RDS::DBCluster' && backupResourceType(r) === 'RDS';
}

/** Its cross-account destinations, or why the rule does not apply. */
function crossAccount(resource: Resource, policy: Policy) {
  return copyDestinations(policy, resource.Region, resource.AccountId).filter((d) => d.crossAccount);
}

/** "source (111111111111)" — which side a verdict rests on. */
const side = (what: string, account: string) => `${what} (${account})`;

/**
 * A cross-account destination vault, read through the DR role — or the outcome that stands in
 * for it: ERROR where the destination was not read, NOT_APPLICABLE where it is missing (vault.exists
 * and copies.recent report that).
 */
function destinationVault(
  d: ReturnType<typeof crossAccount>[number],
  index: InventoryIndex,
  what: string,
): { vault: BackupVault } | { outcome: Outcome } {
  const unread = index.scope.unread('backup:ListBackupVaults', d.account, d.region);
  if (unread) return { outcome: notRead(what, unread) };
  const vault = index.vaultsByArn.get(d.arn);
  if (!vault)
    return { outcome: notApplicable(`${d.arn} does not exist (vault.exists and copies.recent say so)`) };
  return { vault };
}

export const crossAccountAllowed = defineRule<'resource'>({
  id: 'copies.cross-account-allowed',
  title: 'Cross-account copies are allowed: both accounts in one organization, cross-account backup on',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: [] },
  proposes: [],
  example:
    'copy to 222222222222, which is in another organization -> NON_COMPLIANT: "Both source and destination account must be a member of the same organization"',
  evaluate({ resource, policy }, { inventory, index }) {
    const dests = crossAccount(resource, policy);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    const src = inventory.accounts.find((a) => a.AccountId === resource.AccountId);
    const failed = (account: string, action: string) =>
      inventory.collectionErrors.find((e) => e.Arn === '*' && e.Action === action && e.Account === account);
    const srcOrg = failed(resource.AccountId, 'organizations:DescribeOrganization');
    if (!src || srcOrg)
      return cannotEvaluate(
        `could not evaluate the source side (${resource.AccountId}): organizations:DescribeOrganization ${srcOrg ? `failed with ${srcOrg.Code}` : 'was not read'}`,
      );
    if (src.NotInOrganization)
      return nonCompliant(
        `the source account ${resource.AccountId} is in no AWS Organizations organization: AWS Backup copies only between accounts of one organization`,
        { expected: 'one organization', actual: 'no organization' },
      );
    return dests.map((d): Outcome => {
      const settings = failed(resource.AccountId, 'backup:DescribeGlobalSettings');
      if (src.CrossAccountBackupEnabled === false)
        return nonCompliant(
          `cross-account backup is turned off for the organization (DescribeGlobalSettings in ${resource.AccountId}): every copy to ${d.account} fails; turn it on from the management account${src.ManagementAccountId ? ` ${src.ManagementAccountId}` : ''} (aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true)`,
          { expected: 'isCrossAccountBackupEnabled=true', actual: 'false' },
        );
      const dst = inventory.accounts.find((a) => a.AccountId === d.account);
      const dstFailed = failed(d.account, 'organizations:DescribeOrganization');
      if (!dst || dstFailed) {
        const unread = index.scope.unread('backup:ListBackupVaults', d.account, d.region);
        return unread && !dstFailed
          ? notRead(`whether ${d.account} is in the organization ${src.OrganizationId}`, unread)
          : cannotEvaluate(
              `could not evaluate the destination side (${d.account}): organizations:DescribeOrganization ${dstFailed ? `failed with ${dstFailed.Code}` : 'was not read'} through the DR role`,
            );
      }
      if (dst.NotInOrganization || dst.OrganizationId !== src.OrganizationId)
        return nonCompliant(
          `${d.account} is ${dst.NotInOrganization ? 'in no organization' : `in organization ${dst.OrganizationId}`}, ${resource.AccountId} in ${src.OrganizationId}: "Both source and destination account must be a member of the same organization" — every copy to it fails`,
          { expected: src.OrganizationId ?? 'the same organization', actual: dst.OrganizationId ?? 'none' },
        );
      if (src.CrossAccountBackupEnabled === undefined)
        return cannotEvaluate(
          `both accounts are in ${src.OrganizationId}, but whether cross-account backup is on could not be read on the source side (${resource.AccountId}): backup:DescribeGlobalSettings ${settings ? `failed with ${settings.Code}` : 'was not read'}`,
        );
      return compliant(
        `${side('source', resource.AccountId)} and ${side('destination', d.account)} are both in ${src.OrganizationId}, cross-account backup on`,
      );
    });
  },
});

export const destinationAccepts = defineRule<'resource'>({
  id: 'copies.destination-accepts',
  title: "The destination vault's access policy lets the source account copy into it",
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: [] },
  proposes: [],
  example:
    'dr-vault in 222222222222 has no access policy -> NON_COMPLIANT: it refuses backup:CopyIntoBackupVault from 111111111111',
  evaluate({ resource, policy }, { inventory, index }) {
    const dests = crossAccount(resource, policy);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    const org = inventory.accounts.find((a) => a.AccountId === resource.AccountId)?.OrganizationId;
    return dests.map((d): Outcome => {
      const read = destinationVault(d, index, `whether ${d.arn} accepts copies from ${resource.AccountId}`);
      if ('outcome' in read) return read.outcome;
      const { vault } = read;
      const failed = index.error(d.arn, 'backup:GetBackupVaultAccessPolicy');
      if (failed)
        return cannotEvaluate(
          `could not evaluate the destination side (${d.account}): backup:GetBackupVaultAccessPolicy on ${d.arn} failed with ${failed.Code}`,
        );
      const grant = grantFor(vault.AccessPolicy, ['backup:CopyIntoBackupVault'], resource.AccountId, {
        orgId: org,
        wildcards: false,
      });
      if (grant.kind === 'allowed')
        return compliant(`${d.arn} lets ${resource.AccountId} copy into it (read in ${d.account})`);
      if (grant.kind === 'unknown')
        return cannotEvaluate(`could not evaluate ${d.arn}'s access policy: ${grant.why}`);
      return nonCompliant(
        grant.kind === 'denied'
          ? `${d.arn}'s access policy denies backup:CopyIntoBackupVault to ${resource.AccountId} (${grant.by}): every copy fails`
          : `${d.arn} ${vault.AccessPolicy ? 'has an access policy that does not allow' : 'has no access policy, so it refuses'} backup:CopyIntoBackupVault from ${resource.AccountId}: every copy fails. Allow it for arn:aws:iam::${resource.AccountId}:root${org ? ` (or aws:PrincipalOrgID ${org})` : ''} in ${d.account}`,
        {
          expected: `backup:CopyIntoBackupVault allowed for ${resource.AccountId}`,
          actual: grant.kind === 'denied' ? 'denied' : 'not allowed',
        },
      );
    });
  },
});

/** RDS and Aurora are not fully managed by AWS Backup: their cross-account copies need customer-managed keys on both sides. */
export const destinationKey = defineRule<'resource'>({
  id: 'copies.destination-key',
  title: "A database's cross-account destination vault is encrypted with a customer-managed key",
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: [] },
  proposes: [],
  example: 'dr-vault on aws/backup, RDS copied into it from another account -> NON_COMPLIANT',
  evaluate({ resource, policy }, { index }) {
    const dests = crossAccount(resource, policy);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    return dests.map((d): Outcome => {
      const read = destinationVault(d, index, `which key ${d.arn} is encrypted with`);
      if ('outcome' in read) return read.outcome;
      const { vault } = read;
      const manager = index.keyManager(vault.EncryptionKeyArn);
      if (manager === undefined)
        return cannotEvaluate(
          `could not evaluate the destination side (${d.account}): key ${vault.EncryptionKeyArn ?? '(none)'} was not read through the DR role`,
        );
      if (manager === 'CUSTOMER')
        return compliant(`${d.arn} is encrypted with customer-managed key ${vault.EncryptionKeyArn}`);
      return nonCompliant(
        `${d.arn} is encrypted with the AWS managed key aws/backup: cross-account copies of resources AWS Backup does not fully manage (RDS, Aurora) need a customer-managed key there`,
        { expected: 'customer-managed key', actual: 'aws/backup' },
      );
    });
  },
});

/** The actions the RDS guide's key policy example grants the account a snapshot is shared with. */
const SHARED_KEY_ACTIONS = ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey'];

export const rdsKeyShared = defineRule<'resource'>({
  id: 'copies.rds-key-shared',
  title: "A database's customer-managed key lets each account it is copied to use it",
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: ['kms:GetKeyPolicy'] },
  proposes: [],
  example:
    "db's key policy admits only its own account, policy copies to 222222222222 -> NON_COMPLIANT: the shared snapshot cannot be copied there",
  evaluate({ resource, policy }, { index, inventory }) {
    const dests = crossAccount(resource, policy);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} has no cross-account copy`);
    if (!resource.StorageEncrypted) return notApplicable('unencrypted (rds.encryption says so)');
    const key = index.key(resource.KmsKeyId as string | undefined);
    if (!key)
      return cannotEvaluate(
        `could not evaluate the source side (${resource.AccountId}): key ${resource.KmsKeyId ?? '(none)'} was not read`,
      );
    if (key.KeyManager !== 'CUSTOMER')
      return notApplicable('an AWS managed key cannot be shared (copies.rds-cmk says so)');
    const failed = index.error(key.Arn, 'kms:GetKeyPolicy');
    if (failed)
      return cannotEvaluate(
        `could not evaluate the source side (${resource.AccountId}): kms:GetKeyPolicy on ${key.Arn} failed with ${failed.Code}`,
      );
    if (!key.KeyPolicy)
      return cannotEvaluate(
        `could not evaluate the source side (${resource.AccountId}): the policy of ${key.Arn} was not read`,
      );
    const org = inventory.accounts.find((a) => a.AccountId === resource.AccountId)?.OrganizationId;
    return [...new Set(dests.map((d) => d.account))].map((account): Outcome => {
      const grant = grantFor(key.KeyPolicy, SHARED_KEY_ACTIONS, account, { orgId: org, wildcards: true });
      if (grant.kind === 'allowed')
        return compliant(
          `${key.Arn} lets ${account} use it (${SHARED_KEY_ACTIONS.join(', ')}; read in ${resource.AccountId})`,
        );
      if (grant.kind === 'unknown')
        return cannotEvaluate(`could not evaluate ${key.Arn}'s key policy: ${grant.why}`);
      return nonCompliant(
        `${key.Arn}'s key policy ${grant.kind === 'denied' ? `denies ${account} (${grant.by})` : `does not let ${account} use it`}: AWS Backup shares the snapshot with ${account}, which cannot then copy it. Allow ${SHARED_KEY_ACTIONS.join(', ')} for arn:aws:iam::${account}:root`,
        {
          expected: `${SHARED_KEY_ACTIONS.join(', ')} for ${account}`,
          actual: grant.kind === 'denied' ? 'denied' : 'not allowed',
        },
      );
    });
  },
});

/** Options RDS cannot share a snapshot with (USER_ShareSnapshot.html), Oracle's Timezone and OLS excepted. */
function unshareable(group: OptionGroup): string[] {
  const oracle = (group.EngineName ?? '').startsWith('oracle');
  return group.Options.filter(
    (o) =>
      (o.Persistent || o.Permanent) && !(oracle && (o.OptionName === 'Timezone' || o.OptionName === 'OLS')),
  ).map((o) => o.OptionName);
}

/** The group as read in (account, region), or the ERROR that stands for it, naming the side. */
function readGroup(
  index: InventoryIndex,
  side: string,
  account: string,
  region: string,
  name: string,
): { group: OptionGroup } | { outcome: Outcome } {
  const group = index.optionGroup(account, region, name);
  if (group) return { group };
  const failed = index.error(optionGroupArn(account, region, name), 'rds:DescribeOptionGroups');
  return {
    outcome: cannotEvaluate(
      `could not evaluate the ${side} side (${account}/${region}): rds:DescribeOptionGroups of ${name} ${failed ? `failed with ${failed.Code}` : 'was not read'}`,
    ),
  };
}

export const rdsOptionGroup = defineRule<'resource'>({
  id: 'copies.rds-option-group',
  title: "The option group a database's copies need exists where they land",
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance'],
  permissions: { collect: ['rds:DescribeOptionGroups'] },
  proposes: [],
  example:
    'db on option group ora-tde (TDE is persistent), policy copies to eu-west-1, which has no ora-tde -> NON_COMPLIANT: every copy fails ("The snapshot requires a target option group with the following options: TDE")',
  evaluate({ resource, policy }, { index }) {
    const dests = copyDestinations(policy, resource.Region, resource.AccountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const name = typeof resource.OptionGroupName === 'string' ? resource.OptionGroupName : undefined;
    if (!name) return notApplicable('no option group membership recorded');
    if (isDefaultOptionGroup(name))
      return compliant(`on the default option group ${name}, which every Region has`);
    const source = readGroup(index, 'source', resource.AccountId, resource.Region, name);
    if ('outcome' in source) return source.outcome;
    const { group } = source;
    const sticky = group.Options.filter((o) => o.Persistent || o.Permanent).map((o) => o.OptionName);
    return dests.map((d): Outcome => {
      if (d.crossAccount) {
        const blocking = unshareable(group);
        if (blocking.length)
          return nonCompliant(
            `option group ${name} has persistent or permanent options (${blocking.join(', ')}): RDS cannot share a snapshot with them, so every copy to ${d.account} fails (read in ${resource.AccountId}/${resource.Region})`,
            { expected: 'no persistent or permanent options', actual: blocking.join(', ') },
          );
        return compliant(
          `option group ${name} has no persistent or permanent options: its snapshots can be shared with ${d.account} (read in ${resource.AccountId}/${resource.Region})`,
        );
      }
      const there = readGroup(index, 'destination', d.account, d.region, name);
      if ('outcome' in there) return there.outcome;
      const has = new Set(there.group.Exists ? there.group.Options.map((o) => o.OptionName) : []);
      const missing = group.Options.map((o) => o.OptionName).filter((o) => !has.has(o));
      const missingSticky = sticky.filter((o) => !has.has(o));
      const absent = there.group.Exists
        ? `${d.region}'s ${name} lacks`
        : `${d.region} has no option group ${name}, so it lacks`;
      if (missingSticky.length)
        return nonCompliant(
          `${absent} the persistent or permanent options ${missingSticky.join(', ')}: AWS Backup does not carry option groups with copies, so every copy to ${d.arn} fails ("The snapshot requires a target option group with the following options: ..."). Create ${name} in ${d.region} with the same options`,
          {
            expected: `${name} in ${d.region} with ${sticky.join(', ')}`,
            actual: there.group.Exists ? `lacks ${missingSticky.join(', ')}` : 'none',
          },
        );
      if (missing.length)
        return nonCompliant(
          `${absent} ${missing.join(', ')}: copies to ${d.arn} succeed, but land on the default option group, and a restore there comes up without those options. Create ${name} in ${d.region} with the same options`,
          {
            expected: `${name} in ${d.region} with ${missing.join(', ')}`,
            actual: there.group.Exists ? `lacks ${missing.join(', ')}` : 'none',
          },
        );
      return compliant(
        group.Options.length
          ? `${name} exists in ${d.region} with its options (${group.Options.map((o) => o.OptionName).join(', ')}; read in both Regions)`
          : `${name} has no options: the default option group copies land on restores the same`,
      );
    });
  },
});

export const continuousCopies = defineRule<'resource'>({
  id: 'copies.continuous-as-snapshots',
  title: 'Copies of continuous backups, which are snapshots, still meet the RPO where they land',
  area: 'copies',
  severity: 'medium',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:GetBackupPlan'] },
  proposes: [],
  example:
    'continuous policy, RPO 24h, its copy to eu-west-1 made only by the continuous rule scheduled weekly -> NON_COMPLIANT: no point-in-time recovery there, and copies a week apart',
  evaluate({ resource, policy }, { index, now }) {
    if (!policy.continuous) return notApplicable(`policy ${policy.name} takes no continuous backups`);
    const dests = copyDestinations(policy, resource.Region, resource.AccountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    if (isMultiAzCluster(resource))
      return notApplicable(
        'Multi-AZ DB cluster: its snapshots cannot be copied (see copies.multi-az-cluster)',
      );
    const plan = index.plan(resource.Region, policy.planName);
    if (!plan)
      return notApplicable(
        `plan ${policy.planName} does not exist yet (coverage and copies.configured say so)`,
      );
    const rpo = formatHours(policy.rpoHours);
    return dests.map((d): Outcome => {
      const copying = plan.Rules.filter((r) =>
        r.CopyActions.some((c) => c.DestinationBackupVaultArn === d.arn),
      );
      if (copying.length === 0)
        return notApplicable(`no copy action to ${d.arn} yet (see copies.configured)`);
      const gaps = copying.map((r) => gapOf(r, now));
      const known = gaps.filter((g): g is number => g !== undefined);
      const gap = known.length ? Math.min(...known) : undefined;
      const from = copying
        .map((r) => `${r.RuleName}${r.EnableContinuousBackup ? ' (continuous)' : ''}`)
        .join(', ');
      const noPitr = `copies to ${d.arn} are snapshots: point-in-time recovery stays in ${resource.Region}${d.crossAccount ? `/${resource.AccountId}` : ''}, and a restore from ${d.region}${d.crossAccount ? `/${d.account}` : ''} goes back to a copy`;
      if (gap === undefined)
        return cannotEvaluate(`${noPitr}; how often rule ${from} runs could not be read from its schedule`);
      if (gap > policy.rpoHours)
        return nonCompliant(
          `${noPitr}, and rule ${from} makes one every ${formatHours(gap)}, more than the policy's RPO of ${rpo}. Copy from a rule scheduled at least every ${rpo}`,
          { expected: `a copy at least every ${rpo}`, actual: `every ${formatHours(gap)}` },
        );
      return compliant(`${noPitr}, one every ${formatHours(gap)} (rule ${from}; RPO ${rpo})`);
    });
  },
});

/**
 * What must be true on each side of a cross-account or cross-Region copy, and where each rule
 * reads it (README "Cross-account copies", generated from this list and the rules' titles).
 */
export const COPY_PRECONDITIONS: {
  ruleId: string;
  copies: 'cross-account' | 'cross-Region' | 'both';
  source: string;
  destination: string;
}[] = [
  {
    ruleId: 'copies.cross-account-allowed',
    copies: 'cross-account',
    source: 'organizations:DescribeOrganization; backup:DescribeGlobalSettings (isCrossAccountBackupEnabled)',
    destination: 'organizations:DescribeOrganization, through the DR read role',
  },
  {
    ruleId: 'copies.destination-accepts',
    copies: 'cross-account',
    source: "the source account's organization id (for aws:PrincipalOrgID policies)",
    destination:
      'backup:GetBackupVaultAccessPolicy of the destination vault: Allow backup:CopyIntoBackupVault for the source account or organization, no Deny',
  },
  {
    ruleId: 'copies.destination-key',
    copies: 'cross-account',
    source: '—',
    destination:
      "kms:DescribeKey of the destination vault's key: customer-managed (RDS and Aurora are not fully managed by AWS Backup)",
  },
  {
    ruleId: 'copies.rds-cmk',
    copies: 'cross-account',
    source: "kms:DescribeKey of the database's key: customer-managed (aws/rds snapshots cannot be shared)",
    destination: '—',
  },
  {
    ruleId: 'copies.rds-key-shared',
    copies: 'cross-account',
    source:
      "kms:GetKeyPolicy of the database's key: kms:CreateGrant, kms:Decrypt, kms:DescribeKey allowed for the destination account",
    destination: '—',
  },
  {
    ruleId: 'copies.multi-az-cluster',
    copies: 'both',
    source: 'rds:DescribeDBClusters: a Multi-AZ DB cluster (its snapshots cannot be copied)',
    destination: '—',
  },
  {
    ruleId: 'copies.rds-single-hop',
    copies: 'both',
    source:
      "the policy's copies and the plan's copy actions: RDS and Aurora copy cross-Region or cross-account in one plan, not both",
    destination: '—',
  },
  {
    ruleId: 'vault.exists',
    copies: 'both',
    source: '—',
    destination:
      'backup:ListBackupVaults in the destination Region (and account, through the DR read role): the vault exists',
  },
  {
    ruleId: 'kms.key-usable',
    copies: 'both',
    source: "kms:DescribeKey of the source vault's and the database's keys: enabled",
    destination: "kms:DescribeKey of the destination vault's key: enabled, not pending deletion",
  },
  {
    ruleId: 'copies.rds-option-group',
    copies: 'both',
    source:
      "rds:DescribeOptionGroups of the database's custom option group: no persistent or permanent options when copied to another account (RDS cannot share such snapshots; Oracle Timezone and OLS excepted)",
    destination:
      'rds:DescribeOptionGroups of the same name in the destination Region: it exists with the same options (persistent ones, or every copy fails; the others, or restores there lack them)',
  },
  {
    ruleId: 'copies.continuous-as-snapshots',
    copies: 'both',
    source:
      "backup:GetBackupPlan: the rule copying a continuous policy's backups runs at least every RPO (copies are snapshots: no point-in-time recovery where they land)",
    destination: '—',
  },
  {
    ruleId: 'coverage.backup-role-can',
    copies: 'both',
    source:
      "iam:SimulatePrincipalPolicy of the selection's role: the backup's actions on the resource and its key, and rds:DeleteDBSnapshot / DeleteDBClusterSnapshot of the temporary snapshot a continuous backup's copy goes through",
    destination: '—',
  },
];

export const copyRules = [
  copyActions,
  rdsSingleHop,
  copiesRecent,
  cmkForCrossAccount,
  multiAzClusterCopies,
  crossAccountAllowed,
  destinationAccepts,
  destinationKey,
  rdsKeyShared,
  rdsOptionGroup,
  continuousCopies,
];
