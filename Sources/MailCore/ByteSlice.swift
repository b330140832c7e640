/// Bytes the parsers read: a slice of an array, or a slice of bytes read in place (a line from
/// `LineFramer.nextRange()`). Both index as their whole buffer does. The parsers are written once,
/// for either; a slice of an `UnsafeBufferPointer` takes no reference, where every slice of an
/// array (and each of its slices) holds one, counted up and down.
public protocol ByteSlice: RandomAccessCollection where Element == UInt8, Index == Int, SubSequence == Self {}

extension ArraySlice: ByteSlice where Element == UInt8 {}
extension Slice: ByteSlice where Base == UnsafeBufferPointer<UInt8> {}

/// The one scanner of quoted text in paths and commands (RFC 821 §4.1.2: a <quoted-string>
/// between double quotes, a <quoted-pair> after a backslash): the parsers of routes, mailboxes
/// and command arguments find their delimiters with it.
public enum QuotedText {
    /// Calls `visit` with each byte of `bytes` from `start` that is neither inside a quoted
    /// string nor escaped by a backslash (nor a quote or backslash itself), in order, until
    /// `visit` returns false.
    @inlinable
    public static func forEachUnquoted<Bytes: ByteSlice>(
        in bytes: Bytes, from start: Int, _ visit: (_ index: Int, _ byte: UInt8) -> Bool
    ) {
        var quoted = false
        var escaped = false
        for index in start..<bytes.endIndex {  // not `indices`, which a `Slice` does not inline
            let byte = bytes[index]
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted, !visit(index, byte) {
                return
            }
        }
    }

    /// Index of the first `target` outside quotes and not escaped, from `start`.
    @inlinable
    public static func first<Bytes: ByteSlice>(_ target: UInt8, in bytes: Bytes, from start: Int? = nil) -> Int? {
        var found: Int?
        forEachUnquoted(in: bytes, from: start ?? bytes.startIndex) { index, byte in
            guard byte == target else { return true }
            found = index
            return false
        }
        return found
    }

    /// Index of the last `target` outside quotes and not escaped.
    @inlinable
    public static func last<Bytes: ByteSlice>(_ target: UInt8, in bytes: Bytes) -> Int? {
        var found: Int?
        forEachUnquoted(in: bytes, from: bytes.startIndex) { index, byte in
            if byte == target { found = index }
            return true
        }
        return found
    }
}
