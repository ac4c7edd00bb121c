/**
 * coverage.backup-role-can: the role each selection passes to AWS Backup, simulated
 * (SimulatePrincipalPolicy, in the documented response shape through aws-sdk-client-mock; moto
 * does not implement it) for what a backup of the resource needs.
 */
import { readFileSync } from 'node:fs';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import { collectRoleChecks, neededFor, S3_KEY_ACTIONS } from '../../src/inventory/collect/roles.js';
import type { InventoryInput } from '../../src/inventory/schema.js';
import {
  bucket,
  cluster,
  db,
  findings,
  inventory,
  plan,
  planRule,
  policies,
  selection,
} from '../support/builders.js';

const ROLE = 'arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/bucket-key';
const api = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/api/${name}`, 'utf8'));
const sseKms = (name: string) =>
  bucket(name, {
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY } }],
    },
  });
const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
let iam = mockClient(IAMClient);
afterEach(() => iam.reset());

/** An S3 bucket under gold, picked by the plan's selection that passes ROLE. */
function account(more: Partial<InventoryInput> = {}) {
  return inventory({
    resources: [sseKms('data')],
    backupPlans: [plan('backup-sentinel-gold', [planRule()])],
    backupSelections: [selection('backup-sentinel-gold', { IamRoleArn: ROLE })],
    ...more,
  });
}
const set = policies();
const verdict = (inv: ReturnType<typeof inventory>) =>
  findings('coverage.backup-role-can', inv, set, 'arn:aws:s3:::data').map((f) => [f.status, f.message]);

describe('neededFor', () => {
  it("asks for the delete of a continuous backup's temporary copy snapshot only when the policy copies continuous backups", () => {
    const orders = db('orders');
    const ledger = cluster('ledger');
    expect(neededFor(orders).map((n) => n.action)).not.toContain('rds:DeleteDBSnapshot');
    expect(neededFor(orders, { continuousCopies: true })).toContainEqual({
      action: 'rds:DeleteDBSnapshot',
      resource:
        'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-00000000-0000-0000-0000-000000000000',
    });
    expect(neededFor(ledger, { continuousCopies: true })).toContainEqual({
      action: 'rds:DeleteDBClusterSnapshot',
      resource:
        'arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:awsbackup:job-00000000-0000-0000-0000-000000000000',
    });
  });
});

describe('collectRoleChecks', () => {
  it('simulates the S3 backup actions on the bucket, its objects and its SSE-KMS key', async () => {
    // Prepare: the published shape; the role may do everything but use the bucket key.
    const shape = api('iam_SimulatePrincipalPolicy_allowed_awscli.json').EvaluationResults[0];
    iam = mockClient(IAMClient);
    iam.on(SimulatePrincipalPolicyCommand).callsFake((i) => ({
      EvaluationResults: (i.ActionNames ?? []).flatMap((a: string) =>
        (i.ResourceArns ?? []).map((r: string) => ({
          ...shape,
          EvalActionName: a,
          EvalResourceName: r,
          EvalDecision: a.startsWith('kms:') ? 'implicitDeny' : 'allowed',
          MatchedStatements: a.startsWith('kms:') ? [] : shape.MatchedStatements,
        })),
      ),
      IsTruncated: false,
    }));
    const c = new Collection();
    // Act
    const [check] = await collectRoleChecks(
      aws,
      c,
      [{ roleArn: ROLE, resource: sseKms('data') as never }],
      2,
    );
    // Assess
    const input = iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input;
    expect(input?.PolicySourceArn).toBe(ROLE);
    expect(input?.ResourceArns).toEqual(['arn:aws:s3:::data', 'arn:aws:s3:::data/*', KEY]);
    expect(check).toMatchObject({ Checked: neededFor(sseKms('data') as never).length });
    expect(check?.Denied?.map((d) => d.Action)).toEqual(S3_KEY_ACTIONS);
  });

  it('records a role that does not exist (NoSuchEntity, as IAM answers) as an error of that pair', async () => {
    iam = mockClient(IAMClient);
    iam.on(SimulatePrincipalPolicyCommand).rejects(
      Object.assign(new Error('The role with name AWSBackupDefaultServiceRole cannot be found.'), {
        name: 'NoSuchEntityException',
      }),
    );
    const c = new Collection();
    expect(
      await collectRoleChecks(aws, c, [{ roleArn: ROLE, resource: sseKms('data') as never }], 2),
    ).toEqual([]);
    expect(c.errors).toEqual([
      expect.objectContaining({
        Arn: `${ROLE}|arn:aws:s3:::data`,
        Action: 'iam:SimulatePrincipalPolicy',
        Code: 'NoSuchEntityException',
      }),
    ]);
  });
});

describe('coverage.backup-role-can', () => {
  it('is compliant when the role may do all it needs, and says what the simulation does not see', () => {
    const inv = account({
      roleChecks: [{ RoleArn: ROLE, ResourceArn: 'arn:aws:s3:::data', Checked: 19, Denied: [] }],
    });
    expect(verdict(inv)).toEqual([
      [
        'COMPLIANT',
        `${ROLE} may do all 19 actions a backup of it needs (identity policies and permissions boundary simulated; key policies, bucket policies and SCPs are not)`,
      ],
    ]);
  });

  it('flags an SSE-KMS bucket whose key the role may not use: the job "succeeds" with objects skipped', () => {
    const denied = S3_KEY_ACTIONS.slice(0, 2).map((Action) => ({
      Action,
      Resource: KEY,
      Decision: 'implicitDeny',
    }));
    const [status, message] = verdict(
      account({
        roleChecks: [{ RoleArn: ROLE, ResourceArn: 'arn:aws:s3:::data', Checked: 19, Denied: denied }],
      }),
    )[0] as [string, string];
    expect(status).toBe('NON_COMPLIANT');
    expect(message).toContain(`may not kms:Decrypt on ${KEY} (implicitDeny)`);
    expect(message).toContain('the backup "succeeds" with the objects under that key skipped');
  });

  it('says what a denied delete of the temporary copy snapshot costs: an expired recovery point per copy', () => {
    const temporary =
      'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-00000000-0000-0000-0000-000000000000';
    const [status, message] = verdict(
      account({
        roleChecks: [
          {
            RoleArn: ROLE,
            ResourceArn: 'arn:aws:s3:::data',
            Checked: 20,
            Denied: [{ Action: 'rds:DeleteDBSnapshot', Resource: temporary, Decision: 'implicitDeny' }],
          },
        ],
      }),
    )[0] as [string, string];
    expect(status).toBe('NON_COMPLIANT');
    expect(message).toContain('each copy of its continuous backups leaves an expired recovery point');
  });

  it('flags a role that does not exist, and cannot tell when the simulation failed', () => {
    const missing = account({
      collectionErrors: [
        {
          Arn: `${ROLE}|arn:aws:s3:::data`,
          Action: 'iam:SimulatePrincipalPolicy',
          Code: 'NoSuchEntityException',
          Message: '',
        },
      ],
    });
    expect(verdict(missing)[0]?.[1]).toContain('which does not exist: every backup job fails');
    const denied = account({
      collectionErrors: [
        {
          Arn: `${ROLE}|arn:aws:s3:::data`,
          Action: 'iam:SimulatePrincipalPolicy',
          Code: 'AccessDenied',
          Message: '',
        },
      ],
    });
    expect(verdict(denied)).toEqual([
      ['ERROR', `could not evaluate ${ROLE}: iam:SimulatePrincipalPolicy failed with AccessDenied`],
    ]);
  });

  it("cannot tell when the bucket's default encryption was not read (the simulation would leave its key out)", () => {
    const inv = account({
      roleChecks: [{ RoleArn: ROLE, ResourceArn: 'arn:aws:s3:::data', Checked: 16, Denied: [] }],
      collectionErrors: [
        {
          Arn: 'arn:aws:s3:::data',
          Action: 's3:GetEncryptionConfiguration',
          Code: 'AccessDenied',
          Message: '',
        },
      ],
    });
    expect(verdict(inv)).toEqual([
      ['ERROR', 'could not evaluate: s3:GetEncryptionConfiguration failed with AccessDenied'],
    ]);
  });

  it('is not applicable to a resource no selection picks', () => {
    const inv = account({ backupSelections: [] });
    expect(verdict(inv)[0]?.[0]).toBe('NOT_APPLICABLE');
  });
});
