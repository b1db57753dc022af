import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything lambda-sim creates is private (0600 files, 0700 directories; extracted code may
/// keep its owner's execute bit) whatever the caller's umask: checked by listing every file
/// under a state directory after a broad sequence of commands in wall mode, with the background
/// runner doing the asynchronous work.
final class PrivateFilesTests: XCTestCase {
    static let account = "123456789012"
    private var previousUmask: mode_t = 0

    override func setUp() {
        super.setUp()
        // The usual permissive umask: without lambda-sim's own care its files would be 0644 / 0755.
        previousUmask = umask(0o022)
    }

    override func tearDown() {
        umask(previousUmask)
        super.tearDown()
    }

    func sandbox() throws -> Sandbox {
        let s = try Sandbox()
        s.clock = .wall
        s.environment.merge(RuntimeTools.interpreterEnvironment) { _, new in new }
        // The state in a directory of its own, so every entry below it is lambda-sim's.
        s.environment["LAMBDA_SIM_STATE"] = s.path("st/state.json")
        return s
    }

    func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// Every entry below `root` (and `root`) that group or others can use, with its mode.
    func exposed(_ root: String) -> [String] {
        var found: [String] = []
        func check(_ path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK { return }
            let mode = info.st_mode & 0o777
            if kind == S_IFDIR ? mode != 0o700 : (mode & 0o077 != 0 || mode & 0o600 != 0o600) {
                found.append("\(path.dropFirst(root.count)) \(String(mode, radix: 8))")
            }
        }
        check(root)
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String { check(root + "/" + relative) }
        return found
    }

    func count(_ root: String) -> Int {
        var n = 0
        let walker = FileManager.default.enumerator(atPath: root)
        while walker?.nextObject() != nil { n += 1 }
        return n
    }

    /// Creates functions, logs, extracted code, queues, journals, streams, buckets, bus events,
    /// asynchronous work and a mapping, and waits for the background runner to do the work.
    func broadSequence(_ s: Sandbox) throws {
        let queue = "https://sqs.us-east-1.amazonaws.com/\(Self.account)/q"
        try s.writeStandardFixtures()
        try s.setup("create-function", "--function-name", "echo", "--runtime", "builtin", "--handler", "echo")
        try s.setup("invoke", "--function-name", "echo", "--log-type", "Tail", "--payload", "{}", "/dev/null")
        // Code from a zip (extracted beside the state), run by Python when there is one.
        try s.setup("create-function", "--function-name", "py", "--runtime", "python3.12", "--handler", "handler.handler",
                    "--role", "arn:aws:iam::\(Self.account):role/r", "--zip-file", "fileb://fn.zip")
        if RuntimeTools.find("python3", override: "LAMBDA_SIM_PYTHON") != nil {
            try s.setup("invoke", "--function-name", "py", "--payload", "{}", "/dev/null")
        }
        try s.setup("sqs", "create-queue", "--queue-name", "q")
        try s.setup("sqs", "create-queue", "--queue-name", "dest")
        try s.setup("put-function-event-invoke-config", "--function-name", "echo", "--destination-config",
                    #"{"OnSuccess":{"Destination":"arn:aws:sqs:us-east-1:\#(Self.account):dest"}}"#)
        try s.setup("invoke", "--function-name", "echo", "--invocation-type", "Event", "--payload", "{}", "/dev/null")
        try s.setup("create-event-source-mapping", "--function-name", "echo", "--event-source-arn",
                    "arn:aws:sqs:us-east-1:\(Self.account):q")
        try s.setup("sqs", "send-message", "--queue-url", queue, "--message-body", "hello")
        try s.setup("sns", "create-topic", "--name", "t")
        try s.setup("events", "put-events", "--entries", #"[{"Source":"a","DetailType":"b","Detail":"{}"}]"#)
        try s.setup("s3", "mb", "s3://private-bucket")
        try s.setup("kinesis", "create-stream", "--stream-name", "k", "--shard-count", "1")
        try s.setup("kinesis", "put-record", "--stream-name", "k", "--data", "eA==", "--partition-key", "p")
        try s.setup("dynamodb", "create-table", "--table-name", "tbl", "--attribute-definitions", "AttributeName=id,AttributeType=S",
                    "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                    "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
        try s.setup("dynamodb", "put-item", "--table-name", "tbl", "--item", #"{"id":{"S":"a"}}"#)
        // The runner delivers the Event invoke's record and processes the message.
        let processed = try eventually {
            let r = try s.run(["sqs", "get-queue-attributes", "--queue-url", queue.replacingOccurrences(of: "/q", with: "/dest"),
                               "--attribute-names", "ApproximateNumberOfMessages", "--query",
                               "Attributes.ApproximateNumberOfMessages", "--output", "text"])
            let logs = try s.run(["logs", "--function-name", "echo"]).stdoutText
            return r.stdoutText == "1\n" && logs.components(separatedBy: "START RequestId:").count - 1 >= 3
        }
        XCTAssertTrue(processed, "the background runner did the asynchronous work")
        for entry in ["st/state.json.lock", "st/state.json.runner", "st/history.jsonl", "st/async", "st/logs/us-east-1/echo.jsonl",
                      "st/code/py", "st/sqs", "st/events", "st/s3/private-bucket", "st/kinesis", "st/dynamodb", "st/functions"]
        {
            XCTAssertTrue(s.exists(entry), "\(entry) was created")
        }
    }

    func testEverythingCreatedIsPrivate() throws {
        let s = try sandbox()
        try broadSequence(s)
        XCTAssertGreaterThan(count(s.path("st")), 20)
        XCTAssertEqual(exposed(s.path("st")), [])
        // The outfile is the caller's own file: the caller's umask, as with the AWS CLI.
        try s.setup("invoke", "--function-name", "echo", "--payload", "{}", "out.json")
        var info = stat()
        XCTAssertEqual(stat(s.path("out.json"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o644)
    }

    // A state directory an older lambda-sim left readable is tightened by the next command that
    // takes the state lock.
    func testFilesLeftReadableAreTightened() throws {
        let s = try sandbox()
        try broadSequence(s)
        // Wait for the runner to be done, then make everything readable as an older version did.
        XCTAssertTrue(eventually { access(s.path("st/state.json.runner"), F_OK) == 0 && !runnerHolds(s) })
        let root = s.path("st")
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            var info = stat()
            let path = root + "/" + relative
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { continue }
            chmod(path, info.st_mode & S_IFMT == S_IFDIR ? 0o755 : 0o644)
        }
        XCTAssertFalse(exposed(root).isEmpty)
        try s.setup("sqs", "create-queue", "--queue-name", "another")
        XCTAssertEqual(exposed(root).filter { $0 != "/ 755" }, [], "only the state directory itself is left as it was")
    }

    // When runtime/ cannot be made beside the state, the Python bootstrap goes to $TMPDIR/lambda-sim-<uid>,
    // but only when that directory is this user's and closed to others.
    func testTheTemporaryRuntimeDirectoryMustBePrivate() throws {
        try RuntimeTools.requirePython()
        let s = try sandbox()
        try s.writeStandardFixtures()
        try s.setup("create-function", "--function-name", "py", "--runtime", "python3.12", "--handler", "handler.handler",
                    "--role", "arn:aws:iam::\(Self.account):role/r", "--zip-file", "fileb://fn.zip")
        let shared = s.path("tmp/lambda-sim-\(getuid())")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o777)  // as anyone could have made it first
        // The state directory's runtime/ cannot be made (a file is in the way; a read-only
        // directory would not stop root).
        try s.write("st/runtime", "not a directory")
        let refused = try s.run(["invoke", "--function-name", "py", "--payload", "{}", "out.json"], environment: ["TMPDIR": s.path("tmp")])
        XCTAssertEqual(refused.exitCode, 0, refused.stderrText)
        XCTAssertTrue(refused.stdoutText.contains("Unhandled") || refused.stdoutText.contains("FunctionError"), refused.stdoutText)
        let answer = String(decoding: s.read("out.json") ?? [], as: UTF8.self)
        XCTAssertTrue(answer.contains("Runtime.InvalidEntrypoint") && answer.contains("is writable by others"), answer)
        XCTAssertFalse(s.exists("tmp/lambda-sim-\(getuid())/runtime"), "nothing was written into it")
        chmod(shared, 0o755)
        let works = try s.run(["invoke", "--function-name", "py", "--payload", "{}", "out.json"], environment: ["TMPDIR": s.path("tmp")])
        XCTAssertEqual(works.exitCode, 0, works.stderrText)
        XCTAssertFalse(works.stdoutText.contains("FunctionError"), works.stdoutText + String(decoding: s.read("out.json") ?? [], as: UTF8.self))
        var info = stat()
        XCTAssertEqual(stat(shared, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "tightened")
    }

    /// Whether a background runner holds its lock now.
    func runnerHolds(_ s: Sandbox) -> Bool {
        let fd = open(s.path("st/state.json.runner"), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}

/// A writer killed between writing its temporary file and renaming it leaves
/// `state.json.tmp.<pid>`: the next write removes it, and leaves a live process's alone.
final class StaleTemporaryFileTests: XCTestCase {
    func testTemporaryFilesOfDeadWritersAreRemoved() throws {
        let s = try Sandbox()
        try s.setup("create-function", "--function-name", "f", "--runtime", "builtin", "--handler", "echo")
        // A pid that existed and is gone: a child that has been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        try s.write("state.json.tmp.\(dead)", "{\"half\":")
        try s.write("state.json.commit.tmp.\(dead)", "{")
        try s.write("state.json.tmp.\(getpid())", "{}")  // a live writer's
        try s.write("other.tmp.\(dead)", "not lambda-sim's")
        try s.setup("update-function-configuration", "--function-name", "f", "--timeout", "5")
        XCTAssertFalse(s.exists("state.json.tmp.\(dead)"))
        XCTAssertFalse(s.exists("state.json.commit.tmp.\(dead)"))
        XCTAssertTrue(s.exists("state.json.tmp.\(getpid())"))
        XCTAssertTrue(s.exists("other.tmp.\(dead)"))
    }
}
