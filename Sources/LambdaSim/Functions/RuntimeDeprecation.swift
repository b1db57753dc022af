/// AWS's runtime deprecation schedule: after a runtime's "block function create" date Lambda
/// refuses new functions with it, after its "block function update" date it refuses updates
/// of functions that use it (dates from AWS's runtime table; AWS sometimes moves them).
/// Dates are compared with the simulated clock.
enum RuntimeDeprecation {
    /// Runtime -> (block create, block update), as `YYYY-MM-DD` (UTC midnight).
    static let schedule: [String: (create: String, update: String)] = [
        "nodejs": ("2016-10-31", "2016-10-31"),
        "nodejs4.3": ("2020-03-05", "2020-03-05"),
        "nodejs4.3-edge": ("2020-03-05", "2020-04-30"),
        "nodejs6.10": ("2019-04-30", "2019-06-30"),
        "nodejs8.10": ("2020-01-06", "2020-02-03"),
        "nodejs10.x": ("2021-07-30", "2022-02-14"),
        "nodejs12.x": ("2023-05-01", "2023-05-01"),
        "nodejs14.x": ("2024-01-09", "2024-02-28"),
        "nodejs16.x": ("2025-02-28", "2025-03-31"),
        "nodejs18.x": ("2026-03-09", "2026-04-08"),
        "python2.7": ("2021-07-15", "2022-05-30"),
        "python3.6": ("2022-07-18", "2022-08-29"),
        "python3.7": ("2024-01-09", "2024-02-28"),
        "python3.8": ("2025-02-28", "2025-03-31"),
        "python3.9": ("2026-06-15", "2026-07-15"),
        "java8": ("2024-02-08", "2024-03-12"),
        "go1.x": ("2024-02-08", "2024-03-12"),
        "provided": ("2024-02-08", "2024-03-12"),
        "ruby2.5": ("2021-07-30", "2022-03-31"),
        "ruby2.7": ("2024-01-09", "2024-02-28"),
        "dotnetcore1.0": ("2019-06-27", "2019-07-31"),
        "dotnetcore2.0": ("2019-04-30", "2019-05-30"),
        "dotnetcore2.1": ("2022-01-05", "2022-04-13"),
        "dotnetcore3.1": ("2023-04-03", "2023-05-03"),
        "dotnet6": ("2025-02-28", "2025-03-31"),
    ]

    /// AWS's refusal, or nil when the runtime may be used at `now` for a create (`creating`) or an update.
    static func refusal(runtime: String, creating: Bool, now: SimInstant) -> ServiceError? {
        guard let dates = schedule[runtime], let blocked = epochMs(creating ? dates.create : dates.update), now >= blocked else {
            return nil
        }
        return ServiceError.invalidParameter(
            "The runtime parameter of \(runtime) is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.")
    }

    /// Milliseconds since the epoch of `YYYY-MM-DD` at 00:00 UTC.
    static func epochMs(_ date: String) -> SimInstant? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        // Days from civil (proleptic Gregorian), H. Hinnant's algorithm.
        let y = parts[1] <= 2 ? parts[0] - 1 : parts[0]
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (parts[1] + 9) % 12
        let doy = (153 * mp + 2) / 5 + parts[2] - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return SimInstant(days) * 86_400_000
    }
}
