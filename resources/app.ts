/** The alert topic, the failed-events queue and the AWS Config rule. */
export const resources = {
  AlertTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'backup-sentinel-${sls:stage}-alerts' } },
  // AWS Backup publishes vault notifications to the alert topic (sns-notifications.html).
  AlertTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [{ Ref: 'AlertTopic' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'BackupVaultNotifications',
            Effect: 'Allow',
            Principal: { Service: 'backup.amazonaws.com' },
            Action: 'SNS:Publish',
            Resource: { Ref: 'AlertTopic' },
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
    },
  },
  BackupSentinelConfigRule: {
    Type: 'AWS::Config::ConfigRule',
    DependsOn: ['ConfigRuleInvokePermission'],
    Properties: {
      ConfigRuleName: 'backup-sentinel-${sls:stage}',
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
