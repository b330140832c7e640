import SimKernel

/// Typed reading of a `JSONNode` with the path and position kept for every error: the layer
/// between the JSON parser and the scenario and timeline models.
struct JSONReader {
    let file: String
    let node: JSONNode
    let path: String

    func error(_ message: String, at position: SourcePosition? = nil) -> ScenarioError {
        ScenarioError(file: file, position: position ?? node.position, path: path, message: message)
    }

    func child(_ node: JSONNode, _ component: String) -> JSONReader {
        JSONReader(file: file, node: node, path: path.isEmpty ? String(component.drop { $0 == "." }) : path + component)
    }

    // MARK: Kinds

    func object(allowing keys: [String]) throws(ScenarioError) -> JSONObjectReader {
        guard case .object(let members) = node.value else { throw error("expected an object, found \(node.kindName)") }
        for member in members where !keys.contains(member.key) {
            throw ScenarioError(
                file: file, position: member.keyPosition, path: path,
                message: "unknown field \"\(member.key)\"" + Suggestions.hint(member.key, among: keys)
                    + " (known: \(keys.joined(separator: ", ")))")
        }
        return JSONObjectReader(reader: self, members: members)
    }

    func array() throws(ScenarioError) -> [JSONReader] {
        guard case .array(let elements) = node.value else { throw error("expected an array, found \(node.kindName)") }
        return elements.enumerated().map { child($0.element, "[\($0.offset)]") }
    }

    /// An array, or a single value standing for a one-element array.
    func arrayOrSingle() throws(ScenarioError) -> [JSONReader] {
        if node.kind == .array { return try array() }
        return [self]
    }

    func string() throws(ScenarioError) -> String {
        guard case .string(let text) = node.value else { throw error("expected a string, found \(node.kindName)") }
        return text
    }

    func bool() throws(ScenarioError) -> Bool {
        guard case .bool(let value) = node.value else { throw error("expected true or false, found \(node.kindName)") }
        return value
    }

    func integer(in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        guard case .number(let text) = node.value, let value = Int(text) else {
            if case .number(let text) = node.value, !text.isEmpty,
                text.drop(while: { $0 == "-" }).allSatisfy(\.isNumber)
            {
                // Digits only, yet no Int: past 64 bits.
                throw error(
                    "expected a number from \(range.lowerBound) to \(range.upperBound), found \(text), which is too large"
                )
            }
            throw error("expected a whole number, found \(node.kindName == "a number" ? "a fraction" : node.kindName)")
        }
        guard range.contains(value) else {
            throw error("expected a number from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return value
    }

    /// A fraction from 0 to 1, from a decimal literal (parsed exactly enough for probabilities).
    func probability() throws(ScenarioError) -> Double {
        guard case .number(let text) = node.value, let value = Double(text), value >= 0, value <= 1 else {
            throw error("expected a probability from 0 to 1")
        }
        return value
    }

    /// The text of a quantity written with its unit; a bare number gets an error that says so.
    private func quantity(_ expected: String) throws(ScenarioError) -> String {
        if case .number(let number) = node.value {
            throw error("expected \(expected), with its unit; found the bare number \(number)")
        }
        return try string()
    }

    /// A duration of at most `limit` (`Units.longestDuration`, ten years, unless a field says less):
    /// so that simulated time, the sum of a run's times, never nears the 64-bit limit.
    func duration(limit: SimDuration = Units.longestDuration, limitText: String = "3650d") throws(ScenarioError)
        -> SimDuration
    {
        let expected = "a duration such as \"20ms\", \"1.5s\", \"30m\", \"2h\" or \"5d\""
        let text = try quantity(expected)
        guard let value = Units.duration(text) else {
            // Digits and a unit that only fail by being too many: say so, not that the form is wrong.
            let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            if !number.isEmpty, number.first != ".", Units.duration("1" + text.dropFirst(number.count)) != nil {
                throw error("\"\(text)\" is too long: at most \"\(limitText)\"")
            }
            throw error("expected \(expected), found \"\(text)\"")
        }
        guard value <= limit else { throw error("\"\(text)\" is too long: at most \"\(limitText)\"") }
        return value
    }

    func time() throws(ScenarioError) -> SimTime { SimTime.zero + (try duration()) }

    func rate() throws(ScenarioError) -> SimDuration {
        let expected = "a rate such as \"100/s\", \"6/m\" or \"2/h\""
        let text = try quantity(expected)
        guard let value = Units.rate(text) else { throw error("expected \(expected), found \"\(text)\"") }
        return value
    }

    /// A size in bytes of at most `limit` (1 GB unless a field says less).
    func size(limit: Int = 1_000_000_000, limitText: String = "1GB") throws(ScenarioError) -> Int {
        if node.kind == .number {
            guard case .number(let number) = node.value, let value = Int(number), value >= 0, value <= limit else {
                throw error("expected a size from 0 to \(limitText)")
            }
            return value
        }
        let text = try string()
        guard let value = Units.size(text), value >= 0 else {
            throw error("expected a size such as 2000, \"2000B\", \"2KB\" or \"4KiB\", found \"\(text)\"")
        }
        guard value <= limit else { throw error("\"\(text)\" is too large: at most \"\(limitText)\"") }
        return value
    }

    func bandwidth() throws(ScenarioError) -> UInt64 {
        let expected = "a bandwidth such as \"9600bit/s\", \"56kbit/s\" or \"1.5Mbit/s\""
        let text = try quantity(expected)
        guard let value = Units.bandwidth(text) else { throw error("expected \(expected), found \"\(text)\"") }
        return value
    }

    /// One of `choices`, with a suggestion when misspelt.
    func choice(_ choices: [String], what: String) throws(ScenarioError) -> String {
        let text = try string()
        guard choices.contains(text) else {
            throw error(
                "unknown \(what) \"\(text)\"" + Suggestions.hint(text, among: choices)
                    + " (known: \(choices.joined(separator: ", ")))")
        }
        return text
    }
}

/// The members of a JSON object, read by name.
struct JSONObjectReader {
    let reader: JSONReader
    let members: [JSONNode.Member]

    func optional(_ key: String) -> JSONReader? {
        members.first { $0.key == key }.map { reader.child($0.value, "." + key) }
    }

    func required(_ key: String, _ what: String) throws(ScenarioError) -> JSONReader {
        guard let value = optional(key) else { throw reader.error("missing field \"\(key)\": \(what)") }
        return value
    }
}
