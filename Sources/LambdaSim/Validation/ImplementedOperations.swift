/// The AWS operations the engine implements, per service (botocore's service names). The
/// model-driven conformance test exercises each one and checks its answers against the
/// service model; `docs/coverage.md` is generated from this table and the models.
public enum ImplementedOperations {
    public static let byService: [(service: String, operations: [String])] = [
        ("lambda", [
            "CreateAlias", "CreateEventSourceMapping", "CreateFunction", "CreateFunctionUrlConfig", "DeleteAlias",
            "DeleteEventSourceMapping", "DeleteFunction", "DeleteFunctionConcurrency", "DeleteFunctionEventInvokeConfig",
            "DeleteFunctionUrlConfig", "GetAccountSettings", "GetAlias", "GetEventSourceMapping", "GetFunction", "GetFunctionConcurrency",
            "GetFunctionConfiguration", "GetFunctionEventInvokeConfig", "GetFunctionUrlConfig", "Invoke", "InvokeAsync",
            "ListAliases", "ListEventSourceMappings", "ListFunctionEventInvokeConfigs", "ListFunctionUrlConfigs",
            "ListFunctions", "ListVersionsByFunction", "PublishVersion", "PutFunctionConcurrency",
            "PutFunctionEventInvokeConfig", "UpdateAlias", "UpdateEventSourceMapping", "UpdateFunctionCode",
            "UpdateFunctionConfiguration", "UpdateFunctionEventInvokeConfig", "UpdateFunctionUrlConfig",
            "AddPermission", "GetPolicy", "RemovePermission", "TagResource", "UntagResource", "ListTags",
            "PutFunctionRecursionConfig", "GetFunctionRecursionConfig",
            "AddLayerVersionPermission", "DeleteLayerVersion", "GetLayerVersion", "GetLayerVersionByArn",
            "GetLayerVersionPolicy", "ListLayerVersions", "ListLayers", "PublishLayerVersion", "RemoveLayerVersionPermission",
        ]),
        ("sqs", [
            "ChangeMessageVisibility", "CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue",
            "GetQueueAttributes", "GetQueueUrl", "ListQueues", "PurgeQueue", "ReceiveMessage", "SendMessage",
            "SendMessageBatch", "SetQueueAttributes", "TagQueue", "UntagQueue", "ListQueueTags",
        ]),
        ("sns", ["CreateTopic", "DeleteTopic", "ListSubscriptions", "ListSubscriptionsByTopic", "ListTopics", "Publish",
                 "Subscribe", "Unsubscribe"]),
        ("kinesis", ["CreateStream", "DecreaseStreamRetentionPeriod", "DescribeStream", "IncreaseStreamRetentionPeriod",
                     "ListStreams", "PutRecord", "PutRecords"]),
        ("dynamodb", ["CreateTable", "DeleteItem", "DescribeTable", "GetItem", "ListTables", "PutItem", "Scan", "UpdateItem"]),
        ("events", ["CreateEventBus", "DeleteEventBus", "DeleteRule", "DescribeRule", "DisableRule", "EnableRule", "ListEventBuses",
                    "ListRuleNamesByTarget", "ListRules", "ListTargetsByRule", "PutEvents", "PutRule", "PutTargets", "RemoveTargets"]),
        ("s3", ["CopyObject", "CreateBucket", "DeleteBucket", "DeleteObject", "DeleteObjects", "GetBucketNotificationConfiguration",
                "GetObject", "HeadBucket", "HeadObject", "ListBuckets", "ListObjectsV2", "PutBucketNotificationConfiguration",
                "PutObject"]),
        ("iam", ["AttachRolePolicy", "AttachUserPolicy", "CreatePolicy", "CreateRole", "CreateUser", "DeletePolicy",
                 "DeleteRole", "DeleteRolePolicy", "DeleteUser", "DeleteUserPolicy", "DetachRolePolicy", "DetachUserPolicy",
                 "GetPolicy", "GetPolicyVersion", "GetRole", "GetRolePolicy", "GetUser", "GetUserPolicy",
                 "ListAttachedRolePolicies", "ListAttachedUserPolicies", "ListPolicies", "ListRolePolicies", "ListRoles",
                 "ListUserPolicies", "ListUsers", "PutRolePolicy", "PutUserPolicy", "UpdateAssumeRolePolicy", "UpdateRole"]),
        ("sts", ["GetCallerIdentity"]),
    ]

    /// Services `serve` speaks, with the protocol it speaks them in.
    public static let served: [String: String] = [
        "lambda": "REST-JSON", "sqs": "JSON 1.0", "sns": "query", "events": "JSON 1.1", "iam": "query", "sts": "query",
        "s3": "REST-XML, path-style",
        "dynamodb": "JSON 1.0", "kinesis": "JSON 1.1",
    ]
}
