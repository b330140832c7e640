/// Identifies one scheduled event, so that it can be cancelled.
@frozen
public struct EventID: Hashable, Comparable, Sendable {
    /// The insertion sequence number; unique within one queue.
    public let sequence: UInt64
    /// The slot the event waits in, so that cancelling it marks the slot (no table to look up
    /// at every step). Identity is the sequence alone.
    @usableFromInline let slot: Int32

    @inlinable
    init(sequence: UInt64, slot: Int32) {
        self.sequence = sequence
        self.slot = slot
    }

    @inlinable
    public static func == (lhs: EventID, rhs: EventID) -> Bool { lhs.sequence == rhs.sequence }

    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combine(sequence) }

    @inlinable
    public static func < (lhs: EventID, rhs: EventID) -> Bool { lhs.sequence < rhs.sequence }
}

/// A priority queue of value-type events ordered by (time, insertion sequence).
///
/// Events at the same time come out first-in first-out: the insertion sequence breaks every tie,
/// so the order never depends on the queue's internal layout.
///
/// The queue is a timing wheel in front of two four-ary min-heaps (a "calendar" of the near
/// future, in the spirit of Brown's calendar queue and Varghese and Lauck's timing wheels):
///
/// - Time is cut into windows of 2¹⁶ ns (65.5 µs). The *current* heap holds the events of the
///   current window and any earlier; it is small (the mail simulation has a handful of events in
///   a window), so taking its first event sifts through a level or two, not five.
/// - Each of the next 2,047 windows has a bucket: an unordered list of the events in it, linked
///   through their slots. Scheduling into a bucket is a few stores. When the current heap runs
///   dry, the queue moves to the next window with events (a bit scan over the buckets in use)
///   and pours that bucket into the heap.
/// - Events beyond the wheel's 134 ms horizon (retry timers, the watchdog) wait in the *far*
///   heap; the first event is always the smaller of the two heaps' roots, so a far event is
///   taken at its time without being moved.
///
/// Every event waits in a slab beside these structures, and each key names its event's slot:
/// sifting moves 16-byte keys whatever the event's size, and scheduling allocates nothing once
/// the blocks have grown to the run's working size. Four children a node (a cache line of keys)
/// halve the levels of a binary heap. Removal uses Floyd's bottom-up sift: the hole runs down to
/// a leaf along the smallest children (three comparisons per level), then the displaced last
/// key climbs back, usually only a level or two.
///
/// The four-ary heap alone (every pending event in it, a few hundred in the mail simulation)
/// spent 5% of a mail simulation's instructions sifting; a radix heap was tried too and was
/// slower still (see Docs/architecture.md).
///
/// All of it lives in one `Storage` object, copied on write: an insertion or a removal checks
/// once that the storage is not shared.
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

    /// A window is 2^windowShift nanoseconds.
    @inlinable static var windowShift: Int64 { 16 }
    /// Buckets on the wheel (a power of two): the current window's and the next ones'.
    @inlinable static var bucketCount: Int { 2048 }

    @usableFromInline var storage = Storage(capacity: 16)

    @inlinable
    public init() {}

    /// Number of events in the queue, including cancelled ones not yet skipped.
    @inlinable
    public var count: Int { storage.heapCount + storage.farCount + storage.bucketed }

    /// Number of cancelled events still in the queue.
    @inlinable
    public var cancelledCount: Int { storage.cancelledCount }

    /// Marks the pending event `id` cancelled: it stays where it is and `dropCancelled()` takes it
    /// out when it comes first. A mark in its slot (checked against the sequence, so that an
    /// identifier of an event that already ran cancels nothing) rather than a set of
    /// identifiers: the set was hashed at every step while any cancelled event waited, and with
    /// DNS time-outs cancelled all the time that was every step.
    @inlinable
    public mutating func cancel(_ id: EventID) {
        let slot = Int(id.slot)
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        guard slot >= 0, slot < storage.slotCount, storage.slots[slot].sequence == id.sequence,
            storage.slots[slot].event != nil, !storage.slots[slot].cancelled
        else { return }
        storage.slots[slot].cancelled = true
        storage.cancelledCount &+= 1
    }

    /// Removes the cancelled events at the front of the queue, so that the first is one to run
    /// (`popFirst` skips them itself; `first()` and `earliest` do not).
    @inlinable
    public mutating func dropCancelled() {
        guard storage.cancelledCount > 0 else { return }
        dropCancelledEvents()
    }

    @inlinable @inline(never)
    mutating func dropCancelledEvents() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        while storage.prepareFirst() {
            let fromFar = storage.firstIsFar
            guard storage.slots[(fromFar ? storage.far[0] : storage.heap[0]).slot].cancelled else { return }
            let slot = takeFirst(fromFar: fromFar).slot
            storage.slots[slot].cancelled = false
            storage.cancelledCount &-= 1
            storage.slots[slot].event = nil
        }
    }

    @inlinable
    public var isEmpty: Bool { count == 0 }

    /// The time of the earliest event, if any.
    @inlinable
    public var earliestTime: SimTime? { earliest.map { SimTime(nanoseconds: $0.time) } }

    /// The identifier of the earliest event, if any.
    @inlinable
    public var earliestID: EventID? {
        earliest.map { EventID(sequence: $0.sequence, slot: Int32(truncatingIfNeeded: $0.slot)) }
    }

    /// The first entry, found without moving anything (the current heap may be empty while the
    /// next window's events still wait in their bucket).
    @usableFromInline
    var earliest: Entry? {
        var best: Entry?
        if storage.heapCount > 0 {
            best = storage.heap[0]  // bucketed events all come after the current window's
        } else if storage.bucketed > 0 {
            let bucket =
                Int(truncatingIfNeeded: storage.window &+ storage.distanceToNextBucket()) & (Self.bucketCount &- 1)
            var slot = storage.heads[bucket]
            while slot >= 0 {
                let entry = storage.slots[Int(slot)].key
                if best.map({ entry.precedes($0) }) ?? true { best = entry }
                slot = storage.slots[Int(slot)].next
            }
        }
        if storage.farCount > 0, best.map({ storage.far[0].precedes($0) }) ?? true { best = storage.far[0] }
        return best
    }

    /// The time and identifier of the earliest event, if any. Mutating because it may move the
    /// next window's events into the current heap (which changes nothing the queue returns).
    @inlinable
    public mutating func first() -> (time: SimTime, id: EventID)? {
        guard !isEmpty else { return nil }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        _ = storage.prepareFirst()
        let entry = storage.firstIsFar ? storage.far[0] : storage.heap[0]
        return (
            SimTime(nanoseconds: entry.time),
            EventID(sequence: entry.sequence, slot: Int32(truncatingIfNeeded: entry.slot))
        )
    }

    /// Whether the event `id` is waiting in the queue (a linear search, for assertions).
    public func contains(_ id: EventID) -> Bool {
        if UnsafeBufferPointer(start: storage.heap, count: storage.heapCount).contains(where: {
            $0.sequence == id.sequence
        })
            || UnsafeBufferPointer(start: storage.far, count: storage.farCount).contains(where: {
                $0.sequence == id.sequence
            })
        {
            return true
        }
        for bucket in 0..<Self.bucketCount {
            var slot = storage.heads[bucket]
            while slot >= 0 {
                if storage.slots[Int(slot)].key.sequence == id.sequence { return true }
                slot = storage.slots[Int(slot)].next
            }
        }
        return false
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
            storage.slots[slot].event = consume event
            storage.slots[slot].sequence = sequence
        } else {
            slot = storage.slotCount
            precondition(slot < 1 << 24, "more than 2^24 events pending at once")
            (storage.slots + slot).initialize(
                to: Slot(
                    key: Entry(time: 0, sequence: 0, slot: 0), event: consume event, sequence: sequence, next: -1,
                    cancelled: false))
            storage.slotCount &+= 1
        }
        let entry = Entry(time: time.nanoseconds, sequence: sequence, slot: slot)
        let ahead = time.nanoseconds >> Self.windowShift &- storage.window
        if ahead <= 0 {
            storage.heap[storage.heapCount] = entry
            if storage.heapCount > 0 { Self.siftUp(storage.heap, from: storage.heapCount) }
            storage.heapCount &+= 1
        } else if ahead < Self.bucketCount {
            let bucket = Int(truncatingIfNeeded: time.nanoseconds >> Self.windowShift) & (Self.bucketCount &- 1)
            storage.slots[slot].key = entry
            storage.slots[slot].next = storage.heads[bucket]
            storage.heads[bucket] = Int32(truncatingIfNeeded: slot)
            storage.occupied[bucket &>> 6] |= 1 &<< UInt64(bucket & 63)
            storage.bucketed &+= 1
        } else {
            storage.pushFar(entry)
        }
        return EventID(sequence: sequence, slot: Int32(truncatingIfNeeded: slot))
    }

    /// Removes and returns the earliest event with its time and identifier.
    @inlinable
    public mutating func popFirst() -> (time: SimTime, id: EventID, event: Event)? {
        popFirst(notAfter: .distantFuture)
    }

    /// Removes and returns the earliest event that was not cancelled, if it is not later than
    /// `limit`; the cancelled events before it are taken out on the way.
    @inlinable
    public mutating func popFirst(notAfter limit: SimTime) -> (time: SimTime, id: EventID, event: Event)? {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        while storage.prepareFirst() {
            let fromFar = storage.firstIsFar
            guard (fromFar ? storage.far[0] : storage.heap[0]).time <= limit.nanoseconds else { return nil }
            let first = takeFirst(fromFar: fromFar)
            let slot = first.slot
            let event = storage.slots[slot].event.take()!
            if storage.cancelledCount > 0 && storage.slots[slot].cancelled {
                storage.slots[slot].cancelled = false
                storage.cancelledCount &-= 1
                continue
            }
            return (
                SimTime(nanoseconds: first.time),
                EventID(sequence: first.sequence, slot: Int32(truncatingIfNeeded: slot)), event
            )
        }
        return nil
    }

    /// Takes the first key out of its heap (the far one when `fromFar`, which must be
    /// `storage.firstIsFar`) and frees its slot (the event is still in it); the storage is
    /// unshared and `prepareFirst()` has returned `true`.
    @inlinable
    mutating func takeFirst(fromFar: Bool) -> Entry {
        let first: Entry
        if fromFar {
            first = storage.popFar()
        } else {
            storage.heapCount &-= 1
            let last = storage.heap[storage.heapCount]
            first = storage.heapCount == 0 ? last : Self.siftDown(storage.heap, count: storage.heapCount, placing: last)
        }
        storage.freeSlots[storage.freeCount] = Int32(truncatingIfNeeded: first.slot)
        storage.freeCount &+= 1
        return first
    }

    @inlinable @inline(never)
    static func siftUp(_ base: UnsafeMutablePointer<Entry>, from start: Int) {
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

    /// Takes the root out of the heap at `base` (of `count` keys once the last is taken off),
    /// puts `entry` into the hole and restores the heap order (Floyd's bottom-up sift); returns
    /// the old root. (Index arithmetic wraps: a heap holds under 2²⁴ keys, so it cannot
    /// overflow, and the checks would cost a tenth of the sift.)
    @inlinable
    static func siftDown(_ base: UnsafeMutablePointer<Entry>, count: Int, placing entry: Entry) -> Entry {
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
