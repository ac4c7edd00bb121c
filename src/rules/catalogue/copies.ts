/** Copies: cross-region / cross-account copies exist in the plan, succeed, and can succeed. */

import { parseArn } from '../../inventory/arn.js';
import { backupResourceType } from '../../inventory/index.js';
import { formatHours } from '../../policy/schedule.js';
import type { Action } from '../../remediation/actions.js';
import { destinations } from '../destinations.js';
import { ageHours, latest } from '../time.js';
import { cannotEvaluate, compliant, nonCompliant, notApplicable, type Outcome, type Rule } from '../types.js';
import { copyKeepDays, primaryRule } from './plan.js';

export const copyActions: Rule<'plan'> = {
  id: 'copies.configured',
  title: 'Plan copies recovery points to every destination of the policy',
  area: 'copies',
  severity: 'critical',
  subject: 'plan',
  permissions: {
    collect: ['backup:ListBackupPlans', 'backup:GetBackupPlan'],
    remediate: ['backup:UpdateBackupPlan'],
  },
  example:
    'policy copies to account 222222222222/dr-vault, plan has no copy action -> NON_COMPLIANT + AddCopyAction',
  evaluate({ plan, policy, region }, { inventory }) {
    const dests = destinations(policy, region, inventory.accountId);
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const primary = primaryRule(plan.Rules);
    return dests.map((d): Outcome => {
      if (!d.crossRegion && !d.crossAccount) {
        return notApplicable(`copy destination ${d.arn} is the source region and account: nothing to copy`);
      }
      const found = plan.Rules.flatMap((r) => r.CopyActions.map((c) => ({ rule: r, copy: c }))).find(
        (x) => x.copy.DestinationBackupVaultArn === d.arn,
      );
      if (!found) {
        const actions: Action[] = primary
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
        return nonCompliant(`no copy action to ${d.arn}`, {
          expected: `copy to ${d.arn}`,
          actual: 'none',
          actions,
        });
      }
      const days = copyKeepDays(found.rule, found.copy);
      const inherited =
        found.copy.Lifecycle?.DeleteAfterDays === undefined ? ', inherited from its rule' : '';
      if (days < d.retentionDays) {
        return nonCompliant(
          `copy to ${d.arn} (rule ${found.rule.RuleName}) keeps ${days} days${inherited}; policy needs ${d.retentionDays}`,
          {
            expected: `>= ${d.retentionDays} days`,
            actual: `${days} days`,
            actions: [
              {
                type: 'RaiseCopyRetention',
                region,
                planName: plan.BackupPlanName,
                ruleName: found.rule.RuleName,
                destinationVaultArn: d.arn,
                deleteAfterDays: d.retentionDays,
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
};

export const rdsSingleHop: Rule<'resource'> = {
  id: 'copies.rds-single-hop',
  title: 'RDS/Aurora copies go cross-region or cross-account, not both',
  area: 'copies',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], remediate: [] },
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
        arn: `arn:aws:backup:${a?.region}:${a?.account}:${a?.resource}`,
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
};

export const copiesRecent: Rule<'resource'> = {
  id: 'copies.recent',
  title: 'Newest completed copy in each destination is within the RPO',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: ['backup:ListCopyJobs', 'backup:ListRecoveryPointsByBackupVault'], remediate: [] },
  example:
    'copy to eu-west-1 failing for 3 days, rpoHours 48 -> NON_COMPLIANT: newest completed copy 3d old; last copy FAILED: <reason>',
  evaluate({ resource, policy }, { index, inventory, now }) {
    const dests = destinations(policy, resource.Region, inventory.accountId).filter(
      (d) => d.crossRegion || d.crossAccount,
    );
    if (dests.length === 0) return notApplicable(`policy ${policy.name} declares no copies`);
    const jobs = index.copyJobsByResource.get(resource.Arn) ?? [];
    const points = index.recoveryPointsByResource.get(resource.Arn) ?? [];
    const plan = index.plan(resource.Region, policy.planName);
    const copied = new Set(plan?.Rules.flatMap((r) => r.CopyActions.map((c) => c.DestinationBackupVaultArn)));
    return dests.map((d): Outcome => {
      if (!copied.has(d.arn)) return notApplicable(`no copy action to ${d.arn} yet (see copies.configured)`);
      const toDest = jobs.filter((j) => j.DestinationBackupVaultArn === d.arn);
      const lastDone = toDest.find((j) => j.State === 'COMPLETED');
      const landed = points.find((p) => p.BackupVaultArn === d.arn && p.Status === 'COMPLETED');
      // A copy is as old as the recovery point it copies (copies keep their source's creation date).
      const source = lastDone?.SourceRecoveryPointArn
        ? index.recoveryPoint(lastDone.SourceRecoveryPointArn)
        : undefined;
      const newest = latest([source?.CreationDate ?? lastDone?.CreationDate, landed?.CreationDate]);
      const last = toDest[0];
      const lastFailure =
        last && last.State !== 'COMPLETED' && last.State !== 'RUNNING' && last.State !== 'CREATED'
          ? `; last copy job ${last.State}${last.StatusMessage ? `: ${last.StatusMessage}` : ''}`
          : '';
      if (newest === undefined) {
        return nonCompliant(`no completed copy in ${d.arn}${lastFailure}`, {
          expected: `copy younger than ${formatHours(policy.rpoHours)}`,
          actual: 'none',
        });
      }
      const age = ageHours(newest, now);
      if (age <= policy.rpoHours)
        return compliant(
          `newest copy in ${d.arn} is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})`,
        );
      return nonCompliant(
        `newest completed copy in ${d.arn} is ${formatHours(age)} old (RPO ${formatHours(policy.rpoHours)})${lastFailure}`,
        {
          expected: `< ${formatHours(policy.rpoHours)}`,
          actual: formatHours(age),
        },
      );
    });
  },
};

export const cmkForCrossAccount: Rule<'resource'> = {
  id: 'copies.rds-cmk',
  title: 'RDS/Aurora copied to another account is encrypted with a customer-managed key',
  area: 'copies',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: {
    collect: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'kms:DescribeKey'],
    remediate: [],
  },
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
};

export const copyRules = [copyActions, rdsSingleHop, copiesRecent, cmkForCrossAccount];
