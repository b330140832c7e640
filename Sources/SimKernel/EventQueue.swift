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
/// so the order never depends on the heap's internal layout. The heap is a four-ary min-heap of
/// 16-byte keys in one contiguous block; the events themselves wait in a slab beside it, and each
/// key names its event's slot. Sifting then moves 16 bytes per level, whatever the event's size
/// (an event of the mail simulation is 32 bytes: with it inline, a heap entry was 48), and
/// scheduling allocates nothing once the blocks have grown to the run's working size. Four
/// children a node (a cache line of keys) halve the levels of a binary heap: the mail simulation
/// keeps a few hundred events pending, four or five levels instead of eight or nine. Removal uses
/// Floyd's bottom-up sift: the hole runs down to a leaf along the smallest children (three
/// comparisons per level), then the displaced last key climbs back, usually only a level or two.
///
/// The heap, the slab and the list of free slots live in one `Storage` object, copied on write:
/// an insertion or a removal checks once that the storage is not shared, where three arrays
/// checked four times an operation between them (about 1% of a mail simulation's instructions).
/// A radix heap (events bucketed by the highest bit in which their time differs from the last
/// one taken out) was tried instead of the four-ary heap: 5% more instructions a mail message,
/// and the hold model ran a third slower.
///
/// Limits: 2⁴⁰ insertions in a queue's life (a trillion events) and 2²⁴ events pending at once.
@frozen
public struct EventQueue<Event> {
    @usableFromInline
    struct Entry {
        /// Time (with the sign bit flipped, so it orders as unsigned) in the high 64 bits; the
        /// insertion sequence (40 bits) and the event's slot (24 bits) in the low 64. One unsigned
        /// comparison orders by (time, sequence) without branches: sequences are unique, so the
        /// slot bits never decide.
        @usableFromInline var key: UInt128

        @inlinable
        init(time: Int64, sequence: UInt64, slot: Int) {
            key = UInt128(UInt64(bitPattern: time) ^ (1 << 63)) << 64 | UInt128(sequence << 24 | UInt64(slot))
        }

