#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LambdaSimSupport

/// Files the real runtimes need beside the state file, under `<state dir>/runtime/`:
///
/// - `<language>-<hash>/<bootstrap>`: the bootstrap shipped inside the binary, written once,
///   content-addressed (a new lambda-sim with a different bootstrap writes a new directory);
/// - `interpreters/<hash>`: where a pyenv-style shim (`~/.pyenv/shims/python3`) really leads,
///   so a cold start does not pay the shim's ~50 ms on every command.
///
/// Everything is written to a temporary name and renamed, so concurrent commands never see a
/// half-written file. When the state directory is not writable, `/tmp` is used instead.
enum RuntimeFiles {
    static func root(settings: EngineSettings) -> String {
        let state = settings.statePath
        let directory = state.lastIndex(of: "/").map { String(state[..<$0]) } ?? "."
        return (directory.isEmpty ? "/" : directory) + "/runtime"
    }

    /// The path of `source` as `name`, written if it is not there yet.
    static func bootstrap(language: String, name: String, source: String, settings: EngineSettings) throws -> String {
        let bytes = Array(source.utf8)
        let digest = String(SHA256.hexDigest(bytes).prefix(16))
        var lastError = ""
        let shared = "\(settings.temporaryDirectory)/lambda-sim-\(getuid())"
        for base in [root(settings: settings), shared + "/runtime"] {
            // The shared temporary directory is used only through a directory that is ours
            // and private: anyone could have made `lambda-sim-<uid>` there first.
            if base.hasPrefix(shared + "/") {
                mkdir(shared, 0o700)
                if let problem = untrusted(shared) {
                    lastError = "\(shared) \(problem)"
                    continue
                }
                chmod(shared, 0o700)
            }
            let directory = "\(base)/\(language)-\(digest)"
            let path = "\(directory)/\(name)"
            if access(path, R_OK) == 0 { return path }
            do {
                try makeDirectories(directory)
                try writeAtomically(path, bytes)
                return path
            } catch {
                lastError = "\(error)"
            }
        }
        throw ChildProcess.SpawnError(description: "cannot write the \(language) bootstrap: \(lastError)")
    }

    /// Why `directory` cannot be trusted with code lambda-sim runs, or nil: it must be a real
    /// directory (not a symbolic link) owned by this user and closed to everyone else.
    static func untrusted(_ directory: String) -> String? {
        var info = stat()
        guard lstat(directory, &info) == 0 else { return "cannot be examined: \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "is not a directory" }
        guard info.st_uid == getuid() else { return "belongs to another user" }
        guard info.st_mode & 0o022 == 0 else { return "is writable by others" }
        return nil
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw ChildProcess.SpawnError(description: "mkdir \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temp = "\(path).tmp\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            try FileIO.atomicReplace(path: path, bytes: bytes, temp: temp, sync: false)
        } catch {
            let step = switch error.step {
            case .open: "open"
            case .rename: "rename"
            default: "write"
            }
            throw ChildProcess.SpawnError(description: "\(step) \(temp): \(error.reason)")
        }
    }

    static func readText(_ path: String) -> String? {
        FileIO.readAll(path: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func modificationTime(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }

    // MARK: - Interpreters

    /// The interpreter to run: `name` (or a path) found on the caller's PATH, with a pyenv
    /// shim replaced by the interpreter it selects for `directory`.
    static func interpreter(_ name: String, directory: String, settings: EngineSettings) -> String? {
        guard let found = ChildProcess.which(name, searchPath: settings.searchPath) else { return nil }
        let parts = found.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2] == "shims" else { return found }
        let pyenvRoot = "/" + parts.dropLast(2).joined(separator: "/")
        let key = String(SHA256.hexDigest(Array("\(found)\n\(directory)".utf8)).prefix(24))
        let cachePath = "\(root(settings: settings))/interpreters/\(key)"
        // The cached answer holds until pyenv's global version or the code's .python-version changes.
        let inputs = ["\(pyenvRoot)/version", "\(directory)/.python-version"].compactMap(modificationTime)
        if let cached = readText(cachePath)?.split(separator: "\n").first.map(String.init),
            let cacheTime = modificationTime(cachePath), inputs.allSatisfy({ $0 < cacheTime }),
            access(cached, X_OK) == 0
        {
            return cached
        }
        guard let resolved = askShim(found, directory: directory, settings: settings) else { return found }
        if (try? makeDirectories("\(root(settings: settings))/interpreters")) != nil {
            try? writeAtomically(cachePath, Array((resolved + "\n").utf8))
        }
        return resolved
    }

    /// Runs the shim once to learn the real executable (`sys.executable`).
    private static func askShim(_ shim: String, directory: String, settings: EngineSettings) -> String? {
        let environment = ["PATH": settings.searchPath, "LANG": "C.UTF-8"]
        guard let process = try? ChildProcess(executable: shim, arguments: ["-c", "import sys; sys.stdout.write(sys.executable)"],
                                              environment: environment, directory: directory)
        else { return nil }
        let result = process.communicate(input: [], timeoutMs: 10_000)
        let path = String(decoding: result.stdout, as: UTF8.self)
        guard !result.timedOut, process.exitStatus == 0, path.hasPrefix("/"), access(path, X_OK) == 0 else { return nil }
        return path
    }
}
