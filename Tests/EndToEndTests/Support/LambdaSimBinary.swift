import Foundation

/// Finds the built `lambda-sim` executable for end-to-end tests, in this order:
/// 1. `LAMBDA_SIM_BIN` (absolute path), e.g. when building with a private `--scratch-path`;
/// 2. beside the test runner (`swift test` builds every product into the same directory);
/// 3. `<package root>/.build/debug/lambda-sim`, the package root found from this file's path.
enum LambdaSimBinary {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // EndToEndTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    /// The executable's absolute path, or an error that says how to build it.
    static func locate() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["LAMBDA_SIM_BIN"], !explicit.isEmpty {
            let path = explicit.hasPrefix("/") ? explicit : FileManager.default.currentDirectoryPath + "/" + explicit
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ProcessRunnerError(description: "LAMBDA_SIM_BIN=\(explicit) is not an executable file; run `swift build` first")
            }
            return path
        }
        var candidates: [String] = []
        if let runner = CommandLine.arguments.first, runner.hasPrefix("/") {
            var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
            // On macOS the runner sits inside `<dir>/X.xctest/Contents/MacOS/`.
            while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
            candidates.append(directory.appendingPathComponent("lambda-sim").path)
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/lambda-sim").path)
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw ProcessRunnerError(description: """
            lambda-sim binary not found (looked at \(candidates.joined(separator: ", "))). \
            Run `swift build` first, or set LAMBDA_SIM_BIN to the built binary.
            """)
    }
}
