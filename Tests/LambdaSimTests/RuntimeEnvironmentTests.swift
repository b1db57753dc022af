import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// Execution environments through the engine API, several invocations in one `Engine` (one
/// command): warm reuse keeps module state, concurrent invocations get their own environments,
/// a timeout or crash starts the next invocation cold, and nothing outlives the engine.
final class RuntimeEnvironmentTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lambda-sim-runtime-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/code", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeEngine() -> Engine {
        let environment = ProcessInfo.processInfo.environment
        return Engine(settings: EngineSettings(
            region: "us-east-1", statePath: directory + "/state.json",
            pythonPath: environment["LAMBDA_SIM_PYTHON"] ?? "python3", nodePath: environment["LAMBDA_SIM_NODE"] ?? "node",
            searchPath: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            initialClock: ClockState(mode: .manual, offsetMs: 0, nowMs: 1_767_225_600_000), seed: 11))
    }

    private func requireTool(_ name: String, _ variable: String) throws {
        let environment = ProcessInfo.processInfo.environment
        let wanted = environment[variable] ?? name
        let found = wanted.contains("/") ? FileManager.default.isExecutableFile(atPath: wanted)
            : (environment["PATH"] ?? "").split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(wanted)") }
        if !found { throw XCTSkip("\(name) is not installed: skipping") }
    }

    private func createFunction(_ engine: Engine, name: String, runtime: String, handler: String, timeout: Int = 3) throws {
        _ = try engine.perform("CreateFunction", JSONObject([
            ("FunctionName", .string(name)), ("Runtime", .string(runtime)), ("Handler", .string(handler)),
            ("Role", "arn:aws:iam::123456789012:role/lambda-role"), ("CodePath", .string(directory + "/code")),
            ("Timeout", .int(timeout)),
        ]))
    }

    private func invoke(_ engine: Engine, _ name: String, payload: String = "{}") throws -> (body: JSON?, error: String?, log: String) {
        let response = try engine.invoke(InvokeRequest(functionName: name, logType: "Tail", payload: Array(payload.utf8)))
        let log = response.logResult.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (try? JSONParser.parse(bytes: response.payload), response.functionError, log)
    }

    private func write(_ file: String, _ text: String) throws {
        try text.write(toFile: directory + "/code/" + file, atomically: true, encoding: .utf8)
    }

    private static func alive(_ pid: Int) -> Bool { kill(pid_t(pid), 0) == 0 }

    func testPythonModuleStateSurvivesBetweenWarmInvokes() throws {
        try requireTool("python3", "LAMBDA_SIM_PYTHON")
        try write("counter.py", """
            import os
            COUNT = 0
            print("initialising")

            def handler(event, context):
                global COUNT
                COUNT += 1
                return {"count": COUNT, "pid": os.getpid()}
            """)
        var pid = -1
        do {
            let e = makeEngine()
            try createFunction(e, name: "counter", runtime: "python3.12", handler: "counter.handler")
            let first = try invoke(e, "counter")
            let second = try invoke(e, "counter")
            let third = try invoke(e, "counter")
            XCTAssertEqual(first.body?["count"]?.intValue, 1)
            XCTAssertEqual(second.body?["count"]?.intValue, 2)
            XCTAssertEqual(third.body?["count"]?.intValue, 3)
            pid = first.body?["pid"]?.intValue ?? -1
            XCTAssertEqual(second.body?["pid"]?.intValue, pid, "the same warm process")
            XCTAssertEqual(third.body?["pid"]?.intValue, pid)
            XCTAssertTrue(first.log.contains("\tInit Duration: "), first.log)
            XCTAssertTrue(first.log.contains("\ninitialising\n"), "init output lands in the cold invocation's log")
            XCTAssertFalse(second.log.contains("Init Duration"), second.log)
            XCTAssertFalse(second.log.contains("initialising"), second.log)
            XCTAssertTrue(Self.alive(pid))
        }
        XCTAssertFalse(Self.alive(pid), "the runtime process ends with the engine (the command)")
    }

    func testNodeModuleStateSurvivesBetweenWarmInvokes() throws {
        try requireTool("node", "LAMBDA_SIM_NODE")
        try write("counter.js", """
            let count = 0;
            exports.handler = async () => { count += 1; return { count, pid: process.pid }; };
            """)
        let engine = makeEngine()
        try createFunction(engine, name: "counter", runtime: "nodejs20.x", handler: "counter.handler")
        let counts = try (1...3).map { _ in try invoke(engine, "counter") }
        XCTAssertEqual(counts.map { $0.body?["count"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(Set(counts.map { $0.body?["pid"]?.intValue }).count, 1)
    }

    func testConcurrentInvocationsGetTheirOwnEnvironments() throws {
        try requireTool("python3", "LAMBDA_SIM_PYTHON")
        try write("slow.py", """
            import os, time

            def handler(event, context):
                time.sleep(0.4)
                return os.getpid()
            """)
        let engine = makeEngine()
        try createFunction(engine, name: "slow", runtime: "python3.12", handler: "slow.handler")
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var pids: [Int] = []
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let response = try? engine.invoke(InvokeRequest(functionName: "slow", payload: Array("{}".utf8)))
            let pid = response.flatMap { try? JSONParser.parse(bytes: $0.payload) }?.intValue ?? -1
            results.lock.lock()
            results.pids.append(pid)
            results.lock.unlock()
        }
        let pids = results.pids
        XCTAssertEqual(Set(pids).count, 2, "two concurrent invocations, two execution environments: \(pids)")
        XCTAssertFalse(pids.contains(-1))
        // Both are warm now; the next invocation reuses one of them.
        let again = try invoke(engine, "slow")
        XCTAssertTrue(pids.contains(again.body?.intValue ?? -1))
        XCTAssertFalse(again.log.contains("Init Duration"))
    }

    func testTimeoutAndCrashStartTheNextInvocationCold() throws {
        try requireTool("python3", "LAMBDA_SIM_PYTHON")
        try write("moody.py", """
            import os, time

            def handler(event, context):
                if event.get("sleep"):
                    time.sleep(5)
                if event.get("crash"):
                    os.kill(os.getpid(), 9)
                return os.getpid()
            """)
        let engine = makeEngine()
        try createFunction(engine, name: "moody", runtime: "python3.12", handler: "moody.handler", timeout: 1)
        let firstPid = try invoke(engine, "moody").body?.intValue ?? -1
        let timedOut = try invoke(engine, "moody", payload: #"{"sleep":true}"#)
        XCTAssertEqual(timedOut.error, "Unhandled")
        XCTAssertEqual(timedOut.body?["errorType"]?.stringValue, "Sandbox.Timedout")
        XCTAssertFalse(Self.alive(firstPid), "a timeout kills the whole process group")
        let afterTimeout = try invoke(engine, "moody")
        XCTAssertNotEqual(afterTimeout.body?.intValue, firstPid)
        XCTAssertTrue(afterTimeout.log.contains("Init Duration"), afterTimeout.log)

        let crashed = try invoke(engine, "moody", payload: #"{"crash":true}"#)
        XCTAssertEqual(crashed.body?["errorType"]?.stringValue, "Runtime.ExitError")
        XCTAssertTrue(crashed.body?["errorMessage"]?.stringValue?.hasSuffix("Error: Runtime exited with error: signal: killed") ?? false,
                      "\(String(describing: crashed.body))")
        let afterCrash = try invoke(engine, "moody")
        XCTAssertTrue(afterCrash.log.contains("Init Duration"), afterCrash.log)
    }

    func testCodeChangeGetsANewEnvironment() throws {
        try requireTool("python3", "LAMBDA_SIM_PYTHON")
        try write("v.py", "def handler(e, c):\n    return 'one'\n")
        let engine = makeEngine()
        try createFunction(engine, name: "v", runtime: "python3.12", handler: "v.handler")
        XCTAssertEqual(try invoke(engine, "v").body?.stringValue, "one")
        try write("v.py", "def handler(e, c):\n    return 'second version'\n")
        _ = try engine.perform("UpdateFunctionCode", JSONObject([("FunctionName", "v"), ("CodePath", .string(directory + "/code"))]))
        let updated = try invoke(engine, "v")
        XCTAssertEqual(updated.body?.stringValue, "second version")
        XCTAssertTrue(updated.log.contains("Init Duration"))
    }
}
