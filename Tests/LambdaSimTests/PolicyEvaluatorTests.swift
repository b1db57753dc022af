import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// The policy evaluator, table-driven from the IAM User Guide's "Policy evaluation logic" and
/// "Condition operators" pages: explicit deny beats allow, an allow is needed, wildcards, and
/// every condition operator lambda-sim implements.
final class PolicyEvaluatorTests: XCTestCase {
    static let alice = CallerIdentity(kind: .user, account: "123456789012", name: "alice", uniqueId: "AIDAALICE")
    static let fn = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"

    static func policy(_ text: String, kind: PolicyDocument.Kind = .identity, name: String = "p") throws -> NamedPolicy {
        NamedPolicy(name: name, document: try PolicyDocument.parse(text, kind: kind))
    }

    static func request(_ action: String = "lambda:InvokeFunction", resource: String = fn,
                        keys: [String: [String]] = [:], principal: RequestPrincipal = .identity(alice)) -> RequestContext
    {
        RequestContext(principal: principal, action: action, resource: resource, keys: keys)
    }

    func decide(_ identity: [String], resource: String? = nil, _ request: RequestContext) throws -> PolicyDecision.Outcome {
        PolicyEvaluator.evaluate(request, identityPolicies: try identity.map { try Self.policy($0) },
                                 resourcePolicy: try resource.map { try Self.policy($0, kind: .resource, name: "rp") }).outcome
    }

    // MARK: - Evaluation order

    func testNoPolicyIsAnImplicitDeny() throws {
        XCTAssertEqual(try decide([], Self.request()), .implicitDeny)
    }

    func testAllowAllows() throws {
        let allow = #"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}}"#
        XCTAssertEqual(try decide([allow], Self.request()), .allow)
        XCTAssertEqual(try decide([allow], Self.request("lambda:GetFunction")), .implicitDeny)
    }

