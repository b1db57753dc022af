/// IAM's entities in the state file (global: not per region), under `State.iam`.
///
/// Policy documents are kept as the text the caller sent (IAM returns them unchanged,
/// URL-encoded on the wire); they are parsed again when evaluated.
public struct IAMState: Codable, Sendable {
    /// `strict`: AWS's full behaviour (unknown roles are errors); nil or `permissive`: the
    /// default, where an identity never created locally is the account's administrator.
    public var mode: String?
    /// Roles and users by lower-cased name (IAM names are unique case-insensitively).
    public var roles: [String: IAMRole] = [:]
    public var users: [String: IAMUser] = [:]
    /// Customer managed policies by ARN.
    public var policies: [String: IAMManagedPolicy] = [:]

    public init(mode: String? = nil) { self.mode = mode }

    public var isStrict: Bool { mode == "strict" }
}

/// An inline policy of a role or user.
public struct IAMInlinePolicy: Codable, Sendable {
    public var name: String
    public var document: String
}

public struct IAMRole: Codable, Sendable {
    public var name: String
    public var path: String
    public var roleId: String
    public var createdMs: SimInstant
    public var assumeRolePolicy: String
    public var description: String?
    public var maxSessionDuration: Int
    public var inlinePolicies: [IAMInlinePolicy] = []
    /// Attached managed policy ARNs, in attachment order.
    public var attachedPolicies: [String] = []
    public var tags: [IAMTag]?

    public var arn: String { "arn:aws:iam::\(Arn.account):role\(path)\(name)" }
}

public struct IAMUser: Codable, Sendable {
    public var name: String
    public var path: String
    public var userId: String
    public var createdMs: SimInstant
    public var inlinePolicies: [IAMInlinePolicy] = []
    public var attachedPolicies: [String] = []
    public var tags: [IAMTag]?

    public var arn: String { "arn:aws:iam::\(Arn.account):user\(path)\(name)" }
}

public struct IAMTag: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
}

/// A managed policy: customer managed (in the state) or AWS managed (data, `AWSManagedPolicies`).
public struct IAMManagedPolicy: Codable, Sendable {
    public var name: String
    public var path: String
    public var policyId: String
    public var arn: String
    public var description: String?
    public var createdMs: SimInstant
    public var updatedMs: SimInstant
    public var defaultVersionId: String
    public var versions: [IAMPolicyVersion]

    public var defaultDocument: String {
        versions.first { $0.versionId == defaultVersionId }?.document ?? "{}"
    }
}

public struct IAMPolicyVersion: Codable, Sendable {
    public var versionId: String
    public var document: String
    public var createdMs: SimInstant
}
