"""boto3 against `lambda-sim serve`: the control-plane answers of issue 14, as an SDK test sees them.

Usage: python3 control_plane.py ENDPOINT ZIPFILE
Prints one line per failed check and exits 1 if any failed; prints `ok N` otherwise.
"""
import sys

import boto3
import botocore.exceptions

endpoint, zip_path = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
lam = session.client("lambda", endpoint_url=endpoint)
sqs = session.client("sqs", endpoint_url=endpoint)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
failures = []
checks = 0


def check(what, condition, detail=""):
    global checks
    checks += 1
    if not condition:
        failures.append("FAIL %s %s" % (what, detail))


def error(what, call, code, message_start=None, status=None):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        msg = e.response["Error"].get("Message", "")
        check(what + " code", got == code, "%s: %s" % (got, msg))
        if message_start is not None:
            check(what + " message", msg.startswith(message_start), msg)
        if status is not None:
            http = e.response["ResponseMetadata"]["HTTPStatusCode"]
            check(what + " status", http == status, str(http))
        return
    check(what, False, "no error")


zip_bytes = open(zip_path, "rb").read()
created = lam.create_function(FunctionName="my-fn", Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                              Code={"ZipFile": zip_bytes})
# Fields AWS does not send; states and revisions.
check("create: no Layers", "Layers" not in created)
check("create: Pending", created["State"] == "Pending")
settled = lam.get_function_configuration(FunctionName="my-fn")
check("get: no Layers", "Layers" not in settled)
check("get: Active", settled["State"] == "Active" and settled["LastUpdateStatus"] == "Successful")
check("revision changes when settled", created["RevisionId"] != settled["RevisionId"])
error("guard with create's revision", lambda: lam.update_function_configuration(
    FunctionName="my-fn", Timeout=5, RevisionId=created["RevisionId"]), "PreconditionFailedException", status=412)
published = lam.publish_version(FunctionName="my-fn")
check("publish-version: Active/Successful", published["State"] == "Active" and published.get("LastUpdateStatus") == "Successful",
      str(published.get("State")))
lam.create_alias(FunctionName="my-fn", Name="live", FunctionVersion="1")
listed = lam.list_functions()["Functions"]
check("list-functions subset", all(k not in listed[0] for k in ("State", "LastUpdateStatus", "RuntimeVersionConfig")),
      str(sorted(listed[0])))
lam.update_function_configuration(FunctionName="my-fn", Description="v2")
code = lam.update_function_code(FunctionName="my-fn", ZipFile=zip_bytes, Publish=True)
check("update-code --publish: Pending", code["State"] == "Pending" and code["Version"] == "2", code["State"])

# ARN forms.
latest = lam.get_function(FunctionName="my-fn", Qualifier="$LATEST")["Configuration"]["FunctionArn"]
check("get-function $LATEST ARN", latest == ARN + "my-fn:$LATEST", latest)
alias = lam.get_function_configuration(FunctionName="my-fn:live")
check("get through alias ARN", alias["FunctionArn"] == ARN + "my-fn:live" and alias["Version"] == "1", alias["FunctionArn"])
versions = [v["FunctionArn"] for v in lam.list_versions_by_function(FunctionName="my-fn")["Versions"]]
check("list-versions $LATEST ARN", versions[0] == ARN + "my-fn:$LATEST", str(versions))
everything = [v["FunctionArn"] for v in lam.list_functions(FunctionVersion="ALL")["Functions"]]
check("list-functions ALL $LATEST ARN", ARN + "my-fn:$LATEST" in everything, str(everything))
with_publish = lam.create_function(FunctionName="pub", Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                                   Code={"ZipFile": zip_bytes}, Publish=True)
check("create --publish: unqualified ARN", with_publish["FunctionArn"] == ARN + "pub", with_publish["FunctionArn"])

