/// A reply: a code and one or more lines of text (RFC 821 App. E; RFC 780 App. E).
/// On the wire every line but the last is `code-text`, the last `code text`.
public struct Reply: Hashable, Sendable, CustomStringConvertible {
    public var code: ReplyCode
    /// The first line's text, without the code.
    public var text: String
    /// The texts of any further lines (most replies have none, and then no array is allocated).
    public var continuation: [String]

    public init(_ code: ReplyCode, _ lines: [String]) {
        precondition(!lines.isEmpty, "a reply needs at least one line")
        self.code = code
        text = lines[0]
        continuation = Array(lines.dropFirst())
    }

    public init(_ code: ReplyCode, _ text: String) {
        self.code = code
        self.text = text
        continuation = []
    }

    /// The text of each line, without the code; at least one (possibly empty) line.
    public var lines: [String] { [text] + continuation }

    /// The reply as written on the wire, CRLF after every line.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    /// How many bytes `encode(into:)` writes.
    public var encodedCount: Int {
        var size = 6 + text.utf8.count
        for line in continuation { size += 6 + line.utf8.count }
        return size
    }

    public func encode(into bytes: inout [UInt8]) {
        bytes.reserveMore(encodedCount)
        let value = code.rawValue
        let digits = (
            UInt8(truncatingIfNeeded: 0x30 + value / 100 % 10), UInt8(truncatingIfNeeded: 0x30 + value / 10 % 10),
            UInt8(truncatingIfNeeded: 0x30 + value % 10)
        )
        bytes.write { out in
            func line(_ text: String, last: Bool) {
                out.put(digits.0)
                out.put(digits.1)
                out.put(digits.2)
                if !(last && text.isEmpty) {
                    out.put(last ? UInt8(ascii: " ") : UInt8(ascii: "-"))
                    out.put(utf8: text)
                }
                out.put(literal: "\r\n")
            }
            if continuation.isEmpty {
                line(text, last: true)
            } else {
                line(text, last: false)
                for index in continuation.indices { line(continuation[index], last: index == continuation.count - 1) }
            }
        }
    }

    /// Each wire line without its CRLF, for transcripts.
    public var wireLines: [String] {
        let lines = self.lines
        return lines.enumerated().map { index, line in
            "\(code.rawValue)" + (index < lines.count - 1 ? "-" + line : (line.isEmpty ? "" : " " + line))
        }
    }

    public var description: String { wireLines.joined(separator: "\n") }
}

/// Replies to go out in one write, kept as the bytes written on the wire: a server encodes each
/// reply as it makes it, and the driver writes the bytes as they are. The replies can be read back
/// (a sequence of `Reply`, parsed again from the bytes) for tests, transcripts and traces.
public struct ReplyBatch: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral {
    /// The replies as written on the wire, CR LF after every line.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public init(_ replies: some Sequence<Reply>) {
        for reply in replies { append(reply) }
    }

    public init(arrayLiteral replies: Reply...) { self.init(replies) }

    public mutating func append(_ reply: Reply) {
        if bytes.capacity == 0 { bytes.reserveCapacity(64) }  // most batches are one short reply
        reply.encode(into: &bytes)
    }

    /// Appends a reply already in wire form (CR LF after every line). The first one is taken as
    /// it is, sharing its storage, so that a fixed reply sent alone is never copied.
    public mutating func append(encoded reply: [UInt8]) {
        if bytes.isEmpty {
            bytes = reply
        } else {
            // The first reply may be shared (a fixed reply's wire form): the copy gets room for a
            // pipelined group's replies (250, 250, 354), so that it is made once, not grown twice.
            bytes.reserveMore(reply.count + 64)
            bytes.append(contentsOf: reply)
        }
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The replies, parsed back from the bytes.
    public var replies: [Reply] {
        var parser = ReplyParser()
        var replies: [Reply] = []
        for line in wireLineBytes {
            if case .reply(let reply) = parser.lineReceived(line, minimumFirstDigit: 1) { replies.append(reply) }
        }
        return replies
    }

    public func makeIterator() -> IndexingIterator<[Reply]> { replies.makeIterator() }

    /// Each line as on the wire, without its CR LF (for transcripts and traces).
    public var wireLines: [String] { wireLineBytes.map { String(decoding: $0, as: UTF8.self) } }

    private var wireLineBytes: [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0a {
            lines.append(bytes[start..<(index > start && bytes[index - 1] == 0x0d ? index - 1 : index)])
            start = index + 1
        }
        return lines
    }
}

