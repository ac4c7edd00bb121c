/**
 * The rotator (the rotateKeyMaterial function and `backup-sentinel keys rotate`): for each managed
 * key, read KMS and every escrow destination, decide (state.ts), and — when applying — carry the
 * decision out in the one order that never leaves material only inside KMS:
 *
 *   generate -> escrow to every destination, read back, verify -> GetParametersForImport -> wrap
 *   -> ImportKeyMaterial (primary, then each multi-Region replica) -> record the KeyMaterialId
 *   beside each copy -> RotateKeyOnDemand
 *
 * A failure before ImportKeyMaterial imports nothing. A failure after it leaves the material
 * PENDING_ROTATION (not used to encrypt; deletable) with its copies escrowed; the next run finds
 * it by its check value and completes the rotation. The material is zeroed in `finally`.
 */
import type { KeyMetadata, RotationsListEntry } from '@aws-sdk/client-kms';
import type { Aws, KmsApi } from '../aws/clients.js';
import { errorText } from '../errors.js';
import { parseArn } from '../inventory/arn.js';
import type { EscrowDestination, KeyMaterialSettings } from '../policy/index.js';
import { type EscrowCopy, type EscrowStore, secretName, where, writerStore } from './escrow.js';
import { describeImport, expiryFor, type ImportHow, importMaterial } from './import.js';
import { checkValue, newMaterial, zero } from './material.js';
import {
  type DestinationCopies,
  decide,
  type KeyAction,
  type KeyState,
  type Material,
  materialsOf,
  PENDING,
  type Replica,
} from './state.js';

export interface Step {
  call: string;
  target: string;
  status: 'done' | 'planned' | 'failed';
  detail?: string;
}

export interface KeyOutcome {
  keyArn: string;
  status: 'ok' | 'planned' | 'skipped' | 'failed' | 'unchanged';
  reason: string;
  steps: Step[];
  /** Check value and KeyMaterialId of the material this run imported (never the material). */
  checkValue?: string;
  keyMaterialId?: string;
}

export interface RotateOptions {
  apply: boolean;
  now: Date;
  /** The account the keys are in (secrets are tagged with it). */
  accountId: string;
  settings: KeyMaterialSettings;
  /** The escrow client of a destination, signed by its writer role (tests pass their own). */
  escrow?: (d: EscrowDestination) => EscrowStore;
}

/** The escrow stores of the destinations, through each one's writer role. */
export const writerStores = (aws: Aws) => (d: EscrowDestination) => writerStore(aws, d);

/** The keys the rotator manages in `regions`: tagged `<optInTag>=escrow`, or named in the policy file. */
export async function managedKeys(
  aws: Aws,
  regions: string[],
  settings: KeyMaterialSettings,
): Promise<string[]> {
  const arns = new Set<string>();
  for (const region of regions) {
    for (const arn of settings.keys) if (parseArn(arn)?.region === region) arns.add(arn);
    const pages = aws
      .tagging(region)
      .pages((sdk, client) =>
        sdk.paginateGetResources(
          { client },
          { ResourceTypeFilters: ['kms:key'], TagFilters: [{ Key: settings.optInTag, Values: ['escrow'] }] },
        ),
      );
    for await (const page of pages)
      for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) arns.add(r.ResourceARN);
  }
  return [...arns].sort();
}

