/**
 * AWS Backup events (EventBridge: job, recovery point and vault state changes; CloudTrail vault
 * calls) and the vaults' SNS notifications -> one alert per incident, and its recovery.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { deployedAlertDeps, onBackupEvent } from '../../src/app/alerts.js';
import { aws, logger, metrics, policies, settings } from '../shared/container.js';

export const handler = middy(async (event: unknown) => {
  if (!settings.alerts) throw new Error('INCIDENT_TABLE is not set: the stack declares it');
  const deps = deployedAlertDeps(
    aws,
    settings.region,
    settings.alertTopicArn,
    settings.alerts,
    new Date(),
    (r) => {
      if (r.slack && !r.slack.ok)
        logger.warn('Slack delivery failed; the SNS alert was sent', { slack: r.slack });
    },
  );
  const outcomes = await onBackupEvent(event, policies, settings.ownRoleArns, deps);
  metrics.addMetric('AlertsSent', MetricUnit.Count, outcomes.filter((o) => o.sent !== 'none').length);
  for (const o of outcomes) logger.info(o.sent === 'none' ? 'not sent' : 'sent', { ...o });
  return outcomes;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
