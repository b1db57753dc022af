import LambdaSimCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The binary starts itself as the background runner (docs/background.md).
exit(LambdaSimCLI.main(backgroundExecutable: "/proc/self/exe"))