    func testExplicitDenyBeatsAllowInAnyPolicy() throws {
        let allow = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}"#
        let deny = #"{"Version":"2012-10-17","Statement":[{"Sid":"no","Effect":"Deny","Action":"lambda:InvokeFunction","Resource":"*"}]}"#
        XCTAssertEqual(try decide([allow, deny], Self.request()), .explicitDeny)
        XCTAssertEqual(try decide([deny, allow], Self.request()), .explicitDeny)
        let decision = PolicyEvaluator.evaluate(Self.request(), identityPolicies: [try Self.policy(allow), try Self.policy(deny, name: "d")])
        XCTAssertEqual(decision.explanation, "explicit Deny in statement \"no\" of d")
        XCTAssertEqual(try decide([allow, deny], Self.request("lambda:GetFunction")), .allow)
    }

    func testResourcePolicyDenyBeatsIdentityAllow() throws {
        let allow = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        let deny = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"lambda:*","Resource":"*"}]}"#
        let decision = PolicyEvaluator.evaluate(Self.request(), identityPolicies: [try Self.policy(allow)],
                                                resourcePolicy: try Self.policy(deny, kind: .resource))
        XCTAssertEqual(decision.outcome, .explicitDeny)
        XCTAssertEqual(decision.source, .resource)
    }

    func testSameAccountResourcePolicyAloneAllowsANamedPrincipal() throws {
        let resource = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#
        XCTAssertEqual(try decide([], resource: resource, Self.request()), .allow)
        let bob = CallerIdentity(kind: .user, account: "123456789012", name: "bob", uniqueId: "AIDABOB")
        XCTAssertEqual(try decide([], resource: resource, Self.request(principal: .identity(bob))), .implicitDeny)
        let account = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"lambda:*","Resource":"*"}]}"#
        XCTAssertEqual(try decide([], resource: account, Self.request(principal: .identity(bob))), .allow)
    }

    func testServicePrincipalsAndNotPrincipal() throws {
        let sns = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}"#
        XCTAssertEqual(try decide([], resource: sns, Self.request(principal: .service("sns.amazonaws.com"))), .allow)
        XCTAssertEqual(try decide([], resource: sns, Self.request(principal: .service("s3.amazonaws.com"))), .implicitDeny)
        let notPrincipal = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"Service":"sns.amazonaws.com"},"Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#
        XCTAssertEqual(try decide([], resource: notPrincipal, Self.request(principal: .service("sns.amazonaws.com"))), .allow)
        XCTAssertEqual(try decide([], resource: notPrincipal, Self.request(principal: .service("s3.amazonaws.com"))), .explicitDeny)
    }

    // MARK: - Action and resource matching

    func testActionWildcardsAndNotAction() throws {
        let cases: [(pattern: String, action: String, allowed: Bool)] = [
            ("lambda:*", "lambda:InvokeFunction", true),
            ("lambda:Get*", "lambda:GetFunction", true),
            ("lambda:Get*", "lambda:InvokeFunction", false),
            ("lambda:invokefunction", "lambda:InvokeFunction", true),  // actions are case-insensitive
            ("lambda:?nvokeFunction", "lambda:InvokeFunction", true),
            ("*", "sqs:ReceiveMessage", true),
            ("sqs:*", "lambda:InvokeFunction", false),
        ]
        for c in cases {
            let doc = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"\#(c.pattern)","Resource":"*"}]}"#
            XCTAssertEqual(try decide([doc], Self.request(c.action)) == .allow, c.allowed, "\(c.pattern) vs \(c.action)")
        }
        let notAction = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"lambda:Delete*","Resource":"*"}]}"#
        XCTAssertEqual(try decide([notAction], Self.request("lambda:GetFunction")), .allow)
        XCTAssertEqual(try decide([notAction], Self.request("lambda:DeleteFunction")), .implicitDeny)
    }

    func testResourceWildcardsAndNotResource() throws {
        let cases: [(pattern: String, resource: String, allowed: Bool)] = [
            ("arn:aws:lambda:*:*:function:my-*", Self.fn, true),
            ("arn:aws:lambda:us-east-1:123456789012:function:my-fn", Self.fn, true),
            ("arn:aws:lambda:us-east-1:123456789012:function:my-fn", Self.fn + ":live", false),
            ("arn:aws:lambda:us-east-1:123456789012:function:my-fn:*", Self.fn + ":live", true),
            ("arn:aws:lambda:us-east-1:123456789012:function:My-fn", Self.fn, false),  // resources are case-sensitive
            ("arn:aws:sqs:*", Self.fn, false),
        ]
        for c in cases {
            let doc = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"\#(c.pattern)"}]}"#
            XCTAssertEqual(try decide([doc], Self.request(resource: c.resource)) == .allow, c.allowed, "\(c.pattern) vs \(c.resource)")
        }
        let notResource = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","NotResource":"arn:aws:lambda:*:*:function:secret"}]}"#
        XCTAssertEqual(try decide([notResource], Self.request()), .allow)
        XCTAssertEqual(try decide([notResource], Self.request(resource: "arn:aws:lambda:us-east-1:123456789012:function:secret")), .implicitDeny)
    }

    // MARK: - Condition operators

    /// (operator, policy value(s) JSON, request values (nil: key absent), holds)
    static let conditionCases: [(String, String, [String]?, Bool)] = [
        ("StringEquals", #""abc""#, ["abc"], true),
        ("StringEquals", #""abc""#, ["ABC"], false),
        ("StringEquals", #"["x","abc"]"#, ["abc"], true),
        ("StringEquals", #""abc""#, nil, false),
        ("StringNotEquals", #""abc""#, ["abd"], true),
        ("StringNotEquals", #"["abc","abd"]"#, ["abd"], false),
        ("StringNotEquals", #""abc""#, nil, true),
        ("StringEqualsIgnoreCase", #""abc""#, ["ABC"], true),
        ("StringNotEqualsIgnoreCase", #""abc""#, ["ABC"], false),
        ("StringLike", #""arn:*:topic-?""#, ["arn:aws:sns:topic-1"], true),
        ("StringLike", #""a*c""#, ["abd"], false),
        ("StringNotLike", #""a*c""#, ["abd"], true),
        ("NumericEquals", "10", ["10.0"], true),
        ("NumericNotEquals", "10", ["11"], true),
        ("NumericLessThan", "10", ["9"], true),
        ("NumericLessThan", "10", ["10"], false),
        ("NumericLessThanEquals", "10", ["10"], true),
        ("NumericGreaterThan", #""10""#, ["11"], true),
        ("NumericGreaterThanEquals", "10", ["9"], false),
        ("NumericEquals", "10", ["ten"], false),
        ("DateEquals", #""2026-01-01T00:00:00Z""#, ["2026-01-01T00:00:00Z"], true),
        ("DateNotEquals", #""2026-01-01T00:00:00Z""#, ["2026-01-02T00:00:00Z"], true),
        ("DateLessThan", #""2026-01-01T00:00:00Z""#, ["2025-12-31T23:59:59Z"], true),
        ("DateLessThanEquals", #""2026-01-01T00:00:00Z""#, ["2026-01-01T00:00:01Z"], false),
        ("DateGreaterThan", #""2026-01-01""#, ["2026-01-01T00:00:01Z"], true),
        ("DateGreaterThanEquals", #""2026-01-01T00:00:00Z""#, ["1767225600"], true),  // epoch seconds
        ("Bool", "true", ["true"], true),
        ("Bool", #""false""#, ["true"], false),
        ("Bool", "true", nil, false),
        ("BinaryEquals", #""QmluYXJ5""#, ["QmluYXJ5"], true),
        ("IpAddress", #""203.0.113.0/24""#, ["203.0.113.42"], true),
        ("IpAddress", #""203.0.113.0/24""#, ["203.0.114.1"], false),
        ("IpAddress", #""2001:DB8:1234:5678::/64""#, ["2001:db8:1234:5678::1"], true),
        ("NotIpAddress", #""203.0.113.0/24""#, ["198.51.100.1"], true),
        ("ArnEquals", #""arn:aws:sns:us-east-1:123456789012:t""#, ["arn:aws:sns:us-east-1:123456789012:t"], true),
        ("ArnLike", #""arn:aws:sns:*:123456789012:lambda*""#, ["arn:aws:sns:us-east-2:123456789012:lambda-x"], true),
        ("ArnLike", #""arn:aws:sns:*:123456789012:lambda*""#, ["arn:aws:sns:us-east-2:999999999999:lambda-x"], false),
        ("ArnLike", #""arn:aws:s3:::bucket""#, ["arn:aws:s3:::bucket"], true),
        ("ArnNotEquals", #""arn:aws:sns:us-east-1:123456789012:t""#, ["arn:aws:sns:us-east-1:123456789012:u"], true),
        ("ArnNotLike", #""arn:aws:sns:*:*:t*""#, ["arn:aws:sns:us-east-1:1:topic"], false),
        ("StringEqualsIfExists", #""abc""#, nil, true),
        ("StringEqualsIfExists", #""abc""#, ["abd"], false),
        ("ArnLikeIfExists", #""arn:aws:sns:*:*:*""#, nil, true),
        ("NumericLessThanIfExists", "5", ["6"], false),
        ("Null", "true", nil, true),
        ("Null", "true", ["x"], false),
        ("Null", "false", ["x"], true),
        ("Null", "false", nil, false),
        ("ForAnyValue:StringEquals", #"["a","b"]"#, ["c", "b"], true),
        ("ForAnyValue:StringEquals", #"["a","b"]"#, ["c", "d"], false),
        ("ForAnyValue:StringEquals", #"["a"]"#, nil, false),
        ("ForAllValues:StringEquals", #"["a","b"]"#, ["a", "b"], true),
        ("ForAllValues:StringEquals", #"["a","b"]"#, ["a", "c"], false),
        ("ForAllValues:StringEquals", #"["a"]"#, nil, true),  // no values: holds (AWS's caution)
        ("ForAllValues:StringLike", #"["team-*"]"#, ["team-a", "team-b"], true),
        ("ForAnyValue:StringNotEquals", #"["a"]"#, ["a", "b"], true),
    ]

    func testEveryConditionOperator() throws {
        var seen: Set<String> = []
        for (op, values, requestValues, holds) in Self.conditionCases {
            let doc = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"\#(op)":{"test:Key":\#(values)}}}]}"#
            var keys: [String: [String]] = [:]
            if let requestValues { keys["TEST:key"] = requestValues }  // condition keys are case-insensitive
            let outcome = try decide([doc], Self.request(keys: keys))
            XCTAssertEqual(outcome == .allow, holds, "\(op) \(values) against \(requestValues ?? [])")
            if let parsed = ConditionOperator(op) { seen.insert(parsed.base.rawValue) }
        }
        XCTAssertEqual(seen, Set(ConditionOperator.Base.allCases.map(\.rawValue)), "a condition operator has no case")
    }

    func testConditionsAreANDedAcrossOperatorsAndKeys() throws {
        let doc = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}]}"#
        let s3 = RequestPrincipal.service("s3.amazonaws.com")
        XCTAssertEqual(try decide([], resource: doc, Self.request(keys: ["aws:SourceArn": ["arn:aws:s3:::bucket"],
                                                                         "aws:SourceAccount": ["123456789012"]], principal: s3)), .allow)
        XCTAssertEqual(try decide([], resource: doc, Self.request(keys: ["aws:SourceArn": ["arn:aws:s3:::bucket"],
                                                                         "aws:SourceAccount": ["999999999999"]], principal: s3)), .implicitDeny)
        XCTAssertEqual(try decide([], resource: doc, Self.request(keys: ["aws:SourceArn": ["arn:aws:s3:::other"],
                                                                         "aws:SourceAccount": ["123456789012"]], principal: s3)), .implicitDeny)
    }

    // MARK: - Documents IAM refuses

    func testMalformedDocuments() {
        let cases: [(String, PolicyDocument.Kind, String)] = [
            ("{", .identity, "Syntax errors in policy."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#, .identity, "Syntax errors in policy."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#, .identity, "Policy statement must contain actions."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}"#, .identity, "Policy statement must contain resources."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"invoke","Resource":"*"}]}"#, .identity,
             "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#, .trust, "Missing required field Principal"),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#, .identity,
             "Policy document should not specify a principal."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSorta":{"a:b":"c"}}}]}"#,
             .identity, "Invalid Condition type : StringSorta."),
        ]
        for (text, kind, message) in cases {
            XCTAssertThrowsError(try PolicyDocument.parse(text, kind: kind), text) { error in
                XCTAssertEqual((error as? PolicyDocument.Malformed)?.message, message, text)
            }
        }
    }

    func testAWSManagedPoliciesParseAndGrantWhatTheirNamesSay() throws {
        let sqsRole = try XCTUnwrap(AWSManagedPolicies.byArn["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"])
        let doc = NamedPolicy(name: "sqs", document: try PolicyDocument.parse(sqsRole.defaultDocument))
        for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"] {
            XCTAssertTrue(PolicyEvaluator.evaluate(Self.request(action, resource: "arn:aws:sqs:us-east-1:123456789012:q"),
                                                   identityPolicies: [doc]).isAllowed, action)
        }
        XCTAssertFalse(PolicyEvaluator.evaluate(Self.request("sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:123456789012:q"),
                                                identityPolicies: [doc]).isAllowed)
        for policy in AWSManagedPolicies.byArn.values {
            XCTAssertNoThrow(try PolicyDocument.parse(policy.defaultDocument), policy.name)
        }
        let readOnly = try XCTUnwrap(AWSManagedPolicies.byArn["arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"])
        let ro = NamedPolicy(name: "ro", document: try PolicyDocument.parse(readOnly.defaultDocument))
        XCTAssertTrue(PolicyEvaluator.evaluate(Self.request("lambda:GetFunction"), identityPolicies: [ro]).isAllowed)
        XCTAssertFalse(PolicyEvaluator.evaluate(Self.request("lambda:InvokeFunction"), identityPolicies: [ro]).isAllowed)
    }
}
