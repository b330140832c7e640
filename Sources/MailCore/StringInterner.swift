/// Strings made from short runs of bytes, remembered so that the same bytes give the same string
/// again without decoding them: a receiver reads the same few local parts, domains and client
/// names in session after session (`MAIL FROM:<u3@d5.net>`, `EHLO h2.d5.net`).
///
/// Making a short string from bytes (`String(decoding:as:)`: validate the UTF-8, then build the
/// inline string) took about 170 instructions; finding it here takes about a third of that.
/// The cache is direct-mapped and of fixed size: a run of 15 bytes or fewer goes to the slot its
/// bytes hash to and replaces what was there, so the cache never grows; a longer run is decoded
/// every time. A slot's key is the bytes themselves, packed into two words with their count, so
/// a hit is exact: the string returned is always the one `String(decoding:as:)` makes of the
/// bytes (invalid UTF-8 repaired alike).
///
/// It is state that changes no answer, so it shows no children to `Mirror` (and `dump`): an
/// engine that kept its cache across sessions still dumps as a new one does.
public struct StringInterner: Sendable, CustomReflectable {
    private struct Slot: Sendable {
        /// Bytes 0 to 7 of the run, the first in the lowest byte.
        var low: UInt64
        /// Bytes 8 to 14, and the count in the highest byte (0 for an empty slot: an empty run
        /// is never stored).
        var high: UInt64
        var string: String
    }

    private var slots: [Slot]

    /// A cache of `slots` strings (a power of two); 0 makes every string anew.
    public init(slots count: Int = 256) {
        precondition(count >= 0 && count & (count &- 1) == 0, "slots must be a power of two")
        slots = Array(repeating: Slot(low: 0, high: 0, string: ""), count: count)
    }

    /// `String(decoding: bytes, as: UTF8.self)`, from the cache when these bytes were seen last
    /// in their slot.
    public mutating func string(_ bytes: ArraySlice<UInt8>) -> String {
        let count = bytes.count
        guard count > 0, count < 16, !slots.isEmpty else { return String(decoding: bytes, as: UTF8.self) }
        let (low, high) = bytes.withUnsafeBufferPointer { Self.pack($0) }
        // Fibonacci hashing of both words; the top bits pick the slot.
        let mixed = (low &* 0x9E37_79B9_7F4A_7C15 ^ high) &* 0x9E37_79B9_7F4A_7C15
        let index = Int(truncatingIfNeeded: mixed &>> 32) & (slots.count &- 1)
        if slots[index].low == low && slots[index].high == high { return slots[index].string }
        let string = String(decoding: bytes, as: UTF8.self)
        slots[index] = Slot(low: low, high: high, string: string)
        return string
    }

    /// The bytes (1 to 15 of them) as two little-endian words, the count in the top byte of the
    /// second. Read in overlapping loads within the bytes rather than byte by byte.
    @inline(__always)
    private static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        let count = bytes.count
        let countBits = UInt64(truncatingIfNeeded: count) &<< 56
        if count >= 8 {
            // Bytes 8 to count-1: the last eight bytes, shifted down past the ones also in `low`.
            let last = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            let high = count == 8 ? 0 : last &>> UInt64(truncatingIfNeeded: (16 &- count) &* 8)
            return (base.loadUnaligned(as: UInt64.self), high | countBits)
        }
        if count >= 4 {
            // The first four bytes and the last four, overlapping.
            let first = UInt64(base.loadUnaligned(as: UInt32.self))
            let last = UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
            return (first | last &<< UInt64(truncatingIfNeeded: (count &- 4) &* 8), countBits)
        }
        var low: UInt64 = 0
        for index in 0..<count { low |= UInt64(bytes[index]) &<< UInt64(truncatingIfNeeded: index &* 8) }
        return (low, countBits)
    }

    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
