import Foundation
import XCTest

/// The end-to-end harness itself: placeholders replace only values in AWS's exact formats, so a
/// value in a wrong format still fails its golden comparison.
final class HarnessTests: XCTestCase {
    func testUUIDsBecomePlaceholdersOnlyInCanonicalLowerCase() {
        let n = Normalizer()
        XCTAssertEqual(n.apply(#""RevisionId": "477b9ebd-3411-404e-ad75-a4fbbe10af05""#), #""RevisionId": "<uuid>""#)
        XCTAssertEqual(n.apply("477B9EBD-3411-404E-AD75-A4FBBE10AF05"), "477B9EBD-3411-404E-AD75-A4FBBE10AF05")
        XCTAssertEqual(n.apply("477b9ebd3411404ead75a4fbbe10af05"), "477b9ebd3411404ead75a4fbbe10af05")
    }

    func testLogResultIsDecodedAndNormalised() {
        let log = "START RequestId: dd225625-b046-4da5-a832-bc3ef6a11c2a Version: $LATEST\nhello\n"
            + "REPORT RequestId: dd225625-b046-4da5-a832-bc3ef6a11c2a\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
            + "Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 101.20 ms\t\n"
        let json = "\"LogResult\": \"\(Data(log.utf8).base64EncodedString())\""
        XCTAssertEqual(Normalizer(options: [.logDurations]).apply(json),
                       #""LogResult": "<base64 of: START RequestId: <uuid> Version: $LATEST\nhello\nREPORT RequestId: <uuid>\tDuration: <ms> ms\tBilled Duration: <ms> ms\tMemory Size: 128 MB\tMax Memory Used: <mb> MB\tInit Duration: <ms> ms\t\n>""#)
        // Without .logDurations the measured values stay and are compared.
        XCTAssertTrue(Normalizer().apply(json).contains("Duration: 12.34 ms"))
        // A duration without AWS's two decimals is not a duration placeholder.
        XCTAssertEqual(Normalizer(options: [.logDurations]).apply("x\tDuration: 12.3 ms"), "x\tDuration: 12.3 ms")
    }

    func testStackTracePathsAndTimestamps() {
        let n = Normalizer(options: [.timestamps])
        XCTAssertEqual(n.apply(#"["  File \"/tmp/lambda-sim-x/code/handler.py\", line 9, in boom\n"]"#),
                       #"["  File \"<task-root>/handler.py\", line 9, in boom\n"]"#)
        XCTAssertEqual(n.apply(#"File "/var/task/handler.py", line 9"#), #"File "<task-root>/handler.py", line 9"#)
        XCTAssertEqual(n.apply("2019-08-14T22:26:11.234+0000"), "<iso-time>")
        XCTAssertEqual(n.apply("2026-11-22T19:58:59.383232000Z"), "2026-11-22T19:58:59.383232000Z")
        XCTAssertEqual(n.apply(#""LastModified": 1573686021.479,"#), #""LastModified": <epoch>,"#)
        XCTAssertEqual(n.apply("2026-11-22T14:58:59.383000-05:00"), "<local-time>-05:00")
        XCTAssertEqual(Normalizer().apply("2019-08-14T22:26:11.234+0000"), "2019-08-14T22:26:11.234+0000")
    }

    func testBytesThatAreNotUTF8AreLeftAlone() {
        XCTAssertEqual(Normalizer().apply(Fixtures.binDat), Fixtures.binDat)
    }

    func testStoredZipIsReadableAndStable() throws {
        let zip = Fixtures.fnZip
        XCTAssertEqual(Array(zip.prefix(4)), [0x50, 0x4b, 0x03, 0x04])
        XCTAssertEqual(StoredZip.crc32(Array("123456789".utf8)), 0xcbf4_3926)
        XCTAssertEqual(zip, StoredZip.archive([("handler.py", Array(Fixtures.handlerPy.utf8))]))
    }

    func testRunnerCapturesStreamsExitCodeAndStdin() throws {
        let spec = ProcessSpec(executable: "/bin/sh", arguments: ["-c", "cat; printf err >&2; exit 3"],
                               environment: ["PATH": "/usr/bin:/bin"], workingDirectory: NSTemporaryDirectory(),
                               stdin: Array("in\n".utf8))
        let result = try ProcessRunner.run(spec)
        XCTAssertEqual(result.stdoutText, "in\n")
        XCTAssertEqual(result.stderrText, "err")
        XCTAssertEqual(result.exitCode, 3)
    }
}
