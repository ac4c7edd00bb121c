/** KMS keys: those of the audited databases and of the vaults, with aliases and material tags. */
import {
  type AliasListEntry,
  DescribeKeyCommand,
  type KeyMetadata,
  ListResourceTagsCommand,
  type ListResourceTagsResponse,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import type { Aws } from '../../aws/clients.js';
import { parseArn } from '../arn.js';
import { all, type Collection, type Input, mapLimit, withIsoDates } from './calls.js';

/** Tag written by the key rotator: the sha256 of the imported material (never the material). */
export const FINGERPRINT_TAG = 'backup-sentinel:material-sha256';
export const IMPORTED_AT_TAG = 'backup-sentinel:material-imported-at';

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
}

/** The keys `ids` name in the region, each once. */
export async function collectKeys(aws: Aws, c: Collection, o: KeyReadOptions): Promise<Input<'kmsKeys'>[]> {
  const { region, limit } = o;
  const kms = aws.kms(region);
  const inRegion = o.ids.filter((id) => !id.startsWith('arn:') || parseArn(id)?.region === region);
  if (inRegion.length === 0) return [];
  const aliasPages =
    (await c.try('*', 'kms:ListAliases', () => all(paginateListAliases({ client: kms }, {})))) ?? [];
  const aliases = aliasPages.flatMap((p) => p.Aliases ?? []);
  const keys = await mapLimit(inRegion, limit, async (id) => {
    const d = await c.try(id, 'kms:DescribeKey', () => kms.send(new DescribeKeyCommand({ KeyId: id })));
    const m = d?.KeyMetadata;
    if (!m?.Arn || !m.KeyId) return undefined;
    const tags =
      m.Origin === 'EXTERNAL' && m.KeyManager === 'CUSTOMER'
        ? await c.try(m.Arn, 'kms:ListResourceTags', () =>
            kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId })),
          )
        : undefined;
    return toKey(m, aliases, tags);
  });
  const seen = new Set<string>();
  return keys.filter(
    (k): k is Input<'kmsKeys'> => k !== undefined && !seen.has(k.Arn) && Boolean(seen.add(k.Arn)),
  );
}

/** DescribeKey metadata, the region's aliases and the key's tags (imported material only) -> key. */
export function toKey(
  m: KeyMetadata,
  aliases: AliasListEntry[],
  tags: ListResourceTagsResponse | undefined,
): Input<'kmsKeys'> {
  const tag = (key: string) => tags?.Tags?.find((t) => t.TagKey === key)?.TagValue;
  return {
    ...withIsoDates(m),
    KeyId: m.KeyId,
    Arn: m.Arn,
    Enabled: m.Enabled ?? false,
    KeyState: m.KeyState ?? 'Unavailable',
    KeyManager: m.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
    Aliases: aliases.filter((a) => a.TargetKeyId === m.KeyId).map((a) => a.AliasName ?? ''),
    ...(tag(FINGERPRINT_TAG) ? { MaterialFingerprint: tag(FINGERPRINT_TAG) } : {}),
    ...(tag(IMPORTED_AT_TAG) ? { MaterialImportedAt: tag(IMPORTED_AT_TAG) } : {}),
  } as Input<'kmsKeys'>;
}
