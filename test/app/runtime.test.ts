import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditInventory } from '../../src/app/audit.js';
import { countsByRule, digest, settingsFrom } from '../../src/app/runtime.js';
import { iamActionOf } from '../../src/iam.js';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';

const demo = () => {
  const inventory = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
  return auditInventory(
    inventory,
    parsePolicies(readFileSync('examples/policies.yml', 'utf8')),
    new Date(inventory.capturedAt),
  );
};

describe('settingsFrom', () => {
  it('defaults to a dry run of at most 20 changes, and rejects an unknown mode', () => {
    expect(settingsFrom({ AWS_REGION: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      mode: 'dry-run',
      maxChanges: 20,
      ownRoleArns: [],
    });
    expect(
      settingsFrom({ OWN_ROLE_ARNS: 'arn:aws:iam::1:role/a,arn:aws:iam::1:role/b' }).ownRoleArns,
    ).toEqual(['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b']);
    expect(
      settingsFrom({ REMEDIATION_MODE: 'on', MAX_CHANGES: '5', ALERT_TOPIC_ARN: 'arn:t' }),
    ).toMatchObject({ mode: 'on', maxChanges: 5, alertTopicArn: 'arn:t' });
    expect(() => settingsFrom({ REMEDIATION_MODE: 'yes' })).toThrow(
      'REMEDIATION_MODE must be off, dry-run or on (got "yes")',
    );
  });
});

describe('digest', () => {
  it('counts findings by rule and status, and lists failing checks and changes', () => {
    // Prepare
    const result = demo();
    // Act
    const counts = countsByRule(result);
    const { subject, message } = digest(result, [], 'dry-run');
    // Assess
    expect(counts['s3.versioning']).toEqual({ NON_COMPLIANT: 2, ERROR: 1, COMPLIANT: 4 });
    expect(subject).toBe('backup-sentinel 111111111111: 56 non-compliant, 1 errors');
    expect(message).toContain('  s3.versioning: 2 non-compliant, 1 errors');
    expect(message).toContain('No changes made.');
  });
});

describe('iamActionOf', () => {
  it('names the IAM action of an SDK call, including the S3 ones named differently', () => {
    expect(
      [
        'S3.GetBucketLifecycleConfiguration',
        'ResourceGroupsTaggingAPI.GetResources',
        'Backup.ListBackupPlans',
        'ConfigService.PutEvaluations',
      ].map(iamActionOf),
    ).toEqual([
      's3:GetLifecycleConfiguration',
      'tag:GetResources',
      'backup:ListBackupPlans',
      'config:PutEvaluations',
    ]);
  });
});
