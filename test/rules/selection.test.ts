import { describe, expect, it } from 'vitest';
import { InventoryIndex } from '../../src/inventory/index.js';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { matchSelection, plansSelecting } from '../../src/rules/selection.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  db,
  inventory,
  plan,
  planRule,
  REGION,
  selection,
} from '../support/builders.js';

type SelectionInput = Parameters<typeof selection>[1];
type ResourceInput = NonNullable<InventoryInput['resources']>[number];

/** Matches one selection of plan "p" against one resource, with optional region settings. */
function match(
  resource: ResourceInput,
  sel: SelectionInput,
  regionSettings: InventoryInput['regionSettings'] = [],
) {
  const inv = inventory({
    resources: [resource],
    backupPlans: [plan('p', [planRule()])],
    backupSelections: [selection('p', sel)],
    regionSettings,
  });
  const index = new InventoryIndex(inv);
  const [s] = inv.backupSelections;
  const [r] = inv.resources;
  if (!s || !r) throw new Error('builder produced no selection or resource');
  return matchSelection(s, r, index);
}

const optedOut = (type: string) => [{ Region: REGION, ResourceTypeOptInPreference: { [type]: false } }];
const tag = (key: string, value: string) => ({ ConditionKey: key, ConditionValue: value });
const conditions = (
  over: Partial<
    Record<'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike', ReturnType<typeof tag>[]>
  >,
) => ({
  StringEquals: [],
  StringNotEquals: [],
  StringLike: [],
  StringNotLike: [],
  ...over,
});

