/**
 * How the collector calls AWS: every call through `Collection.try` (a failure becomes a
 * collectionErrors entry for what it was about), pages gathered with `all`, bounded concurrency
 * with `mapLimit`; and the conversions every mapper shares (ISO dates, tag lists).
 */
import type { InventoryInput } from '../schema.js';

/** One item of an inventory list, as the collector builds it (before the schema parses it). */
export type Input<K extends keyof InventoryInput> =
  NonNullable<InventoryInput[K]> extends (infer T)[] ? T : never;
export type CollectionError = Input<'collectionErrors'>;
export type Progress = (message: string) => void;

/** Errors that mean "there is none", not "could not read". */
const ABSENT = new Set([
  'NoSuchLifecycleConfiguration',
  'ObjectLockConfigurationNotFoundError',
  'ReplicationConfigurationNotFoundError',
  'ServerSideEncryptionConfigurationNotFoundError',
  'OwnershipControlsNotFoundError',
  'ResourceNotFoundException',
  'OptionGroupNotFoundFault',
]);

/** The errors of one collection run. */
export class Collection {
  readonly errors: CollectionError[] = [];

  /** Marks the whole-call ("*") errors recorded since `mark` with the account and region they were in. */
  stamp(mark: number, account: string, region: string): void {
    for (const e of this.errors.slice(mark)) {
      if (e.Arn === '*' && e.Region === undefined) Object.assign(e, { Account: account, Region: region });
    }
  }

  /** Did any read of `action` (region-wide or about one subject) fail since `mark`? */
  failedSince(mark: number, action: string): boolean {
    return this.errors.slice(mark).some((e) => e.Action === action);
  }

  /** Calls fn; on failure records {arn, action} and returns `absent` for "there is none" errors or undefined. */
  async try<T, A = never>(
    arn: string,
    action: string,
    fn: () => Promise<T>,
    absent?: A,
  ): Promise<T | A | undefined> {
    try {
      return await fn();
    } catch (e) {
      const err = e as Error & { Code?: string };
      const code = err.name === 'Error' ? (err.Code ?? 'Error') : err.name;
      if (ABSENT.has(code) && absent !== undefined) return absent;
      this.errors.push({ Arn: arn, Action: action, Code: code, Message: (err.message ?? '').slice(0, 300) });
      return undefined;
    }
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every page of a paginator. */
export async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

export const iso = (d: Date | undefined) => d?.toISOString();

/** SDK objects with Date values -> plain objects with ISO strings (nested objects too; arrays as they are). */
export function withIsoDates<T extends object>(o: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof Date) out[k] = v.toISOString();
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = withIsoDates(v);
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

/** An SDK tag list ([{Key, Value}]) -> a tag map. */
export const tagMap = (list: { Key?: string; Value?: string }[] = []) =>
  Object.fromEntries(list.filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));
