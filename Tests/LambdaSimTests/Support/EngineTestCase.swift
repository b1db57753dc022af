import Foundation
import LambdaSimJSON
import XCTest

@testable import LambdaSim

/// A test case with a fresh engine per test: its state in a private temporary directory, a
/// manual clock at `start` (2026-01-01T00:00:00Z) and seed 7.
class EngineTestCase: XCTestCase {
    /// 2026-01-01T00:00:00Z.
    static let start: SimInstant = 1_767_225_600_000

    var directory = ""
    var engine: Engine!  // Set in setUpWithError before every test.

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lambda-sim-engine-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        engine = makeEngine()
    }

    override func tearDownWithError() throws {
        engine = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    func makeEngine(region: String = "us-east-1") -> Engine {
        Engine(settings: EngineSettings(region: region, statePath: directory + "/state.json",
                                        initialClock: ClockState(mode: .manual, offsetMs: 0, nowMs: Self.start), seed: 7))
    }

    /// Runs an operation with parameters given as JSON text.
    @discardableResult
    func call(_ operation: String, _ params: String) throws -> JSON {
        try engine.perform(operation, try JSONParser.parse(params).objectValue ?? JSONObject())
    }

    /// The service error an operation answers with, or nil when it succeeds.
    func serviceError(_ operation: String, _ params: String) -> ServiceError? {
        do {
            try call(operation, params)
            return nil
        } catch {
            return error as? ServiceError
        }
    }
}