describe('matchSelection', () => {
  describe('Resources and ListOfTags', () => {
    it('selects a resource whose ARN matches a Resources pattern with *', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: [`arn:aws:rds:${REGION}:${ACCOUNT}:db:ord*`] });
      // Assess
      expect(result.selected).toBe(true);
      expect(result.reason).toContain('Resources');
    });

    it('does not select a resource whose ARN matches no Resources pattern', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: [`arn:aws:rds:${REGION}:${ACCOUNT}:db:billing-*`] });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('matches neither');
    });

    it('selects a resource with any one of the ListOfTags', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'web'), tag('team', 'data')] });
      // Assess
      expect(result.selected).toBe(true);
      expect(result.reason).toContain('tag team=data');
    });

    it('compares ListOfTags values exactly (StringEquals)', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'Data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] });
      // Assess
      expect(result.selected).toBe(false);
    });

    it('selects by ListOfTags even when the Resources patterns do not match (OR)', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { Resources: ['arn:aws:s3:::other-*'], ListOfTags: [tag('team', 'data')] });
      // Assess
      expect(result.selected).toBe(true);
    });

    it('selects by Resources even when no ListOfTags tag matches (OR)', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, { Resources: ['arn:aws:s3:::b1'], ListOfTags: [tag('team', 'data')] });
      // Assess
      expect(result.selected).toBe(true);
    });

    it('selects every resource when Resources and ListOfTags are both empty', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, {});
      // Assess
      expect(result).toEqual({ selected: true, reason: 'selected by all resources' });
    });

    it('accepts a ListOfTags ConditionKey with the aws:ResourceTag/ prefix', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('aws:ResourceTag/team', 'data')] });
      // Assess
      expect(result.selected).toBe(true);
    });
  });

  describe('NotResources', () => {
    it('excludes a resource picked by its Resources pattern', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: ['*'], NotResources: [`arn:aws:rds:*:*:db:orders`] });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('excluded by NotResources');
    });

    it('excludes a resource picked by tag', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')], NotResources: ['arn:aws:s3:::b*'] });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('excluded by NotResources arn:aws:s3:::b*');
    });

    it('excludes a resource from an all-resources selection', () => {
      // Prepare
      const r = bucket('b1');
      // Act
      const result = match(r, { NotResources: ['arn:aws:s3:::b1'] });
      // Assess
      expect(result.selected).toBe(false);
    });

    it('leaves resources it does not match alone', () => {
      // Prepare
      const r = bucket('b1');
      // Act
      const result = match(r, { Resources: ['arn:aws:s3:::*'], NotResources: ['arn:aws:s3:::logs-*'] });
      // Assess
      expect(result.selected).toBe(true);
    });
  });

  describe('Conditions', () => {
    it('selects when every condition holds', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'prod', team: 'data-eng', tier: 'hot' } });
      const c = conditions({
        StringEquals: [tag('aws:ResourceTag/env', 'prod')],
        StringNotEquals: [tag('aws:ResourceTag/tier', 'cold')],
        StringLike: [tag('aws:ResourceTag/team', 'data-*')],
        StringNotLike: [tag('aws:ResourceTag/team', 'web-*')],
      });
      // Act
      const result = match(r, { Resources: ['*'], Conditions: c });
      // Assess
      expect(result.selected).toBe(true);
    });

    it('does not select when one condition fails (AND)', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'prod', team: 'web-ui' } });
      const c = conditions({
        StringEquals: [tag('aws:ResourceTag/env', 'prod')],
        StringLike: [tag('aws:ResourceTag/team', 'data-*')],
      });
      // Act
      const result = match(r, { Resources: ['*'], Conditions: c });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('condition StringLike(aws:ResourceTag/team, data-*) not met');
    });

    it('narrows a ListOfTags pick', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data', env: 'dev' } });
      const c = conditions({ StringEquals: [tag('aws:ResourceTag/env', 'prod')] });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')], Conditions: c });
      // Assess
      expect(result.selected).toBe(false);
    });

    it('fails StringEquals when the tag is absent', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, {
        Conditions: conditions({ StringEquals: [tag('aws:ResourceTag/env', 'prod')] }),
      });
      // Assess
      expect(result.selected).toBe(false);
    });

    it('fails StringNotEquals when the tag has the value', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'dev' } });
      // Act
      const result = match(r, {
        Conditions: conditions({ StringNotEquals: [tag('aws:ResourceTag/env', 'dev')] }),
      });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('StringNotEquals');
    });

    it('satisfies StringNotEquals when the tag is absent', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, {
        Conditions: conditions({ StringNotEquals: [tag('aws:ResourceTag/env', 'dev')] }),
      });
      // Assess
      expect(result.selected).toBe(true);
    });

    it('matches StringLike with ? as one character', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'prod1' } });
      // Act
      const hit = match(r, { Conditions: conditions({ StringLike: [tag('aws:ResourceTag/env', 'prod?')] }) });
      const miss = match(r, {
        Conditions: conditions({ StringLike: [tag('aws:ResourceTag/env', 'prod??')] }),
      });
      // Assess
      expect(hit.selected).toBe(true);
      expect(miss.selected).toBe(false);
    });

    it('fails StringLike when the tag is absent', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, { Conditions: conditions({ StringLike: [tag('aws:ResourceTag/env', '*')] }) });
      // Assess
      expect(result.selected).toBe(false);
    });

    it('fails StringNotLike when the tag matches the pattern', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'dev-3' } });
      // Act
      const result = match(r, {
        Conditions: conditions({ StringNotLike: [tag('aws:ResourceTag/env', 'dev*')] }),
      });
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('StringNotLike');
    });

    it('satisfies StringNotLike when the tag is absent', () => {
      // Prepare
      const r = bucket('b1', { Tags: {} });
      // Act
      const result = match(r, {
        Conditions: conditions({ StringNotLike: [tag('aws:ResourceTag/env', 'dev*')] }),
      });
      // Assess
      expect(result.selected).toBe(true);
    });

    it('accepts a condition key without the aws:ResourceTag/ prefix', () => {
      // Prepare
      const r = bucket('b1', { Tags: { env: 'dev' } });
      // Act
      const eq = match(r, { Conditions: conditions({ StringEquals: [tag('env', 'dev')] }) });
      const notEq = match(r, { Conditions: conditions({ StringNotEquals: [tag('env', 'dev')] }) });
      // Assess
      expect(eq.selected).toBe(true);
      expect(notEq.selected).toBe(false);
    });
  });

  describe('resource-type opt-in', () => {
    it('does not pick by tag a resource type that is not opted in', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] }, optedOut('S3'));
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('resource type S3 is not opted in');
    });

    it('does not pick with the * pattern a resource type that is not opted in', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: ['*'] }, optedOut('RDS'));
      // Assess
      expect(result.selected).toBe(false);
    });

    it('does not pick with a service-wide pattern a resource type that is not opted in', () => {
      // Prepare
      const r = db('orders');
      // Act
      const short = match(r, { Resources: ['arn:aws:rds:*'] }, optedOut('RDS'));
      const long = match(r, { Resources: ['arn:aws:rds:*:*:*'] }, optedOut('RDS'));
      // Assess
      expect(short.selected).toBe(false);
      expect(long.selected).toBe(false);
    });

    it('does not pick an all-resources selection of a type that is not opted in', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, {}, optedOut('RDS'));
      // Assess
      expect(result.selected).toBe(false);
    });

    it('picks with a pattern naming the resource type even when not opted in', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: ['arn:aws:rds:*:*:db:*'] }, optedOut('RDS'));
      // Assess
      expect(result.selected).toBe(true);
    });

    it('picks with a full resource ARN even when not opted in', () => {
      // Prepare
      const r = db('orders');
      // Act
      const result = match(r, { Resources: [`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`] }, optedOut('RDS'));
      // Assess
      expect(result.selected).toBe(true);
    });

    it('needs the Aurora opt-in even with a pattern naming the cluster type', () => {
      // Prepare
      const r = cluster('aurora-1');
      // Act
      const result = match(r, { Resources: ['arn:aws:rds:*:*:cluster:*'] }, optedOut('Aurora'));
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain('resource type Aurora is not opted in');
    });

    it.each([
      ['Neptune', 'neptune'],
      ['DocumentDB', 'docdb'],
    ])('needs the %s opt-in even with a pattern naming the cluster type', (type, engine) => {
      // Prepare
      const r = cluster('graph-1', { Engine: engine });
      // Act
      const result = match(r, { Resources: ['arn:aws:rds:*:*:cluster:*'] }, optedOut(type));
      // Assess
      expect(result.selected).toBe(false);
      expect(result.reason).toContain(`resource type ${type} is not opted in`);
    });

    it('picks a Multi-AZ DB cluster (RDS) with a pattern naming the cluster type even when not opted in', () => {
      // Prepare
      const r = cluster('multi-az-1', { Engine: 'postgres' });
      // Act
      const result = match(r, { Resources: ['arn:aws:rds:*:*:cluster:*'] }, optedOut('RDS'));
      // Assess
      expect(result.selected).toBe(true);
    });

    it('picks Aurora by tag when Aurora is opted in', () => {
      // Prepare
      const r = cluster('aurora-1', { Tags: { team: 'data' } });
      const settings = [{ Region: REGION, ResourceTypeOptInPreference: { Aurora: true, RDS: false } }];
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] }, settings);
      // Assess
      expect(result.selected).toBe(true);
    });

    it('checks the opt-in of the resource region only', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      const settings = [{ Region: 'us-east-1', ResourceTypeOptInPreference: { S3: false } }];
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] }, settings);
      // Assess
      expect(result.selected).toBe(true);
    });

    it('assumes opted in when the region settings are missing', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] }, []);
      // Assess
      expect(result.selected).toBe(true);
    });

    it('assumes opted in when the region settings do not mention the type', () => {
      // Prepare
      const r = bucket('b1', { Tags: { team: 'data' } });
      const settings = [{ Region: REGION, ResourceTypeOptInPreference: { RDS: false } }];
      // Act
      const result = match(r, { ListOfTags: [tag('team', 'data')] }, settings);
      // Assess
      expect(result.selected).toBe(true);
    });
  });
});

