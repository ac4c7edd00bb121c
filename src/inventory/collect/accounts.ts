/**
 * What an account's organization says (DescribeOrganization) and, for the home account, whether
 * AWS Backup may copy across its accounts (DescribeGlobalSettings isCrossAccountBackupEnabled).
 * "Not in an organization" is concluded only from AWSOrganizationsNotInUseException.
 */
import type { Aws } from '../../aws/clients.js';
import type { Collection, Input } from './calls.js';

const NOT_IN_ORGANIZATION = { notInOrganization: true } as const;

export async function readAccount(
  aws: Aws,
  c: Collection,
  o: { account: string; region: string; globalSettings: boolean },
): Promise<Input<'accounts'>> {
  const mark = c.errors.length;
  const org = await c.try('*', 'organizations:DescribeOrganization', async () => {
    try {
      return (await aws.organizations(o.region).send((sdk) => new sdk.DescribeOrganizationCommand({})))
        .Organization;
    } catch (e) {
      if ((e as Error).name === 'AWSOrganizationsNotInUseException') return NOT_IN_ORGANIZATION;
      throw e;
    }
  });
  const settings = o.globalSettings
    ? await c.try('*', 'backup:DescribeGlobalSettings', () =>
        aws.backup(o.region).send((sdk) => new sdk.DescribeGlobalSettingsCommand({})),
      )
    : undefined;
  c.stamp(mark, o.account, o.region);
  const flag = settings?.GlobalSettings?.isCrossAccountBackupEnabled;
  const inOrg = org && !('notInOrganization' in org) ? org : undefined;
  return {
    AccountId: o.account,
    ...(inOrg?.Id ? { OrganizationId: inOrg.Id } : {}),
    ...(inOrg?.MasterAccountId ? { ManagementAccountId: inOrg.MasterAccountId } : {}),
    NotInOrganization: org !== undefined && 'notInOrganization' in org,
    ...(flag === 'true' || flag === 'false' ? { CrossAccountBackupEnabled: flag === 'true' } : {}),
  };
}
