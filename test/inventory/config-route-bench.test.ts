/** bench/config-route.ts: what the Config route costs for n buckets (no per-bucket S3 call). */
import { describe, expect, it } from 'vitest';
import { configRouteCalls } from '../../bench/config-route.js';

describe('configRouteCalls', () => {
  it('audits 1000 buckets in 25 calls: 10 Select pages, no per-bucket read', async () => {
    // Act
    const { calls, perResource, byApi } = await configRouteCalls(1000);
    // Assess
    expect(byApi.get('ConfigService.SelectResourceConfig')).toBe(10);
    expect([...byApi.keys()].filter((k) => /^S3\.Get/.test(k))).toEqual([]);
    expect(calls).toBe(25);
    expect(perResource).toBeCloseTo(0.025);
  });
});
