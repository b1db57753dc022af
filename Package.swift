// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lambda-sim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lambda-sim", targets: ["lambda-sim"]),
    ],
    dependencies: [],
    targets: [
        // JSON value, parser, printers and JMESPath: no Foundation-heavy code, shared by all.
        .target(name: "LambdaSimJSON"),
        // Self-contained helpers: DEFLATE, zip archives, SHA-256, base64.
        .target(name: "LambdaSimSupport"),
        // The engine: state, clock, functions, runtimes, async, sources. Never prints or exits.
        .target(
            name: "LambdaSim", dependencies: ["LambdaSimJSON", "LambdaSimSupport"],
            exclude: ["Serve/Generated/generate-serve-model.py", "Validation/Generated/generate-input-constraints.py"]),
        // The front end: specs, parser, output formats, error presenter.
        .target(
            name: "LambdaSimCLI", dependencies: ["LambdaSim", "LambdaSimJSON", "LambdaSimSupport"],
            exclude: ["Spec/Generated/generate-aws-model.py", "Spec/Generated/generate-paginators.py", "Spec/Generated/generate-service-operations.py",
                      "Spec/Generated/generate-waiters.py"]),
        .executableTarget(name: "lambda-sim", dependencies: ["LambdaSimCLI"]),
        .testTarget(
            name: "LambdaSimJSONTests", dependencies: ["LambdaSimJSON"],
            exclude: ["Fixtures/formats/generate.py"]),
        .testTarget(name: "LambdaSimTests", dependencies: ["LambdaSim"]),
        .testTarget(
            name: "LambdaSimSupportTests", dependencies: ["LambdaSimSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "LambdaSimCLITests", dependencies: ["LambdaSimCLI"]),
        .testTarget(name: "EndToEndTests", dependencies: ["LambdaSimJSON"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
