/// Bytes the parsers read: a slice of an array, or a slice of bytes read in place (a line from
/// `LineFramer.nextRange()`). Both index as their whole buffer does. The parsers are written once,
/// for either; a slice of an `UnsafeBufferPointer` takes no reference, where every slice of an
/// array (and each of its slices) holds one, counted up and down.
protocol ByteSlice: RandomAccessCollection where Element == UInt8, Index == Int, SubSequence == Self {}

extension ArraySlice: ByteSlice where Element == UInt8 {}
extension Slice: ByteSlice where Base == UnsafeBufferPointer<UInt8> {}
