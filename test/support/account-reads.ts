/**
 * The account-wide reads the collector makes besides the resources, for tests on
 * aws-sdk-client-mock: DescribeOrganization as the AWS CLI documents it (the account is in an
 * organization) and SimulatePrincipalPolicy allowing everything (test/support/iam-simulation.ts).
 */
import { readFileSync } from 'node:fs';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { mockSimulation } from './iam-simulation.js';

export function mockAccountReads() {
  const simulation = mockSimulation();
  const organizations = mockClient(OrganizationsClient);
  organizations
    .on(DescribeOrganizationCommand)
    .resolves(
      JSON.parse(
        readFileSync('test/fixtures/real/api/organizations_DescribeOrganization_awscli.json', 'utf8'),
      ),
    );
  return { simulation, organizations };
}
