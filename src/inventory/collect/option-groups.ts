/**
 * RDS option groups the copies of a database need. AWS Backup does not carry a custom option group
 * with a copy: a cross-Region copy of a snapshot whose group has persistent or permanent options
 * fails unless a group of the same name exists in the destination Region, and RDS cannot share
 * (so AWS Backup cannot copy across accounts) a snapshot with such options. So the collector reads
 * each custom group a copying database uses, by name, in its Region and in each Region its copies
 * land in this account: one DescribeOptionGroups per (group, Region), whose "not found" proves
 * absence there.
 */
import type { Aws } from '../../aws/clients.js';
import { copyDestinations } from '../../policy/destinations.js';
import type { PolicySet } from '../../policy/index.js';
import { resolvePolicy } from '../../policy/resolve.js';
import { isDefaultOptionGroup, optionGroupArn } from '../arn.js';
import { type Collection, type Input, mapLimit } from './calls.js';

/** The (Region, group name) pairs to read for these resources: see the module comment. */
export function optionGroupReads(
  resources: Input<'resources'>[],
  policies: PolicySet,
): { account: string; region: string; name: string }[] {
  const reads = new Map<string, { account: string; region: string; name: string }>();
  const add = (account: string, region: string, name: string) =>
    reads.set(`${account}|${region}|${name}`, { account, region, name });
  for (const r of resources) {
    if (r.Type !== 'AWS::RDS::DBInstance' || r.DBClusterIdentifier) continue;
    const name = typeof r.OptionGroupName === 'string' ? r.OptionGroupName : undefined;
    if (!name || isDefaultOptionGroup(name)) continue;
    const resolution = resolvePolicy(r.Tags ?? {}, policies);
    if (resolution.kind !== 'policy') continue;
    const dests = copyDestinations(resolution.policy, r.Region, r.AccountId);
    if (dests.length === 0) continue;
    add(r.AccountId, r.Region, name);
    for (const d of dests) if (d.crossRegion && !d.crossAccount) add(d.account, d.region, name);
  }
  return [...reads.values()];
}

/** Each group of `optionGroupReads`, or its absence; a failed read is a collection error on the group's ARN. */
export async function collectOptionGroups(
  aws: Aws,
  c: Collection,
  resources: Input<'resources'>[],
  policies: PolicySet,
  limit: number,
): Promise<Input<'optionGroups'>[]> {
  const got = await mapLimit(
    optionGroupReads(resources, policies),
    limit,
    async ({ account, region, name }) => {
      const page = await c.try(
        optionGroupArn(account, region, name),
        'rds:DescribeOptionGroups',
        () => aws.rds(region).send((sdk) => new sdk.DescribeOptionGroupsCommand({ OptionGroupName: name })),
        null,
      );
      if (page === undefined) return undefined;
      const group = page?.OptionGroupsList?.find((g) => g.OptionGroupName === name);
      return {
        AccountId: account,
        Region: region,
        OptionGroupName: name,
        Exists: group !== undefined,
        ...(group?.EngineName ? { EngineName: group.EngineName } : {}),
        Options: (group?.Options ?? []).map((o) => ({
          OptionName: o.OptionName ?? '',
          Persistent: o.Persistent ?? false,
          Permanent: o.Permanent ?? false,
        })),
      };
    },
  );
  return got.filter((x): x is NonNullable<typeof x> => x !== undefined);
}
