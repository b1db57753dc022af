"""boto3 against `lambda-sim serve` (wall clock): a DynamoDB table with a stream, a mapping from
the stream to a Python function, items written through the SDK, and the function invoked by
serve's background runner with the stream records. Also Kinesis through the SDK.

Usage: python3 dynamodb_stream.py ENDPOINT APPZIP RECORDFILE
APPZIP's app.handler appends every event it gets to RECORDFILE (one JSON line per invocation).
Prints one line per failed check and exits 1 if any failed; prints `ok N` otherwise.
"""
import base64
import json
import os
import sys
import time

import boto3
import botocore.exceptions

endpoint, app_zip, record_file = sys.argv[1], sys.argv[2], sys.argv[3]
session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
lam = session.client("lambda", endpoint_url=endpoint)
ddb = session.client("dynamodb", endpoint_url=endpoint)
kinesis = session.client("kinesis", endpoint_url=endpoint)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
failures = []
checks = 0


def check(what, condition, detail=""):
    global checks
    checks += 1
    if not condition:
        failures.append("FAIL %s %s" % (what, detail))


def error(what, call, code):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        check(what + " code", got == code, "%s: %s" % (got, e.response["Error"].get("Message", "")))
        return
    check(what, False, "no error")


def invocations():
    if not os.path.exists(record_file):
        return []
    with open(record_file) as f:
        return [json.loads(line) for line in f if line.strip()]


def eventually(condition, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


lam.create_function(FunctionName="on-change", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": open(app_zip, "rb").read()},
                    Environment={"Variables": {"RECORD_FILE": record_file}})
lam.get_waiter("function_active_v2").wait(FunctionName="on-change", WaiterConfig={"Delay": 1, "MaxAttempts": 30})

direct = lam.invoke(FunctionName="on-change", Payload=b'{"direct": true}')
check("direct invoke", "FunctionError" not in direct and invocations() == [{"direct": True}],
      "%s %s" % (direct.get("FunctionError"), direct["Payload"].read()))
open(record_file, "w").close()

table = ddb.create_table(TableName="orders", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
stream_arn = table.get("LatestStreamArn", "")
check("table stream", stream_arn.startswith("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/"), stream_arn)
check("creation time is a datetime", hasattr(table.get("CreationDateTime"), "year"), repr(table.get("CreationDateTime")))
ddb.get_waiter("table_exists").wait(TableName="orders", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
check("list tables", ddb.list_tables()["TableNames"] == ["orders"])
error("missing table", lambda: ddb.describe_table(TableName="nope"), "ResourceNotFoundException")

mapping = lam.create_event_source_mapping(FunctionName="on-change", EventSourceArn=stream_arn,
                                          StartingPosition="TRIM_HORIZON", BatchSize=10)
check("mapping", mapping["EventSourceArn"] == stream_arn)

ddb.put_item(TableName="orders", Item={"id": {"S": "o-1"}, "total": {"N": "10"}})
ddb.update_item(TableName="orders", Key={"id": {"S": "o-1"}}, UpdateExpression="SET #t = #t + :d",
                ExpressionAttributeNames={"#t": "total"}, ExpressionAttributeValues={":d": {"N": "5"}})
got = ddb.get_item(TableName="orders", Key={"id": {"S": "o-1"}})["Item"]
check("get item", got == {"id": {"S": "o-1"}, "total": {"N": "15"}}, str(got))
check("scan", ddb.scan(TableName="orders")["Count"] == 1)
ddb.delete_item(TableName="orders", Key={"id": {"S": "o-1"}})


def records():
    return [r for event in invocations() for r in event.get("Records", [])]


check("the mapping invoked the function with the three changes",
      eventually(lambda: [r["eventName"] for r in records()] == ["INSERT", "MODIFY", "REMOVE"]),
      str([r.get("eventName") for r in records()]))
if records():
    first = records()[0]
    check("record source", first["eventSource"] == "aws:dynamodb" and first["eventSourceARN"] == stream_arn, str(first))
    check("new image", first["dynamodb"].get("NewImage") == {"id": {"S": "o-1"}, "total": {"N": "10"}}, str(first["dynamodb"]))
time.sleep(1.5)
check("each change invoked once", len(records()) == 3, str(len(records())))

# Kinesis through the SDK: a stream, a record, its mapping invoked.
kinesis.create_stream(StreamName="clicks", ShardCount=1)
kinesis.get_waiter("stream_exists").wait(StreamName="clicks", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
described = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]
check("stream active", described["StreamStatus"] == "ACTIVE" and len(described["Shards"]) == 1, str(described))
check("list streams", kinesis.list_streams()["StreamNames"] == ["clicks"])
error("missing stream", lambda: kinesis.describe_stream(StreamName="nope"), "ResourceNotFoundException")
lam.create_event_source_mapping(FunctionName="on-change", EventSourceArn=described["StreamARN"],
                                StartingPosition="TRIM_HORIZON")
put = kinesis.put_record(StreamName="clicks", Data=b"hello", PartitionKey="k")
check("put record", put["ShardId"] == "shardId-000000000000" and put["SequenceNumber"].isdigit(), str(put))


def kinesis_data():
    return [base64.b64decode(r["kinesis"]["data"]) for r in records() if r.get("eventSource") == "aws:kinesis"]


check("the Kinesis mapping invoked the function", eventually(lambda: kinesis_data() == [b"hello"]), str(kinesis_data()))

if failures:
    for m in lam.list_event_source_mappings()["EventSourceMappings"]:
        print("mapping", m["EventSourceArn"], m["State"], m.get("LastProcessingResult"))
for line in failures:
    print(line)
if failures:
    sys.exit(1)
print("ok %d" % checks)
