/** The per-service limiter every SDK call passes: calls in flight, and a token bucket where AWS documents a rate. */
import { describe, expect, it } from 'vitest';
import { Limiter, SERVICE_LIMITS } from '../../src/aws/clients.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function run(limiter: Limiter, calls: number, work: () => Promise<void>) {
  let now = 0;
  let max = 0;
  const startedAt: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: calls }, async () => {
      await limiter.acquire();
      startedAt.push(performance.now() - t0);
      max = Math.max(max, ++now);
      try {
        await work();
      } finally {
        now--;
        limiter.release();
      }
    }),
  );
  return { max, startedAt: startedAt.sort((a, b) => a - b) };
}

describe('Limiter', () => {
  it('holds calls past the in-flight limit until one ends, and lets every call through', async () => {
    // Act
    const { max, startedAt } = await run(new Limiter(3), 10, () => sleep(5));
    // Assess
    expect(max).toBe(3);
    expect(startedAt).toHaveLength(10);
  });

  it('starts at most `perSecond` calls a second once the burst is spent', async () => {
    // Act: 100 a second, a burst of 2: the 12th call starts 10 tokens (100 ms) after the first
    const { startedAt } = await run(new Limiter(50, 100, 2), 12, async () => {});
    // Assess
    expect(startedAt[1]).toBeLessThan(20);
    expect(startedAt[11]).toBeGreaterThanOrEqual(90);
  });

  it('keeps RDS at half its documented budget (12 a second, 300 in a burst, per account and Region)', () => {
    expect(SERVICE_LIMITS.rds).toMatchObject({ perSecond: 6, burst: 150 });
  });
});