        @inlinable var time: Int64 { Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64) ^ (1 << 63)) }
        @inlinable var sequence: UInt64 { UInt64(truncatingIfNeeded: key) >> 24 }
        @inlinable var slot: Int { Int(UInt64(truncatingIfNeeded: key) & 0xFF_FFFF) }

        @inlinable
        func precedes(_ other: Entry) -> Bool { key < other.key }
    }

    /// The heap, the events by slot and the free slots, in blocks of `capacity` elements each:
    /// there are never more keys or free slots than slots.
    @usableFromInline
    final class Storage {
        @usableFromInline var heap: UnsafeMutablePointer<Entry>
        @usableFromInline var heapCount = 0
        /// Slots below `slotCount` are initialized; a free one holds `nil`.
        @usableFromInline var events: UnsafeMutablePointer<Event?>
        @usableFromInline var slotCount = 0
        @usableFromInline var freeSlots: UnsafeMutablePointer<Int32>
        @usableFromInline var freeCount = 0
        @usableFromInline var capacity: Int
        @usableFromInline var nextSequence: UInt64 = 0

        /// Keys before the root, so that each node's four children (indices 4i+1 to 4i+4) share
        /// one 64-byte cache line: the block is aligned to 64 bytes and the root is its fourth key.
        @usableFromInline static var heapOffset: Int { 3 }

        @usableFromInline
        init(capacity: Int) {
            self.capacity = capacity
            let keys = UnsafeMutableRawPointer.allocate(
                byteCount: (capacity + Self.heapOffset) * MemoryLayout<Entry>.stride, alignment: 64)
            heap = keys.bindMemory(to: Entry.self, capacity: capacity + Self.heapOffset) + Self.heapOffset
            events = .allocate(capacity: capacity)
            freeSlots = .allocate(capacity: capacity)
        }

        deinit {
            events.deinitialize(count: slotCount)
            UnsafeMutableRawPointer(heap - Self.heapOffset).deallocate()
            events.deallocate()
            freeSlots.deallocate()
        }

        /// A copy with room for `capacity` slots (at least `slotCount`).
        @usableFromInline
        func copy(capacity: Int) -> Storage {
            let copy = Storage(capacity: capacity)
            copy.heap.initialize(from: heap, count: heapCount)
            copy.heapCount = heapCount
            copy.events.initialize(from: events, count: slotCount)
            copy.slotCount = slotCount
            copy.freeSlots.initialize(from: freeSlots, count: freeCount)
            copy.freeCount = freeCount
            copy.nextSequence = nextSequence
            return copy
        }
    }

    @usableFromInline var storage = Storage(capacity: 16)

    @inlinable
    public init() {}

    /// Number of events in the queue, including cancelled ones not yet skipped.
    @inlinable
    public var count: Int { storage.heapCount }

    @inlinable
    public var isEmpty: Bool { storage.heapCount == 0 }

    /// The time of the earliest event, if any.
    @inlinable
    public var earliestTime: SimTime? { isEmpty ? nil : SimTime(nanoseconds: storage.heap[0].time) }

    /// The identifier of the earliest event, if any.
    @inlinable
    public var earliestID: EventID? { isEmpty ? nil : EventID(sequence: storage.heap[0].sequence) }

    /// Whether the event `id` is waiting in the queue (a linear search, for assertions).
    public func contains(_ id: EventID) -> Bool {
        UnsafeBufferPointer(start: storage.heap, count: storage.heapCount).contains { $0.sequence == id.sequence }
    }

    /// Adds `event` at `time` and returns its identifier.
    @inlinable
    public mutating func insert(_ event: consuming Event, at time: SimTime) -> EventID {
        let full = storage.freeCount == 0 && storage.slotCount == storage.capacity
        if full || !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(capacity: full ? storage.capacity * 2 : storage.capacity)
        }
        let sequence = storage.nextSequence
        precondition(sequence < 1 << 40, "more than 2^40 events scheduled on one queue")
        storage.nextSequence &+= 1
        let slot: Int
        if storage.freeCount > 0 {
            storage.freeCount &-= 1
            slot = Int(storage.freeSlots[storage.freeCount])
            storage.events[slot] = consume event
        } else {
            slot = storage.slotCount
            precondition(slot < 1 << 24, "more than 2^24 events pending at once")
            (storage.events + slot).initialize(to: consume event)
            storage.slotCount &+= 1
        }
        storage.heap[storage.heapCount] = Entry(time: time.nanoseconds, sequence: sequence, slot: slot)
        storage.heapCount &+= 1
        siftUp(from: storage.heapCount &- 1)
        return EventID(sequence: sequence)
    }

    /// Removes and returns the earliest event with its time and identifier.
    @inlinable
    public mutating func popFirst() -> (time: SimTime, id: EventID, event: Event)? {
        guard !isEmpty else { return nil }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        storage.heapCount &-= 1
        let last = storage.heap[storage.heapCount]
        let first = storage.heapCount == 0 ? last : siftDown(placing: last)
        let slot = first.slot
        storage.freeSlots[storage.freeCount] = Int32(truncatingIfNeeded: slot)
        storage.freeCount &+= 1
        return (SimTime(nanoseconds: first.time), EventID(sequence: first.sequence), storage.events[slot].take()!)
    }

    @inlinable
    func siftUp(from start: Int) {
        let base = storage.heap
        var child = start
        let moving = base[child]
        while child > 0 {
            let parent = (child &- 1) &>> 2
            guard moving.precedes(base[parent]) else { break }
            base[child] = base[parent]
            child = parent
        }
        base[child] = moving
    }

    /// Takes the root out, puts `entry` into the hole and restores the heap order (Floyd's
    /// bottom-up sift); returns the old root. (Index arithmetic wraps: the heap holds under 2²⁴
    /// keys, so it cannot overflow, and the checks would cost a tenth of the sift.)
    @inlinable
    func siftDown(placing entry: Entry) -> Entry {
        let base = storage.heap
        let count = storage.heapCount
        let root = base[0]
        var hole = 0
        // Walk the hole down to a leaf, always promoting the smallest child: with all four
        // children present, a tournament of three comparisons whose choices are arithmetic
        // on the comparisons, not branches, so they do not mispredict.
        while true {
            let first = hole &<< 2 &+ 1
            var smallest: Int
            if first &+ 3 < count {
                let left = first &+ (base[first &+ 1].precedes(base[first]) ? 1 : 0)
                let right = first &+ 2 &+ (base[first &+ 3].precedes(base[first &+ 2]) ? 1 : 0)
                smallest = base[right].precedes(base[left]) ? right : left
            } else if first < count {
                smallest = first
                var child = first &+ 1
                while child < count {
                    if base[child].precedes(base[smallest]) { smallest = child }
                    child &+= 1
                }
            } else {
                break
            }
            base[hole] = base[smallest]
            hole = smallest
        }
        // Then let the entry climb back to its place.
        while hole > 0 {
            let parent = (hole &- 1) &>> 2
            guard entry.key < base[parent].key else { break }
            base[hole] = base[parent]
            hole = parent
        }
        base[hole] = entry
        return root
    }
}
