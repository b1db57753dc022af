import LambdaSimSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class FileIOTests: XCTestCase {
    private var directories: [String] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        super.tearDown()
    }

    private func temporaryDirectory() throws -> String {
        let directory = "/tmp/lambda-sim-fileio-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        XCTAssertEqual(mkdir(directory, 0o700), 0)
        directories.append(directory)
        return directory
    }

    func testAppendAndReadAll() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/log.jsonl"
        XCTAssertNil(FileIO.readAll(path: path))
        try FileIO.append(path: path, bytes: Array("one\n".utf8))
        try FileIO.append(path: path, bytes: Array("two\n".utf8))
        XCTAssertEqual(FileIO.readAll(path: path), Array("one\ntwo\n".utf8))
        XCTAssertEqual(try FileIO.read(path: path, from: 4), Array("two\n".utf8))
        XCTAssertThrowsError(try FileIO.append(path: directory + "/missing/log", bytes: [1])) { error in
            XCTAssertEqual((error as? FileIOError)?.step, .open)
            XCTAssertEqual((error as? FileIOError)?.code, ENOENT)
        }
    }

    // Files lambda-sim creates are private whatever the caller's umask (here the usual 022).
    func testCreatedFilesArePrivateUnderAPermissiveUmask() throws {
        let directory = try temporaryDirectory()
        let previous = umask(0o022)
        defer { umask(previous) }
        try FileIO.append(path: directory + "/log", bytes: [1])
        try FileIO.atomicReplace(path: directory + "/file", bytes: [1], temp: directory + "/file.tmp", sync: false)
        for name in ["log", "file"] {
            var info = stat()
            XCTAssertEqual(stat(directory + "/" + name, &info), 0)
            XCTAssertEqual(info.st_mode & 0o777, 0o600, name)
        }
    }

    func testWriteAllInChunks() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/out"
        let bytes = (0..<100_000).map { UInt8($0 % 251) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        try FileIO.writeAll(fd: fd, bytes: bytes, chunk: 32768)
        close(fd)
        XCTAssertEqual(FileIO.readAll(path: path), bytes)
        XCTAssertThrowsError(try FileIO.writeAll(fd: -1, bytes: [1])) { error in
            XCTAssertEqual((error as? FileIOError)?.code, EBADF)
        }
    }

    func testAtomicReplace() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/state.json"
        try FileIO.atomicReplace(path: path, bytes: Array("old".utf8), temp: path + ".tmp", sync: true)
        try FileIO.atomicReplace(path: path, bytes: Array("new".utf8), temp: path + ".tmp", sync: false)
        XCTAssertEqual(FileIO.readAll(path: path), Array("new".utf8))
        XCTAssertNil(FileIO.readAll(path: path + ".tmp"))
        // A rename onto a directory fails and leaves no temporary file behind.
        XCTAssertEqual(mkdir(directory + "/dir", 0o755), 0)
        XCTAssertEqual(mkdir(directory + "/dir/sub", 0o755), 0)
        XCTAssertThrowsError(try FileIO.atomicReplace(path: directory + "/dir", bytes: [1], temp: path + ".tmp", sync: false)) { error in
            XCTAssertEqual((error as? FileIOError)?.step, .rename)
        }
        XCTAssertNil(FileIO.readAll(path: path + ".tmp"))
    }
}
