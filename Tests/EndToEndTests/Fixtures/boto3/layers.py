"""boto3 against `lambda-sim serve`: Lambda layers as an SDK test sees them.

Usage: python3 layers.py ENDPOINT LAYERZIP APPZIP
LAYERZIP holds python/layerlib.py; APPZIP's app.handler imports layerlib.
Prints one line per failed check and exits 1 if any failed; prints `ok N` otherwise.
"""
import json
import sys

import boto3
import botocore.exceptions

endpoint, layer_zip, app_zip = sys.argv[1], sys.argv[2], sys.argv[3]
session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
lam = session.client("lambda", endpoint_url=endpoint)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer"
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


published = lam.publish_layer_version(LayerName="my-layer", Content={"ZipFile": open(layer_zip, "rb").read()},
                                      CompatibleRuntimes=["python3.12"], Description="d")
check("publish: 201", published["ResponseMetadata"]["HTTPStatusCode"] == 201)
check("publish: version 1", published["Version"] == 1 and published["LayerVersionArn"] == LAYER + ":1", str(published))
check("publish: content", published["Content"]["CodeSize"] > 0 and len(published["Content"]["CodeSha256"]) == 44)
second = lam.publish_layer_version(LayerName="my-layer", Content={"ZipFile": open(layer_zip, "rb").read()})
check("publish again: version 2", second["Version"] == 2)
by_arn = lam.get_layer_version_by_arn(Arn=LAYER + ":1")
check("get by ARN", by_arn["LayerArn"] == LAYER and by_arn["CompatibleRuntimes"] == ["python3.12"])
versions = lam.list_layer_versions(LayerName="my-layer")["LayerVersions"]
check("versions newest first", [v["Version"] for v in versions] == [2, 1], str(versions))
matching = lam.list_layers(CompatibleRuntime="python3.12")["Layers"]
check("list-layers by runtime", [l["LatestMatchingVersion"]["Version"] for l in matching] == [1], str(matching))
pages = list(lam.get_paginator("list_layer_versions").paginate(LayerName="my-layer", PaginationConfig={"PageSize": 1}))
check("paginated versions", [p["LayerVersions"][0]["Version"] for p in pages] == [2, 1], str(pages))
error("missing version", lambda: lam.get_layer_version(LayerName="my-layer", VersionNumber=9),
      "ResourceNotFoundException", "The resource you requested does not exist.", 404)

added = lam.add_layer_version_permission(LayerName="my-layer", VersionNumber=1, StatementId="all",
                                         Action="lambda:GetLayerVersion", Principal="*")
policy = lam.get_layer_version_policy(LayerName="my-layer", VersionNumber=1)
check("policy revision", policy["RevisionId"] == added["RevisionId"])
check("policy statement", json.loads(policy["Policy"])["Statement"][0]["Principal"] == "*", policy["Policy"])
error("stale policy revision", lambda: lam.remove_layer_version_permission(
    LayerName="my-layer", VersionNumber=1, StatementId="all", RevisionId="nope"), "PreconditionFailedException", status=412)
lam.remove_layer_version_permission(LayerName="my-layer", VersionNumber=1, StatementId="all")
error("no policy", lambda: lam.get_layer_version_policy(LayerName="my-layer", VersionNumber=1), "ResourceNotFoundException")

created = lam.create_function(FunctionName="uses-layer", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": open(app_zip, "rb").read()}, Layers=[LAYER + ":1"])
check("function layers", created["Layers"] == [{"Arn": LAYER + ":1", "CodeSize": published["Content"]["CodeSize"]}],
      str(created.get("Layers")))
lam.get_waiter("function_active_v2").wait(FunctionName="uses-layer", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
out = lam.invoke(FunctionName="uses-layer", Payload=b"{}")
payload = json.loads(out["Payload"].read())
check("handler imports from its layer", "FunctionError" not in out and payload["value"] == "from the layer", str(payload))
# botocore's waiters against serve (the CLI's `wait` runs the same definitions).
lam.get_waiter("function_exists").wait(FunctionName="uses-layer", WaiterConfig={"Delay": 1, "MaxAttempts": 3})
lam.update_function_configuration(FunctionName="uses-layer", Timeout=7)
lam.get_waiter("function_updated_v2").wait(FunctionName="uses-layer", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
version = lam.publish_version(FunctionName="uses-layer")["Version"]
lam.get_waiter("published_version_active").wait(FunctionName="uses-layer", Qualifier=version,
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 30})
try:
    lam.get_waiter("function_exists").wait(FunctionName="nope", WaiterConfig={"Delay": 0.1, "MaxAttempts": 2})
    check("function_exists on a missing function", False, "no WaiterError")
except botocore.exceptions.WaiterError as e:
    check("function_exists on a missing function", "Max attempts exceeded" in str(e), str(e))
error("two versions of one layer", lambda: lam.update_function_configuration(
    FunctionName="uses-layer", Layers=[LAYER + ":1", LAYER + ":2"]), "InvalidParameterValueException")
error("six layers", lambda: lam.update_function_configuration(
    FunctionName="uses-layer", Layers=["arn:aws:lambda:us-east-1:123456789012:layer:l%d:1" % i for i in range(6)]),
      "InvalidParameterValueException", "Cannot reference more than 5 layers.")
deleted = lam.delete_layer_version(LayerName="my-layer", VersionNumber=2)
check("delete: 204", deleted["ResponseMetadata"]["HTTPStatusCode"] == 204)
again = lam.delete_layer_version(LayerName="my-layer", VersionNumber=2)
check("delete again: 204", again["ResponseMetadata"]["HTTPStatusCode"] == 204)

for line in failures:
    print(line)
if failures:
    sys.exit(1)
print("ok %d" % checks)
