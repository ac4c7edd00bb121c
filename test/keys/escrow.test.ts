/** The escrow's pure parts: secret names, the secret policy and how tight a policy is judged. */
import { describe, expect, it } from 'vitest';
import { keyPrefix, policyProblem, secretName, secretPolicy } from '../../src/keys/escrow.js';
import { expiryFor } from '../../src/keys/import.js';
import type { EscrowDestination } from '../../src/policy/index.js';

const D: EscrowDestination = {
  account: '222222222222',
  region: 'eu-west-1',
  writerRoleArn: 'arn:aws:iam::222222222222:role/backup-sentinel-escrow-writer-eu-west-1',
  readerRoleArn: 'arn:aws:iam::222222222222:role/backup-sentinel-escrow-reader-eu-west-1',
  kmsKeyId: 'alias/backup-sentinel-escrow',
};
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const policy = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

describe('escrow names and policies', () => {
  it('names one secret per material: account, Region, key id, check value', () => {
    expect(secretName(KEY, 'kcv1:0123456789abcdef0123456789abcdef')).toBe(
      'backup-sentinel/key-material/111111111111/eu-central-1/1234abcd-12ab-34cd-56ef-1234567890ab/0123456789abcdef0123456789abcdef',
    );
    expect(() => keyPrefix('arn:aws:s3:::bucket')).toThrow('not a KMS key ARN');
  });

  it('judges its own secret policy tight, and the loose ones not', () => {
    expect(policyProblem(secretPolicy(D), D)).toBeUndefined();
    expect(policyProblem(undefined, D)).toContain('no resource policy');
    expect(policyProblem('{', D)).toBe('resource policy is not JSON');
    const guard = JSON.parse(secretPolicy(D)).Statement[0];
    const allow = (Principal: unknown) => ({
      Effect: 'Allow',
      Principal,
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    });
    expect(policyProblem(policy([guard, allow('*')]), D)).toBe(
      'resource policy allows * (outside 222222222222)',
    );
    expect(policyProblem(policy([guard, allow({ AWS: 'arn:aws:iam::333333333333:root' })]), D)).toContain(
      'arn:aws:iam::333333333333:root',
    );
    expect(policyProblem(policy([guard, allow({ Service: 'lambda.amazonaws.com' })]), D)).toBe(
      'resource policy allows lambda.amazonaws.com',
    );
    // A deny that admits someone else too is not the guard.
    const wider = {
      ...guard,
      Condition: {
        StringNotEquals: { 'aws:PrincipalArn': [D.writerRoleArn, 'arn:aws:iam::222222222222:role/admin'] },
      },
    };
    expect(policyProblem(policy([wider]), D)).toBe(
      'resource policy does not deny reading to all but the escrow roles',
    );
    // A Deny of only the named roles is no guard at all.
    const inverted = { ...guard, Condition: { StringEquals: { 'aws:PrincipalArn': [D.writerRoleArn] } } };
    expect(policyProblem(policy([inverted]), D)).toBe(
      'resource policy does not deny reading to all but the escrow roles',
    );
    // Same-account allows are fine: the guard still denies them the value.
    expect(
      policyProblem(policy([guard, allow({ AWS: 'arn:aws:iam::222222222222:role/ops' })]), D),
    ).toBeUndefined();
  });

  it('asks KMS for an expiry an hour short of validityDays, so a fast clock never exceeds 365 days', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(expiryFor(365, now)).toEqual({
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: new Date('2027-11-30T23:00:00Z'),
    });
    expect(expiryFor(undefined, now)).toEqual({ ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
  });
});
