/**
 * The escrow: one secret per imported material in each destination (another account, another
 * Region), written through the role the destination template creates (resources/escrow-destination.yml)
 * and never changed after: create once, lock with a resource policy, read back and verify the
 * check value. The material is the secret's binary value (32 bytes, never a string); what is
 * not secret — key ARN, check value, creation time, KeyMaterialId — is in its tags.
 */

import type { DescribeSecretCommandOutput, SecretListEntry } from '@aws-sdk/client-secrets-manager';
import type { Aws, KmsApi, SecretsManagerApi } from '../aws/clients.js';
import { parseArn } from '../inventory/arn.js';
import type { EscrowDestination } from '../policy/index.js';
import { onlyPrincipalsProblem } from '../rules/policy-doc.js';
import { checkValue, isCheckValue, zero } from './material.js';

export const SECRET_PREFIX = 'backup-sentinel/key-material/';
export const ESCROW_TAGS = {
  keyArn: 'backup-sentinel:key-arn',
  checkValue: 'backup-sentinel:check-value',
  createdAt: 'backup-sentinel:created-at',
  sourceAccount: 'backup-sentinel:source-account',
  keyMaterialId: 'backup-sentinel:key-material-id',
} as const;

/** What a listing tells of one escrow copy (never the material). */
export interface EscrowCopy {
  secretArn: string;
  name: string;
  account: string;
  region: string;
  keyArn: string;
  /** The check value the copy was written with (its tag; `verify` recomputes it from the value). */
  checkValue: string;
  keyMaterialId?: string;
  createdAt?: string;
  /** The key encrypting the secret there (absent: the AWS managed aws/secretsmanager key). */
  kmsKeyId?: string;
  /** Set when the secret is scheduled for deletion. */
  deletedDate?: string;
}

/** Where a destination is, for messages: "222222222222/eu-west-1". */
export const where = (d: { account: string; region: string }) => `${d.account}/${d.region}`;

/** The secret of one material: backup-sentinel/key-material/<account>/<region>/<key id>/<check value>. */
export function secretName(keyArn: string, kcv: string): string {
  return `${keyPrefix(keyArn)}${kcv.replace('kcv1:', '')}`;
}

/** The name prefix every material of one key shares. */
export function keyPrefix(keyArn: string): string {
  const a = parseArn(keyArn);
  if (a?.service !== 'kms' || !a.resource.startsWith('key/')) throw new Error(`not a KMS key ARN: ${keyArn}`);
  return `${SECRET_PREFIX}${a.account}/${a.region}/${a.resource.slice('key/'.length)}/`;
}

/**
 * The secret's resource policy: nobody but the destination's writer and reader roles may read,
 * change or delete it (explicit deny; the escrow key's policy says the same for decryption).
 */
export function secretPolicy(d: EscrowDestination): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheEscrowRoles',
        Effect: 'Deny',
        Principal: '*',
        Action: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecret',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:DeleteSecret',
          'secretsmanager:PutResourcePolicy',
          'secretsmanager:DeleteResourcePolicy',
        ],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': [d.writerRoleArn, d.readerRoleArn] } },
      },
    ],
  });
}

export class EscrowMismatchError extends Error {
  override name = 'EscrowMismatch';
}

/** One destination's secrets, through a client signed by the destination's writer or reader role. */
export class EscrowStore {
  /**
   * `kms`: a client in the destination, to resolve an alias kmsKeyId to the key's ARN before
   * CreateSecret (the writer role's CreateSecret is conditioned on the key ARN).
   */
  constructor(
    readonly destination: EscrowDestination,
    private readonly sm: SecretsManagerApi,
    private readonly kms?: KmsApi,
  ) {}

