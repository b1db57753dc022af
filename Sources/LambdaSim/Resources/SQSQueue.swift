import Foundation
import LambdaSimJSON

/// One SQS queue's settings, kept in the state file. Its messages live in a file beside the
/// state (`sqs/<storageId>.jsonl`, see `SQSMessageStore`).
public struct SQSQueue: Codable, Sendable {
    public var name: String
    public var region: String
    /// Names the message file; a new queue of the same name gets a new id.
    public var storageId: String
    /// The attributes set by create-queue and set-queue-attributes, as the API's strings.
    /// Unset attributes take AWS's defaults (`SQSQueue.defaults`).
    public var attributes: [String: String]
    public var tags: [String: String]?
    public var createdMs: SimInstant
    public var lastModifiedMs: SimInstant
    /// When purge-queue last ran (one purge a minute).
    public var lastPurgeMs: SimInstant?
    /// FIFO queues: the last sequence number handed out.
    public var fifoSequence: Int64?

    public var arn: String { ResourceNames.queueArn(region: region, name: name) }
    public var url: String { ResourceNames.queueUrl(region: region, name: name) }
    public var isFifo: Bool { attributes["FifoQueue"] == "true" }

    /// AWS's defaults for a new queue.
    static let defaults: [String: String] = [
        "VisibilityTimeout": "30", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0", "ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
    ]

    func attribute(_ name: String) -> String? { attributes[name] ?? Self.defaults[name] }
    func intAttribute(_ name: String) -> Int { attribute(name).flatMap { Int($0) } ?? 0 }

    var visibilityTimeout: Int { intAttribute("VisibilityTimeout") }
    var delaySeconds: Int { intAttribute("DelaySeconds") }
    var retentionSeconds: Int { intAttribute("MessageRetentionPeriod") }
    var maximumMessageSize: Int { intAttribute("MaximumMessageSize") }

    /// The redrive policy's dead-letter queue ARN and maximum receive count.
    var redrive: (targetArn: String, maxReceiveCount: Int)? {
        guard let text = attributes["RedrivePolicy"], let policy = try? JSONParser.parse(text),
            let target = policy["deadLetterTargetArn"]?.stringValue,
            let count = policy["maxReceiveCount"].flatMap({ $0.intValue ?? $0.stringValue.flatMap { Int($0) } })
        else { return nil }
        return (target, count)
    }
}

/// Values the SQS API uses everywhere.
enum SQSConstants {
    /// `SenderId` of messages sent from the command line (an IAM user id, as AWS shows).
    static let userSenderId = "AIDAIENQZJOLO23YVJ4VO"
    /// `SenderId` of messages SNS delivers.
    static let snsSenderId = "AIDAIT2UOQQY3AUEKVGXU"
    /// `SenderId` of messages the Lambda service sends (destinations, dead-letter queues).
    static let serviceSenderId = "AROAEXAMPLELAMBDASVC:awslambda"

    /// The order AWS lists queue attributes in for `All`.
    static let attributeOrder = [
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "VisibilityTimeout",
        "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds", "Policy", "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled",
        "FifoQueue", "DeduplicationScope", "FifoThroughputLimit", "ContentBasedDeduplication",
    ]

    static let readOnlyAttributes: Set<String> = [
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
    ]

    /// Integer attributes and their ranges.
    static let integerRanges: [String: ClosedRange<Int>] = [
        "DelaySeconds": 0...900, "MaximumMessageSize": 1024...1_048_576, "MessageRetentionPeriod": 60...1_209_600,
        "ReceiveMessageWaitTimeSeconds": 0...20, "VisibilityTimeout": 0...43200, "KmsDataKeyReusePeriodSeconds": 60...86400,
    ]
}

/// SQS's errors, with the codes the AWS CLI prints for SQS's JSON protocol (the
/// `x-amzn-query-error` code when SQS sends one, as botocore reports it).
enum SQSError {
    static func nonExistentQueue() -> ServiceError {
        ServiceError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", status: 400)
    }

