/** The floor a Lambda handler of ours cannot go below: middy and a Powertools logger, nothing else (npm run bench). */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';

const logger = new Logger({ serviceName: 'floor' });

export const handler = middy(async () => 'ok').use(injectLambdaContext(logger));
