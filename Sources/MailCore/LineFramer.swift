/// Splits a byte stream into lines. Bytes go in with `append`; `next()` returns one line (without
/// its line ending), `.overlong` for a line past the limit, or `.needMoreData`. CRLF handling and
/// line limits live only here (swift-nio's single-step decoder, h11's NEED_DATA).
///
/// Memory stays bounded: a line that passes the limit is reported once and its remaining bytes are
/// dropped up to its end, so a peer sending a megabyte without a line ending costs nothing.
public struct LineFramer: Sendable {
    /// What ends a line.
    public enum Terminator: Hashable, Sendable {
        /// Only CR LF. A bare LF or CR is an ordinary byte of the line (RFC 2821 §2.3.7, §4.1.1.4:
        /// "<LF>.<LF>" must not end the data); `sawBareLineFeed` records that one went by. For
        /// message text, where only "<CRLF>.<CRLF>" may end the data.
        case crlf
        /// Only CR LF ends a line; a line ended by a bare LF is reported as `.bareLineFeed` and its
        /// bytes are dropped, so that a peer sending LF (`nc` without `-C`) gets an answer rather
        /// than silence, and no command is taken from such a line. For command lines.
        case crlfReportingBareLF
        /// LF, with or without a CR before it (the CR is dropped). Lenient, for a sender reading a
        /// server's replies.
        case lf
    }

    public enum Next: Equatable {
        case line(ArraySlice<UInt8>)
        /// A line longer than `maxLineLength` (counting its line ending); its bytes are discarded.
        case overlong
        /// A line ended by a bare LF, in `.crlfReportingBareLF` mode; its bytes are discarded.
        case bareLineFeed
        case needMoreData
    }

    public var terminator: Terminator
    /// Longest line accepted, counting the CR LF (RFC 821 §4.5.3: "including the <CRLF>").
    public var maxLineLength: Int

    private var buffer: [UInt8] = []
    /// Start of the line being read.
    private var start = 0
    /// Where to resume looking for a line ending.
    private var scan = 0
    /// Inside an over-long line whose rest is being dropped.
    private var discarding = false
    /// Whether a bare LF went by inside a line in `.crlf` mode since `sawBareLineFeed` was last reset.
    public var sawBareLineFeed = false

    public init(terminator: Terminator, maxLineLength: Int) {
        precondition(maxLineLength >= 2, "a line limit must leave room for CR LF")
        self.terminator = terminator
        self.maxLineLength = maxLineLength
    }

    /// Bytes received and not yet returned as lines.
    public var bufferedCount: Int { buffer.count - start }

