/**
 * The policy file (`policies.yml`): one schema, every field defaulted ("only specify what is
 * needed"). The JSON Schema in docs/ is generated from this (`policyJsonSchema`, by `npm run docs`).
 */
import * as z from 'zod';
import { parseFrequency } from './schedule.js';

/** Vault events AWS Backup can send to SNS (backup-notifications.html). */
export const VAULT_EVENTS = [
  'BACKUP_JOB_STARTED',
  'BACKUP_JOB_COMPLETED',
  'COPY_JOB_STARTED',
  'COPY_JOB_SUCCESSFUL',
  'COPY_JOB_FAILED',
  'RESTORE_JOB_STARTED',
  'RESTORE_JOB_COMPLETED',
  'RECOVERY_POINT_MODIFIED',
  'S3_BACKUP_OBJECT_FAILED',
  'S3_RESTORE_OBJECT_FAILED',
  'CONTINUOUS_BACKUP_INTERRUPTED',
] as const;

/** BACKUP_JOB_COMPLETED carries failed/expired jobs too; SNS has no BACKUP_JOB_FAILED event. */
/**
 * The vault notifications asked for by default: only what EventBridge does not carry. Every job
 * state change (backup, copy, restore, recovery point) arrives as an EventBridge event, which the
 * onBackupEvent function reads; the S3 object-level failures exist only as vault notifications.
 */
export const DEFAULT_VAULT_EVENTS = ['S3_BACKUP_OBJECT_FAILED', 'S3_RESTORE_OBJECT_FAILED'] as const;

const days = (max = 36_500) => z.number().int('must be a whole number of days').min(1).max(max);
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1');
const planName = z
  .string()
  .regex(/^[a-zA-Z0-9\-_.]{1,50}$/, 'must be 1-50 letters, digits, hyphens, underscores or dots');
/** PutBackupVaultLockConfiguration and PutBackupVaultNotifications accept only these. */
const vaultName = z
  .string()
  .regex(/^[a-zA-Z0-9\-_]{2,50}$/, 'must be 2-50 letters, digits, hyphens or underscores');
const kmsKeyArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/, 'must be a KMS key ARN');

const frequency = z.string().refine((s) => parseFrequency(s) !== undefined, {
  message: 'must be like "1h", "12h", "1d", "7d" or an AWS cron() expression',
});

const copy = z
  .strictObject({
    region: region.optional().describe('Destination region; defaults to the resource region.'),
    account: accountId.optional().describe('Destination account; defaults to the resource account.'),
    vault: vaultName.optional().describe("Destination vault; defaults to the policy's vault name."),
    retentionDays: days()
      .optional()
      .describe("Retention of the copy; defaults to the policy's retentionDays."),
  })
  .refine((c) => c.region !== undefined || c.account !== undefined, {
    message: 'a copy needs a region, an account, or both',
  });