    static func invalidParameterValue(_ message: String) -> ServiceError {
        ServiceError("InvalidParameterValue", message, status: 400)
    }

    static func invalidAttributeName(_ name: String) -> ServiceError {
        ServiceError("InvalidAttributeName", "Unknown Attribute \(name).", status: 400)
    }

    static func invalidAttributeValue(_ name: String, reason: String? = nil) -> ServiceError {
        if let reason {
            return ServiceError("InvalidAttributeValue", "Invalid value for the parameter \(name). Reason: \(reason)", status: 400)
        }
        return ServiceError("InvalidAttributeValue", "Invalid value for the parameter \(name).", status: 400)
    }

    static func missingParameter(_ name: String) -> ServiceError {
        ServiceError("MissingParameter", "The request must contain the parameter \(name).", status: 400)
    }

    static func receiptHandleIsInvalid(_ handle: String) -> ServiceError {
        ServiceError("ReceiptHandleIsInvalid", "The input receipt handle \"\(handle)\" is not a valid receipt handle.", status: 400)
    }

    static func batchEmpty(_ action: String) -> ServiceError {
        ServiceError("AWS.SimpleQueueService.EmptyBatchRequest",
                     "There should be at least one \(action)RequestEntry in the request.", status: 400)
    }

    static func tooManyEntries(_ count: Int) -> ServiceError {
        ServiceError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                     "Maximum number of entries per request are 10. You have sent \(count).", status: 400)
    }

    static func idsNotDistinct(_ id: String) -> ServiceError {
        ServiceError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id \(id) repeated.", status: 400)
    }

    static func invalidBatchEntryId() -> ServiceError {
        ServiceError("AWS.SimpleQueueService.InvalidBatchEntryId",
                     "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
                     status: 400)
    }
}

extension Engine {
    /// Validates queue attributes for create-queue (`creating`) or set-queue-attributes and
    /// returns them normalised (a redrive policy as compact JSON with a numeric count).
    func validateQueueAttributes(_ state: State, _ given: [(String, String)], creating: Bool, fifo: Bool,
                                 region: String) throws -> [(String, String)]
    {
        var out: [(String, String)] = []
        for (name, value) in given {
            if SQSConstants.readOnlyAttributes.contains(name) || name == "All" {
                throw SQSError.invalidAttributeName(name)
            }
            if let range = SQSConstants.integerRanges[name] {
                guard let v = Int(value.strippedOfSpaces), range.contains(v) else {
                    throw SQSError.invalidAttributeValue(name)
                }
                out.append((name, String(v)))
                continue
            }
            switch name {
            case "Policy", "RedriveAllowPolicy":
                if !value.isEmpty {
                    guard let json = try? JSONParser.parse(value), json.objectValue != nil else {
                        throw SQSError.invalidAttributeValue(name)
                    }
                }
                out.append((name, value))
            case "RedrivePolicy":
                if value.isEmpty {
                    out.append((name, value))
                    continue
                }
                out.append((name, try normalizedRedrivePolicy(state, value, fifo: fifo)))
            case "KmsMasterKeyId":
                out.append((name, value))
            case "SqsManagedSseEnabled", "ContentBasedDeduplication":
                let lower = value.lowercased()
                guard lower == "true" || lower == "false" else { throw SQSError.invalidAttributeValue(name) }
                if name == "ContentBasedDeduplication", !fifo {
                    throw SQSError.invalidAttributeName(name)
                }
                out.append((name, lower))
            case "FifoQueue":
                guard creating else { throw SQSError.invalidAttributeName(name) }
                let lower = value.lowercased()
                guard lower == "true" || lower == "false" else { throw SQSError.invalidAttributeValue(name) }
                out.append((name, lower))
            case "DeduplicationScope":
                guard fifo else { throw SQSError.invalidAttributeName(name) }
                guard value == "messageGroup" || value == "queue" else { throw SQSError.invalidAttributeValue(name) }
                out.append((name, value))
            case "FifoThroughputLimit":
                guard fifo else { throw SQSError.invalidAttributeName(name) }
                guard value == "perQueue" || value == "perMessageGroupId" else { throw SQSError.invalidAttributeValue(name) }
                out.append((name, value))
            default:
                throw SQSError.invalidAttributeName(name)
            }
        }
        return out
    }

