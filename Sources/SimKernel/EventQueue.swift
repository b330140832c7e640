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
    public mutating func insert(_ event: consuming Event, at time: SimTime) -> EventID {
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
        var last: Entry? = heap.removeLast()
        guard !heap.isEmpty else {
            let only = last.take()!
            return (SimTime(nanoseconds: only.time), EventID(sequence: only.sequence), only.event)
        }
        let first = siftDown(placing: &last)
        return (SimTime(nanoseconds: first.time), EventID(sequence: first.sequence), first.event)
    }

    // The sifts move entries with `moveInitialize` (a bitwise move) rather than by assignment,
    // which would retain the moved event's payload and release the overwritten one at every level;
    // `insert` and `siftDown` consume the event they place, so it is moved in, not copied
    // (a copy and a destroy per event, through the payload's value witnesses, cost 2.6% of a
    // mail benchmark).

    @inlinable
    mutating func siftUp(from start: Int) {
        heap.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            var child = start
            let moving = (base + child).move()
            while child > 0 {
                let parent = (child - 1) / 2
                guard moving.precedes(base[parent]) else { break }
                (base + child).moveInitialize(from: base + parent, count: 1)
                child = parent
            }
            (base + child).initialize(to: moving)
        }
    }

    /// Takes the root out, moves `entry` (leaving `nil`) into the hole and restores the heap
    /// order (Floyd's bottom-up sift); returns the old root.
    @inlinable
    mutating func siftDown(placing entry: inout Entry?) -> Entry {
        let key = entry!.key
        return heap.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let count = buffer.count
            let root = base.move()
            var hole = 0
            // Walk the hole down to a leaf, always promoting the smaller child. The choice is
            // arithmetic on the comparison, not a branch, so it does not mispredict.
            while true {
                let left = 2 * hole + 1
                let right = left + 1
                if right >= count {
                    if left < count {
                        (base + hole).moveInitialize(from: base + left, count: 1)
                        hole = left
                    }
                    break
                }
                let smaller = left &+ (base[right].precedes(base[left]) ? 1 : 0)
                (base + hole).moveInitialize(from: base + smaller, count: 1)
                hole = smaller
            }
            // Then let the entry climb back to its place.
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard key < base[parent].key else { break }
                (base + hole).moveInitialize(from: base + parent, count: 1)
                hole = parent
            }
            (base + hole).initialize(to: entry.take()!)
            return root
        }
    }
}