export const policySchema = z
  .strictObject({
    plan: planName.optional().describe('AWS Backup plan name; defaults to backup-sentinel-<policy>.'),
    vault: vaultName.optional().describe('Backup vault name; defaults to backup-sentinel-<policy>.'),
    frequency: frequency
      .default('1d')
      .describe('Largest gap between recovery points: 1h, 12h, 1d, 7d or cron().'),
    retentionDays: days().default(35).describe('How far back a restore must be possible.'),
    continuous: z
      .boolean()
      .default(false)
      .describe('Point-in-time recovery (continuous backup, max 35 days).'),
    copies: z.array(copy).default([]).describe('Cross-region and/or cross-account copies.'),
    vaultLock: z
      .strictObject({
        minRetentionDays: days(),
        maxRetentionDays: days().optional(),
        mode: z
          .enum(['governance', 'compliance'])
          .default('governance')
          .describe('compliance locks the vault for good after a 3-day grace period.'),
      })
      .optional(),
    restoreTest: z
      .strictObject({
        everyDays: days(365).default(7),
        maxRestoreMinutes: z.number().int().min(1).optional(),
        requireValidation: z.boolean().default(true),
        dbSubnetGroupName: z.string().optional().describe('Subnet group RDS restore tests restore into.'),
      })
      .optional(),
    rpoHours: z
      .number()
      .positive()
      .optional()
      .describe('Newest recovery point and copy must be younger; default 2x frequency.'),
    s3: z
      .strictObject({
        versioning: z.boolean().default(true),
        noncurrentVersionExpirationDays: days().optional().describe('Default: retentionDays.'),
        objectLock: z.boolean().default(false),
      })
      .default({ versioning: true, objectLock: false }),
    rds: z
      .strictObject({
        minRetentionDays: z.number().int().min(0).max(35).default(7),
        deletionProtection: z.boolean().default(true),
        copyTagsToSnapshot: z.boolean().default(true),
      })
      .default({ minRetentionDays: 7, deletionProtection: true, copyTagsToSnapshot: true }),
    encryption: z
      .strictObject({
        customerManagedKey: z.boolean().default(false),
        vaultKeyArn: kmsKeyArn
          .optional()
          .describe('Customer-managed key for vaults backup-sentinel creates.'),
      })
      .default({ customerManagedKey: false }),
    notifications: z
      .strictObject({ events: z.array(z.enum(VAULT_EVENTS)).default([...DEFAULT_VAULT_EVENTS]) })
      .default({ events: [...DEFAULT_VAULT_EVENTS] }),
    deleteProtection: z
      .strictObject({
        exemptPrincipalArns: z
          .array(
            z
              .string()
              .regex(
                /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
                'must be an IAM role or user ARN, without wildcards',
              ),
          )
          .default([])
          .describe(
            'Principals vault delete protection exempts (a break-glass role), like principalArnList of the Config rule backup-recovery-point-manual-deletion-disabled.',
          ),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const gap = parseFrequency(p.frequency)?.maxGapHours;
    if (gap !== undefined && p.rpoHours !== undefined && p.rpoHours < gap) {
      ctx.addIssue({
        code: 'custom',
        path: ['rpoHours'],
        message: `is shorter than the backup frequency (${gap}h): it could never be met`,
      });
    }
    const lock = p.vaultLock;
    if (!lock) return;
    p.copies.forEach((c, i) => {
      const days = c.retentionDays ?? p.retentionDays;
      if (
        days < lock.minRetentionDays ||
        (lock.maxRetentionDays !== undefined && days > lock.maxRetentionDays)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['copies', i, 'retentionDays'],
          message: `(${days}) is outside the vault lock bounds (${lock.minRetentionDays}-${lock.maxRetentionDays ?? '∞'} days): every copy would fail`,
        });
      }
    });
    if (p.continuous && Math.min(p.retentionDays, 35) < lock.minRetentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['vaultLock', 'minRetentionDays'],
        message: `(${lock.minRetentionDays}) is above the 35 days continuous backups can be kept: every continuous job would fail`,
      });
    }
    if (lock.maxRetentionDays !== undefined && lock.maxRetentionDays < lock.minRetentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['vaultLock', 'maxRetentionDays'],
        message: 'is below minRetentionDays',
      });
    }
    if (p.retentionDays < lock.minRetentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['retentionDays'],
        message: `(${p.retentionDays}) is below vaultLock.minRetentionDays (${lock.minRetentionDays}): AWS Backup would reject every job`,
      });
    }
    if (lock.maxRetentionDays !== undefined && p.retentionDays > lock.maxRetentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['retentionDays'],
        message: `(${p.retentionDays}) is above vaultLock.maxRetentionDays (${lock.maxRetentionDays}): AWS Backup would reject every job`,
      });
    }
  });

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN');

/** One place every imported material is kept: a secret in this account or another, in a Region. */
const escrowDestination = z.strictObject({
  account: accountId,
  region,
  writerRoleArn: roleArn
    .optional()
    .describe(
      'Role the rotator assumes to write the secret; defaults to backup-sentinel-escrow-writer-<region> in that account (resources/escrow-destination.yml).',
    ),
  readerRoleArn: roleArn
    .optional()
    .describe(
      'Role the sweep and `keys restore` assume to read it; defaults to backup-sentinel-escrow-reader-<region>.',
    ),
  kmsKeyId: z
    .string()
    .regex(
      /^(alias\/[\w/-]{1,250}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]{1,250})$/,
      'must be a KMS key ARN, alias ARN or alias/name',
    )
    .optional()
    .describe(
      'Customer-managed key that encrypts the secret there; defaults to alias/backup-sentinel-escrow.',
    ),
});

