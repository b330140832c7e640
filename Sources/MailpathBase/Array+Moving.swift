extension Array {
    /// Reverses the array by moving its elements: `reverse()` on an array swaps through copies
    /// (a copy and a destroy of each element through its value witnesses), the buffer's
    /// `swapAt` moves them. The drivers of engines and agents take each action off its list by
    /// reversing the list and popping it.
    @inlinable
    public mutating func reverseByMoving() {
        guard count > 1 else { return }
        withUnsafeMutableBufferPointer { $0.reverse() }
    }
}