describe('plansSelecting', () => {
  it('lists every plan in the resource region with a selection that picks it', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1', { Tags: { team: 'data' } })],
      backupPlans: [plan('gold', [planRule()]), plan('legacy', [planRule()]), plan('other', [planRule()])],
      backupSelections: [
        selection('gold', { ListOfTags: [tag('team', 'data')] }),
        selection('legacy', { Resources: ['arn:aws:s3:::b*'] }),
        selection('other', { Resources: ['arn:aws:s3:::x*'] }),
      ],
    });
    const index = new InventoryIndex(inv);
    const [r] = inv.resources;
    if (!r) throw new Error('no resource');
    // Act
    const result = plansSelecting(r, index);
    // Assess
    expect(result).toEqual([
      { planName: 'gold', selectionName: 'gold-sel' },
      { planName: 'legacy', selectionName: 'legacy-sel' },
    ]);
  });

  it('ignores plans in other regions', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [
        plan('gold', [planRule()]),
        plan('west', [planRule()], {
          BackupPlanArn: `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-plan:west-id`,
        }),
      ],
      backupSelections: [selection('gold', { Resources: ['*'] }), selection('west', { Resources: ['*'] })],
    });
    const index = new InventoryIndex(inv);
    const [r] = inv.resources;
    if (!r) throw new Error('no resource');
    // Act
    const result = plansSelecting(r, index);
    // Assess
    expect(result).toEqual([{ planName: 'gold', selectionName: 'gold-sel' }]);
  });

  it('names a plan once even when several of its selections pick the resource', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [plan('gold', [planRule()])],
      backupSelections: [
        selection('gold', { Resources: ['*'] }),
        selection('gold', { SelectionId: 'second', SelectionName: 'second', Resources: ['arn:aws:s3:::b1'] }),
      ],
    });
    const index = new InventoryIndex(inv);
    const [r] = inv.resources;
    if (!r) throw new Error('no resource');
    // Act
    const result = plansSelecting(r, index);
    // Assess
    expect(result).toEqual([{ planName: 'gold', selectionName: 'gold-sel' }]);
  });
});
