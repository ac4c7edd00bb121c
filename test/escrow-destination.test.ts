/**
 * resources/escrow-destination.yml, the template deployed in each escrow destination: cfn-lint finds
 * no error in it, its names are the ones the code defaults to (src/policy/index.ts), it trusts
 * exactly the source roles resources/iam.ts names, and nothing in it can change or delete an escrow
 * copy or lets the account root use the escrow key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type RoleScope, roles } from '../resources/iam.js';
import { ESCROW_TAGS, SECRET_PREFIX } from '../src/keys/escrow.js';
import { ESCROW_KEY_ALIAS, ESCROW_READER_ROLE, ESCROW_WRITER_ROLE } from '../src/policy/index.js';
import { cfnLint, covers, ensureVenv, list, loadTemplate, type Statement } from './support/cfn.js';

const FILE = 'resources/escrow-destination.yml';
type Resource = {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties: Record<string, unknown>;
};
type Template = {
  Parameters: Record<string, Record<string, unknown>>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
};
const { text, template, resource } = loadTemplate<Template>(FILE);
const grants = (s: Statement, action: string) =>
  s.Effect === 'Allow' && list(s.Action).some((p) => covers(p, action, 'i'));

/** The identity-policy statements of one role: its inline Policies and the RolePolicy resources on it. */
function roleStatements(role: string): Statement[] {
  const inline = (resource(role).Properties.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  const attached = Object.values(template.Resources).filter(
    (r) =>
      (r.Type === 'AWS::IAM::RolePolicy' || r.Type === 'AWS::IAM::Policy') &&
      JSON.stringify(r.Properties.RoleName ?? r.Properties.Roles) === JSON.stringify({ Ref: role }),
  );
  return [
    ...inline.flatMap((p) => p.PolicyDocument.Statement),
    ...attached.flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
  ];
}
const trustOf = (role: string) =>
  (resource(role).Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement;
const keyPolicy = () => (resource('EscrowKey').Properties.KeyPolicy as { Statement: Statement[] }).Statement;

/**
 * The source account's function role ARN, named as resources/iam.ts names it: its RoleName with
 * the backup-sentinel stack's stage and Region as this template's SourceStage and SourceRegion.
 */
function sourceRoleArn(fn: string): string {
  const scope: RoleScope = {
    vaultNames: [],
    drAccounts: [],
    tagKey: 'backup:policy',
    policyNames: [],
    remediateTagKey: 'backup:remediate',
    vaultKeyArns: [],
    backupRoleArn: 'arn:aws:iam::111111111111:role/backup',
  };
  const names = Object.values(roles(scope)).map((r) => r.Properties.RoleName['Fn::Sub']);
  const sweep = names.find((n) => n.endsWith('-sweep')) ?? '';
  const prefix = sweep.slice(0, -'sweep'.length);
  // Every function's role is that prefix and the function name, so the prefix names rotateKeyMaterial's too.
  for (const n of names) expect(n.startsWith(prefix), n).toBe(true);
  const name = `${prefix}${fn}`
    .replace(`\${sls:stage}`, `\${SourceStage}`)
    .replace(`\${AWS::Region}`, `\${SourceRegion}`);
  return `arn:\${AWS::Partition}:iam::\${SourceAccountId}:role/${name}`;
}
/** The source role ARNs a trust statement admits (its ArnEquals aws:PrincipalArn, each a Fn::Sub). */
const admitted = (statement: unknown) =>
  (
    ((statement as Statement).Condition?.ArnEquals?.['aws:PrincipalArn'] ?? []) as { 'Fn::Sub': string }[]
  ).map((a) => a['Fn::Sub']);

describe(FILE, () => {
  beforeAll(ensureVenv, 600_000);

  it('is a template cfn-lint finds no error in', () => {
    // Act
    const lint = cfnLint(FILE);
    // Assess
    expect(lint.ok, lint.output).toBe(true);
  });

  it('parses as plain YAML (long-form intrinsics only) and says how to deploy it', () => {
    expect(text).not.toMatch(/!(Sub|Ref|GetAtt|If|Equals|Not|Join|Split|Select)\b/);
    expect(text).toContain('--capabilities CAPABILITY_NAMED_IAM');
    expect(text).toContain('--template-file resources/escrow-destination.yml');
    expect(Object.keys(template.Outputs).sort()).toEqual([
      'EscrowKeyAlias',
      'EscrowKeyArn',
      'ReaderRoleArn',
      'WriterRoleArn',
    ]);
  });

  it('creates the roles and the alias under the names the code defaults to', () => {
    expect(resource('WriterRole').Properties.RoleName).toEqual({
      'Fn::Sub': `${ESCROW_WRITER_ROLE}-\${AWS::Region}`,
    });
    expect(resource('ReaderRole').Properties.RoleName).toEqual({
      'Fn::Sub': `${ESCROW_READER_ROLE}-\${AWS::Region}`,
    });
    expect(resource('EscrowKeyAlias').Properties.AliasName).toBe(ESCROW_KEY_ALIAS);
  });

  it('lets only rotateKeyMaterial assume the writer role, and the reading functions the reader role', () => {
    // Prepare
    const root = { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${SourceAccountId}:root` } };
    const [writer, ...writerRest] = trustOf('WriterRole') as Statement[];
    const [reader] = trustOf('ReaderRole') as Statement[];
    // Assess
    // Besides the functions: the source account's operators (keys restore / rotate), when given.
    const operators = {
      'Fn::If': [
        'HasSourceOperators',
        {
          Sid: 'SourceOperators',
          Effect: 'Allow',
          Principal: { AWS: { Ref: 'SourceOperatorArns' } },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'SourceAccountId' } } },
        },
        { Ref: 'AWS::NoValue' },
      ],
    };
    expect(writerRest).toEqual([operators]);
    expect(trustOf('ReaderRole')[1]).toEqual(operators);
    expect(writer?.Principal).toEqual(root);
    expect(admitted(writer)).toEqual([sourceRoleArn('rotateKeyMaterial')]);
    expect(reader?.Principal).toEqual(root);
    expect(admitted(reader).sort()).toEqual(
      ['sweep', 'configRule', 'onResourceChange', 'rotateKeyMaterial'].map(sourceRoleArn).sort(),
    );
  });

  it('trusts the recovery principals only when some are given, and only of this account', () => {
    // Prepare
    const recovery = trustOf('ReaderRole')[2] as { 'Fn::If': [string, Statement, unknown] };
    const [condition, given, none] = recovery['Fn::If'];
    // Assess: the default '' is one empty item, joined '' — the condition is false, no statement
    expect(template.Parameters.RecoveryPrincipalArns).toMatchObject({
      Type: 'CommaDelimitedList',
      Default: '',
    });
    expect(template.Conditions[condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'RecoveryPrincipalArns' }] }, ''] }],
    });
    expect(none).toEqual({ Ref: 'AWS::NoValue' });
    expect(given.Principal).toEqual({ AWS: { Ref: 'RecoveryPrincipalArns' } });
    expect(given.Condition).toEqual({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('grants no write on "*": only secretsmanager:ListSecrets (no resource type) is', () => {
    for (const role of ['WriterRole', 'ReaderRole']) {
      const everything = roleStatements(role).filter(
        (s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('*"'),
      );
      for (const s of everything) {
        if (s.Resource === '*')
          expect(list(s.Action), `${role} ${s.Sid}`).toEqual(['secretsmanager:ListSecrets']);
        // A pattern is the escrow secrets' prefix, never a whole service's resources.
        else expect(JSON.stringify(s.Resource), `${role} ${s.Sid}`).toContain(`:secret:${SECRET_PREFIX}*`);
      }
    }
  });

  it('grants nothing that changes or deletes a secret, and denies it outright to both roles', () => {
    const forbidden = [
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecret',
    ];
    const statements = [...roleStatements('WriterRole'), ...roleStatements('ReaderRole'), ...keyPolicy()];
    for (const s of statements)
      for (const action of forbidden) expect(grants(s, action), `${s.Sid} grants ${action}`).toBe(false);
    for (const role of ['WriterRole', 'ReaderRole']) {
      const denied = roleStatements(role)
        .filter((s) => s.Effect === 'Deny' && s.Resource === '*')
        .flatMap((s) => list(s.Action));
      expect(denied, role).toEqual(expect.arrayContaining(forbidden));
    }
  });

  it('gives the writer exactly what EscrowStore calls, CreateSecret only with the escrow key and its tags', () => {
    // Prepare
    const statements = roleStatements('WriterRole').filter((s) => s.Effect === 'Allow');
    const actions = new Set(
      statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('secretsmanager:')),
    );
    const create = statements.find((s) => list(s.Action).includes('secretsmanager:CreateSecret'));
    const tagging = statements.filter((s) => list(s.Action).includes('secretsmanager:TagResource'));
    const { keyMaterialId, ...createTags } = ESCROW_TAGS;
    const createKeys = [...Object.values(createTags), 'managed-by'].sort();
    const tagKeys = (s: Statement | undefined) =>
      ((s?.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys'] ?? []) as string[]).slice().sort();
    // Assess
    expect([...actions].sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetResourcePolicy',
      'secretsmanager:GetSecretValue',
      'secretsmanager:ListSecrets',
      'secretsmanager:PutResourcePolicy',
      'secretsmanager:TagResource',
    ]);
    expect(create?.Condition?.ArnEquals?.['secretsmanager:KmsKeyArn']).toEqual({
      'Fn::GetAtt': ['EscrowKey', 'Arn'],
    });
    expect(create?.Condition?.StringEquals?.['aws:RequestTag/managed-by']).toBe('backup-sentinel');
    expect(tagKeys(create)).toEqual(createKeys);
    // TagResource: the create-time tags (CreateSecret with Tags is also authorized as TagResource)
    // and, afterwards, only the KeyMaterialId tag.
    expect(tagging.map(tagKeys).sort()).toEqual([[keyMaterialId], createKeys].sort());
    const lock = statements.find((s) => list(s.Action).includes('secretsmanager:PutResourcePolicy'));
    expect(lock?.Condition).toEqual({ Bool: { 'secretsmanager:BlockPublicPolicy': 'true' } });
  });

  it('lets the account root administer the escrow key but use it for no cryptographic operation', () => {
    // Prepare
    const crypto = [
      'Encrypt',
      'Decrypt',
      'ReEncryptFrom',
      'ReEncryptTo',
      'GenerateDataKey',
      'GenerateDataKeyWithoutPlaintext',
      'GenerateDataKeyPair',
      'GenerateDataKeyPairWithoutPlaintext',
      'GenerateMac',
      'VerifyMac',
      'Sign',
      'Verify',
      'GenerateRandom',
      'DeriveSharedSecret',
      // A grant confers cryptographic operations.
      'CreateGrant',
    ].map((a) => `kms:${a}`);
    const rootArn = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` };
    const root = keyPolicy().filter((s) => JSON.stringify(s.Principal).includes(JSON.stringify(rootArn)));
    // Assess
    expect(root.length).toBeGreaterThan(0);
    for (const s of root) {
      for (const action of crypto) expect(grants(s, action), `${s.Sid} grants ${action}`).toBe(false);
      expect(list(s.Action)).toContain('kms:PutKeyPolicy');
    }
  });

  it('lets the roles use the escrow key only through Secrets Manager in this account, and retains it', () => {
    // Prepare
    const key = resource('EscrowKey');
    const through = {
      StringEquals: {
        'kms:ViaService': { 'Fn::Sub': `secretsmanager.\${AWS::Region}.amazonaws.com` },
        'kms:CallerAccount': { Ref: 'AWS::AccountId' },
      },
    };
    const forRole = (role: string) =>
      keyPolicy().filter(
        (s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: { 'Fn::GetAtt': [role, 'Arn'] } }),
      );
    // Assess
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    expect(key.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    // Cryptographic use only through Secrets Manager; the writer may also describe the key
    // (it resolves alias/backup-sentinel-escrow to the key ARN it passes to CreateSecret).
    const crypto = (s: { Action: string | string[] }) => list(s.Action).some((a) => a !== 'kms:DescribeKey');
    for (const role of ['WriterRole', 'ReaderRole']) {
      expect(forRole(role).length, role).toBeGreaterThan(0);
      for (const s of forRole(role).filter(crypto)) expect(s.Condition, `${role} ${s.Sid}`).toEqual(through);
    }
    expect(
      forRole('WriterRole')
        .filter((s) => !crypto(s))
        .map((s) => list(s.Action)),
    ).toEqual([['kms:DescribeKey']]);
    expect(
      forRole('ReaderRole')
        .flatMap((s) => list(s.Action))
        .sort(),
    ).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    for (const role of ['WriterRole', 'ReaderRole'])
      for (const s of roleStatements(role).filter((s) =>
        list(s.Action).some((a) => a.startsWith('kms:') && a !== 'kms:DescribeKey'),
      ))
        expect(s.Condition?.StringEquals?.['kms:ViaService'], `${role} ${s.Sid}`).toEqual(
          through.StringEquals['kms:ViaService'],
        );
  });
});