  /** The destination key as an ARN (an alias resolved with DescribeKey there), else as configured. */
  async keyArn(): Promise<string> {
    const id = this.destination.kmsKeyId;
    if (!this.kms || !(id.startsWith('alias/') || id.includes(':alias/'))) return id;
    const d = await this.kms.send((sdk) => new sdk.DescribeKeyCommand({ KeyId: id }));
    const key = d.KeyMetadata;
    if (!key?.Arn) throw new EscrowMismatchError(`${where(this.destination)}: ${id} names no key`);
    if (key.KeyManager !== 'CUSTOMER')
      throw new EscrowMismatchError(
        `${where(this.destination)}: ${id} is an AWS managed key; the escrow needs a customer-managed key`,
      );
    return key.Arn;
  }

  /** Every escrow copy of `keyArn` there (those scheduled for deletion included, marked). */
  async list(keyArn: string): Promise<EscrowCopy[]> {
    const out: EscrowCopy[] = [];
    const pages = this.sm.pages((sdk, client) =>
      sdk.paginateListSecrets(
        { client },
        { Filters: [{ Key: 'name', Values: [keyPrefix(keyArn)] }], IncludePlannedDeletion: true },
      ),
    );
    for await (const page of pages)
      for (const s of page.SecretList ?? []) {
        const copy = this.toCopy(s);
        if (copy?.keyArn === keyArn) out.push(copy);
      }
    return out;
  }

  /**
   * The listing, completed by a lookup by name of each check value it did not show: ListSecrets
   * may not reflect a write of the last minutes, so absence is concluded only from DescribeSecret.
   */
  async listWith(keyArn: string, checkValues: string[]): Promise<EscrowCopy[]> {
    const listed = await this.list(keyArn);
    for (const kcv of checkValues) {
      if (listed.some((c) => c.checkValue === kcv)) continue;
      const found = await this.find(keyArn, kcv);
      if (found) listed.push(found);
    }
    return listed;
  }

