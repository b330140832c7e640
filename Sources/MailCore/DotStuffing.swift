/// Transparency for message text (RFC 780 §5.5.2, RFC 821 §4.5.2): the sender doubles a leading
/// "." on any line and ends the text with a line holding only "."; the receiver ends the text at
/// that line and removes the first "." of every other line that starts with one.
public enum DotStuffing {
    /// The wire form of `content`: lines dot-stuffed, then `.` CR LF. Content is CR LF text;
    /// a last line without CR LF gets one, and no extra CR LF is added when it has one
    /// (RFC 2821 §4.1.1.4 "An extra <CRLF> MUST NOT be added").
    public static func stuff(_ content: [UInt8]) -> [UInt8] {
        var wire: [UInt8] = []
        stuff(content, into: &wire)
        return wire
    }

    /// Appends the wire form of `content` to `wire`.
    public static func stuff(_ content: [UInt8], into wire: inout [UInt8]) {
        wire.reserveMore(content.count + 64)  // room for the final dot and a QUIT after it
        content.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            guard count > 0, let base = bytes.baseAddress else { return }
            // Copy the runs between dots that open a line, doubling each such dot. Only an LF
            // with a "." after it matters, so the scan is a search for that pair thirty-two bytes
            // a step: the common text with no such dot is one search and one copy in all.
            var runStart = 0
            if base[0] == UInt8(ascii: ".") { wire.append(UInt8(ascii: ".")) }
            var from = 0
            while let lineFeed = ByteSearch.firstIndex(of: 0x0a, followedBy: UInt8(ascii: "."), in: bytes, from: from) {
                wire.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: lineFeed + 1 - runStart))
                wire.append(UInt8(ascii: "."))
                runStart = lineFeed + 1
                from = lineFeed + 1
            }
            wire.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
            if base[count - 1] != 0x0a {
                wire.append(0x0d)
                wire.append(0x0a)
            }
        }
        wire.append(UInt8(ascii: "."))
        wire.append(0x0d)
        wire.append(0x0a)
    }
}

/// Collects the lines of message text after a 354 until the line holding only ".", undoing the
/// dot-stuffing, with a limit on the whole text.
public struct MessageAssembler: Sendable {
    public private(set) var content: [UInt8] = []
    /// Lines that were too long; the text is refused at the end if there were any.
    public private(set) var overlongLines = 0
    /// Whether a line of the text held a bare LF: only "<CRLF>.<CRLF>" ends the text and a
    /// client "MUST NOT transmit" a bare LF (RFC 5321 §2.3.8), so such a text is refused at the
    /// end, never split at the LF (the SMTP smuggling of 2023 hid a second message behind one).
    public private(set) var bareLineFeeds = false
    /// Whether the text outgrew `maxSize` (then it is no longer kept, only counted).
    public private(set) var exceededSize = false
    public private(set) var size = 0
    public let maxSize: Int?
    /// Clear the high-order bit of every byte (RFC 780 App. A, RFC 821 §4.5.2: 7-bit ASCII).
    public let clearHighBit: Bool

    /// `storage`, which must be empty, lends its memory to the text (a receiver reuses the buffer
    /// of a text it has read before).
    public init(maxSize: Int?, clearHighBit: Bool, storage: consuming [UInt8] = []) {
        precondition(storage.isEmpty, "storage to reuse must be empty")
        self.maxSize = maxSize
        self.clearHighBit = clearHighBit
        content = consume storage
    }

    /// Bytes of text assembled and not yet taken (`content.count`).
    public var assembledCount: Int { content.count }

    /// Moves out the text assembled so far, for a host that writes a long text out as it
    /// arrives; later lines are assembled from empty, and `size` keeps counting the whole text.
    public mutating func takeContent() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &content)
        return taken
    }

    /// A line of the text held a bare LF (see `bareLineFeeds`).
    public mutating func bareLineFeedReceived() { bareLineFeeds = true }

    /// Takes one line (without its line ending); returns `true` at the end of the text.
    public mutating func lineReceived(_ line: ArraySlice<UInt8>) -> Bool {
        var body = line
        if let first = body.first, first == UInt8(ascii: ".") {
            if body.count == 1 { return true }
            body = body.dropFirst()
        }
        size += body.count + 2
        if let maxSize, size > maxSize {
            exceededSize = true
            content = []
            return false
        }
        let start = content.count
        content.append(contentsOf: body)
        content.append(0x0d)
        content.append(0x0a)
        if clearHighBit {
            for index in start..<content.count where content[index] >= 0x80 { content[index] &= 0x7f }
        }
        return false
    }

    /// Takes whole lines, each ending in CR LF and none starting with "." or over the limit:
    /// the same as giving them to `lineReceived` one by one, in one copy.
    public mutating func appendPlainLines(_ lines: UnsafeBufferPointer<UInt8>) {
        size += lines.count
        if let maxSize, size > maxSize {
            exceededSize = true
            content = []
            return
        }
        let start = content.count
        content.append(contentsOf: lines)
        if clearHighBit {
            content.withUnsafeMutableBufferPointer { bytes in
                for index in start..<bytes.count { bytes[index] &= 0x7f }
            }
        }
    }

    public mutating func overlongLineReceived() { overlongLines += 1 }

    /// Makes room for about `bytes` more bytes of text.
    public mutating func reserve(_ bytes: Int) {
        guard !exceededSize else { return }
        content.reserveMore(maxSize.map { Swift.min(bytes, Swift.max(0, $0 - size)) } ?? bytes)
    }
}
