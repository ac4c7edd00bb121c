/**
 * The option groups a copying database needs: read by name in its Region and in each Region its
 * copies land; "not found" is recorded as absence there (the read that would have seen it), any
 * other failure as a collection error on the group, which the rule turns into ERROR.
 */
import { readFileSync } from 'node:fs';
import { DescribeOptionGroupsCommand, OptionGroupNotFoundFault, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import { collectOptionGroups, optionGroupReads } from '../../src/inventory/collect/option-groups.js';
import { ACCOUNT, DR_ACCOUNT, db, policies, REGION } from '../support/builders.js';

const rds = mockClient(RDSClient);
beforeEach(() => rds.reset());
const aws = () => new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
/** The AWS CLI's published answer, for a group of ours with Oracle's TDE option added. */
const published = JSON.parse(
  readFileSync('test/fixtures/real/api/rds_DescribeOptionGroups_awscli.json', 'utf8'),
);
const answer = (name: string) => ({
  OptionGroupsList: [
    {
      ...published.OptionGroupsList[0],
      OptionGroupName: name,
      OptionGroupArn: `arn:aws:rds:${REGION}:${ACCOUNT}:og:${name}`,
      Options: [
        {
          OptionName: 'TDE',
          OptionDescription: 'Oracle Advanced Security - Transparent Data Encryption',
          Persistent: true,
          Permanent: true,
          OptionSettings: [],
          DBSecurityGroupMemberships: [],
          VpcSecurityGroupMemberships: [],
        },
      ],
    },
  ],
});

const set = policies({
  policies: {
    gold: { copies: [{ region: 'eu-west-1' }, { region: 'us-east-1' }, { account: DR_ACCOUNT }] },
    bronze: {},
  },
});
const erp = db('erp', { Engine: 'oracle-ee', OptionGroupName: 'erp-tde' });

describe('optionGroupReads', () => {
  it('reads custom groups of copying databases at home and in each same-account copy Region', () => {
    const reads = optionGroupReads(
      [
        erp,
        db('orders', { OptionGroupName: 'default:postgres-16' }),
        db('crm', { OptionGroupName: 'crm-custom', Tags: { 'backup:policy': 'bronze' } }),
        db('ledger-1', { OptionGroupName: 'erp-tde', DBClusterIdentifier: 'ledger' }),
        db('second', { Engine: 'oracle-ee', OptionGroupName: 'erp-tde' }),
      ],
      set,
    );
    // default groups, policies without copies and Aurora members are skipped; one read per group and Region.
    expect(reads).toEqual([
      { account: ACCOUNT, region: REGION, name: 'erp-tde' },
      { account: ACCOUNT, region: 'eu-west-1', name: 'erp-tde' },
      { account: ACCOUNT, region: 'us-east-1', name: 'erp-tde' },
    ]);
  });
});

describe('collectOptionGroups', () => {
  it('records the group where it exists, absence where DescribeOptionGroups says not found, and errors', async () => {
    rds.on(DescribeOptionGroupsCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === REGION) return answer('erp-tde');
      if (region === 'eu-west-1')
        throw new OptionGroupNotFoundFault({
          message: 'Specified OptionGroupName: erp-tde not found.',
          $metadata: {},
        });
      throw Object.assign(new Error('User is not authorized to perform: rds:DescribeOptionGroups'), {
        name: 'AccessDenied',
      });
    });
    const c = new Collection();
    const groups = await collectOptionGroups(aws(), c, [erp], set, 4);
    expect(groups).toEqual([
      {
        AccountId: ACCOUNT,
        Region: REGION,
        OptionGroupName: 'erp-tde',
        Exists: true,
        EngineName: 'oracle-ee',
        Options: [{ OptionName: 'TDE', Persistent: true, Permanent: true }],
      },
      { AccountId: ACCOUNT, Region: 'eu-west-1', OptionGroupName: 'erp-tde', Exists: false, Options: [] },
    ]);
    expect(c.errors).toEqual([
      {
        Arn: `arn:aws:rds:us-east-1:${ACCOUNT}:og:erp-tde`,
        Action: 'rds:DescribeOptionGroups',
        Code: 'AccessDenied',
        Message: 'User is not authorized to perform: rds:DescribeOptionGroups',
      },
    ]);
    expect(rds.commandCalls(DescribeOptionGroupsCommand).map((call) => call.args[0].input)).toEqual([
      { OptionGroupName: 'erp-tde' },
      { OptionGroupName: 'erp-tde' },
      { OptionGroupName: 'erp-tde' },
    ]);
  });
});