/// Reads replies from lines: one-line replies, multi-line `code-` continuations, and a code with no
/// text, which clients must accept (RFC 2821 §4.2). Anything else is a malformed reply, which the
/// client treats as the server failing, not as a crash.
public struct ReplyParser: Sendable {
    /// The reply being read, while its continuation lines arrive (built in place, line by line).
    private var pending: Reply?
    public init() {}

    /// Whether the first lines of a multi-line reply have been read and its last is awaited:
    /// the next line is one of its further lines.
    public var isReadingReply: Bool {
        if case .some = pending { return true }
        return false
    }

    public enum Result: Hashable, Sendable {
        /// A whole reply.
        case reply(Reply)
        /// A continuation line was read; more are to come.
        case incomplete
        /// The line is not a reply line, or a continuation changed code.
        case malformed(String)
    }

    /// `minimumFirstDigit` is 1 for MTP (which has 1yz replies) and 2 for SMTP (RFC 2821 §4.3.2:
    /// codes start with 2 to 5). `keepsText` says, by code, whether the caller will read the
    /// reply's text: when it will not (a client that only acts on the code, RFC 2821 §4.2), the
    /// reply comes as its code alone, an empty first line and no further ones, and neither a
    /// string nor a list of lines is built for it.
    public mutating func lineReceived(
        _ line: ArraySlice<UInt8>, minimumFirstDigit: UInt8 = 1, keepsText: (ReplyCode) -> Bool = { _ in true }
    ) -> Result {
        line.withUnsafeBufferPointer { lineReceived($0, minimumFirstDigit: minimumFirstDigit, keepsText: keepsText) }
    }

    /// `lineReceived` on a line read in place (see `LineFramer.nextRange()`).
    public mutating func lineReceived(
        _ line: UnsafeBufferPointer<UInt8>, minimumFirstDigit: UInt8 = 1, keepsText: (ReplyCode) -> Bool = { _ in true }
    ) -> Result {
        guard line.count >= 3 else { return malformed(line) }
        let d0 = line[0], d1 = line[1], d2 = line[2]
        guard d0 >= 0x30 + minimumFirstDigit, d0 <= 0x35, isDigit(d1), isDigit(d2) else { return malformed(line) }
        let code = ReplyCode(Int(d0 - 0x30) * 100 + Int(d1 - 0x30) * 10 + Int(d2 - 0x30))
        let separator: UInt8? = line.count > 3 ? line[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            return malformed(line)
        }
        // The reply being read is tested and taken in place: bound with `if let`, it was copied
        // (its text and lines retained and released) at every further line.
        if let pendingCode = pending?.code, pendingCode != code { return malformed(line) }
        let kept = keepsText(code)
        let body =
            kept && line.count > 4 ? String(decoding: UnsafeBufferPointer(rebasing: line[4...]), as: UTF8.self) : ""
        if separator == UInt8(ascii: "-") {
            if case .none = pending {
                pending = Reply(code, body)
                if kept { pending!.continuation.reserveCapacity(7) }  // an EHLO reply's keywords, without regrowing
            } else if kept {
                pending!.continuation.append(body)
            }
            return .incomplete
        }
        guard var reply = pending.take() else { return .reply(Reply(code, body)) }
        if kept { reply.continuation.append(body) }
        return .reply(reply)
    }

    private mutating func malformed(_ line: UnsafeBufferPointer<UInt8>) -> Result {
        pending = nil
        return .malformed(String(decoding: line, as: UTF8.self))
    }
}
