/**
 * Serverless Framework (osls) configuration. Config only: functions/* and resources/* are spread
 * in as they land. The policy file is validated here, so a bad policies.yml fails `serverless package`.
 */
import { readFileSync } from 'node:fs';
import { parsePolicies } from './src/policy/index.js';

const policyFile = process.env.BACKUP_SENTINEL_POLICIES ?? 'policies.yml';
parsePolicies(readFileSync(policyFile, 'utf8'), policyFile);

const config = {
  service: 'backup-sentinel',
  frameworkVersion: '4',
  plugins: ['serverless-esbuild'],
  provider: {
    name: 'aws',
    runtime: 'nodejs22.x',
    architecture: 'arm64',
    stage: "${opt:stage, 'prod'}",
    region: "${opt:region, 'eu-central-1'}",
    memorySize: 512,
    timeout: 60,
    logRetentionInDays: 30,
    environment: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'backup-sentinel' },
  },
  package: { individually: true },
  custom: {
    esbuild: {
      bundle: true,
      minify: true,
      sourcemap: true,
      target: 'node22',
      platform: 'node',
      format: 'esm',
      outputFileExtension: '.mjs',
      skipRebuild: true,
      exclude: ['@aws-sdk/*'],
    },
  },
  functions: {},
};

module.exports = config;
