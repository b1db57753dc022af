import LambdaSimJSON

/// Local SQS queues, SNS topics, EventBridge buses and S3 buckets. (Placeholder: filled in by
/// the local-resources work.)
public struct LocalResources: Codable, Sendable {
    public init() {}
}

/// A message attribute as SQS/SNS carry it (`DataType` String, Number or Binary).
public struct MessageAttributeValue: Codable, Sendable, Equatable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: String?
    public init(dataType: String, stringValue: String? = nil, binaryValue: String? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }
}

extension Engine {
    /// SQS, SNS, EventBridge and S3 API operations; nil when `operation` is not one of them.
    func performResourceOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        nil
    }

    /// Delivers a message to the SQS queue, SNS topic, EventBridge bus or S3 bucket named by
    /// `arn`, inside a state update (the caller holds the lock). Lambda function ARNs are not
    /// handled here: the async engine enqueues those itself.
    public func deliverToResource(_ state: inout State, arn: String, body: String,
                                  attributes: [String: MessageAttributeValue], eventBridgeDetailType: String?,
                                  eventBridgeSource: String?, s3Key: String?) throws
    {
        throw ServiceError("ResourceNotFoundException", "No local resource for \(arn)", status: 404)
    }
}