export async function readKey(
  kms: KmsApi,
  keyId: string,
): Promise<{ key: KeyMetadata; materials: Material[] }> {
  const d = await kms.send((sdk) => new sdk.DescribeKeyCommand({ KeyId: keyId }));
  const key = d.KeyMetadata;
  if (!key?.Arn) throw new Error(`DescribeKey returned no key for ${keyId}`);
  const rotations: RotationsListEntry[] = [];
  if (
    key.Origin === 'EXTERNAL' &&
    key.KeySpec === 'SYMMETRIC_DEFAULT' &&
    key.KeyState !== 'PendingDeletion'
  ) {
    const pages = kms.pages((sdk, client) =>
      sdk.paginateListKeyRotations({ client }, { KeyId: key.Arn, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
    );
    for await (const p of pages) rotations.push(...(p.Rotations ?? []));
  }
  return { key, materials: materialsOf(rotations) };
}

/** Reads, decides and (when applying) rotates one key. Never throws: the outcome says what failed. */
export async function rotateKey(aws: Aws, keyArn: string, o: RotateOptions): Promise<KeyOutcome> {
  const region = parseArn(keyArn)?.region ?? '';
  const kms = aws.kms(region);
  const stores = o.settings.escrow.map((d) => (o.escrow ?? writerStores(aws))(d));
  let state: KeyState;
  try {
    const { key, materials } = await readKey(kms, keyArn);
    const arn = key.Arn ?? keyArn;
    // The check values KMS knows of: each is looked up by name where a listing (which may lag
    // behind a write by minutes) did not show it, so "no copy" is concluded only from a read.
    const kcvs = materials.flatMap((m) => (m.checkValue ? [m.checkValue] : []));
    const destinations = await Promise.all(
      stores.map(async (s): Promise<DestinationCopies> => {
        try {
          return { where: where(s.destination), copies: await s.listWith(arn, kcvs) };
        } catch (e) {
          return { where: where(s.destination), error: errorText(e) };
        }
      }),
    );
    const replicas =
      key.MultiRegionConfiguration?.MultiRegionKeyType === 'PRIMARY'
        ? await Promise.all(
            (key.MultiRegionConfiguration.ReplicaKeys ?? [])
              .flatMap((r) => (r.Arn && r.Region ? [{ arn: r.Arn, region: r.Region }] : []))
              .map(async (r): Promise<Replica> => {
                try {
                  return { ...r, materials: (await readKey(aws.kms(r.region), r.arn)).materials };
                } catch (e) {
                  return { ...r, error: errorText(e) };
                }
              }),
          )
        : [];
    state = { key, materials, destinations, replicas };
  } catch (e) {
    return { keyArn, status: 'failed', reason: `could not read the key: ${errorText(e)}`, steps: [] };
  }
  const decision = decide(state, o.settings, o.now);
  if (decision.kind === 'skip') return { keyArn, status: 'skipped', reason: decision.reason, steps: [] };
  if (decision.kind === 'none') return { keyArn, status: 'unchanged', reason: decision.reason, steps: [] };
  const run = new Run(aws, kms, state, stores, o);
  const failures: string[] = decision.kind === 'fail' ? [decision.reason] : [];
  for (const action of decision.actions) {
    // Reimports, backfills and a half-done rotation are independent: one failing does not stop
    // the others. New material only when everything before it went well.
    const isNew = action.kind === 'first-import' || action.kind === 'rotate';
    if (isNew && failures.length) {
      failures.push(`${action.kind}: not attempted after the failures above`);
      continue;
    }
    try {
      await run.carryOut(action);
    } catch (e) {
      failures.push(`${action.kind}: ${errorText(e)}`);
    }
  }
  const reasons = decision.actions.map((a) => a.reason);
  return {
    keyArn,
    status: failures.length ? 'failed' : o.apply ? 'ok' : 'planned',
    reason: [...failures, ...reasons].join('; '),
    steps: run.steps,
    ...(run.imported ?? {}),
  };
}

/** One key's actions, step by step, each recorded (planned in dry-run, done or failed when applying). */
class Run {
  readonly steps: Step[] = [];
  imported?: { checkValue: string; keyMaterialId?: string };
  private readonly keyArn: string;

  constructor(
    private readonly aws: Aws,
    private readonly kms: KmsApi,
    private readonly state: KeyState,
    private readonly stores: EscrowStore[],
    private readonly o: RotateOptions,
  ) {
    this.keyArn = state.key.Arn ?? '';
  }

  private async step<T>(
    call: string,
    target: string,
    f: () => Promise<T>,
    detail?: string,
  ): Promise<T | undefined> {
    if (!this.o.apply) {
      this.steps.push({ call, target, status: 'planned', ...(detail ? { detail } : {}) });
      return undefined;
    }
    try {
      const out = await f();
      this.steps.push({ call, target, status: 'done', ...(detail ? { detail } : {}) });
      return out;
    } catch (e) {
      this.steps.push({ call, target, status: 'failed', detail: errorText(e) });
      throw e;
    }
  }

  async carryOut(a: KeyAction): Promise<void> {
    if (a.kind === 'first-import' || a.kind === 'rotate') return this.importNew(a.kind === 'rotate');
    if (a.kind === 'complete-rotation') return this.complete(a.material, a.checkValue);
    if (a.kind === 'backfill') return this.backfill(a.material, a.checkValue, a.missing);
    return this.reimport(a.material, a.checkValue, a.target);
  }

  /** New material: escrowed everywhere and verified before KMS sees it. */
  private async importNew(rotate: boolean): Promise<void> {
    const material = newMaterial();
    try {
      const kcv = checkValue(material);
      const secrets = await this.escrowEverywhere(material, kcv, this.stores);
      const id = await this.importInto(this.kms, this.keyArn, material, kcv, { type: 'NEW_KEY_MATERIAL' });
      this.imported = { checkValue: kcv, ...(id ? { keyMaterialId: id } : {}) };
      for (const r of this.state.key.MultiRegionConfiguration?.ReplicaKeys ?? [])
        if (r.Arn && r.Region)
          await this.importInto(this.aws.kms(r.Region), r.Arn, material, kcv, {
            type: 'EXISTING_KEY_MATERIAL',
            id,
          });
      if (id || !this.o.apply) await this.recordIds(secrets, id);
      if (rotate) await this.rotate(id);
    } finally {
      zero(material);
    }
  }

  /** A material left PENDING_ROTATION: escrow it where it is missing, give it to the replicas, rotate. */
  private async complete(m: Material, kcv: string): Promise<void> {
    const present = this.copies(kcv);
    const missing = this.stores.filter((s) => !present.some((c) => c.store === s));
    const replicas = await this.replicasLacking(m.id);
    const created: { store: EscrowStore; secretArn: string }[] = [];
    if (missing.length || replicas.length || !m.imported) {
      const material = await this.readVerified(kcv);
      try {
        // A pending material that expired or was deleted first comes back under its own id.
        if (!m.imported)
          await this.importInto(this.kms, this.keyArn, material, kcv, {
            type: 'EXISTING_KEY_MATERIAL',
            id: m.id,
          });
        if (missing.length) created.push(...(await this.escrowEverywhere(material, kcv, missing)));
        for (const r of replicas)
          await this.importInto(this.aws.kms(r.region), r.arn, material, kcv, {
            type: 'EXISTING_KEY_MATERIAL',
            id: m.id,
          });
      } finally {
        zero(material);
      }
    }
    const untagged = present
      .filter((c) => c.copy.keyMaterialId !== m.id)
      .map((c) => ({ store: c.store, secretArn: c.copy.secretArn }));
    await this.recordIds([...untagged, ...created], m.id);
    await this.rotate(m.id);
  }

  /** The same bytes, from escrow, under the same KeyMaterialId (KMS checks they are the same). */
  private async reimport(m: Material, kcv: string, target?: { arn: string; region: string }): Promise<void> {
    const material = await this.readVerified(kcv);
    try {
      const kms = target ? this.aws.kms(target.region) : this.kms;
      await this.importInto(kms, target?.arn ?? this.keyArn, material, kcv, {
        type: 'EXISTING_KEY_MATERIAL',
        id: m.id,
      });
    } finally {
      zero(material);
    }
  }

  /** A material some destinations lack: a verified copy written there too. */
  private async backfill(m: Material, kcv: string, missing: string[]): Promise<void> {
    const stores = this.stores.filter((s) => missing.includes(where(s.destination)));
    const material = await this.readVerified(kcv);
    try {
      const secrets = await this.escrowEverywhere(material, kcv, stores);
      await this.recordIds(secrets, m.id);
    } finally {
      zero(material);
    }
  }

  /** The material of an escrow copy, its check value verified (undefined in a dry-run); the caller zeroes it. */
  private async readVerified(kcv: string): Promise<Uint8Array | undefined> {
    const source = this.copies(kcv)[0];
    if (!source) throw new Error(`no escrow copy of ${kcv}`);
    const material = await this.step('secretsmanager:GetSecretValue', source.copy.secretArn, () =>
      source.store.read(source.copy.secretArn),
    );
    if (material && checkValue(material) !== kcv) {
      zero(material);
      throw new Error(`escrow copy ${source.copy.secretArn} does not match check value ${kcv}`);
    }
    return material;
  }

  private copies(kcv: string): { store: EscrowStore; copy: EscrowCopy }[] {
    return this.stores.flatMap((store, i) => {
      const d = this.state.destinations[i];
      const copy =
        d && 'copies' in d ? d.copies.find((c) => c.checkValue === kcv && !c.deletedDate) : undefined;
      return copy ? [{ store, copy }] : [];
    });
  }

  private async escrowEverywhere(
    material: Uint8Array | undefined,
    kcv: string,
    stores: EscrowStore[],
  ): Promise<{ store: EscrowStore; secretArn: string }[]> {
    const out: { store: EscrowStore; secretArn: string }[] = [];
    for (const store of stores) {
      const arn = await this.step(
        'secretsmanager:CreateSecret+PutResourcePolicy+GetSecretValue',
        where(store.destination),
        () =>
          store.put({
            keyArn: this.keyArn,
            material: material as Uint8Array,
            checkValue: kcv,
            sourceAccount: this.o.accountId,
            at: this.o.now,
          }),
        `escrow ${kcv}, read back and verify`,
      );
      // In a dry-run the plan still shows where each copy's KeyMaterialId would be recorded.
      out.push({ store, secretArn: arn ?? secretName(this.keyArn, kcv) });
    }
    return out;
  }

  /** GetParametersForImport + ImportKeyMaterial, as one step of the plan (the token lives 24 h: fetched right before). */
  private async importInto(
    kms: KmsApi,
    keyArn: string,
    material: Uint8Array | undefined,
    kcv: string,
    how: ImportHow,
  ): Promise<string | undefined> {
    const expiry = expiryFor(this.o.settings.validityDays, this.o.now);
    return this.step(
      'kms:GetParametersForImport+ImportKeyMaterial',
      keyArn,
      () => importMaterial(kms, { keyArn, material: material as Uint8Array, checkValue: kcv, how, expiry }),
      describeImport(how, expiry),
    );
  }

  /** Replicas that do not hold material `id` yet. */
  private async replicasLacking(id: string): Promise<{ arn: string; region: string }[]> {
    const out: { arn: string; region: string }[] = [];
    for (const r of this.state.replicas ?? []) {
      if ('error' in r) throw new Error(`replica ${r.arn} could not be read (${r.error})`);
      if (!r.materials.some((m) => m.id === id && m.imported)) out.push({ arn: r.arn, region: r.region });
    }
    return out;
  }

  private async recordIds(secrets: { store: EscrowStore; secretArn: string }[], id: string | undefined) {
    for (const s of secrets)
      await this.step(
        'secretsmanager:TagResource',
        s.secretArn,
        () => s.store.recordMaterialId(s.secretArn, id ?? ''),
        `backup-sentinel:key-material-id=${id ?? '<from ImportKeyMaterial>'}`,
      );
  }

  /**
   * RotateKeyOnDemand, after listing the key's materials again: it rotates to whatever material
   * is pending at that moment, so it must still be the one this run escrowed.
   */
  private async rotate(id: string | undefined): Promise<void> {
    await this.step('kms:RotateKeyOnDemand', this.keyArn, async () => {
      const { materials } = await readKey(this.kms, this.keyArn);
      const pending = materials.filter((m) => PENDING.has(m.state));
      if (pending.length !== 1 || (id && pending[0]?.id !== id))
        throw new Error(
          `the material pending rotation is ${pending.map((m) => m.id).join(', ') || 'none'}, not ${id ?? 'the one escrowed'}: not rotated`,
        );
      return this.kms.send((sdk) => new sdk.RotateKeyOnDemandCommand({ KeyId: this.keyArn }));
    });
  }
}

/** Every managed key of `regions`, one at a time (a failure in one never stops the others). */
export async function rotateAll(
  aws: Aws,
  regions: string[],
  o: RotateOptions,
  only?: string,
): Promise<KeyOutcome[]> {
  let keys: string[];
  try {
    keys = await managedKeys(aws, regions, o.settings);
  } catch (e) {
    return [
      {
        keyArn: '*',
        status: 'failed',
        reason: `could not list the managed keys: ${errorText(e)}`,
        steps: [],
      },
    ];
  }
  const out: KeyOutcome[] = [];
  for (const k of keys)
    if (!only || k === only || k.endsWith(`/${only}`)) out.push(await rotateKey(aws, k, o));
  return out;
}
