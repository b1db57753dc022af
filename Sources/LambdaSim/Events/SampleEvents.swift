import LambdaSimJSON

/// Sample events in the shapes AWS services deliver to Lambda.
public enum SampleEvents {
    public static func event(service: String, kind: String, region: String) -> JSON {
        let text: String
        switch (service, kind) {
        case ("s3", "delete"), ("s3", "put"):
            let name = kind == "put" ? "ObjectCreated:Put" : "ObjectRemoved:Delete"
            text = """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"\(region)","eventTime":"1970-01-01T00:00:00.000Z","eventName":"\(name)","userIdentity":{"principalId":"EXAMPLE"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},"responseElements":{"x-amz-request-id":"EXAMPLE123456789","x-amz-id-2":"EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH"},"s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule","bucket":{"name":"example-bucket","ownerIdentity":{"principalId":"EXAMPLE"},"arn":"arn:aws:s3:::example-bucket"},"object":{"key":"test/key","size":1024,"eTag":"0123456789abcdef0123456789abcdef","sequencer":"0A1B2C3D4E5F678901"}}}]}
                """
        case ("sns", _):
            text = """
                {"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","EventSubscriptionArn":"arn:aws:sns:\(region):123456789012:sns-topic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55","Sns":{"Type":"Notification","MessageId":"95df01b4-ee98-5cb9-9903-4c221d41eb5e","TopicArn":"arn:aws:sns:\(region):123456789012:sns-topic","Subject":"example subject","Message":"example message","Timestamp":"1970-01-01T00:00:00.000Z","SignatureVersion":"1","Signature":"EXAMPLE","SigningCertUrl":"EXAMPLE","UnsubscribeUrl":"EXAMPLE","MessageAttributes":{}}}]}
                """
        case ("sqs", _):
            text = """
                {"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a","body":"Hello from SQS!","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082649183","SenderId":"AIDAIENQZJOLO23YVJ4VO","ApproximateFirstReceiveTimestamp":"1545082649185"},"messageAttributes":{},"md5OfBody":"098f6bcd4621d373cade4e832627b4f6","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:\(region):123456789012:my-queue","awsRegion":"\(region)"}]}
                """
        case ("apigateway", _):
            text = """
                {"resource":"/{proxy+}","path":"/hello/world","httpMethod":"POST","headers":{"Accept":"*/*","Content-Type":"application/json","Host":"example.execute-api.\(region).amazonaws.com"},"multiValueHeaders":{},"queryStringParameters":{"name":"me"},"multiValueQueryStringParameters":{"name":["me"]},"pathParameters":{"proxy":"hello/world"},"stageVariables":null,"requestContext":{"accountId":"123456789012","resourceId":"123456","stage":"prod","requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","identity":{"sourceIp":"127.0.0.1","userAgent":"Custom User Agent String"},"resourcePath":"/{proxy+}","httpMethod":"POST","apiId":"1234567890","protocol":"HTTP/1.1"},"body":"{\\"test\\":\\"body\\"}","isBase64Encoded":false}
                """
        case ("kinesis", _):
            text = """
                {"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1","sequenceNumber":"49590338271490256608559692538361571095921575989136588898","data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==","approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000006:49590338271490256608559692538361571095921575989136588898","eventName":"aws:kinesis:record","invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role","awsRegion":"\(region)","eventSourceARN":"arn:aws:kinesis:\(region):123456789012:stream/lambda-stream"}]}
                """
        case ("dynamodb", _):
            text = """
                {"Records":[{"eventID":"1","eventVersion":"1.0","dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Message":{"S":"New item!"},"Id":{"N":"101"}},"StreamViewType":"NEW_AND_OLD_IMAGES","SequenceNumber":"111","SizeBytes":26},"awsRegion":"\(region)","eventName":"INSERT","eventSourceARN":"arn:aws:dynamodb:\(region):123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899","eventSource":"aws:dynamodb"}]}
                """
        default:
            text = """
                {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"1970-01-01T00:00:00Z","region":"\(region)","resources":["arn:aws:events:\(region):123456789012:rule/my-schedule"],"detail":{}}
                """
        }
        return (try? JSONParser.parse(text)) ?? .object(JSONObject())
    }
}
