/// Writes a line made of many short pieces (a command, a reply, a trace line) into a buffer on
/// the stack, which goes onto its array in one append when the line is done.
///
/// Each `Array.append` checks the array's capacity and that its storage is not shared, and
/// copies through a call to `memcpy`: some sixty to ninety instructions for a piece of a few
/// bytes. A `RCPT TO:<user@host>` line is eight pieces, a trace line a dozen. Here a piece is a
/// bounds check and a copy into memory that stays in the first-level cache.
///
/// Use `Array.write(_:)`; a line longer than the buffer is written in several appends, so any
/// length is correct, only slower.
public struct ByteWriter: ~Copyable {
    /// Bytes of stack a writer holds before it appends them to its array.
    public static var bufferSize: Int { 256 }

    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    /// The array written to, moved in by `Array.write` for the writer's life.
    @usableFromInline var output: [UInt8] = []

    @inlinable
    init(base: UnsafeMutablePointer<UInt8>) {
        self.base = base
    }

    /// Moves what the buffer holds onto the array.
    @inlinable
    mutating func flush() {
        guard count > 0 else { return }
        output.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        count = 0
    }

    @inlinable
    public mutating func put(_ byte: UInt8) {
        if count == Self.bufferSize { flush() }
        base[count] = byte
        count &+= 1
    }

    @inlinable
    public mutating func put(bytes: UnsafeBufferPointer<UInt8>) {
        let length = bytes.count
        if count &+ length > Self.bufferSize {
            flush()
            if length > Self.bufferSize {
                output.append(contentsOf: bytes)
                return
            }
        }
        if let source = bytes.baseAddress { (base + count).update(from: source, count: length) }
        count &+= length
    }

    /// The bytes of a string literal.
    @inlinable
    public mutating func put(literal: StaticString) {
        literal.withUTF8Buffer { put(bytes: $0) }
    }

    /// A string's UTF-8 bytes.
    @inlinable
    public mutating func put(utf8 string: String) {
        // Through the UTF-8 view, which reads a native string in place: `withUTF8` needs a copy
        // of the string to call on (a retain and a release).
        if case .some = string.utf8.withContiguousStorageIfAvailable({ put(bytes: $0) }) { return }
        var string = string
        string.withUTF8 { put(bytes: $0) }
    }

    /// A non-negative integer in decimal digits.
    @inlinable
    public mutating func put(decimal value: Int) {
        precondition(value >= 0, "put(decimal:) writes non-negative numbers")
        if count &+ 20 > Self.bufferSize { flush() }  // Int.max has 19 digits
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits &+= 1
            rest /= 10
        }
        rest = value
        var index = count &+ digits
        repeat {
            index &-= 1
            base[index] = UInt8(truncatingIfNeeded: 0x30 &+ rest % 10)
            rest /= 10
        } while rest > 0
        count &+= digits
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes: the pieces are gathered on the stack and appended in one go
    /// (see `ByteWriter`).
    @inlinable
    public mutating func write(_ body: (inout ByteWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ByteWriter.bufferSize) { buffer in
            var writer = ByteWriter(base: buffer.baseAddress!)
            // The array is moved into the writer and back, never copied: a copy would share its
            // storage and make the first append copy every byte.
            swap(&writer.output, &self)
            body(&writer)
            writer.flush()
            swap(&writer.output, &self)
        }
    }
}
