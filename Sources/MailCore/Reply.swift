/// A reply: a code and one or more lines of text (RFC 821 App. E; RFC 780 App. E).
/// On the wire every line but the last is `code-text`, the last `code text`.
public struct Reply: Hashable, Sendable, CustomStringConvertible {
    public var code: ReplyCode
    /// The text of each line, without the code; at least one (possibly empty) line.
    public var lines: [String]

    public init(_ code: ReplyCode, _ lines: [String]) {
        precondition(!lines.isEmpty, "a reply needs at least one line")
        self.code = code
        self.lines = lines
    }

    public init(_ code: ReplyCode, _ text: String) { self.init(code, [text]) }

    /// The first line's text.
    public var text: String { lines[0] }

    /// The reply as written on the wire, CRLF after every line.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    public func encode(into bytes: inout [UInt8]) {
        let code = String(self.code.rawValue).utf8
        for (index, line) in lines.enumerated() {
            bytes.append(contentsOf: code)
            if index < lines.count - 1 {
                bytes.append(UInt8(ascii: "-"))
                bytes.append(contentsOf: line.utf8)
            } else if !line.isEmpty {
                bytes.append(UInt8(ascii: " "))
                bytes.append(contentsOf: line.utf8)
            }
            bytes.append(contentsOf: [0x0d, 0x0a])
        }
    }

    /// Each wire line without its CRLF, for transcripts.
    public var wireLines: [String] {
        lines.enumerated().map { index, line in
            "\(code.rawValue)" + (index < lines.count - 1 ? "-" + line : (line.isEmpty ? "" : " " + line))
        }
    }

    public var description: String { wireLines.joined(separator: "\n") }
}

/// Reads replies from lines: one-line replies, multi-line `code-` continuations, and a code with no
/// text, which clients must accept (RFC 2821 §4.2). Anything else is a malformed reply, which the
/// client treats as the server failing, not as a crash.
public struct ReplyParser: Sendable {
    private var pending: (code: ReplyCode, lines: [String])?

    public init() {}

    public enum Result: Hashable, Sendable {
        /// A whole reply.
        case reply(Reply)
        /// A continuation line was read; more are to come.
        case incomplete
        /// The line is not a reply line, or a continuation changed code.
        case malformed(String)
    }

    /// `minimumFirstDigit` is 1 for MTP (which has 1yz replies) and 2 for SMTP (RFC 2821 §4.3.2:
    /// codes start with 2 to 5).
    public mutating func lineReceived(_ line: ArraySlice<UInt8>, minimumFirstDigit: UInt8 = 1) -> Result {
        let text = String(decoding: line, as: UTF8.self)
        guard line.count >= 3 else { return malformed(text) }
        let start = line.startIndex
        let d0 = line[start], d1 = line[start + 1], d2 = line[start + 2]
        guard d0 >= 0x30 + minimumFirstDigit, d0 <= 0x35, isDigit(d1), isDigit(d2) else { return malformed(text) }
        let code = ReplyCode(Int(d0 - 0x30) * 100 + Int(d1 - 0x30) * 10 + Int(d2 - 0x30))
        let separator: UInt8? = line.count > 3 ? line[start + 3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            return malformed(text)
        }
        let body = line.count > 4 ? String(decoding: line[(start + 4)...], as: UTF8.self) : ""
        if let pending, pending.code != code { return malformed(text) }
        var lines = pending?.lines ?? []
        lines.append(body)
        if separator == UInt8(ascii: "-") {
            pending = (code, lines)
            return .incomplete
        }
        pending = nil
        return .reply(Reply(code, lines))
    }

    private mutating func malformed(_ text: String) -> Result {
        pending = nil
        return .malformed(text)
    }
}
