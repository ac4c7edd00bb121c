/** Daily: audit every tagged resource, heal per the mode, log the digest. */
import middy from '@middy/core';
import { sweep } from '../../src/app/runtime.js';
import { aws, logger, policies, settings } from '../shared/runtime.js';

export const handler = middy(async () => {
  const { result, results } = await sweep(aws, policies, settings, new Date());
  logger.info('sweep digest', {
    summary: result.summary,
    changes: results.map((r) => ({ status: r.status, summary: r.summary })),
    awsCalls: aws.totalCalls(),
  });
  return result.summary;
});
