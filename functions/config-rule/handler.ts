/** AWS Config custom rule: evaluate, then answer with PutEvaluations (never left unanswered). */
import middy from '@middy/core';
import { type ConfigRuleEvent, evaluateConfigEvent, putEvaluations } from '../../src/app/config-rule.js';
import { aws, logger, policies, settings } from '../shared/runtime.js';

export const handler = middy(async (event: ConfigRuleEvent) => {
  const evaluations = await evaluateConfigEvent(aws, event, {
    policies,
    now: new Date(),
    ...(settings.drRoleArn ? { drRoleArn: settings.drRoleArn } : {}),
  });
  const calls = await putEvaluations(aws, settings.region, event.resultToken, evaluations);
  logger.info('evaluated', {
    evaluations: evaluations.length,
    putEvaluationsCalls: calls,
    testMode: event.resultToken === 'TESTMODE',
  });
  return evaluations;
});
