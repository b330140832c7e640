/// Finding a byte in a buffer thirty-two bytes at a time, in plain Swift with the standard library's
/// SIMD vectors (MailCore imports nothing, so no `memchr`). Message text is mostly long runs
/// without line feeds, and every engine looks for line feeds in it: the sender to find dots to
/// double, the receiver to find lines.
public enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first `byte` in `bytes[from..<bytes.count]`, or `nil`.
    @inlinable @inline(__always)
    public static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        firstIndex(of: byte, in: bytes, from: from, to: bytes.count)
    }

    /// The index of the first `byte` in `bytes[from..<to]`, or `nil`.
    public static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int?
    {
        guard from < end, let base = bytes.baseAddress else { return nil }
        precondition(from >= 0 && end <= bytes.count, "search range outside the buffer")
        let raw = UnsafeRawPointer(base)
        var index = from
        // Thirty-two, then sixteen bytes at a time with a vector compare; the lanes that matched,
        // as 0xFF bytes read as words, give the first match's offset by counting trailing zero
        // bits. (A line of text is some 72 bytes: two or three steps of 32.)
        let wanted32 = SIMD32<UInt8>(repeating: byte)
        while index + 32 <= end {
            let lanes = raw.loadUnaligned(fromByteOffset: index, as: SIMD32<UInt8>.self)
            let matches = unsafeBitCast(lanes .== wanted32, to: SIMD4<UInt64>.self)
            if let lane = firstLane(matches) { return index + lane }
            index += 32
        }
        let wanted = SIMD16<UInt8>(repeating: byte)
        while index + 16 <= end {
            let lanes = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
            let matches = unsafeBitCast(lanes .== wanted, to: SIMD2<UInt64>.self)
            if matches[0] != 0 { return index + matches[0].trailingZeroBitCount >> 3 }
            if matches[1] != 0 { return index + 8 + matches[1].trailingZeroBitCount >> 3 }
            index += 16
        }
        let pattern = ones &* UInt64(byte)
        // A word holds the byte where (word ^ pattern) has a zero byte; the lowest flagged byte of
        // the classic test is exact (flags above a true zero may be false, never below it).
        while index + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ pattern
            let found = (word &- ones) & ~word & highs
            if found != 0 { return index + found.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            if base[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The first of 32 lanes set in a vector comparison's result, read as four words (0xFF per
    /// lane that matched), or `nil` when none is.
    @inline(__always)
    static func firstLane(_ matches: SIMD4<UInt64>) -> Int? {
        guard (matches[0] | matches[1]) | (matches[2] | matches[3]) != 0 else { return nil }
        if matches[0] != 0 { return matches[0].trailingZeroBitCount >> 3 }
        if matches[1] != 0 { return 8 + matches[1].trailingZeroBitCount >> 3 }
        if matches[2] != 0 { return 16 + matches[2].trailingZeroBitCount >> 3 }
        return 24 + matches[3].trailingZeroBitCount >> 3
    }
}

extension ByteSearch {
    /// Whether every byte is printable ASCII (0x20 to 0x7E) or a tab: what a command line may
    /// hold (RFC 821 §4.1.2). Eight bytes a step: a word passes when no byte has its high bit
    /// set, none is below 0x20 and none is 0x7F; a word that does not (a tab, or a bad byte) is
    /// looked at byte by byte.
    public static func isPrintableText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        @inline(__always) func printable(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x7f || byte == 0x09 }
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        var index = 0
        while index + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // Flags are exact for "some byte is": high bit set; below 0x20; equal to 0x7F.
            let below = (word &- ones &* 0x20) & ~word & highs
            let delete = word ^ (ones &* 0x7f)
            let deleted = (delete &- ones) & ~delete & highs
            if (word & highs) | below | deleted != 0 {
                for offset in index..<(index + 8) where !printable(base[offset]) { return false }
            }
            index += 8
        }
        while index < count {
            if !printable(base[index]) { return false }
            index += 1
        }
        return true
    }
}

extension ByteSearch {
    /// The index of the first `first` in `bytes[from...]` that `second` follows, or `nil`: two
    /// bytes in a row, such as the LF and "." that open a line needing dot-stuffing. Thirty-two
    /// positions a step, the byte and its successor compared at once, so text without the pair
    /// costs one step per 32 bytes however many lines it holds.
    public static func firstIndex(
        of first: UInt8, followedBy second: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int
    ) -> Int? {
        let count = bytes.count
        guard from >= 0, from + 1 < count, let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var index = from
        let wantedFirst = SIMD32<UInt8>(repeating: first)
        let wantedSecond = SIMD32<UInt8>(repeating: second)
        // Positions index..<index+32 and their successors, so the step needs index + 33 bytes.
        while index + 33 <= count {
            let here = raw.loadUnaligned(fromByteOffset: index, as: SIMD32<UInt8>.self)
            let next = raw.loadUnaligned(fromByteOffset: index + 1, as: SIMD32<UInt8>.self)
            let both = (here .== wantedFirst) .& (next .== wantedSecond)
            let matches = unsafeBitCast(both, to: SIMD4<UInt64>.self)
            if let lane = firstLane(matches) { return index + lane }
            index += 32
        }
        while index + 1 < count {
            if base[index] == first && base[index + 1] == second { return index }
            index += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Makes room for `additional` more bytes, growing geometrically: `reserveCapacity` with an
    /// exact size would reallocate on every call that adds to a buffer bit by bit.
    @inlinable
    public mutating func reserveMore(_ additional: Int) {
        let needed = count + additional
        if needed > capacity { reserveCapacity(Swift.max(needed, 2 * capacity)) }
    }
}

extension Array where Element == UInt8 {
    /// Appends the bytes of a string literal: a copy from static memory, without the checks
    /// and conversions `append(contentsOf: string.utf8)` makes for an arbitrary `String`.
    @inlinable
    public mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends a non-negative integer in decimal digits, without making a string of it first.
    @inlinable
    public mutating func append(decimal value: Int) {
        write { $0.put(decimal: value) }
    }

    /// Appends a string's UTF-8 bytes in one copy of contiguous memory (a native string is
    /// already stored as UTF-8), rather than by walking `string.utf8` an element at a time.
    @inlinable
    public mutating func append(utf8 string: String) {
        var string = string
        string.withUTF8 { append(contentsOf: $0) }
    }
}
