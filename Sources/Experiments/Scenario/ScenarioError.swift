/// A problem with an input file: one line naming the file, the place in it, and what was wrong or
/// expected, such as `relay.json:12:18: hosts[2].networks[0]: unknown network "ARPNET"; did you mean "ARPANET"?`.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition?
    /// The JSON path of the offending value, such as `hosts[2].networks`.
    public var path: String
    public var message: String

    public init(file: String, position: SourcePosition?, path: String, message: String) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
    }

    public var description: String {
        var text = file
        if let position { text += ":\(position.line):\(position.column)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        return text + message
    }
}

/// "Did you mean" suggestions by edit distance.
public enum Suggestions {
    /// The candidate nearest to `word` if it is plausibly a misspelling of it, ignoring case.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let target = Array(word.lowercased())
        var best: (distance: Int, candidate: String)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if best == nil || distance < best!.distance { best = (distance, candidate) }
        }
        guard let best else { return nil }
        // A misspelling keeps most of the word: one or two edits, a third of a long word, never
        // all of it ("Q" is not a misspelling of "A").
        let allowed = min(max(2, target.count / 3), target.count - 1)
        let isPrefix = target.count >= 3 && best.candidate.lowercased().hasPrefix(word.lowercased())
        return best.distance <= allowed || isPrefix ? best.candidate : nil
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}

extension Suggestions {
    /// `; did you mean "X"?` or nothing.
    static func hint(_ word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }
}
