/// Region names: the AWS SDKs accept a region only when it is a valid DNS host label (at most
/// 63 letters, digits and hyphens, not starting or ending with a hyphen, not all digits).
/// lambda-sim also uses the region as a directory name beside the state file (logs, streams),
/// so every region that enters (options, environment, profile, scenario) is checked here.
public enum RegionName {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        var allDigits = true
        for c in bytes {
            let digit = c >= 0x30 && c <= 0x39
            let letter = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            guard digit || letter || c == UInt8(ascii: "-") else { return false }
            if !digit { allDigits = false }
        }
        return !allDigits
    }

    /// The SDKs' message for a region that is not a valid name.
    public static func invalidMessage(_ text: String) -> String {
        "Provided region_name '\(text)' doesn't match a supported format."
    }
}
