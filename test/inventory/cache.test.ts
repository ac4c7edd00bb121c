/** The event path's cache of AWS Backup state: reused for a while, forgotten where a fix changed it. */
import { describe, expect, it } from 'vitest';
import { type BackupState, BackupStateCache } from '../../src/inventory/collect/index.js';

const ACCOUNT = '111111111111';
const HOME = { accountId: ACCOUNT, region: 'eu-central-1' };

/** A home region's state whose copies land in `destinations`. */
function state(region: string, destinations: string[] = []): BackupState {
  return {
    state: {
      lists: { backupPlans: [] },
      scope: [
        { Account: ACCOUNT, Region: region, Via: 'home', Reads: [] },
        ...destinations.map((d) => ({ Account: ACCOUNT, Region: d, Via: 'destination' as const, Reads: [] })),
      ],
    },
    errors: [],
  };
}

/** A cache on a clock the test moves. */
function cacheAt(start = 0) {
  const clock = { now: start };
  return { clock, cache: new BackupStateCache({ ttlSeconds: 300, clock: () => clock.now }) };
}

describe('BackupStateCache', () => {
  it('serves an entry for its ttl and forgets it after', () => {
    // Prepare
    const { clock, cache } = cacheAt();
    const read = state('eu-central-1');
    cache.set(HOME, read);
    // Act
    clock.now = 300_000;
    const fresh = cache.get(HOME);
    clock.now = 300_001;
    const stale = cache.get(HOME);
    // Assess
    expect(fresh).toBe(read);
    expect(stale).toBeUndefined();
  });

  it('keeps the state of each account, region and DR role apart', () => {
    // Prepare
    const { cache } = cacheAt();
    cache.set(HOME, state('eu-central-1'));
    // Act / Assess
    expect(cache.get({ ...HOME, drRoleArn: 'arn:aws:iam::{account}:role/dr-read' })).toBeUndefined();
    expect(cache.get({ ...HOME, region: 'eu-west-1' })).toBeUndefined();
    expect(cache.get({ ...HOME, accountId: '222222222222' })).toBeUndefined();
    expect(cache.get(HOME)).toBeDefined();
  });

  it('forgets every entry that read an invalidated region, as home or as copy destination', () => {
    // Prepare
    const { cache } = cacheAt();
    const frankfurt = HOME;
    const ireland = { ...HOME, region: 'eu-west-1' };
    const virginia = { ...HOME, region: 'us-east-1' };
    cache.set(frankfurt, state('eu-central-1', ['eu-west-1']));
    cache.set(ireland, state('eu-west-1'));
    cache.set(virginia, state('us-east-1'));
    // Act
    cache.invalidate('eu-west-1');
    // Assess
    expect(cache.get(frankfurt)).toBeUndefined();
    expect(cache.get(ireland)).toBeUndefined();
    expect(cache.get(virginia)).toBeDefined();
  });

  it('reads once and reuses the state, counted from when the read began', async () => {
    // Prepare
    const { clock, cache } = cacheAt(1_000);
    let reads = 0;
    const read = async () => {
      reads++;
      clock.now += 10_000; // the read takes 10 s
      return state('eu-central-1');
    };
    // Act
    const first = await cache.getOrRead(HOME, read);
    clock.now = 1_000 + 300_000;
    const second = await cache.getOrRead(HOME, read);
    clock.now = 1_000 + 300_001;
    await cache.getOrRead(HOME, read);
    // Assess
    expect(second).toBe(first);
    expect(reads).toBe(2);
  });

  it('does not keep a read that an invalidation overtook (it may show the state before the fix)', async () => {
    // Prepare
    const { cache } = cacheAt();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = cache.getOrRead(HOME, async () => {
      await gate;
      return state('eu-central-1');
    });
    // Act
    cache.invalidate('eu-central-1');
    release();
    await slow;
    // Assess
    expect(cache.get(HOME)).toBeUndefined();
  });
});
