/** EventBridge: RDS events, CloudTrail write calls, tag changes -> audit and heal what they concern. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { onResourceChange } from '../../src/app/runtime.js';
import { aws, backupState, logger, metrics, policies, settings } from '../shared/container.js';

export const handler = middy(async (event: unknown) => {
  const outcome = await onResourceChange(aws, event, policies, settings, new Date(), backupState);
  const results =
    outcome.kind === 'resources'
      ? outcome.outcomes.flatMap((o) => o.results)
      : outcome.kind === 'sweep'
        ? outcome.results
        : [];
  metrics.addMetric(
    'ResourcesAudited',
    MetricUnit.Count,
    outcome.kind === 'resources' ? outcome.outcomes.length : 0,
  );
  metrics.addMetric('ChangesApplied', MetricUnit.Count, results.filter((r) => r.status === 'applied').length);
  if (outcome.kind === 'ignored') {
    logger.info('event ignored', { reason: outcome.reason });
  } else if (outcome.kind === 'sweep') {
    logger.info('swept after an AWS Backup change', {
      reason: outcome.reason,
      summary: outcome.result.summary,
      changes: outcome.results.length,
    });
  } else {
    for (const o of outcome.outcomes) {
      logger.info(o.skipped ? 'skipped' : 'audited', {
        resource: o.arn,
        ...(o.skipped ? { reason: o.skipped } : {}),
        problems: o.findings.map((f) => ({ rule: f.ruleId, status: f.status, message: f.message })),
        changes: o.results.map((r) => ({
          status: r.status,
          summary: r.summary,
          before: r.before,
          after: r.after,
          error: r.error,
        })),
      });
    }
  }
  return outcome.kind;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