    /// A redrive policy as AWS stores it: `{"deadLetterTargetArn":"…","maxReceiveCount":N}`.
    func normalizedRedrivePolicy(_ state: State, _ text: String, fifo: Bool) throws -> String {
        func invalid(_ reason: String) -> ServiceError {
            SQSError.invalidParameterValue("Value \(text) for parameter RedrivePolicy is invalid. Reason: \(reason)")
        }
        guard let policy = (try? JSONParser.parse(text))?.objectValue else {
            throw invalid("Redrive policy is not a valid JSON map.")
        }
        for key in policy.keys where key != "deadLetterTargetArn" && key != "maxReceiveCount" {
            throw invalid("Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
        }
        guard let target = policy["deadLetterTargetArn"]?.stringValue else {
            throw invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
        }
        guard let countValue = policy["maxReceiveCount"] else {
            throw invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
        }
        guard let count = countValue.intValue ?? countValue.stringValue.flatMap({ Int($0) }), (1...1000).contains(count) else {
            throw invalid("Invalid value for maxReceiveCount: \(JSONText.scalar(countValue)), valid values are from 1 to 1000 both inclusive.")
        }
        guard let arn = ResourceArn(target), arn.service == "sqs", let dlq = state.localResources.queues[arn.regionalKey] else {
            throw invalid("Dead letter target does not exist.")
        }
        if dlq.isFifo != fifo {
            throw invalid(fifo ? "Dead-letter queue for a FIFO queue must also be a FIFO queue."
                : "Dead-letter queue for a standard queue must also be a standard queue.")
        }
        return JSONWriter.string(.object(JSONObject([("deadLetterTargetArn", .string(target)), ("maxReceiveCount", .int(count))])))
    }

    /// Queue names: 1–80 of `[A-Za-z0-9_-]`, plus `.fifo` for FIFO queues.
    static func validateQueueName(_ name: String, fifo: Bool) throws {
        var base = Substring(name)
        if fifo {
            guard name.hasSuffix(".fifo") else {
                throw SQSError.invalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
            }
            base = base.dropLast(5)
        }
        let valid = !base.isEmpty && name.count <= 80 && base.allSatisfy { c in
            c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
        }
        guard valid else {
            if fifo {
                throw SQSError.invalidParameterValue("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
            }
            throw SQSError.invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
    }

    /// Finds the queue a URL names: `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`, the legacy
    /// `https://REGION.queue.amazonaws.com/…` and `https://queue.amazonaws.com/…` forms, any other
    /// endpoint (`http://localhost:4566/000000000000/NAME`), or a queue ARN. The region is the
    /// URL's, else the command's.
    func queueKey(forURL url: String) -> String? {
        if let arn = ResourceArn(url), arn.service == "sqs" { return arn.regionalKey }
        var rest = Substring(url)
        var host = ""
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            if let slash = rest.firstIndex(of: "/") {
                host = String(rest[..<slash])
                rest = rest[rest.index(after: slash)...]
            } else {
                return nil
            }
        }
        let path = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard let name = path.last, !name.isEmpty else { return nil }
        var queueRegion = region
        let hostParts = host.split(separator: ".").map(String.init)
        if hostParts.count >= 4, hostParts[0] == "sqs", hostParts.last == "com" || hostParts.last == "cn" {
            queueRegion = hostParts[1]
        } else if hostParts.count >= 4, hostParts[1] == "queue" {
            queueRegion = hostParts[0]
        }
        return queueRegion + "/" + name
    }

    /// The queue a request's `QueueUrl` names, or AWS's NonExistentQueue error.
    func queue(_ state: State, url: String?) throws -> SQSQueue {
        guard let url, let key = queueKey(forURL: url), let queue = state.localResources.queues[key] else {
            throw SQSError.nonExistentQueue()
        }
        return queue
    }
}
