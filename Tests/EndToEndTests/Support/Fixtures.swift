import Foundation

/// The fixture files of reference aws-cli-v1-observed.md §2, byte for byte, plus the handler zip.
enum Fixtures {
    /// `{"a":1}`, 7 bytes, no newline.
    static let xJSON = Array(#"{"a":1}"#.utf8)
    /// `{"b": [1, 2, 3], "s": "hé"}` and a newline (UTF-8).
    static let yJSON = Array("{\"b\": [1, 2, 3], \"s\": \"hé\"}\n".utf8)
    /// Nine bytes that are not UTF-8: ff fe 00 62 69 6e 61 72 79.
    static let binDat: [UInt8] = [0xff, 0xfe, 0x00, 0x62, 0x69, 0x6e, 0x61, 0x72, 0x79]
    /// One 49-byte line.
    static let existingJSON = Array("previous content that is longer than the payload\n".utf8)
    /// A CLI config that asks for ISO 8601 timestamps (reference cases 95, 95b).
    static let isoConfig = Array("[default]\ncli_timestamp_format = iso8601\n".utf8)

    /// The Python handlers the emulator cases use (§2): `handler.handler` prints
    /// `hello from handler` and returns `{"ok": True, "event": event}`; `handler.boom` prints
    /// `about to fail` and raises `ValueError("something went wrong")` on line 9, as in the
    /// reference's stack traces; `text`, `none` and `unicode` return a string, None and non-ASCII.
    static let handlerPy = """
        # The handlers of reference aws-cli-v1-observed.md section 2 (keep the raise on line 9).
        def handler(event, context):
            print("hello from handler")
            return {"ok": True, "event": event}


        def boom(event, context):
            print("about to fail")
            raise ValueError("something went wrong")


        def text(event, context):
            return "plain string"


        def none(event, context):
            return None


        def unicode(event, context):
            return {"msg": "héllo ✓"}

        """

    /// `handler.py` in a zip (stored, fixed timestamps: the same bytes on every run, so
    /// `CodeSize` and `CodeSha256` are stable).
    static let fnZip = StoredZip.archive([("handler.py", Array(handlerPy.utf8))])

    /// Name → bytes, as `Sandbox.writeStandardFixtures()` writes them.
    static let standard: [(String, [UInt8])] = [
        ("x.json", xJSON),
        ("y.json", yJSON),
        ("bin.dat", binDat),
        ("existing.json", existingJSON),
        ("fn.zip", fnZip),
        ("iso.cfg", isoConfig),
    ]
}

/// A minimal zip writer: stored (uncompressed) entries, DOS time 1980-01-01 00:00, no extras.
enum StoredZip {
    static func archive(_ files: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for file in files {
            let name = Array(file.name.utf8)
            let crc = crc32(file.bytes)
            let offset = UInt32(out.count)
            // Local file header.
            append32(&out, 0x0403_4b50)
            append16(&out, 20)  // version needed
            append16(&out, 0)  // flags
            append16(&out, 0)  // method: stored
            append16(&out, 0)  // time
            append16(&out, 0x21)  // date: 1980-01-01
            append32(&out, crc)
            append32(&out, UInt32(file.bytes.count))
            append32(&out, UInt32(file.bytes.count))
            append16(&out, UInt16(name.count))
            append16(&out, 0)  // extra length
            out += name
            out += file.bytes
            // Central directory header.
            append32(&central, 0x0201_4b50)
            append16(&central, 0x031e)  // made by: Unix, 3.0
            append16(&central, 20)
            append16(&central, 0)
            append16(&central, 0)
            append16(&central, 0)
            append16(&central, 0x21)
            append32(&central, crc)
            append32(&central, UInt32(file.bytes.count))
            append32(&central, UInt32(file.bytes.count))
            append16(&central, UInt16(name.count))
            append16(&central, 0)  // extra
            append16(&central, 0)  // comment
            append16(&central, 0)  // disk
            append16(&central, 0)  // internal attributes
            append32(&central, 0o100644 << 16)  // external attributes: regular file, rw-r--r--
            append32(&central, offset)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        append32(&out, 0x0605_4b50)
        append16(&out, 0)
        append16(&out, 0)
        append16(&out, UInt16(files.count))
        append16(&out, UInt16(files.count))
        append32(&out, UInt32(central.count))
        append32(&out, centralOffset)
        append16(&out, 0)
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    private static func append16(_ out: inout [UInt8], _ value: UInt16) {
        out.append(UInt8(value & 0xff))
        out.append(UInt8(value >> 8))
    }

    private static func append32(_ out: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((value >> UInt32(shift)) & 0xff)) }
    }
}
