/**
 * Daily, on deploy and when a key is created or tagged: generate, escrow, import and rotate the
 * imported material of the managed keys; alert on a key whose run failed. Logs each key's outcome
 * (status, reason, steps): outcomes never hold material.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { deployedAlertDeps } from '../../src/app/alerts.js';
import { rotateKeyMaterial } from '../../src/app/keys.js';
import { aws, logger, metrics, policies, settings } from '../shared/container.js';

/** The part of the Lambda context this handler reads. */
interface Context {
  invokedFunctionArn: string;
}

export const handler = middy(async (event: unknown, context: Context) => {
  // arn:aws:lambda:<region>:<account>:function:<name>: the account without a call.
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const now = new Date();
  const deps = settings.alerts
    ? deployedAlertDeps(aws, settings.region, settings.alertTopicArn, settings.alerts, now, (r) => {
        if (r.slack && !r.slack.ok)
          logger.warn('Slack delivery failed; the SNS alert was sent', { slack: r.slack });
      })
    : undefined;
  const run = await rotateKeyMaterial(aws, event, policies, { ...settings, accountId }, now, deps);
  if (run.targets.kind === 'ignored') logger.info('ignored', { reason: run.targets.reason });
  for (const o of run.outcomes) logger[o.status === 'failed' ? 'error' : 'info']('key', { ...o });
  const count = (s: string) => run.outcomes.filter((o) => o.status === s).length;
  metrics.addMetric('KeysRotated', MetricUnit.Count, count('ok'));
  metrics.addMetric('KeyRotationFailures', MetricUnit.Count, count('failed'));
  metrics.addMetric('AlertsSent', MetricUnit.Count, run.alerts.filter((a) => a.sent !== 'none').length);
  return {
    targets: run.targets,
    outcomes: run.outcomes.map(({ keyArn, status, reason }) => ({ keyArn, status, reason })),
    alerts: run.alerts.map(({ incident, sent }) => ({ incident, sent })),
  };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
