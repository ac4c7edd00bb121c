/** Daily: audit every tagged resource, heal per the mode, publish the digest and compliance metrics. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { reportSweep, sweep } from '../../src/app/runtime.js';
import { aws, logger, metrics, policies, settings } from '../shared/container.js';

export const handler = middy(async () => {
  const swept = await sweep(aws, policies, settings, new Date());
  const subject = await reportSweep(aws, settings, swept, metrics);
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
