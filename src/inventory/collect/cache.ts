/**
 * The event path's AWS Backup state, reused between events: a burst of events hits the same
 * plans and vaults. One cache per Lambda container (functions/shared/container.ts); a fix applied
 * in a region makes every entry that read that region stale (src/app/runtime.ts invalidates it).
 */
import type { BackupScope } from './backup-scope.js';
import type { CollectionError } from './calls.js';

/** One home region's AWS Backup state (with its copy destinations) and the errors reading it. */
export interface BackupState {
  state: BackupScope;
  errors: CollectionError[];
}

/** Whose state: the account, the home region, and the DR role the destinations were read with. */
export interface BackupStateKey {
  accountId: string;
  region: string;
  drRoleArn?: string;
}

export interface BackupStateCacheOptions {
  /** How long an entry is reused (default 300). */
  ttlSeconds?: number;
  /** Milliseconds since the epoch (tests). */
  clock?: () => number;
}

export class BackupStateCache {
  private readonly entries = new Map<string, { at: number; regions: Set<string>; value: BackupState }>();
  private readonly ttlMs: number;
  private readonly clock: () => number;
  /** Bumped by every invalidation: a read that began before one is not kept. */
  private generation = 0;

  constructor(options: BackupStateCacheOptions = {}) {
    this.ttlMs = (options.ttlSeconds ?? 300) * 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** The state read for `key` within the last ttlSeconds, if any. */
  get(key: BackupStateKey): BackupState | undefined {
    const k = keyOf(key);
    const entry = this.entries.get(k);
    if (!entry) return undefined;
    if (this.clock() - entry.at > this.ttlMs) {
      this.entries.delete(k);
      return undefined;
    }
    return entry.value;
  }

  set(key: BackupStateKey, value: BackupState): void {
    this.store(key, value, this.clock());
  }

  /**
   * The state for `key`: cached, or read now and kept, as old as the moment the read began (not
   * kept when a region was invalidated meanwhile: the read may predate the fix).
   */
  async getOrRead(key: BackupStateKey, read: () => Promise<BackupState>): Promise<BackupState> {
    const cached = this.get(key);
    if (cached) return cached;
    const at = this.clock();
    const generation = this.generation;
    const value = await read();
    if (generation === this.generation) this.store(key, value, at);
    return value;
  }

  /**
   * Forgets every entry that read `region`: as a home region, or as a copy destination of
   * another home region (in any account).
   */
  invalidate(region: string): void {
    this.generation++;
    for (const [k, entry] of this.entries) {
      if (entry.regions.has(region)) this.entries.delete(k);
    }
  }

  private store(key: BackupStateKey, value: BackupState, at: number): void {
    const regions = new Set([key.region, ...value.state.scope.map((e) => e.Region)]);
    this.entries.set(keyOf(key), { at, regions, value });
  }
}

const keyOf = (k: BackupStateKey) => `${k.accountId}|${k.region}|${k.drRoleArn ?? ''}`;