# Validation.
error("bad function name on a read", lambda: lam.get_function(FunctionName="my fn"), "ValidationException",
      "1 validation error detected: Value 'my fn' at 'functionName'", 400)
error("bad qualifier on a read", lambda: lam.get_function(FunctionName="my-fn", Qualifier="a b"), "ValidationException",
      "1 validation error detected: Value 'a b' at 'qualifier'")
error("other region", lambda: lam.get_function(FunctionName="arn:aws:lambda:ap-southeast-1:123456789012:function:my-fn"),
      "ResourceNotFoundException", "Functions from 'ap-southeast-1' are not reachable in this region")
error("other account", lambda: lam.get_function(FunctionName="arn:aws:lambda:us-east-1:111122223333:function:my-fn"),
      "AccessDeniedException", "User: ", 403)
error("deprecated runtime", lambda: lam.create_function(FunctionName="old", Runtime="python3.7", Role=ROLE, Handler="h.h",
                                                        Code={"ZipFile": zip_bytes}),
      "InvalidParameterValueException", "The runtime parameter of python3.7 is no longer supported")
stream = "arn:aws:kinesis:us-east-1:123456789012:stream/s"  # the model's checks come before existence
error("enum value", lambda: lam.create_event_source_mapping(FunctionName="my-fn", EventSourceArn=stream, StartingPosition="OLDEST"),
      "ValidationException", "1 validation error detected: Value 'OLDEST' at 'startingPosition'")
error("concurrency on a qualifier", lambda: lam.put_function_concurrency(FunctionName="my-fn:1", ReservedConcurrentExecutions=5),
      "InvalidParameterValueException")
error("URL config on a version", lambda: lam.create_function_url_config(FunctionName="my-fn", Qualifier="1", AuthType="NONE"),
      "ValidationException")
error("weighted alias on $LATEST", lambda: lam.create_alias(FunctionName="my-fn", Name="canary", FunctionVersion="$LATEST",
                                                            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
      "InvalidParameterValueException", "$LATEST is not supported")

# Conflicts and existence.
queue_url = sqs.create_queue(QueueName="my-queue")["QueueUrl"]
queue = "arn:aws:sqs:us-east-1:123456789012:my-queue"
first = lam.create_event_source_mapping(FunctionName="my-fn", EventSourceArn=queue, FilterCriteria={"Filters": []})
check("empty FilterCriteria not echoed", "FilterCriteria" not in first, str(first.get("FilterCriteria")))
error("duplicate mapping", lambda: lam.create_event_source_mapping(FunctionName="my-fn", EventSourceArn=queue),
      "ResourceConflictException", "The event source arn (\" %s \") and function (\" my-fn \") provided mapping already exists" % queue, 409)
error("mapping to a missing stream", lambda: lam.create_event_source_mapping(
    FunctionName="my-fn", EventSourceArn="arn:aws:kinesis:us-east-1:123456789012:stream/nope", StartingPosition="LATEST"),
      "InvalidParameterValueException", "Stream not found")
error("mapping for a missing function", lambda: lam.create_event_source_mapping(FunctionName="no-such-fn", EventSourceArn=queue),
      "InvalidParameterValueException")
check("mappings of a missing function", lam.list_event_source_mappings(FunctionName="no-such-fn")["EventSourceMappings"] == [])
deleted = lam.delete_function(FunctionName="my-fn", Qualifier="9")
check("delete a missing version", deleted["ResponseMetadata"]["HTTPStatusCode"] == 204)
error("missing event invoke config", lambda: lam.get_function_event_invoke_config(FunctionName="my-fn"),
      "ResourceNotFoundException", "The function %smy-fn:$LATEST doesn't have an EventInvokeConfig" % ARN)
error("missing URL config", lambda: lam.get_function_url_config(FunctionName="my-fn"),
      "ResourceNotFoundException", "The resource you requested does not exist.")

for line in failures:
    print(line)
if failures:
    sys.exit(1)
print("ok %d" % checks)
