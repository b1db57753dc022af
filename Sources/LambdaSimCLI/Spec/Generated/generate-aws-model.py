#!/usr/bin/env python3
"""Writes AWSModel.swift: the request/response shapes of the AWS operations lambda-sim
implements, taken from botocore's public service models (data, not code).

Run: python3 Sources/LambdaSimCLI/Spec/Generated/generate-aws-model.py > Sources/LambdaSimCLI/Spec/Generated/AWSModel.swift
Needs: pip install botocore (the version is printed into the output).
"""
import json, re, html
import botocore, botocore.session
from botocore import xform_name

OPERATIONS = {
    "lambda": ["Invoke", "CreateFunction", "GetFunction", "GetFunctionConfiguration", "ListFunctions",
               "DeleteFunction", "UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion",
               "ListVersionsByFunction", "CreateAlias", "GetAlias", "ListAliases", "UpdateAlias", "DeleteAlias",
               "PutFunctionConcurrency", "GetFunctionConcurrency", "DeleteFunctionConcurrency", "GetAccountSettings",
               "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig", "GetFunctionEventInvokeConfig",
               "ListFunctionEventInvokeConfigs", "DeleteFunctionEventInvokeConfig",
               "CreateEventSourceMapping", "GetEventSourceMapping", "ListEventSourceMappings",
               "UpdateEventSourceMapping", "DeleteEventSourceMapping",
               "CreateFunctionUrlConfig", "GetFunctionUrlConfig", "UpdateFunctionUrlConfig",
               "DeleteFunctionUrlConfig", "ListFunctionUrlConfigs",
               "AddPermission", "GetPolicy", "RemovePermission", "TagResource", "UntagResource", "ListTags",
               "PutFunctionRecursionConfig", "GetFunctionRecursionConfig",
               "PublishLayerVersion", "GetLayerVersion", "GetLayerVersionByArn", "ListLayers", "ListLayerVersions",
               "DeleteLayerVersion", "AddLayerVersionPermission", "GetLayerVersionPolicy",
               "RemoveLayerVersionPermission"],
    "sqs": ["CreateQueue", "GetQueueUrl", "GetQueueAttributes", "SetQueueAttributes", "SendMessage",
            "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
            "PurgeQueue", "ListQueues", "DeleteQueue", "TagQueue", "UntagQueue", "ListQueueTags"],
    "sns": ["CreateTopic", "Subscribe", "Publish", "ListTopics", "ListSubscriptions", "Unsubscribe"],
    "kinesis": ["CreateStream", "PutRecord", "PutRecords", "DescribeStream", "ListStreams",
                "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod"],
    "dynamodb": ["CreateTable", "DescribeTable", "ListTables", "PutItem", "UpdateItem", "DeleteItem", "GetItem",
                 "Scan"],
    "events": ["CreateEventBus", "PutEvents", "ListEventBuses", "PutRule", "DescribeRule", "ListRules", "DeleteRule",
               "EnableRule", "DisableRule", "PutTargets", "ListTargetsByRule", "RemoveTargets", "ListRuleNamesByTarget"],
    "iam": ["CreateRole", "GetRole", "ListRoles", "UpdateRole", "DeleteRole", "UpdateAssumeRolePolicy",
            "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
            "AttachRolePolicy", "DetachRolePolicy", "ListAttachedRolePolicies",
            "CreatePolicy", "GetPolicy", "GetPolicyVersion", "ListPolicies", "DeletePolicy",
            "CreateUser", "GetUser", "ListUsers", "DeleteUser", "AttachUserPolicy", "DetachUserPolicy",
            "ListAttachedUserPolicies", "PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy"],
    "sts": ["GetCallerIdentity"],
    "s3": ["CreateBucket", "HeadBucket", "ListBuckets", "DeleteBucket", "PutObject", "GetObject", "HeadObject",
           "DeleteObject", "DeleteObjects", "CopyObject", "ListObjectsV2", "PutBucketNotificationConfiguration",
           "GetBucketNotificationConfiguration"],
}

# The CLI's word for a botocore service when it differs (awscli names the low-level S3 commands `s3api`).
CLI_WORDS = {"s3": "s3api"}


def first_sentence(doc):
    text = html.unescape(re.sub(r"<[^>]+>", "", doc or "")).strip()
    text = re.sub(r"\s+", " ", text)
    m = re.match(r"(.+?\.)(\s|$)", text)
    text = m.group(1) if m else text
    return text


def shape_dict(shape, out):
    if shape.name in out:
        return
    d = {"type": shape.type_name}
    out[shape.name] = d
    meta = shape.metadata
    for k in ("min", "max"):
        if k in meta:
            d[k] = meta[k]
    if getattr(shape, "enum", None):
        d["enum"] = list(shape.enum)
    if shape.type_name == "structure":
        d["members"] = [[name, member.name] for name, member in shape.members.items()]
        d["required"] = list(shape.required_members)
        for member in shape.members.values():
            shape_dict(member, out)
    elif shape.type_name == "list":
        d["member"] = shape.member.name
        shape_dict(shape.member, out)
    elif shape.type_name == "map":
        d["key"] = shape.key.name
        d["value"] = shape.value.name
        shape_dict(shape.key, out)
        shape_dict(shape.value, out)


session = botocore.session.get_session()
entries = []
for service, ops in OPERATIONS.items():
    model = session.get_service_model(service)
    for op_name in ops:
        op = model.operation_model(op_name)
        shapes = {}
        params = []
        if op.input_shape is not None:
            shape_dict(op.input_shape, shapes)
            for name, member in op.input_shape.members.items():
                params.append({
                    "name": xform_name(name, "-"),
                    "member": name,
                    "shape": member.name,
                    "required": name in op.input_shape.required_members,
                    "help": first_sentence(member.documentation),
                })
        if op.output_shape is not None:
            shape_dict(op.output_shape, shapes)
        entry = {
            "service": CLI_WORDS.get(service, service),
            "command": xform_name(op_name, "-"),
            "operation": op_name,
            "help": first_sentence(op.documentation),
            "params": params,
            "input": op.input_shape.name if op.input_shape is not None else None,
            "output": op.output_shape.name if op.output_shape is not None else None,
            "shapes": shapes,
        }
        entries.append(entry)

print("// Generated by generate-aws-model.py from botocore %s's service models. Do not edit." % botocore.__version__)
print("// Each entry is the compact JSON of one operation: its CLI parameters and every shape they reach.")
print()
print("enum AWSModelData {")
print("    static let operations: [String: String] = [")
for e in entries:
    text = json.dumps(e, separators=(",", ":"), sort_keys=False)
    print("        %s: %s," % (json.dumps(e["service"] + " " + e["command"]), "#\"\"\"\n" + text + "\n\"\"\"#"))
print("    ]")
print("}")
