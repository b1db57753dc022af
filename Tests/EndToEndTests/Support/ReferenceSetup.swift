import Foundation

/// The setups the reference cases share (aws-cli-v1-observed.md §2), as `Sandbox` helpers.
extension Sandbox {
    /// The role ARN the reference's functions use.
    static let referenceRole = "arn:aws:iam::123456789012:role/lambda-role"

    /// A fresh sandbox with the §2 fixture files written.
    static func reference() throws -> Sandbox {
        let sandbox = try Sandbox()
        try sandbox.writeStandardFixtures()
        return sandbox
    }

    /// `create-function NAME --runtime builtin --handler HANDLER`: stands in for moto's "simple"
    /// backend (echo returns the request payload; an empty payload gives `{}`).
    func createBuiltin(_ name: String = "my-fn", handler: String = "echo") throws {
        try setup("create-function", "--function-name", name, "--runtime", "builtin", "--handler", handler)
    }

    /// `create-function NAME --runtime python3.12 --handler handler.FUNC --zip-file fileb://fn.zip`
    /// with the reference's role: the "emulator" cases' real Python handler.
    func createPython(_ name: String = "my-fn", handler: String = "handler.handler") throws {
        try setup("create-function", "--function-name", name, "--runtime", "python3.12", "--role", Self.referenceRole,
                  "--handler", handler, "--zip-file", "fileb://fn.zip")
    }

    /// `publish-version` (→ version 1) and `create-alias --name live --function-version 1`
    /// (reference cases 02 and 03).
    func publishVersionAndAlias(_ name: String = "my-fn") throws {
        try setup("publish-version", "--function-name", name)
        try setup("create-alias", "--function-name", name, "--name", "live", "--function-version", "1")
    }
}