    /// Takes received bytes. Inlined so that each caller's collection type is specialized; the
    /// work is done by the non-generic `append(contiguous:)`.
    @inlinable
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // An array is taken whole when nothing is pending (the cast is free once specialized).
        if let array = bytes as? [UInt8] { return append(contiguous: array) }
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(contiguous: $0) }
        if done == nil { append(contiguous: Array(bytes)) }
    }

    /// Takes a received array handed over whole (see `append(contiguous:)`).
    public mutating func append(_ bytes: consuming [UInt8]) {
        append(contiguous: consume bytes)
    }

    @usableFromInline
    mutating func append(contiguous bytes: consuming [UInt8]) {
        guard start < buffer.count else {
            // Nothing pending (the usual case: a write arrives whole): the received array becomes
            // the buffer, sharing its storage, where copying it would cost an allocation and a
            // copy of every byte (a 2 kB text on every hop).
            buffer = consume bytes
            start = 0
            scan = 0
            return
        }
        bytes.withUnsafeBufferPointer { append(contiguous: $0) }
    }

    @usableFromInline
    mutating func append(contiguous bytes: UnsafeBufferPointer<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scan = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scan -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() -> Next {
        switch nextRange() {
        case .line(let range): .line(buffer[range])
        case .overlong: .overlong
        case .bareLineFeed: .bareLineFeed
        case .needMoreData: .needMoreData
        }
    }

    /// What `nextRange()` found.
    public enum NextRange: Equatable {
        /// The line's bytes (without its line ending) lie at these indices of `bytes`.
        case line(Range<Int>)
        case overlong
        case bareLineFeed
        case needMoreData
    }

    /// The bytes received and not yet dropped, in which `nextRange()` gives a line's place.
    ///
    /// A reader that takes several lines in a row reads them from one copy of this array (one
    /// reference, taken once) with `nextRange()`, where each line from `next()` is a slice that
    /// holds a reference of its own: two reference-count updates a line, some fifty lines a
    /// message. The framer changes only its indices while lines are read, so the copy stays
    /// the framer's storage (an append copies it instead, if the copy is still held then).
    public var bytes: [UInt8] { buffer }

    /// `next()`, giving the line's place in `bytes` rather than a slice of it.
    public mutating func nextRange() -> NextRange {
        while true {
            guard let lf = findLineFeed() else {
                let pending = buffer.count - start
                if !discarding && pending >= maxLineLength {
                    discarding = true
                    start = buffer.count
                    scan = buffer.count
                    return .overlong
                }
                if discarding {
                    // Keep a trailing CR: it may be the first half of the CR LF that ends the line.
                    let keep = buffer.last == 0x0d ? 1 : 0
                    start = buffer.count - keep
                    scan = start
                }
                return .needMoreData
            }
            let lineStart = start
            start = lf + 1
            scan = start
            if discarding {
                discarding = false
                continue
            }
            let length = lf + 1 - lineStart
            if length > maxLineLength { return .overlong }
            var end = lf
            if end > lineStart && buffer[end - 1] == 0x0d {
                end -= 1
            } else if terminator == .crlfReportingBareLF {
                return .bareLineFeed
            }
            return .line(lineStart..<end)
        }
    }

    /// Feeds the complete lines received so far to `assembler` until it has the line that ends
    /// the text; `true` when it has. One call takes a whole text that arrived in one piece,
    /// where a caller looping over `next()` would handle each line itself.
    /// The assembler reserves room for all the bytes received so far and a trace line
    /// (`TraceFields.stampRoom`), which a relay then writes in front without a new buffer.
    public mutating func feedText(to assembler: inout MessageAssembler) -> Bool {
        assembler.reserve(bufferedCount + TraceFields.stampRoom)
        while true {
            if !discarding { copyPlainLines(to: &assembler) }
            switch next() {
            case .needMoreData: return false
            case .overlong:
                sawBareLineFeed = false
                assembler.overlongLineReceived()
            case .bareLineFeed: assembler.bareLineFeedReceived()
            case .line(let line):
                if sawBareLineFeed {
                    // The bare LF lay inside this line (`.crlf` mode): the line is still text, and
                    // the text is marked for refusal.
                    sawBareLineFeed = false
                    assembler.bareLineFeedReceived()
                }
                if assembler.lineReceived(line) { return true }
            }
        }
    }

    /// Hands `assembler` the run of complete lines at the front of the buffer that need no work,
    /// in one piece: lines ending in CR LF, within the limit, not starting with "." (those, bare
    /// LFs in lenient mode and over-long lines go through `next()`, one at a time). The bytes the
    /// assembler gets are the ones it would have built line by line.
    private mutating func copyPlainLines(to assembler: inout MessageAssembler) {
        let lenient = terminator != .crlf
        let limit = maxLineLength
        let first = start
        var bareLineFeed = false
        let runEnd: Int = buffer.withUnsafeBufferPointer { bytes in
            var lineStart = first
            var from = Swift.max(scan, first)
            while lineStart < bytes.count, bytes[lineStart] != UInt8(ascii: "."),
                let lineFeed = ByteSearch.firstIndex(of: 0x0a, in: bytes, from: from)
            {
                guard lineFeed > lineStart, bytes[lineFeed - 1] == 0x0d else {
                    if lenient { break }  // a bare LF ends the line here: `next()` adds the CR
                    from = lineFeed + 1  // in CR LF mode a bare LF is an ordinary byte of the line
                    bareLineFeed = true
                    continue
                }
                guard lineFeed + 1 - lineStart <= limit else { break }
                lineStart = lineFeed + 1
                from = lineStart
            }
            if lineStart > first {
                assembler.appendPlainLines(UnsafeBufferPointer(rebasing: bytes[first..<lineStart]))
            }
            return lineStart
        }
        if bareLineFeed { assembler.bareLineFeedReceived() }
        if runEnd > first {
            start = runEnd
            scan = runEnd
        }
    }

    /// Empties the framer and hands over its buffer, emptied but keeping its capacity, for its
    /// storage to be reused (bytes not yet read as lines are dropped); an empty array, with no
    /// storage, when the buffer holds less than `minimumCapacity` bytes.
    public mutating func takeStorage(minimumCapacity: Int) -> [UInt8] {
        var storage: [UInt8] = []
        swap(&storage, &buffer)
        start = 0
        scan = 0
        discarding = false
        guard storage.capacity >= minimumCapacity else { return [] }
        storage.removeAll(keepingCapacity: true)
        return storage
    }

    /// The bytes of an unfinished last line, when the input has ended.
    public mutating func finish() -> ArraySlice<UInt8>? {
        defer {
            buffer.removeAll()
            start = 0
            scan = 0
            discarding = false
        }
        return start < buffer.count && !discarding ? buffer[start...] : nil
    }

    /// Index of the LF that ends the next line, if it has arrived.
    private mutating func findLineFeed() -> Int? {
        let lenient = terminator != .crlf
        let start = self.start
        var bareLineFeed = false
        let found: Int? = buffer.withUnsafeBufferPointer { bytes in
            var from = scan
            while let index = ByteSearch.firstIndex(of: 0x0a, in: bytes, from: from) {
                if lenient || (index > start && bytes[index - 1] == 0x0d) { return index }
                bareLineFeed = true
                from = index + 1
            }
            return nil
        }
        if bareLineFeed { sawBareLineFeed = true }
        if found == nil { scan = buffer.count }
        return found
    }
}
