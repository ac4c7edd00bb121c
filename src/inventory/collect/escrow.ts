/**
 * The escrow copies of the audited keys' imported material, read in each destination through its
 * reader role (resources/escrow-destination.yml): listed by name prefix and, for each check value
 * KMS knows that the listing did not show (ListSecrets lags writes by minutes), looked up by name;
 * each secret's value read only to recompute its check value (the bytes are zeroed at once,
 * never kept), its resource policy judged. A destination that cannot be listed is recorded as a
 * whole-call error in that account and Region, so the rules say ERROR there rather than "no copy".
 */
import type { Aws } from '../../aws/clients.js';
import { policyProblem, readerStore } from '../../keys/escrow.js';
import type { KeyMaterialSettings } from '../../policy/index.js';
import { parseArn } from '../arn.js';
import type { Collection, Input } from './calls.js';

export async function collectEscrow(
  aws: Aws,
  c: Collection,
  keys: Input<'kmsKeys'>[],
  settings: KeyMaterialSettings,
  accountId: string,
): Promise<Input<'keyMaterialReplicas'>[]> {
  const imported = keys.filter((k) => k.Origin === 'EXTERNAL' && parseArn(k.Arn)?.account === accountId);
  if (imported.length === 0) return [];
  const out: Input<'keyMaterialReplicas'>[] = [];
  for (const d of settings.escrow) {
    const store = readerStore(aws, d);
    for (const key of imported) {
      const kcvs = (key.Materials ?? []).flatMap((m) => (m.CheckValue ? [m.CheckValue] : []));
      const mark = c.errors.length;
      // A replica's material is escrowed under its primary.
      const copies = await c.try('*', 'secretsmanager:ListSecrets', () =>
        store.listWith(primaryOf(key), kcvs),
      );
      c.stamp(mark, d.account, d.region);
      if (!copies) break; // the destination cannot be read: one error says so for every key
      for (const copy of copies) {
        // Secrets Manager refuses to read a secret scheduled for deletion: its date says enough.
        const read = copy.deletedDate
          ? undefined
          : await c.try(copy.secretArn, 'secretsmanager:GetSecretValue', () => store.verify(copy.secretArn));
        const policy = await c.try(copy.secretArn, 'secretsmanager:GetResourcePolicy', async () => ({
          text: await store.policy(copy.secretArn),
        }));
        const problem = policy ? policyProblem(policy.text, d) : undefined;
        out.push({
          SecretArn: copy.secretArn,
          KeyArn: key.Arn,
          AccountId: d.account,
          Region: d.region,
          CheckValue: copy.checkValue,
          ...(read ? { ReadCheckValue: read } : {}),
          ...(copy.keyMaterialId ? { KeyMaterialId: copy.keyMaterialId } : {}),
          ...(copy.kmsKeyId ? { KmsKeyId: copy.kmsKeyId } : {}),
          ...(problem ? { PolicyProblem: problem } : {}),
          ...(copy.deletedDate ? { DeletedDate: copy.deletedDate } : {}),
        });
      }
    }
  }
  return out;
}

/** The key a key's material is escrowed under: its multi-Region primary, or itself. */
export function primaryOf(key: Input<'kmsKeys'>): string {
  const mr = (
    key as { MultiRegionConfiguration?: { MultiRegionKeyType?: string; PrimaryKey?: { Arn?: string } } }
  ).MultiRegionConfiguration;
  return mr?.MultiRegionKeyType === 'REPLICA' && mr.PrimaryKey?.Arn ? mr.PrimaryKey.Arn : key.Arn;
}
