/**
 * KMS keys: those of the audited databases and vaults and those the rotator manages, with
 * aliases and, for imported material, every material KMS lists (ListKeyRotations).
 */
import type { AliasListEntry, KeyMetadata, RotationsListEntry } from '@aws-sdk/client-kms';
import type { Aws } from '../../aws/clients.js';
import { checkValueOf } from '../../keys/material.js';
import type { KeyMaterialSettings } from '../../policy/index.js';
import { parseArn } from '../arn.js';
import { all, type Collection, type Input, iso, mapLimit, withIsoDates } from './calls.js';

/** The keys the rotator manages in a region: named in keyMaterial.keys, or tagged `<optInTag>=escrow`. */
export async function managedKeyIds(
  aws: Aws,
  c: Collection,
  region: string,
  settings: KeyMaterialSettings,
): Promise<string[]> {
  const named = settings.keys.filter((k) => parseArn(k)?.region === region);
  const pages = await c.try('*', 'tag:GetResources', () =>
    all(
      aws.tagging(region).pages((sdk, client) =>
        sdk.paginateGetResources(
          { client },
          {
            ResourceTypeFilters: ['kms:key'],
            TagFilters: [{ Key: settings.optInTag, Values: ['escrow'] }],
          },
        ),
      ),
    ),
  );
  const tagged = (pages ?? [])
    .flatMap((p) => p.ResourceTagMappingList ?? [])
    .flatMap((r) => r.ResourceARN ?? []);
  return [...new Set([...named, ...tagged])];
}

/** The KMS keys of a home region's databases and vaults (destination vaults' keys are read with them). */
export function keyIdsIn(
  region: string,
  resources: Input<'resources'>[],
  vaults: Input<'backupVaults'>[],
): string[] {
  const ids = new Set<string>();
  for (const r of resources)
    if (r.Region === region && 'KmsKeyId' in r && typeof r.KmsKeyId === 'string') ids.add(r.KmsKeyId);
  for (const v of vaults)
    if (v.EncryptionKeyArn && parseArn(v.BackupVaultArn)?.region === region) ids.add(v.EncryptionKeyArn);
  return [...ids];
}

export interface KeyReadOptions {
  region: string;
  /** Key ids, key ARNs or alias ARNs; those of other regions are left out. */
  ids: string[];
  limit: number;
  /** Key ARNs the rotator manages (marked Managed). */
  managed?: string[];
  /** Read the key policies of customer-managed keys (this account's keys: copies.rds-key-shared). */
  keyPolicies?: boolean;
}

/** The keys `ids` name in the region, each once. */
export async function collectKeys(aws: Aws, c: Collection, o: KeyReadOptions): Promise<Input<'kmsKeys'>[]> {
  const { region, limit } = o;
  const kms = aws.kms(region);
  const inRegion = [...o.ids, ...(o.managed ?? [])].filter(
    (id) => !id.startsWith('arn:') || parseArn(id)?.region === region,
  );
  if (inRegion.length === 0) return [];
  const aliasPages =
    (await c.try('*', 'kms:ListAliases', () =>
      all(kms.pages((sdk, client) => sdk.paginateListAliases({ client }, {}))),
    )) ?? [];
  const aliases = aliasPages.flatMap((p) => p.Aliases ?? []);
  const keys = await mapLimit(inRegion, limit, async (id) => {
    const d = await c.try(id, 'kms:DescribeKey', () =>
      kms.send((sdk) => new sdk.DescribeKeyCommand({ KeyId: id })),
    );
    const m = d?.KeyMetadata;
    if (!m?.Arn || !m.KeyId) return undefined;
    // Every material of an imported symmetric key: KMS keeps one per rotation, each with its expiry.
    const rotations =
      m.Origin === 'EXTERNAL' && m.KeySpec === 'SYMMETRIC_DEFAULT' && m.KeyState !== 'PendingDeletion'
        ? await c.try(m.Arn, 'kms:ListKeyRotations', () =>
            all(
              kms.pages((sdk, client) =>
                sdk.paginateListKeyRotations(
                  { client },
                  { KeyId: m.Arn, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' },
                ),
              ),
            ),
          )
        : undefined;
    // Who else may use a customer-managed key (cross-account copies need the DR account admitted).
    const policy =
      o.keyPolicies && m.KeyManager === 'CUSTOMER'
        ? await c.try(m.Arn, 'kms:GetKeyPolicy', () =>
            kms.send((sdk) => new sdk.GetKeyPolicyCommand({ KeyId: m.Arn, PolicyName: 'default' })),
          )
        : undefined;
    const key = toKey(
      m,
      aliases,
      rotations?.flatMap((p) => p.Rotations ?? []),
    );
    return {
      ...key,
      ...(policy?.Policy ? { KeyPolicy: policy.Policy } : {}),
      Managed: (o.managed ?? []).includes(m.Arn),
    } as Input<'kmsKeys'>;
  });
  const seen = new Set<string>();
  return keys.filter(
    (k): k is Input<'kmsKeys'> => k !== undefined && !seen.has(k.Arn) && Boolean(seen.add(k.Arn)),
  );
}

/** DescribeKey metadata, the region's aliases and the key's materials (imported keys) -> key. */
export function toKey(
  m: KeyMetadata,
  aliases: AliasListEntry[],
  rotations: RotationsListEntry[] | undefined,
): Input<'kmsKeys'> {
  return {
    ...withIsoDates(m),
    KeyId: m.KeyId,
    Arn: m.Arn,
    Enabled: m.Enabled ?? false,
    KeyState: m.KeyState ?? 'Unavailable',
    KeyManager: m.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
    Aliases: aliases.filter((a) => a.TargetKeyId === m.KeyId).map((a) => a.AliasName ?? ''),
    ...(rotations ? { Materials: rotations.flatMap(toMaterial) } : {}),
  } as Input<'kmsKeys'>;
}

function toMaterial(r: RotationsListEntry): NonNullable<Input<'kmsKeys'>['Materials']> {
  if (!r.KeyMaterialId) return [];
  const kcv = checkValueOf(r.KeyMaterialDescription);
  return [
    {
      KeyMaterialId: r.KeyMaterialId,
      ...(kcv ? { CheckValue: kcv } : {}),
      // Absent (never seen from KMS): UNKNOWN, which the rules refuse to judge rather than guess.
      ImportState: r.ImportState ?? 'UNKNOWN',
      KeyMaterialState: r.KeyMaterialState ?? 'UNKNOWN',
      ...(r.ExpirationModel ? { ExpirationModel: r.ExpirationModel } : {}),
      ...(r.ValidTo ? { ValidTo: iso(r.ValidTo) } : {}),
      ...(r.RotationDate ? { RotationDate: iso(r.RotationDate) } : {}),
      ...(r.RotationType ? { RotationType: r.RotationType } : {}),
    },
  ];
}