const keyMaterial = z
  .strictObject({
    escrow: z
      .array(escrowDestination)
      .max(10)
      .optional()
      .describe('Where every imported material is kept (escrowed before it is imported).'),
    replicas: z.array(escrowDestination).max(10).optional().describe('Former name of `escrow` (still read).'),
    keys: z
      .array(kmsKeyArn)
      .max(100)
      .default([])
      .describe('Keys (EXTERNAL origin) the rotator manages, besides those tagged `optInTag`.'),
    optInTag: z
      .string()
      .min(1)
      .max(128)
      .default('backup:key-material')
      .describe('A key tagged with this key and the value "escrow" is managed by the rotator.'),
    rotateEveryDays: days(3650)
      .optional()
      .describe(
        'Rotate a managed key on demand when its current material is this old (absent: import once, never rotate).',
      ),
    validityDays: days(365)
      .optional()
      .describe(
        'Imported material expires this many days after import (ValidTo; at most 365). Absent: it does not expire.',
      ),
    expiryWarningDays: days(365).default(30),
    rotationReserve: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .describe(
        'On-demand rotations of the per-key quota kept for emergencies: scheduled rotation stops there.',
      ),
  })
  .refine((k) => !(k.escrow && k.replicas), {
    message: 'use `escrow` (replicas is its former name), not both',
  })
  .refine((k) => !k.validityDays || k.validityDays > k.expiryWarningDays, {
    message:
      "validityDays must be longer than expiryWarningDays, or every reimport would shorten the material's expiry",
  })
  .refine((k) => !(k.rotateEveryDays && k.validityDays) || k.rotateEveryDays < k.validityDays, {
    message:
      'rotateEveryDays must be shorter than validityDays, or the current material expires before it is rotated',
  });

/** Short enough that backup-sentinel-<name> fits AWS Backup's 50 characters. */
const policyName = z
  .string()
  .regex(/^[a-zA-Z0-9-]{1,34}$/, 'policy names are 1-34 letters, digits or hyphens')
  .refine((n) => n !== 'none', { message: '"none" is reserved for the opt-out' });

export const policyFileSchema = z.strictObject({
  tagKey: z
    .string()
    .min(1)
    .max(128)
    .default('backup:policy')
    .describe('Tag that names the policy of a resource.'),
  remediateTagKey: z
    .string()
    .min(1)
    .max(128)
    .default('backup:remediate')
    .describe('Tag whose value "false" makes a resource audit-only.'),
  configMaxAgeHours: z
    .number()
    .int()
    .min(1)
    .max(720)
    .default(24)
    .describe(
      "How recent AWS Config's data must be for the sweep to read bucket settings from it: the recorder's last successful status within this many hours (else the buckets are read directly).",
    ),
  keyMaterial: keyMaterial
    .optional()
    .describe(
      'Imported KMS key material: which keys backup-sentinel generates, escrows and rotates material for, and where every material is kept.',
    ),
  policies: z
    .record(policyName, policySchema)
    .refine((r) => Object.keys(r).length > 0, { message: 'must declare at least one policy' })
    .superRefine((policies, ctx) => {
      // Two policies writing to one plan or vault would ask for conflicting changes.
      for (const field of ['plan', 'vault'] as const) {
        const owner = new Map<string, string>();
        for (const [name, p] of Object.entries(policies)) {
          const value = p[field] ?? `backup-sentinel-${name}`;
          const first = owner.get(value);
          if (first) {
            ctx.addIssue({
              code: 'custom',
              path: [name, field],
              message: `${value} is already the ${field} of policy ${first}; policies cannot share one`,
            });
          } else owner.set(value, name);
        }
      }
    }),
});

export type PolicyInput = z.input<typeof policySchema>;
export type PolicyFileInput = z.input<typeof policyFileSchema>;
export type ParsedPolicyFile = z.output<typeof policyFileSchema>;
export type ParsedPolicy = z.output<typeof policySchema>;

/** JSON Schema of the policy file, for editor completion (docs/policy.schema.json). */
export function policyJsonSchema(): unknown {
  return z.toJSONSchema(policyFileSchema, { io: 'input', unrepresentable: 'any' });
}
