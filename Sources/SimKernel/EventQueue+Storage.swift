// The event queue's storage: the heaps' keys, the slab of events, the wheel's buckets and the
// free slots, in blocks of one capacity (see `EventQueue` for the design).
extension EventQueue {
    /// What the queue keeps of one pending event, in one record, so that scheduling an event
    /// and taking it out touch one cache line of it rather than one in each of five arrays (its
    /// event, its sequence, its cancellation mark, and while it waits in a bucket its key and the
    /// next slot in the bucket's list). The key comes first for its 16-byte alignment.
    @usableFromInline
    struct Slot {
        /// The event's key while it waits in a bucket (the heaps hold their own copies).
        @usableFromInline var key: Entry
        @usableFromInline var event: Event?
        /// The insertion sequence of the slot's event (checked by `cancel`).
        @usableFromInline var sequence: UInt64
        /// The next slot in the same bucket, -1 at the end.
        @usableFromInline var next: Int32
        @usableFromInline var cancelled: Bool

        @inlinable
        init(key: Entry, event: consuming Event?, sequence: UInt64, next: Int32, cancelled: Bool) {
            self.key = key
            self.event = event
            self.sequence = sequence
            self.next = next
            self.cancelled = cancelled
        }
    }

    /// The heaps, the events by slot, the buckets and the free slots. The per-slot blocks have
    /// `capacity` elements each: there are never more keys (in all three places together) or
    /// free slots than slots. Its fields are `@exclusivity(unchecked)`: only the queue's own
    /// methods touch them, which call no code that could reach back into the queue, and the
    /// run-time check of each access was a quarter of a plain release build's time.
    @usableFromInline
    final class Storage {
        /// The current window's heap.
        @exclusivity(unchecked) @usableFromInline var heap: UnsafeMutablePointer<Entry>
        @exclusivity(unchecked) @usableFromInline var heapCount = 0
        /// The heap of events beyond the wheel's horizon.
        @exclusivity(unchecked) @usableFromInline var far: UnsafeMutablePointer<Entry>
        @exclusivity(unchecked) @usableFromInline var farCount = 0
        /// Everything the queue keeps of each event, by slot (see `Slot`). Slots below
        /// `slotCount` are initialized; a free one's event is `nil`.
        @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<Slot>
        @exclusivity(unchecked) @usableFromInline var slotCount = 0
        @exclusivity(unchecked) @usableFromInline var freeSlots: UnsafeMutablePointer<Int32>
        @exclusivity(unchecked) @usableFromInline var freeCount = 0
        @exclusivity(unchecked) @usableFromInline var cancelledCount = 0
        /// The first slot of each bucket's list, -1 for an empty bucket.
        @exclusivity(unchecked) @usableFromInline var heads: UnsafeMutablePointer<Int32>
        /// One bit a bucket, set when it holds events.
        @exclusivity(unchecked) @usableFromInline var occupied: UnsafeMutablePointer<UInt64>
        @exclusivity(unchecked) @usableFromInline var bucketed = 0
        /// The current window's number (time >> windowShift). Buckets hold the windows after it,
        /// up to `bucketCount - 1` of them; the bucket of the current window is always empty.
        @exclusivity(unchecked) @usableFromInline var window: Int64 = 0
        @exclusivity(unchecked) @usableFromInline var capacity: Int
        @exclusivity(unchecked) @usableFromInline var nextSequence: UInt64 = 0

        /// Keys before each heap's root, so that each node's four children (indices 4i+1 to
        /// 4i+4) share one 64-byte cache line: a block is aligned to 64 bytes and its root is its
        /// fourth key.
        @usableFromInline static var heapOffset: Int { 3 }

        @usableFromInline
        init(capacity: Int) {
            self.capacity = capacity
            heap = Self.allocateHeap(capacity)
            far = Self.allocateHeap(capacity)
            slots = UnsafeMutableRawPointer.allocate(
                byteCount: capacity * MemoryLayout<Slot>.stride, alignment: max(64, MemoryLayout<Slot>.alignment)
            ).bindMemory(to: Slot.self, capacity: capacity)
            freeSlots = .allocate(capacity: capacity)
            heads = .allocate(capacity: EventQueue.bucketCount)
            heads.initialize(repeating: -1, count: EventQueue.bucketCount)
            occupied = .allocate(capacity: EventQueue.bucketCount / 64)
            occupied.initialize(repeating: 0, count: EventQueue.bucketCount / 64)
        }

        private static func allocateHeap(_ capacity: Int) -> UnsafeMutablePointer<Entry> {
            let keys = UnsafeMutableRawPointer.allocate(
                byteCount: (capacity + heapOffset) * MemoryLayout<Entry>.stride, alignment: 64)
            return keys.bindMemory(to: Entry.self, capacity: capacity + heapOffset) + heapOffset
        }

