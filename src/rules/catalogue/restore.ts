/** Restore testing: backups are proven restorable, regularly, quickly, into the right network. */

import { arnMatches, parseArn, vaultArn } from '../../inventory/arn.js';
import { backupResourceType } from '../../inventory/index.js';
import type { Resource, RestoreJob, RestoreTestingSelection } from '../../inventory/schema.js';
import { own } from '../../maps.js';
import type { Policy } from '../../policy/index.js';
import type { Action } from '../../remediation/actions.js';
import { newRestoreTestingPlan } from '../provision.js';
import { ageDays } from '../time.js';
import {
  compliant,
  defineRule,
  nonCompliant,
  notApplicable,
  notRead,
  type Outcome,
  type RuleContext,
} from '../types.js';

const READ = [
  'backup:ListRestoreTestingPlans',
  'backup:GetRestoreTestingPlan',
  'backup:ListRestoreTestingSelections',
  'backup:GetRestoreTestingSelection',
];
const JOBS = ['backup:ListRestoreJobs'];

/** How long a restored resource is kept for validation when the policy requires validation. */
export const VALIDATION_WINDOW_HOURS = 4;

/** Restore testing names allow letters, digits and underscores only, at most 50 of them. */
export const RESTORE_TESTING_NAME_MAX = 50;
const restoreTestingBase = (policy: Policy) => `backup_sentinel_${policy.name.replace(/-/g, '_')}`;
export const restoreTestingPlanName = (policy: Policy) =>
  fitName(restoreTestingBase(policy), RESTORE_TESTING_NAME_MAX);

/** A restore testing selection name for a policy and resource type, within AWS's limit. */
export const restoreTestingSelectionName = (policy: Policy, type: string) =>
  fitName(`${restoreTestingBase(policy)}_${type.toLowerCase()}`, RESTORE_TESTING_NAME_MAX);

