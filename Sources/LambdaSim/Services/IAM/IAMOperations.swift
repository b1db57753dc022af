import LambdaSimJSON

/// IAM's API (roles, users, inline and managed policies) and STS's `GetCallerIdentity`, with
/// IAM's error codes and texts (`NoSuchEntity`, `EntityAlreadyExists`, `DeleteConflict`,
/// `MalformedPolicyDocument`). IAM is global: its ARNs carry no region.
///
/// Timestamps are IAM's wire text (`2026-11-22T19:58:59Z`); policy documents are the caller's
/// text, which the CLI decodes into JSON as botocore's `json_decode_policies` does.
extension Engine {
    static let iamOperations: [String: @Sendable (Engine) -> (JSONObject) throws -> JSON] = [
        "CreateRole": { $0.createRole }, "GetRole": { $0.getRole }, "ListRoles": { $0.listRoles },
        "UpdateRole": { $0.updateRole }, "DeleteRole": { $0.deleteRole },
        "UpdateAssumeRolePolicy": { $0.updateAssumeRolePolicy },
        "PutRolePolicy": { e in { try e.putInlinePolicy(.role, $0) } },
        "GetRolePolicy": { e in { try e.getInlinePolicy(.role, $0) } },
        "ListRolePolicies": { e in { try e.listInlinePolicies(.role, $0) } },
        "DeleteRolePolicy": { e in { try e.deleteInlinePolicy(.role, $0) } },
        "AttachRolePolicy": { e in { try e.attachPolicy(.role, $0) } },
        "DetachRolePolicy": { e in { try e.detachPolicy(.role, $0) } },
        "ListAttachedRolePolicies": { e in { try e.listAttachedPolicies(.role, $0) } },
        "CreatePolicy": { $0.createPolicy }, "GetPolicy": { $0.getManagedPolicy },
        "GetPolicyVersion": { $0.getPolicyVersion }, "ListPolicies": { $0.listPolicies },
        "DeletePolicy": { $0.deletePolicy },
        "CreateUser": { $0.createUser }, "GetUser": { $0.getUser }, "ListUsers": { $0.listUsers },
        "DeleteUser": { $0.deleteUser },
        "PutUserPolicy": { e in { try e.putInlinePolicy(.user, $0) } },
        "GetUserPolicy": { e in { try e.getInlinePolicy(.user, $0) } },
        "ListUserPolicies": { e in { try e.listInlinePolicies(.user, $0) } },
        "DeleteUserPolicy": { e in { try e.deleteInlinePolicy(.user, $0) } },
        "AttachUserPolicy": { e in { try e.attachPolicy(.user, $0) } },
        "DetachUserPolicy": { e in { try e.detachPolicy(.user, $0) } },
        "ListAttachedUserPolicies": { e in { try e.listAttachedPolicies(.user, $0) } },
    ]

