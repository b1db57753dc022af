import Foundation
import LambdaSimSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ZipArchiveTests: XCTestCase {
    private var temporaryDirectories: [String] = []

    override func tearDown() {
        for directory in temporaryDirectories {
            // Restore permissions that tests may have removed, then delete.
            _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            try? FileManager.default.removeItem(atPath: directory)
        }
        temporaryDirectories = []
        super.tearDown()
    }

    private func makeTemporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zip-tests-\(UUID().uuidString)").path
        temporaryDirectories.append(path)
        return path
    }

    private func archive(_ name: String) throws -> ZipArchive {
        try ZipArchive(bytes: try fixture(name))
    }

    private func entry(_ archive: ZipArchive, _ path: String) throws -> ZipEntry {
        try XCTUnwrap(archive.entries.first { $0.path == path }, "no entry \(path)")
    }

    private func mode(_ path: String) -> UInt32? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode)
    }

    private func assertZipError(
        _ expression: @autoclosure () throws -> some Any, _ expected: ZipError, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual(error as? ZipError, expected, file: file, line: line)
        }
    }

    // MARK: Reading

    func testStoredEntry() throws {
        let zip = try archive("stored.zip")
        XCTAssertEqual(zip.entries.count, 1)
        let hello = try entry(zip, "hello.txt")
        XCTAssertFalse(hello.isDirectory)
        XCTAssertEqual(hello.compressionMethod, 0)
        XCTAssertEqual(hello.uncompressedSize, 21)
        XCTAssertEqual(hello.compressedSize, 21)
        XCTAssertEqual(hello.unixMode, 0o100644)
        XCTAssertEqual(try zip.contents(of: hello), bytes("Hello, stored world!\n"))
        XCTAssertEqual(zip.comment, "")
    }

    func testDeflatedEntry() throws {
        let zip = try archive("deflated.zip")
        let lorem = try entry(zip, "lorem.txt")
        XCTAssertEqual(lorem.compressionMethod, 8)
        XCTAssertLessThan(lorem.compressedSize, lorem.uncompressedSize)
        XCTAssertEqual(try zip.contents(of: lorem), Payloads.lorem)
        XCTAssertEqual(lorem.crc32, CRC32.checksum(Payloads.lorem))
    }

    func testFunctionTree() throws {
        let zip = try archive("function.zip")
        XCTAssertEqual(
            Set(zip.entries.map(\.path)),
            ["empty.txt", "lib/", "lib/emptydir/", "lib/nested/", "lib/nested/deep/", "lib/nested/deep/data.txt", "secret.txt", "bootstrap"])
        XCTAssertEqual(zip.entries.filter(\.isDirectory).map(\.path).sorted(), ["lib/", "lib/emptydir/", "lib/nested/", "lib/nested/deep/"])
        let bootstrap = try entry(zip, "bootstrap")
        XCTAssertEqual(bootstrap.unixMode.map { $0 & 0o777 }, 0o755)
        XCTAssertEqual(try zip.contents(of: bootstrap), bytes("#!/bin/sh\necho hello from bootstrap\n"))
        let empty = try entry(zip, "empty.txt")
        XCTAssertEqual(empty.uncompressedSize, 0)
        XCTAssertEqual(try zip.contents(of: empty), [])
        XCTAssertEqual(try zip.contents(of: try entry(zip, "lib/nested/deep/data.txt")), Array(repeating: bytes("deep data\n"), count: 50).flatMap { $0 })
        XCTAssertEqual(try zip.contents(of: try entry(zip, "lib/")), [])
    }

    func testComment() throws {
        let zip = try archive("comment.zip")
        XCTAssertEqual(zip.comment, "Built for the lambda-sim tests.\r\nSecond comment line.")
        XCTAssertEqual(try zip.contents(of: try entry(zip, "hello.txt")), bytes("Hello, stored world!\n"))
    }

    func testZip64() throws {
        let python = try archive("zip64-python.zip")
        XCTAssertEqual(try python.contents(of: try entry(python, "big-ish.txt")), Payloads.lorem)
        XCTAssertEqual(try python.contents(of: try entry(python, "small.txt")), bytes("small\n"))

        let infozip = try archive("zip64-infozip.zip")
        XCTAssertEqual(try infozip.contents(of: try entry(infozip, "hello.txt")), bytes("Hello, stored world!\n"))
        XCTAssertEqual(try infozip.contents(of: try entry(infozip, "lorem.txt")), Payloads.lorem)

        // All sizes and offsets only in ZIP64 extra fields, ZIP64 end records.
        let crafted = try archive("zip64-crafted.zip")
        XCTAssertEqual(crafted.entries.map(\.path), ["a.txt", "dir/b.txt"])
        let b = try entry(crafted, "dir/b.txt")
        XCTAssertEqual(b.uncompressedSize, Payloads.lorem.count)
        XCTAssertEqual(b.unixMode, 0o100755)
        XCTAssertEqual(try crafted.contents(of: try entry(crafted, "a.txt")), bytes("first entry\n"))
        XCTAssertEqual(try crafted.contents(of: b), Payloads.lorem)
    }

    func testStreamedEntryWithDataDescriptor() throws {
        let zip = try archive("streamed.zip")
        let entry = try entry(zip, "-")
        XCTAssertEqual(try zip.contents(of: entry), Array(repeating: bytes("streamed from stdin\n"), count: 20).flatMap { $0 })
    }

    func testPrependedData() throws {
        let zip = try archive("prepended.zip")
        XCTAssertEqual(try zip.contents(of: try entry(zip, "lorem.txt")), Payloads.lorem)
    }

    func testNames() throws {
        let zip = try archive("names.zip")
        XCTAssertEqual(zip.entries.map(\.path), ["h\u{E9}llo/w\u{F6}rld.txt", "caf\u{E9}.txt", "windows/style/path.txt"])
        XCTAssertNil(zip.entries[1].unixMode)  // made on MS-DOS
        XCTAssertEqual(try zip.contents(of: zip.entries[2]), bytes("backslashes from an MS-DOS host\n"))
        XCTAssertEqual(zip.comment, "names test")
    }

    func testEmptyArchive() throws {
        let zip = try archive("empty-archive.zip")
        XCTAssertEqual(zip.entries, [])
        let destination = makeTemporaryDirectory() + "/new/dir"
        try zip.extract(to: destination)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), [])
    }

    // MARK: Errors

    func testNotAZip() throws {
        assertZipError(try archive("not-a-zip.txt"), .notAZipFile)
        assertZipError(try archive("truncated.zip"), .notAZipFile)
        assertZipError(try ZipArchive(bytes: []), .notAZipFile)
        assertZipError(try ZipArchive(bytes: Array(repeating: 0, count: 100)), .notAZipFile)
        XCTAssertEqual(ZipError.notAZipFile.description, "not a zip file: end of central directory not found")
    }

    func testBadCRC() throws {
        let zip = try archive("bad-crc.zip")
        let hello = try entry(zip, "hello.txt")
        XCTAssertThrowsError(try zip.contents(of: hello)) { error in
            guard case .crcMismatch(let path, let expected, _)? = error as? ZipError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "hello.txt")
            XCTAssertEqual(expected, CRC32.checksum(bytes("Hello, stored world!\n")))
            XCTAssertTrue("\(error)".hasPrefix("corrupt zip file: entry 'hello.txt' failed its CRC-32 check (expected 0x"), "\(error)")
        }
        XCTAssertThrowsError(try zip.extract(to: makeTemporaryDirectory()))
    }

    func testCorruptDeflateData() throws {
        let zip = try archive("corrupt-deflate.zip")
        XCTAssertThrowsError(try zip.contents(of: try entry(zip, "lorem.txt"))) { error in
            switch error as? ZipError {
            case .corruptEntry(let path, _)?, .crcMismatch(let path, _, _)?: XCTAssertEqual(path, "lorem.txt")
            default: XCTFail("\(error)")
            }
        }
    }

    func testTruncatedEntryData() throws {
        let zip = try archive("truncated-entry.zip")
        assertZipError(
            try zip.contents(of: try entry(zip, "short.txt")),
            .corruptEntry(path: "short.txt", reason: "data extends past the end of the file"))
    }

    func testEncrypted() throws {
        let zip = try archive("encrypted.zip")
        let hello = try entry(zip, "hello.txt")
        XCTAssertTrue(hello.isEncrypted)
        assertZipError(try zip.contents(of: hello), .encrypted(path: "hello.txt"))
        assertZipError(try zip.extract(to: makeTemporaryDirectory()), .encrypted(path: "hello.txt"))
        XCTAssertEqual(ZipError.encrypted(path: "hello.txt").description, "unsupported zip file: entry 'hello.txt' is encrypted")
    }

    func testUnsupportedMethod() throws {
        let zip = try archive("bzip2.zip")
        let compressed = try entry(zip, "compressed.txt")
        XCTAssertEqual(compressed.compressionMethod, 12)
        assertZipError(try zip.contents(of: compressed), .unsupportedMethod(path: "compressed.txt", method: 12))
        XCTAssertEqual(
            ZipError.unsupportedMethod(path: "compressed.txt", method: 12).description,
            "unsupported zip file: entry 'compressed.txt' uses compression method 12 (bzip2); only stored (0) and deflate (8) are supported")
    }

    /// Damaged archives must fail cleanly or read; never crash.
    func testCorruptedArchivesDoNotCrash() throws {
        var rng = SplitMix64(state: 11)
        for name in ["function.zip", "zip64-crafted.zip", "zip64-infozip.zip", "comment.zip", "names.zip"] {
            let original = try fixture(name)
            for _ in 0..<400 {
                var damaged = original
                for _ in 0...(rng.next() % 3) {
                    let index = Int(rng.next() % UInt64(damaged.count))
                    damaged[index] = UInt8(truncatingIfNeeded: rng.next())
                }
                guard let zip = try? ZipArchive(bytes: damaged) else { continue }
                for entry in zip.entries { _ = try? zip.contents(of: entry) }
            }
        }
    }

    // MARK: Extraction

    func testExtractFunctionTree() throws {
        let destination = makeTemporaryDirectory()
        try archive("function.zip").extract(to: destination)
        let files = FileManager.default
        XCTAssertEqual(files.contents(atPath: destination + "/bootstrap"), Data(bytes("#!/bin/sh\necho hello from bootstrap\n")))
        // Extracted code is private: the archive's owner bits, never group or others (0755 → 0700).
        XCTAssertEqual(mode(destination + "/bootstrap"), 0o100700)
        XCTAssertEqual(mode(destination + "/secret.txt"), 0o100600)
        XCTAssertEqual(mode(destination + "/empty.txt"), 0o100600)
        XCTAssertEqual(files.contents(atPath: destination + "/empty.txt"), Data())
        XCTAssertEqual(mode(destination + "/lib/emptydir"), 0o040700)
        XCTAssertEqual(mode(destination + "/lib/nested/deep"), 0o040700)
        XCTAssertEqual(files.contents(atPath: destination + "/lib/nested/deep/data.txt")?.count, 500)
        // Extracting again over the same tree works.
        try archive("function.zip").extract(to: destination + "/")
    }

    func testDefaultModes() throws {
        // traversal.zip's ok.txt came from Python with mode 0600; names.zip has MS-DOS entries (no mode).
        let destination = makeTemporaryDirectory()
        try archive("names.zip").extract(to: destination)
        XCTAssertEqual(mode(destination + "/caf\u{E9}.txt"), 0o100600)
        XCTAssertEqual(mode(destination + "/windows/style"), 0o040700)
        XCTAssertEqual(FileManager.default.contents(atPath: destination + "/windows/style/path.txt"), Data(bytes("backslashes from an MS-DOS host\n")))
    }

    func testRefusesTraversal() throws {
        let parent = makeTemporaryDirectory()
        let destination = parent + "/out"
        let zip = try archive("traversal.zip")
        XCTAssertEqual(zip.entries.map(\.path), ["ok.txt", "../evil"])
        assertZipError(try zip.extract(to: destination), .unsafePath("../evil"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/evil"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination + "/ok.txt"), "nothing is written when any path is unsafe")
        XCTAssertTrue(ZipError.unsafePath("../evil").description.contains("'../evil'"))

        assertZipError(try archive("absolute.zip").extract(to: destination), .unsafePath("/tmp/lambda-sim-absolute-evil"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/lambda-sim-absolute-evil"))
    }

    func testSymlinks() throws {
        let destination = makeTemporaryDirectory()
        let zip = try archive("symlink.zip")
        let current = try entry(zip, "current")
        XCTAssertTrue(current.isSymbolicLink)
        XCTAssertEqual(try zip.contents(of: current), bytes("lib/data.txt"))
        try zip.extract(to: destination)
        let files = FileManager.default
        XCTAssertEqual(try files.destinationOfSymbolicLink(atPath: destination + "/current"), "lib/data.txt")
        XCTAssertEqual(try files.destinationOfSymbolicLink(atPath: destination + "/lib/up"), "../current")
        XCTAssertEqual(files.contents(atPath: destination + "/lib/up"), Data(bytes("linked data\n")))
        // Again, over the existing links.
        try zip.extract(to: destination)
    }

    func testRefusesEscapingSymlinks() throws {
        let destination = makeTemporaryDirectory()
        assertZipError(
            try archive("symlink-escape.zip").extract(to: destination),
            .unsafeSymlink(path: "escape", target: "../../etc/passwd"))
        // a/up -> ".." alone is fine, but a/sneaky -> "up/../.." would resolve outside.
        assertZipError(
            try archive("symlink-chain.zip").extract(to: destination),
            .unsafeSymlink(path: "a/sneaky", target: "up/../.."))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination), "checked before anything is written")
    }

    func testDoesNotWriteThroughExistingSymlinks() throws {
        let destination = makeTemporaryDirectory()
        let elsewhere = makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: destination + "/lib", withDestinationPath: elsewhere)
        XCTAssertThrowsError(try archive("function.zip").extract(to: destination)) { error in
            guard case .io(let path, _)? = error as? ZipError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, destination + "/lib")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), [])

        // A symlink where a file goes is not followed either.
        try FileManager.default.removeItem(atPath: destination + "/lib")
        try FileManager.default.createSymbolicLink(atPath: destination + "/bootstrap", withDestinationPath: elsewhere + "/target")
        XCTAssertThrowsError(try archive("function.zip").extract(to: destination))
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere + "/target"))
    }

    // MARK: CRC-32

    func testCRC32() {
        XCTAssertEqual(CRC32.checksum([]), 0)
        XCTAssertEqual(CRC32.checksum(bytes("123456789")), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum(bytes("The quick brown fox jumps over the lazy dog")), 0x414F_A339)
        let data = Payloads.random(1000, seed: 5)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = CRC32.checksum(Array(data[0..<split]))
            XCTAssertEqual(CRC32.checksum(Array(data[split...]), continuing: first), CRC32.checksum(data))
        }
    }
}
