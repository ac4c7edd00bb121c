/** Where a policy's copies must land, resolved for a resource or plan in one region and account. */
import { vaultArn } from '../inventory/arn.js';
import type { Policy } from './index.js';

export interface Destination {
  arn: string;
  region: string;
  account: string;
  retentionDays: number;
  crossRegion: boolean;
  crossAccount: boolean;
}

/** Where a policy's copies of a resource in `region` of `account` must land. */
export function destinations(policy: Policy, region: string, account: string): Destination[] {
  return policy.copies.map((c) => {
    const r = c.region ?? region;
    const a = c.account ?? account;
    return {
      arn: vaultArn(r, a, c.vault ?? policy.vaultName),
      region: r,
      account: a,
      retentionDays: c.retentionDays ?? policy.retentionDays,
      crossRegion: r !== region,
      crossAccount: a !== account,
    };
  });
}

/** The destinations that are real copies (another region or account, not the source vault itself). */
export function copyDestinations(policy: Policy, region: string, account: string): Destination[] {
  return destinations(policy, region, account).filter((d) => d.crossRegion || d.crossAccount);
}
