/**
 * AWS Backup Restore Job State Change COMPLETED -> the restore test's restored resource checked
 * against its source, answered with PutRestoreValidationResult (restoreValidation=on), only logged
 * (dry-run), or nothing at all (off). Other restores are left alone, with a one-line reason.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { validateRestore } from '../../src/restore-validation/validate.js';
import { aws, logger, metrics, settings } from '../shared/container.js';

export const handler = middy(async (event: unknown) => {
  const outcome = await validateRestore(aws, event, {
    mode: settings.restoreValidation ?? 'on',
    region: settings.region,
  });
  if (outcome.kind === 'ignored') {
    logger.info('restore not validated', { reason: outcome.reason, restoreJobId: outcome.restoreJobId });
    return outcome;
  }
  metrics.addMetric(
    outcome.status === 'SUCCESSFUL' ? 'RestoreValidationsSuccessful' : 'RestoreValidationsFailed',
    MetricUnit.Count,
    1,
  );
  logger[outcome.status === 'SUCCESSFUL' ? 'info' : 'warn'](
    outcome.sent ? 'restore validated' : 'restore validated (dry-run: not sent to AWS Backup)',
    { ...outcome },
  );
  return outcome;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