    /// Runs an IAM operation, or returns nil when `operation` is not IAM's.
    public func performIAMOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        guard let handler = Self.iamOperations[operation] else { return nil }
        return try handler(self)(params)
    }

    /// Runs an STS operation, or returns nil.
    public func performSTSOperation(_ operation: String, _ params: JSONObject) throws -> JSON? {
        guard operation == "GetCallerIdentity" else { return nil }
        let state = try store.read()
        let caller = callerIdentity(state)
        return .object(JSONObject([("UserId", .string(caller.userId)), ("Account", .string(caller.account)),
                                   ("Arn", .string(caller.arn))]))
    }

    // MARK: - Errors

    static func noSuchEntity(_ message: String) -> ServiceError { ServiceError("NoSuchEntity", message, status: 404) }
    static func entityExists(_ message: String) -> ServiceError { ServiceError("EntityAlreadyExists", message, status: 409) }
    static func deleteConflict(_ message: String) -> ServiceError { ServiceError("DeleteConflict", message, status: 409) }
    static func malformed(_ message: String) -> ServiceError { ServiceError("MalformedPolicyDocument", message, status: 400) }
    static func iamValidation(_ message: String) -> ServiceError { ServiceError("ValidationError", message, status: 400) }

    /// Parses a policy document as IAM does on the way in, with its `MalformedPolicyDocument` texts.
    static func checkedDocument(_ text: String?, kind: PolicyDocument.Kind) throws -> String {
        guard let text, !text.isEmpty else { throw iamValidation("The policy document is empty.") }
        guard (try? JSONParser.parse(text)) != nil else { throw malformed("This policy contains invalid Json") }
        do {
            _ = try PolicyDocument.parse(text, kind: kind)
        } catch {
            throw malformed(error.message)
        }
        return text
    }

    static func checkName(_ name: String?, field: String) throws -> String {
        guard let name, !name.isEmpty else {
            throw iamValidation("1 validation error detected: Value null at '\(field)' failed to satisfy constraint: Member must not be null")
        }
        let allowed = name.unicodeScalars.allSatisfy { c in
            (c.value < 128 && (c.properties.isAlphabetic || ("0"..."9").contains(c))) || "_+=,.@-".unicodeScalars.contains(c)
        }
        if !allowed {
            throw iamValidation("1 validation error detected: Value '\(name)' at '\(field)' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
        }
        return name
    }

    static func checkPath(_ path: String?) throws -> String {
        let path = path ?? "/"
        guard path.hasPrefix("/"), path.hasSuffix("/") else {
            throw iamValidation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
        }
        return path
    }

    /// IAM's unique IDs: a four-letter prefix (`AROA` roles, `AIDA` users, `ANPA` policies)
    /// and 17 upper-case letters and digits.
    static func uniqueId(_ prefix: String, _ rng: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = prefix
        for _ in 0..<17 { out.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return out
    }

    /// IAM's wire timestamp: seconds, UTC, `Z`.
    static func iamTime(_ ms: SimInstant) -> JSON {
        let iso = TimeFormat.iso(ms)
        return .string(String(iso.prefix(19)) + "Z")
    }

    static func tagsJSON(_ tags: [IAMTag]?) -> JSON? {
        guard let tags, !tags.isEmpty else { return nil }
        return .array(tags.map { .object(JSONObject([("Key", .string($0.key)), ("Value", .string($0.value))])) })
    }

    static func tags(_ p: JSONObject) -> [IAMTag]? {
        guard let list = p["Tags"]?.arrayValue else { return nil }
        return list.compactMap { t in
            guard let k = t["Key"]?.stringValue else { return nil }
            return IAMTag(key: k, value: t["Value"]?.stringValue ?? "")
        }
    }

    // MARK: - Roles

    func roleJSON(_ role: IAMRole, detail: Bool) -> JSON {
        var o = JSONObject([("Path", .string(role.path)), ("RoleName", .string(role.name)), ("RoleId", .string(role.roleId)),
                            ("Arn", .string(role.arn)), ("CreateDate", Self.iamTime(role.createdMs)),
                            ("AssumeRolePolicyDocument", .string(role.assumeRolePolicy))])
        if let d = role.description { o["Description"] = .string(d) }
        if detail { o["MaxSessionDuration"] = .int(role.maxSessionDuration) }
        if let tags = Self.tagsJSON(role.tags) { o["Tags"] = tags }
        if detail { o["RoleLastUsed"] = .object(JSONObject()) }
        return .object(o)
    }

    func existingRole(_ iam: IAMState, _ name: String?) throws -> IAMRole {
        let name = try Self.checkName(name, field: "roleName")
        guard let role = iam.roles[name.lowercased()] else {
            throw Self.noSuchEntity("The role with name \(name) cannot be found.")
        }
        return role
    }

    func createRole(_ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("RoleName"), field: "roleName")
        let path = try Self.checkPath(p.string("Path"))
        let document = try Self.checkedDocument(p.string("AssumeRolePolicyDocument"), kind: .trust)
        return try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            if iam.roles[name.lowercased()] != nil {
                throw Self.entityExists("Role with name \(name) already exists.")
            }
            let role = IAMRole(name: name, path: path, roleId: Self.uniqueId("AROA", &state.rng), createdMs: self.now(state),
                               assumeRolePolicy: document, description: p.string("Description"),
                               maxSessionDuration: p.int("MaxSessionDuration") ?? 3600, tags: Self.tags(p))
            iam.roles[name.lowercased()] = role
            state.iam = iam
            return .object(JSONObject([("Role", self.roleJSON(role, detail: false))]))
        }
    }

    func getRole(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        return .object(JSONObject([("Role", roleJSON(try existingRole(iam, p.string("RoleName")), detail: true))]))
    }

    func listRoles(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        let prefix = p.string("PathPrefix") ?? "/"
        let roles = iam.roles.values.filter { $0.path.hasPrefix(prefix) }.sorted { $0.name.lowercased() < $1.name.lowercased() }
        return .object(JSONObject([("Roles", .array(roles.map { roleJSON($0, detail: true) }))]))
    }

    func updateRole(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            var role = try self.existingRole(iam, p.string("RoleName"))
            if let d = p.string("Description") { role.description = d }
            if let m = p.int("MaxSessionDuration") { role.maxSessionDuration = m }
            iam.roles[role.name.lowercased()] = role
            state.iam = iam
            return .object(JSONObject())
        }
    }

    func updateAssumeRolePolicy(_ p: JSONObject) throws -> JSON {
        let document = try Self.checkedDocument(p.string("PolicyDocument"), kind: .trust)
        return try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            var role = try self.existingRole(iam, p.string("RoleName"))
            role.assumeRolePolicy = document
            iam.roles[role.name.lowercased()] = role
            state.iam = iam
            return .object(JSONObject())
        }
    }

    func deleteRole(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            let role = try self.existingRole(iam, p.string("RoleName"))
            if !role.attachedPolicies.isEmpty {
                throw Self.deleteConflict("Cannot delete entity, must detach all policies first.")
            }
            if !role.inlinePolicies.isEmpty {
                throw Self.deleteConflict("Cannot delete entity, must delete policies first.")
            }
            iam.roles[role.name.lowercased()] = nil
            state.iam = iam
            return .object(JSONObject())
        }
    }

    // MARK: - Users

    func userJSON(_ user: IAMUser) -> JSON {
        var o = JSONObject([("Path", .string(user.path)), ("UserName", .string(user.name)), ("UserId", .string(user.userId)),
                            ("Arn", .string(user.arn)), ("CreateDate", Self.iamTime(user.createdMs))])
        if let tags = Self.tagsJSON(user.tags) { o["Tags"] = tags }
        return .object(o)
    }

    func existingUser(_ iam: IAMState, _ name: String?) throws -> IAMUser {
        let name = try Self.checkName(name, field: "userName")
        guard let user = iam.users[name.lowercased()] else {
            throw Self.noSuchEntity("The user with name \(name) cannot be found.")
        }
        return user
    }

    func createUser(_ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("UserName"), field: "userName")
        let path = try Self.checkPath(p.string("Path"))
        return try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            if iam.users[name.lowercased()] != nil {
                throw Self.entityExists("User with name \(name) already exists.")
            }
            let user = IAMUser(name: name, path: path, userId: Self.uniqueId("AIDA", &state.rng), createdMs: self.now(state),
                               tags: Self.tags(p))
            iam.users[name.lowercased()] = user
            state.iam = iam
            return .object(JSONObject([("User", self.userJSON(user))]))
        }
    }

    func getUser(_ p: JSONObject) throws -> JSON {
        let state = try store.read()
        let iam = state.iam ?? IAMState()
        if p.string("UserName") == nil {
            // Without a name: the caller's own user; the account's root user for root.
            let caller = callerIdentity(state)
            if caller.kind == .user, let user = iam.users[caller.name.lowercased()] {
                return .object(JSONObject([("User", userJSON(user))]))
            }
            if caller.kind == .role {
                throw ServiceError("ValidationError", "Must specify userName when calling with non-User credentials", status: 400)
            }
            return .object(JSONObject([("User", .object(JSONObject([
                ("UserId", .string(caller.account)), ("Arn", .string(caller.arn)),
                ("CreateDate", Self.iamTime(state.clock.now(wall: WallClock.nowMs()))),
            ])))]))
        }
        return .object(JSONObject([("User", userJSON(try existingUser(iam, p.string("UserName"))))]))
    }

    func listUsers(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        let prefix = p.string("PathPrefix") ?? "/"
        let users = iam.users.values.filter { $0.path.hasPrefix(prefix) }.sorted { $0.name.lowercased() < $1.name.lowercased() }
        return .object(JSONObject([("Users", .array(users.map(userJSON)))]))
    }

    func deleteUser(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            let user = try self.existingUser(iam, p.string("UserName"))
            if !user.attachedPolicies.isEmpty {
                throw Self.deleteConflict("Cannot delete entity, must detach all policies first.")
            }
            if !user.inlinePolicies.isEmpty {
                throw Self.deleteConflict("Cannot delete entity, must delete policies first.")
            }
            iam.users[user.name.lowercased()] = nil
            state.iam = iam
            return .object(JSONObject())
        }
    }

    // MARK: - Inline and attached policies of roles and users

    enum Principal { case role, user }

    /// Reads and writes the policies of the role or user a request names.
    func withEntity<T>(_ kind: Principal, _ p: JSONObject, mutate: Bool,
                       _ body: (inout [IAMInlinePolicy], inout [String], inout State) throws -> T) throws -> T
    {
        func run(_ state: inout State) throws -> T {
            var iam = state.iam ?? IAMState()
            switch kind {
            case .role:
                var role = try self.existingRole(iam, p.string("RoleName"))
                let result = try body(&role.inlinePolicies, &role.attachedPolicies, &state)
                iam.roles[role.name.lowercased()] = role
                if mutate { state.iam = iam.merged(into: state.iam) }
                return result
            case .user:
                var user = try self.existingUser(iam, p.string("UserName"))
                let result = try body(&user.inlinePolicies, &user.attachedPolicies, &state)
                iam.users[user.name.lowercased()] = user
                if mutate { state.iam = iam.merged(into: state.iam) }
                return result
            }
        }
        if mutate { return try store.update { try run(&$0) } }
        var state = try store.read()
        return try run(&state)
    }

    func entityName(_ kind: Principal, _ p: JSONObject) -> (key: String, value: JSON) {
        kind == .role ? ("RoleName", .string(p.string("RoleName") ?? "")) : ("UserName", .string(p.string("UserName") ?? ""))
    }

    func putInlinePolicy(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("PolicyName"), field: "policyName")
        let document = try Self.checkedDocument(p.string("PolicyDocument"), kind: .identity)
        return try withEntity(kind, p, mutate: true) { inline, _, _ in
            if let i = inline.firstIndex(where: { $0.name == name }) {
                inline[i].document = document
            } else {
                inline.append(IAMInlinePolicy(name: name, document: document))
            }
            return .object(JSONObject())
        }
    }

    func getInlinePolicy(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("PolicyName"), field: "policyName")
        return try withEntity(kind, p, mutate: false) { inline, _, _ in
            guard let policy = inline.first(where: { $0.name == name }) else {
                throw Self.noSuchEntity("The \(kind == .role ? "role" : "user") policy with name \(name) cannot be found.")
            }
            let entity = entityName(kind, p)
            return .object(JSONObject([(entity.key, entity.value), ("PolicyName", .string(policy.name)),
                                       ("PolicyDocument", .string(policy.document))]))
        }
    }

    func listInlinePolicies(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        try withEntity(kind, p, mutate: false) { inline, _, _ in
            .object(JSONObject([("PolicyNames", .array(inline.map(\.name).sorted().map { .string($0) }))]))
        }
    }

    func deleteInlinePolicy(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("PolicyName"), field: "policyName")
        return try withEntity(kind, p, mutate: true) { inline, _, _ in
            guard let i = inline.firstIndex(where: { $0.name == name }) else {
                throw Self.noSuchEntity("The \(kind == .role ? "role" : "user") policy with name \(name) cannot be found.")
            }
            inline.remove(at: i)
            return .object(JSONObject())
        }
    }

    /// A managed policy by ARN: AWS managed (data) or customer managed (state).
    func managedPolicy(_ iam: IAMState, _ arn: String) -> IAMManagedPolicy? {
        AWSManagedPolicies.byArn[arn] ?? iam.policies[arn]
    }

    func attachPolicy(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        let arn = p.string("PolicyArn") ?? ""
        return try withEntity(kind, p, mutate: true) { _, attached, state in
            guard self.managedPolicy(state.iam ?? IAMState(), arn) != nil else {
                throw Self.noSuchEntity("Policy \(arn) does not exist or is not attachable.")
            }
            if !attached.contains(arn) { attached.append(arn) }
            return .object(JSONObject())
        }
    }

    func detachPolicy(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        let arn = p.string("PolicyArn") ?? ""
        return try withEntity(kind, p, mutate: true) { _, attached, _ in
            guard let i = attached.firstIndex(of: arn) else { throw Self.noSuchEntity("Policy \(arn) was not found.") }
            attached.remove(at: i)
            return .object(JSONObject())
        }
    }

    func listAttachedPolicies(_ kind: Principal, _ p: JSONObject) throws -> JSON {
        try withEntity(kind, p, mutate: false) { _, attached, state in
            let iam = state.iam ?? IAMState()
            let items: [JSON] = attached.compactMap { arn in
                guard let policy = self.managedPolicy(iam, arn) else { return nil }
                return .object(JSONObject([("PolicyName", .string(policy.name)), ("PolicyArn", .string(arn))]))
            }
            return .object(JSONObject([("AttachedPolicies", .array(items))]))
        }
    }

    // MARK: - Managed policies

    func attachmentCount(_ iam: IAMState, _ arn: String) -> Int {
        iam.roles.values.filter { $0.attachedPolicies.contains(arn) }.count
            + iam.users.values.filter { $0.attachedPolicies.contains(arn) }.count
    }

    func managedPolicyJSON(_ policy: IAMManagedPolicy, iam: IAMState, description: Bool) -> JSON {
        var o = JSONObject([("PolicyName", .string(policy.name)), ("PolicyId", .string(policy.policyId)),
                            ("Arn", .string(policy.arn)), ("Path", .string(policy.path)),
                            ("DefaultVersionId", .string(policy.defaultVersionId)),
                            ("AttachmentCount", .int(attachmentCount(iam, policy.arn))),
                            ("PermissionsBoundaryUsageCount", .int(0)), ("IsAttachable", .bool(true))])
        if description, let d = policy.description { o["Description"] = .string(d) }
        o["CreateDate"] = Self.iamTime(policy.createdMs)
        o["UpdateDate"] = Self.iamTime(policy.updatedMs)
        return .object(o)
    }

    func createPolicy(_ p: JSONObject) throws -> JSON {
        let name = try Self.checkName(p.string("PolicyName"), field: "policyName")
        let path = try Self.checkPath(p.string("Path"))
        let document = try Self.checkedDocument(p.string("PolicyDocument"), kind: .identity)
        return try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            let arn = "arn:aws:iam::\(Arn.account):policy\(path)\(name)"
            if iam.policies.values.contains(where: { $0.name.lowercased() == name.lowercased() && $0.path == path }) {
                throw Self.entityExists("A policy called \(name) already exists. Duplicate names are not allowed.")
            }
            let now = self.now(state)
            let policy = IAMManagedPolicy(name: name, path: path, policyId: Self.uniqueId("ANPA", &state.rng), arn: arn,
                                          description: p.string("Description"), createdMs: now, updatedMs: now,
                                          defaultVersionId: "v1",
                                          versions: [IAMPolicyVersion(versionId: "v1", document: document, createdMs: now)])
            iam.policies[arn] = policy
            state.iam = iam
            return .object(JSONObject([("Policy", self.managedPolicyJSON(policy, iam: iam, description: false))]))
        }
    }

    func getManagedPolicy(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        let arn = p.string("PolicyArn") ?? ""
        guard let policy = managedPolicy(iam, arn) else { throw Self.noSuchEntity("Policy \(arn) was not found.") }
        return .object(JSONObject([("Policy", managedPolicyJSON(policy, iam: iam, description: true))]))
    }

    func getPolicyVersion(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        let arn = p.string("PolicyArn") ?? ""
        let versionId = p.string("VersionId") ?? ""
        guard let policy = managedPolicy(iam, arn) else { throw Self.noSuchEntity("Policy \(arn) was not found.") }
        guard let version = policy.versions.first(where: { $0.versionId == versionId }) else {
            throw Self.noSuchEntity("Policy \(arn) version \(versionId) does not exist or is not attachable.")
        }
        return .object(JSONObject([("PolicyVersion", .object(JSONObject([
            ("Document", .string(version.document)), ("VersionId", .string(version.versionId)),
            ("IsDefaultVersion", .bool(version.versionId == policy.defaultVersionId)),
            ("CreateDate", Self.iamTime(version.createdMs)),
        ])))]))
    }

    func listPolicies(_ p: JSONObject) throws -> JSON {
        let iam = try store.read().iam ?? IAMState()
        let scope = p.string("Scope") ?? "All"
        let onlyAttached = p.bool("OnlyAttached") ?? false
        let prefix = p.string("PathPrefix") ?? "/"
        var policies: [IAMManagedPolicy] = []
        if scope != "Local" { policies += AWSManagedPolicies.orderedArns.compactMap { AWSManagedPolicies.byArn[$0] } }
        if scope != "AWS" { policies += iam.policies.values.sorted { $0.name < $1.name } }
        policies = policies.filter { $0.path.hasPrefix(prefix) && (!onlyAttached || attachmentCount(iam, $0.arn) > 0) }
        return .object(JSONObject([("Policies", .array(policies.map { managedPolicyJSON($0, iam: iam, description: false) }))]))
    }

    func deletePolicy(_ p: JSONObject) throws -> JSON {
        try store.update { state -> JSON in
            var iam = state.iam ?? IAMState()
            let arn = p.string("PolicyArn") ?? ""
            if AWSManagedPolicies.byArn[arn] != nil {
                throw ServiceError("AccessDenied", "User: \(self.callerIdentity(state).arn) is not authorized to perform: iam:DeletePolicy on resource: policy \(arn)", status: 403)
            }
            guard iam.policies[arn] != nil else { throw Self.noSuchEntity("Policy \(arn) was not found.") }
            if self.attachmentCount(iam, arn) > 0 {
                throw Self.deleteConflict("Cannot delete a policy attached to entities.")
            }
            iam.policies[arn] = nil
            state.iam = iam
            return .object(JSONObject())
        }
    }
}

extension IAMState {
    /// `self`, keeping the mode already in the state.
    func merged(into existing: IAMState?) -> IAMState {
        var out = self
        out.mode = existing?.mode ?? mode
        return out
    }
}
