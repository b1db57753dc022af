import LambdaSimSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hexDigest([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest(bytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hexDigest(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            SHA256.hexDigest(bytes(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionA() {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hexDigest(input), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (checked against Python's hashlib).
    func testBlockBoundaries() {
        let expected: [Int: String] = [
            55: "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59",
            56: "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562",
            63: "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488",
            64: "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108",
            65: "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781",
            111: "60780e9451bdc43cf4530ffc95cbb0c4eb24dae2c39f55f334d679e076c08065",
            112: "09373f127d34e61dbbaa8bc4499c87074f2ddb10e1b465f506d7d70a15011979",
            119: "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6",
            120: "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c",
            128: "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5",
        ]
        for (length, digest) in expected {
            let input = (0..<length).map { UInt8($0 % 251) }
            XCTAssertEqual(SHA256.hexDigest(input), digest, "length \(length)")
        }
    }

    func testDigestForms() {
        let digest = SHA256.hash(bytes("abc"))
        XCTAssertEqual(digest.count, 32)
        XCTAssertEqual(hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Lambda's CodeSha256 form.
        XCTAssertEqual(SHA256.base64Digest(bytes("abc")), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        XCTAssertEqual(Base64.decode(SHA256.base64Digest(bytes("abc"))), digest)
    }
}

final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(bytes(plain)), encoded)
            XCTAssertEqual(Base64.decode(encoded), bytes(plain), encoded)
        }
    }

    func testFullAlphabetAndRoundTrips() {
        let all = (0...255).map { UInt8($0) }
        let encoded = Base64.encode(all)
        XCTAssertTrue(encoded.contains("+") && encoded.contains("/"))
        XCTAssertEqual(Base64.decode(encoded), all)
        XCTAssertEqual(Base64.encode([0xFB, 0xFF, 0xBF]), "+/+/")

        var rng = SplitMix64(state: 42)
        for length in 0..<200 {
            let input = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let text = Base64.encode(input)
            XCTAssertEqual(text.utf8.count, (length + 2) / 3 * 4)
            XCTAssertEqual(Base64.decode(text), input, "length \(length)")
        }
    }

    func testRejectsInvalidInput() {
        let invalid = [
            "Zg", "Zg=", "Zm9vY", "Z===", "====", "=Zm9", "Zm=v", "Zg==Zg==", "Zm9vYg=a",
            "Zm9v\n", " Zm9v", "Zm9v ", "Zm9v\r\n", "Zm-v", "Zm_v", "Zm9*", "Zm9v=", "Zm9v====",
            "Zm9\u{E9}", "Zm\u{0}v",
        ]
        for text in invalid {
            XCTAssertNil(Base64.decode(text), "should reject \(text.debugDescription)")
        }
        XCTAssertEqual(Base64.decode(""), [])
    }
}
