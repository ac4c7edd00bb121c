/** The AWS Config rule's name; the config-rule function answers only this rule. */
export const CONFIG_RULE_NAME = 'backup-sentinel-${sls:stage}';

/** The functions whose failures raise an alarm (their CloudFormation logical ids). */
const FUNCTIONS = [
  'OnResourceChange',
  'ConfigRule',
  'Sweep',
  'OnBackupEvent',
  'RotateKeyMaterial',
  'ValidateRestore',
];

/** One alarm to the alert topic: any datapoint at or above 1 in five minutes. */
function alarm(
  description: string,
  namespace: string,
  metric: string,
  dimensions: Record<string, unknown>[],
) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: namespace === 'AWS/SQS' ? 'Maximum' : 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    },
  };
}

/** Failures are seen: a message in the failed-events queue, a function error, a throttle. */
const alarms = {
  FailedEventsAlarm: alarm(
    'backup-sentinel: an event or invocation failed and waits in the failed-events queue',
    'AWS/SQS',
    'ApproximateNumberOfMessagesVisible',
    [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedEventsQueue', 'QueueName'] } }],
  ),
  ...Object.fromEntries(
    FUNCTIONS.flatMap((fn) =>
      (['Errors', 'Throttles'] as const).map((metric) => [
        `${fn}${metric}Alarm`,
        alarm(`backup-sentinel: ${fn} ${metric.toLowerCase()}`, 'AWS/Lambda', metric, [
          { Name: 'FunctionName', Value: { Ref: `${fn}LambdaFunction` } },
        ]),
      ]),
    ),
  ),
};

/** The alert topic, the failed-events queue, the alarms and the AWS Config rule. */
export const resources = {
  ...alarms,
  // Encrypted at rest with its own key: the AWS managed aws/sns key cannot be used, because its
  // policy does not let AWS Backup or CloudWatch publish (sns-notifications.html, alarms to
  // encrypted topics need kms:Decrypt and kms:GenerateDataKey* for cloudwatch.amazonaws.com).
  AlertTopicKey: {
    Type: 'AWS::KMS::Key',
    Properties: {
      Description: 'backup-sentinel-${sls:stage}: encrypts the alert topic',
      EnableKeyRotation: true,
      KeyPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            // Key administration and IAM-granted use stay with the account (the functions' roles).
            Sid: 'Account',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'PublishersOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: ['backup.amazonaws.com', 'cloudwatch.amazonaws.com'] },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    },
  },
  AlertTopic: {
    Type: 'AWS::SNS::Topic',
    Properties: {
      TopicName: 'backup-sentinel-${sls:stage}-alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] },
    },
  },
  // CloudWatch alarms publish to the alert topic; AWS Backup's vault notifications do not (VaultEventsTopic).
  AlertTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [{ Ref: 'AlertTopic' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Alarms',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'SNS:Publish',
            Resource: { Ref: 'AlertTopic' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    },
  },
  // One item per alert incident (src/alerts/store.ts): one alert per incident, its recovery, the
  // digest's open incidents. Items expire through TTL; encrypted at rest by default (AWS owned key).
  IncidentTable: {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      TableName: 'backup-sentinel-${sls:stage}-incidents',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'incident', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'incident', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    },
  },
  // The vaults' SNS notifications go here, to the onBackupEvent function, never to people: it
  // turns the S3 object-level failures into alerts and drops what EventBridge already carries.
  VaultEventsTopic: {
    Type: 'AWS::SNS::Topic',
    Properties: {
      TopicName: 'backup-sentinel-${sls:stage}-vault-events',
      KmsMasterKeyId: { 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] },
    },
  },
  VaultEventsTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [{ Ref: 'VaultEventsTopic' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'BackupVaultNotifications',
            Effect: 'Allow',
            Principal: { Service: 'backup.amazonaws.com' },
            Action: 'SNS:Publish',
            Resource: { Ref: 'VaultEventsTopic' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    },
  },
  FailedEventsQueue: {
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: 'backup-sentinel-${sls:stage}-failed-events',
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    },
  },
  ConfigRuleInvokePermission: {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['ConfigRuleLambdaFunction', 'Arn'] },
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      // The rule's ARN ends in a generated id and AWS Config checks this permission before it
      // creates the rule, so the ARN cannot be named here (a dependency cycle): Config rules of
      // this account and Region only. The handler answers only invocations naming our rule.
      SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*' },
    },
  },
  BackupSentinelConfigRule: {
    Type: 'AWS::Config::ConfigRule',
    DependsOn: ['ConfigRuleInvokePermission'],
    Properties: {
      ConfigRuleName: CONFIG_RULE_NAME,
      Description: 'RDS and S3 resources are backed up as their backup:policy tag declares',
      Scope: { ComplianceResourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket'] },
      Source: {
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: { 'Fn::GetAtt': ['ConfigRuleLambdaFunction', 'Arn'] },
        SourceDetails: [
          { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
          { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
          {
            EventSource: 'aws.config',
            MessageType: 'ScheduledNotification',
            MaximumExecutionFrequency: 'TwentyFour_Hours',
          },
        ],
      },
    },
  },
};