        deinit {
            slots.deinitialize(count: slotCount)
            UnsafeMutableRawPointer(heap - Self.heapOffset).deallocate()
            UnsafeMutableRawPointer(far - Self.heapOffset).deallocate()
            UnsafeMutableRawPointer(slots).deallocate()
            freeSlots.deallocate()
            heads.deallocate()
            occupied.deallocate()
        }

        /// A copy with room for `capacity` slots (at least `slotCount`).
        @usableFromInline
        func copy(capacity: Int) -> Storage {
            let copy = Storage(capacity: capacity)
            copy.heap.initialize(from: heap, count: heapCount)
            copy.heapCount = heapCount
            copy.far.initialize(from: far, count: farCount)
            copy.farCount = farCount
            copy.slots.initialize(from: slots, count: slotCount)
            copy.slotCount = slotCount
            copy.freeSlots.initialize(from: freeSlots, count: freeCount)
            copy.freeCount = freeCount
            copy.cancelledCount = cancelledCount
            copy.heads.update(from: heads, count: EventQueue.bucketCount)
            copy.occupied.update(from: occupied, count: EventQueue.bucketCount / 64)
            copy.bucketed = bucketed
            copy.window = window
            copy.nextSequence = nextSequence
            return copy
        }

        /// How many windows after the current one the next bucket with events is (1 or more);
        /// there must be one.
        @inlinable
        func distanceToNextBucket() -> Int64 {
            let mask = EventQueue.bucketCount &- 1
            let current = Int(truncatingIfNeeded: window) & mask
            let first = (current &+ 1) & mask
            var word = first &>> 6
            var bits = occupied[word] & (~0 &<< UInt64(first & 63))
            while bits == 0 {
                // Round the wheel; the current window's bucket is empty, so this ends on a bucket
                // after it (in wheel order) at the latest when it comes back to the first word.
                word = (word &+ 1) & (EventQueue.bucketCount / 64 &- 1)
                bits = occupied[word]
            }
            let found = word &<< 6 | bits.trailingZeroBitCount
            return Int64((found &- current) & mask)
        }

        /// Moves the current window forward to the next one with events (in a bucket or in the far
        /// heap) when the current heap is empty. Afterwards the first event is the smaller root
        /// of the two heaps; `false` if the queue is empty.
        @inlinable
        func prepareFirst() -> Bool {
            if heapCount > 0 { return true }
            return advance()
        }

        /// Inlinable (specialised for the caller's events) but out of line, like the far heap's paths below.
        @inlinable @inline(never)
        func advance() -> Bool {
            guard bucketed > 0 || farCount > 0 else { return false }
            let farWindow = farCount > 0 ? far[0].time >> EventQueue.windowShift : .max
            let next = bucketed > 0 ? window &+ distanceToNextBucket() : .max
            guard next <= farWindow else {
                // The far heap's first event comes before every bucketed one: it is taken from
                // there, and the window moves to it, so that the events it schedules a little
                // later go on the wheel. (The window never passes a pending event.)
                window = Swift.max(window, farWindow)
                return true
            }
            window = next
            let bucket = Int(truncatingIfNeeded: next) & (EventQueue.bucketCount &- 1)
            var slot = heads[bucket]
            heads[bucket] = -1
            occupied[bucket &>> 6] &= ~(1 &<< UInt64(bucket & 63))
            while slot >= 0 {
                heap[heapCount] = slots[Int(slot)].key
                // (A window usually holds one event or two: the first key needs no sift.)
                if heapCount > 0 { EventQueue.siftUp(heap, from: heapCount) }
                heapCount &+= 1
                bucketed &-= 1
                slot = slots[Int(slot)].next
            }
            return true
        }

        /// Adds a key to the far heap. Out of line, as are the far heap's other paths: they are
        /// rare, and the code of the common ones then stays small (it runs between long stretches
        /// of protocol code that push it out of the instruction cache).
        @inlinable @inline(never)
        func pushFar(_ entry: Entry) {
            far[farCount] = entry
            farCount &+= 1
            EventQueue.siftUp(far, from: farCount &- 1)
        }

        /// Takes the far heap's first key out.
        @inlinable @inline(never)
        func popFar() -> Entry {
            farCount &-= 1
            let last = far[farCount]
            return farCount == 0 ? last : EventQueue.siftDown(far, count: farCount, placing: last)
        }

        /// Whether the first event is the far heap's, once `prepareFirst()` has returned `true`.
        @inlinable
        var firstIsFar: Bool { farCount > 0 && (heapCount == 0 || far[0].precedes(heap[0])) }
    }
}
