/// Identifies one scheduled event, so that it can be cancelled.
@frozen
public struct EventID: Hashable, Comparable, Sendable {
    /// The insertion sequence number; unique within one queue.
    public let sequence: UInt64

    @inlinable
    init(sequence: UInt64) { self.sequence = sequence }

    @inlinable
    public static func < (lhs: EventID, rhs: EventID) -> Bool { lhs.sequence < rhs.sequence }
}

/// A priority queue of value-type events ordered by (time, insertion sequence).
///
/// Events at the same time come out first-in first-out: the insertion sequence breaks every tie,
/// so the order never depends on the heap's internal layout. The queue is a binary min-heap kept
/// in one contiguous array of values; events are not boxed or wrapped in closures, so scheduling
/// allocates nothing once the array has grown to the run's working size. Removal uses Floyd's
/// bottom-up sift: the hole runs down to a leaf along the smaller children (one comparison per
/// level), then the displaced last entry climbs back, usually only a level or two.
@frozen
public struct EventQueue<Event> {
    @usableFromInline
    struct Entry {
        /// Time (with the sign bit flipped, so it orders as unsigned) in the high 64 bits and the
        /// insertion sequence in the low 64: one unsigned comparison orders by (time, sequence)
        /// without branches.
        @usableFromInline var key: UInt128
        @usableFromInline var event: Event

        @inlinable
        init(time: Int64, sequence: UInt64, event: Event) {
            key = UInt128(UInt64(bitPattern: time) ^ (1 << 63)) << 64 | UInt128(sequence)
            self.event = event
        }

        @inlinable var time: Int64 { Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64) ^ (1 << 63)) }
        @inlinable var sequence: UInt64 { UInt64(truncatingIfNeeded: key) }

        @inlinable
        func precedes(_ other: Entry) -> Bool { key < other.key }
    }

    @usableFromInline var heap: ContiguousArray<Entry> = []
    @usableFromInline var nextSequence: UInt64 = 0

    @inlinable
    public init() {}

    /// Number of events in the queue, including cancelled ones not yet skipped.
    @inlinable
    public var count: Int { heap.count }

    @inlinable
    public var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest event, if any.
    @inlinable
    public var earliestTime: SimTime? { heap.first.map { SimTime(nanoseconds: $0.time) } }

    /// Adds `event` at `time` and returns its identifier.
    @inlinable
    public mutating func insert(_ event: Event, at time: SimTime) -> EventID {
        let sequence = nextSequence
        nextSequence &+= 1
        heap.append(Entry(time: time.nanoseconds, sequence: sequence, event: event))
        siftUp(from: heap.count - 1)
        return EventID(sequence: sequence)
    }

    /// Removes and returns the earliest event with its time and identifier.
    @inlinable
    public mutating func popFirst() -> (time: SimTime, id: EventID, event: Event)? {
        guard !heap.isEmpty else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else {
            return (SimTime(nanoseconds: last.time), EventID(sequence: last.sequence), last.event)
        }
        let first = heap[0]
        siftDown(placing: last)
        return (SimTime(nanoseconds: first.time), EventID(sequence: first.sequence), first.event)
    }

    @inlinable
    mutating func siftUp(from start: Int) {
        heap.withUnsafeMutableBufferPointer { buffer in
            var child = start
            let moving = buffer[child]
            while child > 0 {
                let parent = (child - 1) / 2
                guard moving.precedes(buffer[parent]) else { break }
                buffer[child] = buffer[parent]
                child = parent
            }
            buffer[child] = moving
        }
    }

    /// Puts `entry` into the hole at the root and restores the heap order (Floyd's bottom-up sift).
    @inlinable
    mutating func siftDown(placing entry: Entry) {
        heap.withUnsafeMutableBufferPointer { buffer in
            let count = buffer.count
            var hole = 0
            // Walk the hole down to a leaf, always promoting the smaller child. The choice is
            // arithmetic on the comparison, not a branch, so it does not mispredict.
            while true {
                let left = 2 * hole + 1
                let right = left + 1
                if right >= count {
                    if left < count {
                        buffer[hole] = buffer[left]
                        hole = left
                    }
                    break
                }
                let smaller = left &+ (buffer[right].precedes(buffer[left]) ? 1 : 0)
                buffer[hole] = buffer[smaller]
                hole = smaller
            }
            // Then let the entry climb back to its place.
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard entry.precedes(buffer[parent]) else { break }
                buffer[hole] = buffer[parent]
                hole = parent
            }
            buffer[hole] = entry
        }
    }
}
