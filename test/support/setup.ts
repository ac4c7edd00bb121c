/** Registered for every test file (vitest.config.ts setupFiles): the AWS SDK mock matchers. */
import 'aws-sdk-client-mock-vitest/extend';
