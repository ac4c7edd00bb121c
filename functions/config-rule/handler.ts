/** AWS Config custom rule: evaluate, then answer with PutEvaluations (never left unanswered). */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import {
  type ConfigRuleEvent,
  evaluateConfigEvent,
  InvalidConfigEventError,
  notOurRule,
  putEvaluations,
} from '../../src/app/config-rule.js';
import { aws, backupState, logger, metrics, policies, settings } from '../shared/container.js';

export const handler = middy(async (event: ConfigRuleEvent) => {
  const foreign = notOurRule(event, settings.configRuleName);
  if (foreign) {
    logger.warn('not answered: another Config rule invoked this function', { reason: foreign });
    return [];
  }
  let evaluations: Awaited<ReturnType<typeof evaluateConfigEvent>>;
  try {
    evaluations = await evaluateConfigEvent(aws, event, {
      policies,
      now: new Date(),
      cache: backupState,
      ...(settings.readFrom ? { readFrom: settings.readFrom } : {}),
      ...(settings.drRoleArn ? { drRoleArn: settings.drRoleArn } : {}),
    });
  } catch (e) {
    // An invocation that names no resource cannot be answered; retrying it would not help.
    if (!(e instanceof InvalidConfigEventError)) throw e;
    logger.warn('invalid Config rule invocation: nothing to evaluate', { reason: e.message });
    return [];
  }
  metrics.addMetric('Evaluations', MetricUnit.Count, evaluations.length);
  const calls = await putEvaluations(aws, settings.region, event.resultToken, evaluations);
  logger.info('evaluated', {
    evaluations: evaluations.length,
    putEvaluationsCalls: calls,
    testMode: event.resultToken === 'TESTMODE',
  });
  return evaluations;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
