/// The AWS managed policies Lambda users attach, by their real ARNs, with the statements of
/// their default versions as AWS publishes them ("AWS managed policy reference", retrieved
/// 2026-12). Data, not code: `attach-role-policy --policy-arn
/// arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` finds it here.
///
/// Policy IDs and the seconds of the creation times are not published; lambda-sim makes them
/// up (docs/differences.md).
public enum AWSManagedPolicies {
    struct Entry {
        var name: String
        var path: String
        var policyId: String
        var created: String
        var updated: String
        var version: String
        var description: String
        var document: String
    }

    static let logs = #""logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents""#

    static let entries: [Entry] = [
        Entry(name: "AdministratorAccess", path: "/", policyId: "ANPAIWMBCKSKIEE64ZLYK",
              created: "2015-02-06T18:39:46Z", updated: "2015-02-06T18:39:46Z", version: "v1",
              description: "Provides full access to AWS services and resources.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
        Entry(name: "AWSLambdaBasicExecutionRole", path: "/service-role/", policyId: "ANPAJNCQGXC42545SKXIK",
              created: "2015-04-09T15:03:43Z", updated: "2015-04-09T15:03:43Z", version: "v1",
              description: "Provides write permissions to CloudWatch Logs.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["#
                + logs + #"],"Resource":"*"}]}"#),
        Entry(name: "AWSLambdaSQSQueueExecutionRole", path: "/service-role/", policyId: "ANPAJFWJZI6JNND4TSELK",
              created: "2018-06-14T21:50:45Z", updated: "2018-06-14T21:50:45Z", version: "v1",
              description: "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","#
                + logs + #"],"Resource":"*"}]}"#),
        Entry(name: "AWSLambdaKinesisExecutionRole", path: "/service-role/", policyId: "ANPAJHOLKJPXV4GBRMJUQ",
              created: "2015-04-09T15:14:16Z", updated: "2018-11-19T20:09:24Z", version: "v2",
              description: "Provides list and read access to Kinesis streams and write permissions to CloudWatch logs.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator","kinesis:ListShards","kinesis:ListStreams","kinesis:SubscribeToShard","#
                + logs + #"],"Resource":"*"}]}"#),
        Entry(name: "AWSLambdaDynamoDBExecutionRole", path: "/service-role/", policyId: "ANPAIP7WNAGMIPYNW4WQG",
              created: "2015-04-09T15:09:29Z", updated: "2015-04-09T15:09:29Z", version: "v1",
              description: "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams","#
                + logs + #"],"Resource":"*"}]}"#),
        Entry(name: "AWSLambdaRole", path: "/service-role/", policyId: "ANPAJX4DPCRGTC4NFDUXI",
              created: "2015-02-06T18:41:28Z", updated: "2015-02-06T18:41:28Z", version: "v1",
              description: "Default policy for AWS Lambda service role.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}"#),
        Entry(name: "AWSLambda_FullAccess", path: "/", policyId: "ANPAZKAPJZG4OHSLRAEEG",
              created: "2020-11-17T21:14:46Z", updated: "2025-03-17T21:37:06Z", version: "v2",
              description: "Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:DescribeStacks","cloudformation:ListStackResources","cloudwatch:ListMetrics","cloudwatch:GetMetricData","ec2:DescribeSecurityGroups","ec2:DescribeSubnets","ec2:DescribeVpcs","kms:ListAliases","iam:GetPolicy","iam:GetPolicyVersion","iam:GetRole","iam:GetRolePolicy","iam:ListAttachedRolePolicies","iam:ListRolePolicies","iam:ListRoles","lambda:*","logs:DescribeLogGroups","states:DescribeStateMachine","states:ListStateMachines","tag:GetResources","xray:GetTraceSummaries","xray:BatchGetTraces"],"Resource":"*"},{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},{"Effect":"Allow","Action":["logs:DescribeLogStreams","logs:GetLogEvents","logs:FilterLogEvents","logs:StartLiveTail","logs:StopLiveTail"],"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/*"}]}"#),
        Entry(name: "AWSLambda_ReadOnlyAccess", path: "/", policyId: "ANPAZKAPJZG4HXBDPNC2U",
              created: "2020-11-17T21:10:07Z", updated: "2025-03-17T21:07:48Z", version: "v3",
              description: "Grants read-only access to AWS Lambda service, AWS Lambda console features, and other related AWS services.",
              document: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:DescribeStacks","cloudformation:ListStacks","cloudformation:ListStackResources","cloudwatch:GetMetricData","cloudwatch:ListMetrics","ec2:DescribeSecurityGroups","ec2:DescribeSubnets","ec2:DescribeVpcs","kms:ListAliases","iam:GetPolicy","iam:GetPolicyVersion","iam:GetRole","iam:GetRolePolicy","iam:ListAttachedRolePolicies","iam:ListRolePolicies","iam:ListRoles","logs:DescribeLogGroups","lambda:Get*","lambda:List*","states:DescribeStateMachine","states:ListStateMachines","tag:GetResources","xray:GetTraceSummaries","xray:BatchGetTraces"],"Resource":"*"},{"Effect":"Allow","Action":["logs:DescribeLogStreams","logs:GetLogEvents","logs:FilterLogEvents","logs:StartQuery","logs:StopQuery","logs:DescribeQueries","logs:GetLogGroupFields","logs:GetLogRecord","logs:GetQueryResults","logs:StartLiveTail","logs:StopLiveTail"],"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/*"}]}"#),
    ]

    /// The policies as `IAMManagedPolicy` values, by ARN.
    public static let byArn: [String: IAMManagedPolicy] = {
        var out: [String: IAMManagedPolicy] = [:]
        for e in entries {
            let arn = "arn:aws:iam::aws:policy\(e.path)\(e.name)"
            let created = TimeFormat.parse(e.created) ?? 0
            let updated = TimeFormat.parse(e.updated) ?? created
            out[arn] = IAMManagedPolicy(
                name: e.name, path: e.path, policyId: e.policyId, arn: arn, description: e.description,
                createdMs: created, updatedMs: updated, defaultVersionId: e.version,
                versions: [IAMPolicyVersion(versionId: e.version, document: e.document, createdMs: updated)])
        }
        return out
    }()

    /// ARNs in the order `list-policies` shows them (by name, as IAM lists).
    public static let orderedArns: [String] = byArn.values.sorted { $0.name < $1.name }.map(\.arn)
}
