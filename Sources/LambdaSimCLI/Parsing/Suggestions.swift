import LambdaSimJSON

/// Close-match suggestions the way the AWS CLI makes them: Python's
/// `difflib.get_close_matches(word, choices, n=3, cutoff=0.8)` (Ratcliff/Obershelp ratio).
enum Suggestions {
    static func closeMatches(_ word: String, _ choices: [String], n: Int = 3, cutoff: Double = 0.8) -> [String] {
        let a = Array(word.unicodeScalars)
        var scored: [(Double, String)] = []
        for choice in choices {
            let b = Array(choice.unicodeScalars)
            let r = ratio(a, b)
            if r >= cutoff { scored.append((r, choice)) }
        }
        // heapq.nlargest on (score, word): higher score first, then the larger word.
        scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 > $1.1 }
        return scored.prefix(n).map(\.1)
    }

    /// SequenceMatcher(None, a, b).ratio(), without the autojunk heuristic (it only applies to
    /// sequences of 200+ items, longer than any command name).
    static func ratio(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        let total = a.count + b.count
        guard total > 0 else { return 1 }
        return 2.0 * Double(matches(a, 0, a.count, b, 0, b.count)) / Double(total)
    }

    private static func matches(_ a: [Unicode.Scalar], _ alo: Int, _ ahi: Int, _ b: [Unicode.Scalar], _ blo: Int, _ bhi: Int) -> Int {
        // Longest common block, leftmost in a, then leftmost in b (as find_longest_match).
        var bestI = alo, bestJ = blo, bestSize = 0
        var lengths = [Int](repeating: 0, count: bhi - blo + 1)
        for i in alo..<ahi {
            var next = [Int](repeating: 0, count: bhi - blo + 1)
            for j in blo..<bhi where a[i] == b[j] {
                let k = lengths[j - blo] + 1
                next[j - blo + 1] = k
                if k > bestSize {
                    bestI = i - k + 1
                    bestJ = j - k + 1
                    bestSize = k
                }
            }
            lengths = next
        }
        guard bestSize > 0 else { return 0 }
        return bestSize + matches(a, alo, bestI, b, blo, bestJ) + matches(a, bestI + bestSize, ahi, b, bestJ + bestSize, bhi)
    }

    /// argparse's "Invalid choice" message as awscli formats it (two columns of 40).
    static func invalidChoice(argument: String, value: String, choices: [String]) -> String {
        var lines = ["Invalid choice, valid choices are:\n"]
        var i = 0
        while i < choices.count {
            let row = choices[i..<min(i + 2, choices.count)].map { pad($0, 40) }
            lines.append(row.joined(separator: " | "))
            i += 2
        }
        let possible = closeMatches(value, choices)
        if !possible.isEmpty {
            lines.append("\n\nInvalid choice: \(pythonRepr(value)), maybe you meant:\n")
            for word in possible { lines.append("  * \(word)") }
        }
        return "argument \(argument): " + lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// Python's repr() of a str, for messages that quote user input.
    static func pythonRepr(_ s: String) -> String { PythonText.stringRepr(s) }
}
