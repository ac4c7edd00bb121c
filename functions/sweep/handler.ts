/** Daily: audit every tagged resource, heal per the mode, publish the digest and compliance metrics. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { deployedAlertDeps } from '../../src/app/alerts.js';
import { alertAfterSweep, reportSweep, sweep } from '../../src/app/runtime.js';
import { aws, logger, metrics, policies, settings } from '../shared/container.js';

export const handler = middy(async () => {
  const swept = await sweep(aws, policies, settings, new Date());
  // Alerts first: the digest says what they were and which incidents are still open.
  const deps = settings.alerts
    ? deployedAlertDeps(aws, settings.region, settings.alertTopicArn, settings.alerts, new Date(), (r) => {
        if (r.slack && !r.slack.ok)
          logger.warn('Slack delivery failed; the SNS alert was sent', { slack: r.slack });
      })
    : undefined;
  const alerts = deps ? await alertAfterSweep(swept, deps) : [];
  const open = deps ? await deps.store.open(10) : [];
  const subject = await reportSweep(aws, settings, swept, metrics, deps ? { sent: alerts, open } : undefined);
  metrics.addMetric('AlertsSent', MetricUnit.Count, alerts.filter((o) => o.sent !== 'none').length);
  logger.info('sweep digest', {
    subject,
    summary: swept.result.summary,
    changes: swept.results.length,
    awsCalls: aws.totalCalls(),
  });
  return swept.result.summary;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