/** `name`, or when longer than `max` a prefix of it and a stable 8-character hash of the whole. */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, max - 9)}_${h.toString(16).padStart(8, '0')}`;
}

const tagKey = (k: string) => k.replace(/^aws:ResourceTag\//, '');

/**
 * The restore testing selection that would test this resource: same region, same resource type,
 * ARN and tag conditions matching, and a plan whose recovery point selection takes points from
 * the policy's vault and of a type the policy makes.
 */
export function coveringSelection(
  r: Resource,
  policy: Policy,
  ctx: RuleContext,
): RestoreTestingSelection | undefined {
  const type = backupResourceType(r);
  const source = vaultArn(r.Region, r.AccountId, policy.vaultName);
  const kinds = policy.continuous ? ['SNAPSHOT', 'CONTINUOUS'] : ['SNAPSHOT'];
  const usable = new Set(
    ctx.inventory.restoreTestingPlans
      .filter((p) => {
        const sel = p.RecoveryPointSelection;
        return (
          parseArn(p.RestoreTestingPlanArn)?.region === r.Region &&
          sel.IncludeVaults.some((v) => arnMatches(v, source)) &&
          !sel.ExcludeVaults.some((v) => arnMatches(v, source)) &&
          (sel.RecoveryPointTypes.length === 0 || sel.RecoveryPointTypes.some((t) => kinds.includes(t)))
        );
      })
      .map((p) => p.RestoreTestingPlanName),
  );
  return ctx.inventory.restoreTestingSelections.find((s) => {
    if (s.Region !== r.Region || !usable.has(s.RestoreTestingPlanName) || s.ProtectedResourceType !== type)
      return false;
    const arns = s.ProtectedResourceArns;
    if (arns.length > 0 && !arns.includes('*') && !arns.includes(r.Arn)) return false;
    const c = s.ProtectedResourceConditions;
    return (
      (c?.StringEquals ?? []).every((kv) => own(r.Tags, tagKey(kv.Key)) === kv.Value) &&
      (c?.StringNotEquals ?? []).every((kv) => own(r.Tags, tagKey(kv.Key)) !== kv.Value)
    );
  });
}

/** Newest restore job started by a restore testing plan for this resource. */
function latestTest(r: Resource, ctx: RuleContext): RestoreJob | undefined {
  return (ctx.index.restoreJobsByResource.get(r.Arn) ?? []).find((j) => j.CreatedBy?.RestoreTestingPlanArn);
}

/** The policy's subnet group, else the database's own (the planner flags databases that disagree). */
function subnetOverrides(r: Resource, policy: Policy): Record<string, string> {
  if (r.Type === 'AWS::S3::Bucket') return {};
  const group = policy.restoreTest?.dbSubnetGroupName ?? r.DBSubnetGroupName;
  return group ? { dbSubnetGroupName: group } : {};
}

export const restoreCovered = defineRule<'resource'>({
  id: 'restore.covered',
  title: 'A restore testing plan covers the resource',
  area: 'restore',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: READ },
  proposes: ['CreateRestoreTestingPlan', 'CreateRestoreTestingSelection'],
  example:
    'policy restoreTest {everyDays: 7}, no restore testing selection for the db -> NON_COMPLIANT + CreateRestoreTestingPlan/Selection',
  evaluate({ resource, policy }, ctx) {
    if (!policy.restoreTest) return notApplicable(`policy ${policy.name} does not ask for restore tests`);
    const sel = coveringSelection(resource, policy, ctx);
    if (sel)
      return compliant(
        `covered by restore testing ${sel.RestoreTestingPlanName}/${sel.RestoreTestingSelectionName}`,
      );
    const unread = ctx.index.scope.unread(READ, resource.AccountId, resource.Region);
    if (unread) return notRead('whether a restore testing selection covers it', unread);
    const name = restoreTestingPlanName(policy);
    const exists = ctx.inventory.restoreTestingPlans.some(
      (p) =>
        p.RestoreTestingPlanName === name && parseArn(p.RestoreTestingPlanArn)?.region === resource.Region,
    );
    const type = backupResourceType(resource);
    const actions: Action[] = [];
    if (!exists)
      actions.push({
        type: 'CreateRestoreTestingPlan',
        region: resource.Region,
        plan: newRestoreTestingPlan(policy, resource.Region, resource.AccountId, name),
      });
    actions.push({
      type: 'CreateRestoreTestingSelection',
      region: resource.Region,
      planName: name,
      selectionName: restoreTestingSelectionName(policy, type),
      resourceType: type,
      tagKey: ctx.policies.tagKey,
      tagValue: policy.name,
      auditOnlyTagKey: ctx.policies.remediateTagKey,
      overrides: subnetOverrides(resource, policy),
      validationWindowHours: policy.restoreTest.requireValidation ? VALIDATION_WINDOW_HOURS : 0,
    });
    return nonCompliant('no restore testing selection covers it: its backups are never proven restorable', {
      expected: `restore test every ${policy.restoreTest.everyDays}d`,
      actual: 'not covered',
      actions,
    });
  },
});

export const restoreSubnet = defineRule<'resource'>({
  id: 'restore.rds-subnet-group',
  title: 'RDS restore tests override the DB subnet group',
  area: 'restore',
  severity: 'medium',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  permissions: { collect: READ },
  proposes: [],
  example:
    'restore testing selection for RDS without a dbSubnetGroupName override -> NON_COMPLIANT: tests restore into the default VPC',
  evaluate({ resource, policy }, ctx) {
    if (!policy.restoreTest) return notApplicable(`policy ${policy.name} does not ask for restore tests`);
    const sel = coveringSelection(resource, policy, ctx);
    if (!sel) return notApplicable('not covered by a restore test (see restore.covered)');
    const key = Object.keys(sel.RestoreMetadataOverrides).find(
      (k) => k.toLowerCase() === 'dbsubnetgroupname',
    );
    if (key) return compliant(`restores into subnet group ${sel.RestoreMetadataOverrides[key]}`);
    return nonCompliant(
      `selection ${sel.RestoreTestingSelectionName} has no dbSubnetGroupName override: test restores go to the default VPC, which may not exist or reach nothing`,
      {
        expected: `dbSubnetGroupName=${subnetOverrides(resource, policy).dbSubnetGroupName ?? '<subnet group>'}`,
        actual: 'no override',
      },
    );
  },
});

/**
 * Runs `judge` on the newest restore test. With no test at all, only restore.recent-success
 * reports it (`whenNever`); the other restore rules are not applicable, so one gap is one finding.
 */
function withTest(
  resource: Resource,
  policy: Policy,
  ctx: RuleContext,
  judge: (job: RestoreJob, want: NonNullable<Policy['restoreTest']>) => Outcome,
  whenNever: (want: NonNullable<Policy['restoreTest']>) => Outcome = () =>
    notApplicable('no restore test yet (see restore.recent-success)'),
): Outcome {
  if (!policy.restoreTest) return notApplicable(`policy ${policy.name} does not ask for restore tests`);
  const job = latestTest(resource, ctx);
  return job ? judge(job, policy.restoreTest) : whenNever(policy.restoreTest);
}

export const restoreRecent = defineRule<'resource'>({
  id: 'restore.recent-success',
  title: 'Newest restore test is recent and succeeded',
  area: 'restore',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: JOBS },
  proposes: [],
  example:
    'everyDays 7, newest restore test FAILED 2 days ago -> NON_COMPLIANT: last restore test FAILED: <reason>',
  evaluate({ resource, policy }, ctx) {
    return withTest(
      resource,
      policy,
      ctx,
      (job, want) => {
        const age = ageDays(job.CreationDate, ctx.now);
        if (job.Status !== 'COMPLETED' && job.Status !== 'RUNNING' && job.Status !== 'PENDING') {
          return nonCompliant(
            `last restore test ${job.Status}${job.StatusMessage ? `: ${job.StatusMessage}` : ''} (job ${job.RestoreJobId})`,
            {
              expected: 'COMPLETED',
              actual: job.Status,
            },
          );
        }
        if (age > want.everyDays) {
          return nonCompliant(
            `newest restore test is ${age.toFixed(1)} days old; policy asks every ${want.everyDays}`,
            {
              expected: `<= ${want.everyDays} days`,
              actual: `${age.toFixed(1)} days`,
            },
          );
        }
        return compliant(
          `restore test ${job.Status.toLowerCase()} ${age.toFixed(1)} days ago (job ${job.RestoreJobId})`,
        );
      },
      (want) => {
        const unread = ctx.index.scope.unread('backup:ListRestoreJobs', resource.AccountId, resource.Region);
        if (unread) return notRead('whether it was ever restore-tested', unread);
        return nonCompliant('never restore-tested (in the listed window)', {
          expected: `a restore test every ${want.everyDays}d`,
          actual: 'none',
        });
      },
    );
  },
});

export const restoreValidated = defineRule<'resource'>({
  id: 'restore.validated',
  title: 'Newest restore test was validated',
  area: 'restore',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: JOBS },
  proposes: [],
  example:
    'restore test COMPLETED with no ValidationStatus, requireValidation true -> NON_COMPLIANT: not validated',
  evaluate({ resource, policy }, ctx) {
    return withTest(resource, policy, ctx, (job, want) => {
      if (!want.requireValidation) return notApplicable('policy does not require validation');
      if (job.Status !== 'COMPLETED') return notApplicable(`newest restore test is ${job.Status}`);
      if (job.ValidationStatus === 'SUCCESSFUL') return compliant('newest restore test validated');
      if (job.ValidationStatus === 'VALIDATING')
        return notApplicable('newest restore test is being validated');
      return nonCompliant(
        `newest restore test ${job.ValidationStatus ? `validation ${job.ValidationStatus}${job.ValidationStatusMessage ? `: ${job.ValidationStatusMessage}` : ''}` : 'was not validated (no PutRestoreValidationResult)'}`,
        { expected: 'ValidationStatus SUCCESSFUL', actual: job.ValidationStatus ?? 'none' },
      );
    });
  },
});

export const restoreDuration = defineRule<'resource'>({
  id: 'restore.duration',
  title: 'Newest restore test finished within the target time',
  area: 'restore',
  severity: 'medium',
  subject: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'],
  permissions: { collect: JOBS },
  proposes: [],
  example: 'maxRestoreMinutes 60, restore took 95 minutes -> NON_COMPLIANT: 95 min > 60',
  evaluate({ resource, policy }, ctx) {
    return withTest(resource, policy, ctx, (job, want) => {
      if (want.maxRestoreMinutes === undefined) return notApplicable('policy sets no maxRestoreMinutes');
      if (job.Status !== 'COMPLETED' || !job.CompletionDate)
        return notApplicable(`newest restore test is ${job.Status}`);
      const minutes = Math.round((Date.parse(job.CompletionDate) - Date.parse(job.CreationDate)) / 60_000);
      if (minutes <= want.maxRestoreMinutes)
        return compliant(`restored in ${minutes} min (target ${want.maxRestoreMinutes})`);
      return nonCompliant(`restore took ${minutes} min; target is ${want.maxRestoreMinutes}`, {
        expected: `<= ${want.maxRestoreMinutes} min`,
        actual: `${minutes} min`,
      });
    });
  },
});

export const restoreRules = [restoreCovered, restoreSubnet, restoreRecent, restoreValidated, restoreDuration];
