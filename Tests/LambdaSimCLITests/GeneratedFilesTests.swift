import Foundation
import XCTest

@testable import LambdaSimCLI

/// `completions/` and `man/` are generated from the command specs and checked in; this fails
/// when they are stale (swift-format's GeneratedFilesValidityTests habit).
final class GeneratedFilesTests: XCTestCase {
    func testGeneratedFilesAreCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (path, expected) in Generators.files() {
            let url = root.appendingPathComponent(path)
            let actual = try? String(contentsOf: url, encoding: .utf8)
            XCTAssertTrue(actual == expected, "\(path) is out of date; run `swift run lambda-sim __generate all` at the repository root")
        }
    }

    func testSpecsAreWellFormed() {
        var seen = Set<String>()
        for spec in CommandRegistry.all {
            for name in [spec.name] + spec.aliases {
                XCTAssertTrue(seen.insert("\(spec.service.rawValue) \(name)").inserted, "duplicate command \(name)")
            }
            var options = Set<String>()
            for option in spec.options {
                XCTAssertTrue(options.insert(option.name).inserted, "\(spec.name): duplicate option --\(option.name)")
                if case let .choice(choices) = option.value { XCTAssertFalse(choices.isEmpty, "\(spec.name) --\(option.name)") }
            }
            XCTAssertFalse(spec.abstract.isEmpty, "\(spec.name) has no abstract")
        }
        for (service, command, _) in CommandRegistry.awsCommands {
            XCTAssertNotNil(CommandRegistry.find(service: service, name: command), "no model for \(service) \(command)")
        }
    }

    func testManPageHasNoDateOfToday() {
        let page = ManPage.render(CommandRegistry.all)
        XCTAssertTrue(page.hasPrefix(".TH LAMBDA\\-SIM 1 \"\(Generators.manDate)\""))
    }
}
