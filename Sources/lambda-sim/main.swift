import LambdaSimCLI
import LambdaSimSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Files lambda-sim creates are private (0600 / 0700) whatever the caller's umask; the
// `--outfile` of `invoke`, the caller's own file, still follows the caller's umask.
FileModes.callerUmask = umask(0o077)

// The binary starts itself as the background runner (docs/background.md).
exit(LambdaSimCLI.main(backgroundExecutable: "/proc/self/exe"))
