import Foundation
import LambdaSim
import LambdaSimJSON

/// One acceptor of a botocore waiter (waiters-2.json).
struct WaiterAcceptor: Sendable {
    enum Expected: Sendable {
        case string(String)
        case bool(Bool)
    }

    var state: String
    var matcher: String
    var argument: String?
    var expected: Expected

    /// botocore's `AcceptorConfig.explanation`, which the failure texts quote.
    var explanation: String {
        switch (matcher, expected) {
        case let ("path", .string(value)): return "For expression \"\(argument ?? "")\" we matched expected path: \"\(value)\""
        case let ("error", .string(value)): return "Matched expected service error code: \(value)"
        case let ("error", .bool(value)): return "Matched expected service error code: \(value ? "True" : "False")"
        default: return "No explanation for unknown waiter type: \"\(matcher)\""
        }
    }

    /// Whether the response (or the service error) matches, as botocore's matchers decide.
    func matches(_ response: JSON?, error: ServiceError?) -> Bool {
        switch (matcher, expected) {
        case let ("path", .string(value)):
            guard let response, let argument, let expression = try? JMESPathExpression(argument) else { return false }
            return (try? expression.search(response)) == .string(value)
        case let ("error", .bool(value)):
            return value ? error != nil : error == nil
        case let ("error", .string(value)):
            return error?.code == value
        default:
            return false
        }
    }
}

/// A botocore waiter: the operation it polls, how often, and its acceptors.
struct WaiterModel: Sendable {
    var name: String
    var operation: String
    var delay: Int
    var maxAttempts: Int
    var acceptors: [WaiterAcceptor]

    static func find(service: String, name: String) -> WaiterModel? {
        all.first { $0.0 == service + " " + name }?.1
    }

    static func names(service: String) -> [String] {
        all.compactMap { $0.0.hasPrefix(service + " ") ? String($0.0.dropFirst(service.count + 1)) : nil }
    }
}

/// `wait <waiter-name>`: the AWS CLI's `aws lambda wait …`, which runs botocore's waiter: poll the
/// operation every `delay` seconds up to `maxAttempts` times; success prints nothing and exits 0,
/// anything else is `Waiter <Name> failed: <reason>` (exit 255). On the manual clock nothing
/// changes between attempts unless `simulate` moves time, so the attempts do not sleep.
struct WaitCommand {
    var context: CommandContext

    func run(_ parsed: ParsedArguments) throws -> Int32 {
        let name = parsed.positionals["waiter-name"] ?? ""
        guard let waiter = WaiterModel.find(service: "lambda", name: name) else {
            throw CLIError.usage(Suggestions.invalidChoice(argument: "subcommand", value: name,
                                                           choices: WaiterModel.names(service: "lambda")))
        }
        var params = JSONObject()
        if let function = parsed.value("function-name") { params["FunctionName"] = .string(function) }
        if let qualifier = parsed.value("qualifier") { params["Qualifier"] = .string(qualifier) }
        let engine = Engine(settings: context.engineSettings())
        let manual: Bool
        do {
            manual = try engine.store.read().clock.mode == .manual
        } catch let error as StateFileError {
            throw CLIError.stateFile(error)
        }
        var attempts = 0
        var lastMatched: WaiterAcceptor?
        while true {
            var response: JSON?
            var serviceError: ServiceError?
            do {
                response = try engine.performLambda(waiter.operation, params)
            } catch let error as ServiceError {
                serviceError = error
            } catch let error as StateFileError {
                throw CLIError.stateFile(error)
            }
            attempts += 1
            var current = "waiting"
            var acceptor = waiter.acceptors.last
            if let matched = waiter.acceptors.first(where: { $0.matches(response, error: serviceError) }) {
                acceptor = matched
                lastMatched = matched
                current = matched.state
            } else if let serviceError {
                throw failure(waiter, "An error occurred (\(serviceError.code)): \(serviceError.message)")
            }
            if current == "success" { return 0 }
            if current == "failure" {
                throw failure(waiter, "Waiter encountered a terminal failure state: \(acceptor?.explanation ?? "")")
            }
            if attempts >= waiter.maxAttempts {
                // botocore quotes the acceptor its loop stopped at (the last one when none matched this time).
                throw failure(waiter, lastMatched == nil ? "Max attempts exceeded"
                                  : "Max attempts exceeded. Previously accepted state: \(acceptor?.explanation ?? "")")
            }
            if !manual { Thread.sleep(forTimeInterval: TimeInterval(waiter.delay)) }
        }
    }

    func failure(_ waiter: WaiterModel, _ reason: String) -> CLIError {
        .other("Waiter \(waiter.name) failed: \(reason)")
    }
}
