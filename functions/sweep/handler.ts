/** Daily: audit every tagged resource, heal per the mode, publish the digest and compliance metrics. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PublishCommand } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { countsByRule, digest, sweep } from '../../src/app/runtime.js';
import { aws, logger, metrics, policies, settings } from '../shared/runtime.js';

export const handler = middy(async () => {
  const { result, results } = await sweep(aws, policies, settings, new Date());
  for (const [rule, byStatus] of Object.entries(countsByRule(result))) {
    const m = metrics.singleMetric();
    m.addDimension('Rule', rule);
    for (const [status, n] of Object.entries(byStatus)) m.addMetric(status, MetricUnit.Count, n);
  }
  metrics.addMetric('ChangesApplied', MetricUnit.Count, results.filter((r) => r.status === 'applied').length);
  metrics.publishStoredMetrics();
  const { subject, message } = digest(result, results, settings.mode);
  if (settings.alertTopicArn) {
    await aws
      .sns(settings.region)
      .send(new PublishCommand({ TopicArn: settings.alertTopicArn, Subject: subject, Message: message }));
  }
  logger.info('sweep digest', {
    summary: result.summary,
    changes: results.length,
    awsCalls: aws.totalCalls(),
  });
  return result.summary;
});
