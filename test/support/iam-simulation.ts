/**
 * SimulatePrincipalPolicy (moto does not implement it) behind aws-sdk-client-mock, answering in
 * the documented shape: one EvaluationResult per action and resource, EvalDecision per `decide`.
 */
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';

export type Decide = (
  role: string,
  action: string,
  resource: string,
) => 'allowed' | 'implicitDeny' | 'explicitDeny';

export function mockSimulation(decide: Decide = () => 'allowed') {
  const iam = mockClient(IAMClient);
  iam.on(SimulatePrincipalPolicyCommand).callsFake((i) => ({
    EvaluationResults: (i.ActionNames ?? []).flatMap((action: string) =>
      (i.ResourceArns ?? ['*']).map((resource: string) => ({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: decide(i.PolicySourceArn ?? '', action, resource),
        MatchedStatements: [],
        MissingContextValues: [],
      })),
    ),
    IsTruncated: false,
  }));
  return iam;
}