  /** The copy of one material, by its name; undefined when Secrets Manager says there is none. */
  async find(keyArn: string, kcv: string): Promise<EscrowCopy | undefined> {
    try {
      const d = await this.sm.send(
        (sdk) => new sdk.DescribeSecretCommand({ SecretId: secretName(keyArn, kcv) }),
      );
      const copy = this.toCopy(d);
      return copy?.keyArn === keyArn ? copy : undefined;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }

  /**
   * Writes one material: created once (its name is its check value, so a rerun finds it), locked,
   * then read back and its check value verified. Returns the secret's ARN.
   */
  async put(o: {
    keyArn: string;
    material: Uint8Array;
    checkValue: string;
    sourceAccount: string;
    at: Date;
  }): Promise<string> {
    const d = this.destination;
    const name = secretName(o.keyArn, o.checkValue);
    const kmsKeyId = await this.keyArn();
    let arn: string | undefined;
    try {
      const created = await this.sm.send(
        (sdk) =>
          new sdk.CreateSecretCommand({
            Name: name,
            SecretBinary: o.material,
            KmsKeyId: kmsKeyId,
            // Same material, same token: a retried create is the same create.
            ClientRequestToken: `bs-${o.checkValue.replace('kcv1:', '')}`,
            Description: `Imported KMS key material of ${o.keyArn}, escrowed by backup-sentinel (check value ${o.checkValue}).`,
            Tags: [
              { Key: ESCROW_TAGS.keyArn, Value: o.keyArn },
              { Key: ESCROW_TAGS.checkValue, Value: o.checkValue },
              { Key: ESCROW_TAGS.createdAt, Value: o.at.toISOString() },
              { Key: ESCROW_TAGS.sourceAccount, Value: o.sourceAccount },
              { Key: 'managed-by', Value: 'backup-sentinel' },
            ],
          }),
      );
      arn = created.ARN;
    } catch (e) {
      if ((e as Error).name !== 'ResourceExistsException') throw e;
    }
    const secretId = arn ?? name;
    await this.sm.send(
      (sdk) =>
        new sdk.PutResourcePolicyCommand({
          SecretId: secretId,
          ResourcePolicy: secretPolicy(d),
          BlockPublicPolicy: true,
        }),
    );
    const described = await this.sm.send((sdk) => new sdk.DescribeSecretCommand({ SecretId: secretId }));
    if (described.DeletedDate)
      throw new EscrowMismatchError(
        `${where(d)}: ${name} is scheduled for deletion (${described.DeletedDate.toISOString()})`,
      );
    if (!described.KmsKeyId)
      throw new EscrowMismatchError(
        `${where(d)}: ${name} is encrypted with the AWS managed key, not ${d.kmsKeyId}`,
      );
    const found = await this.verify(secretId);
    if (found !== o.checkValue)
      throw new EscrowMismatchError(
        `${where(d)}: ${name} holds material with check value ${found}, not ${o.checkValue}`,
      );
    return described.ARN ?? secretId;
  }

  /** The check value of the material a secret holds, recomputed from its value (zeroed after). */
  async verify(secretId: string): Promise<string> {
    const material = await this.read(secretId);
    try {
      return checkValue(material);
    } finally {
      zero(material);
    }
  }

  /** The material a secret holds: the caller zeroes it. */
  async read(secretId: string): Promise<Uint8Array> {
    const v = await this.sm.send((sdk) => new sdk.GetSecretValueCommand({ SecretId: secretId }));
    const bytes = v.SecretBinary;
    if (bytes?.length !== 32) {
      zero(bytes);
      throw new EscrowMismatchError(
        `${where(this.destination)}: ${secretId} does not hold 32 bytes of key material`,
      );
    }
    return bytes;
  }

  async policy(secretId: string): Promise<string | undefined> {
    return (await this.sm.send((sdk) => new sdk.GetResourcePolicyCommand({ SecretId: secretId })))
      .ResourcePolicy;
  }

  /** Records, beside the copy, the KeyMaterialId KMS gave the material on import. */
  async recordMaterialId(secretId: string, keyMaterialId: string): Promise<void> {
    await this.sm.send(
      (sdk) =>
        new sdk.TagResourceCommand({
          SecretId: secretId,
          Tags: [{ Key: ESCROW_TAGS.keyMaterialId, Value: keyMaterialId }],
        }),
    );
  }

  private toCopy(s: SecretListEntry | DescribeSecretCommandOutput): EscrowCopy | undefined {
    const tag = (k: string) => s.Tags?.find((t) => t.Key === k)?.Value;
    const keyArn = tag(ESCROW_TAGS.keyArn);
    const kcv = tag(ESCROW_TAGS.checkValue);
    if (!s.ARN || !s.Name?.startsWith(SECRET_PREFIX) || !keyArn || !isCheckValue(kcv)) return undefined;
    const id = tag(ESCROW_TAGS.keyMaterialId);
    const createdAt = tag(ESCROW_TAGS.createdAt);
    return {
      secretArn: s.ARN,
      name: s.Name,
      account: this.destination.account,
      region: this.destination.region,
      keyArn,
      checkValue: kcv,
      ...(id ? { keyMaterialId: id } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
      ...(s.DeletedDate ? { deletedDate: s.DeletedDate.toISOString() } : {}),
    };
  }
}

/** A destination's escrow, signed by its writer role (the rotator) or its reader role (verification, restore). */
export function writerStore(aws: Aws, d: EscrowDestination): EscrowStore {
  const writer = aws.assume(d.writerRoleArn, d.region);
  return new EscrowStore(d, writer.secretsManager(d.region), writer.kms(d.region));
}
export function readerStore(aws: Aws, d: EscrowDestination): EscrowStore {
  return new EscrowStore(d, aws.assume(d.readerRoleArn, d.region).secretsManager(d.region));
}

/** Whether a secret's resource policy admits only the destination's escrow roles, and why not. */
export function policyProblem(policy: string | undefined, d: EscrowDestination): string | undefined {
  return onlyPrincipalsProblem(
    policy,
    d.account,
    [d.writerRoleArn, d.readerRoleArn],
    'secretsmanager:GetSecretValue',
  );
}
