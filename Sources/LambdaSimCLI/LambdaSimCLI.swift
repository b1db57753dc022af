public enum LambdaSimCLI {
    public static func main() -> Int32 { 0 }
}
