/// A table from 64-bit identifiers to values, for the queues and pending attempts of a run.
///
/// A `Dictionary` keyed by `UInt64` hashes every key with SipHash (seeded, and so different from
/// run to run), and its subscript hands a stored value back as a copy: reading one field of a
/// queue entry retained and released every string and array in it. This table hashes by one
/// multiplication (Fibonacci hashing) and keeps keys and values in two flat arrays, with linear
/// probing and backward-shift deletion (no tombstones). `reading(id) { $0.field }` reads a field
/// in place, and `updating(id) { $0.field = x }` writes one in place. Keys and values come out in ascending
/// key order, so nothing that iterates a table depends on where its keys happen to land.
///
/// `UInt64.max` is reserved (it marks an empty slot); identifiers count up from zero or one.
/// Everything is inlinable, so that each user's value type is specialized (generic code called
/// across modules otherwise runs through value witnesses).
@frozen
public struct IDMap<Value>: ExpressibleByDictionaryLiteral {
    /// The key in each slot, or `vacant`.
    @usableFromInline var slotKeys: [UInt64] = []
    @usableFromInline var slotValues: [Value?] = []
    /// 64 minus log₂ of the slot count: the hash is the top bits of key × 2⁶⁴/φ.
    @usableFromInline var shift = 64
    @usableFromInline var storedCount = 0

    @inlinable public var count: Int { storedCount }

    @inlinable static var vacant: UInt64 { .max }

    @inlinable public init() {}

    @inlinable public init(dictionaryLiteral elements: (UInt64, Value)...) {
        for (key, value) in elements { self[key] = value }
    }

    @inlinable public var isEmpty: Bool { count == 0 }

    /// The value for `key` (a copy); assigning `nil` removes the key. To change part of a value in
    /// place, use `updating(_:_:)`: a `_modify` accessor would be a coroutine, whose frame (with a
    /// large value in it) is allocated on the heap at every call.
    @inlinable public subscript(key: UInt64) -> Value? {
        get {
            guard let slot = slot(of: key) else { return nil }
            return slotValues[slot]
        }
        set {
            if let slot = slot(of: key) {
                if let newValue {
                    slotValues[slot] = newValue
                } else {
                    slotValues[slot] = nil
                    vacate(slot)
                }
            } else if let newValue {
                insert(key, newValue)
            }
        }
    }

    /// Changes the value for `key` in place and returns what `change` returns; `nil` (and no call)
    /// when the key is absent.
    @inlinable @discardableResult
    public mutating func updating<T>(_ key: UInt64, _ change: (inout Value) -> T) -> T? {
        guard let slot = slot(of: key) else { return nil }
        return change(&slotValues[slot]!)
    }

    /// What `read` makes of the value for `key`, which it sees in place: `map.reading(id) { $0.field }`
    /// copies the field, where `map[id]?.field` copies the whole value first.
    @inlinable
    public func reading<T>(_ key: UInt64, _ read: (borrowing Value) -> T) -> T? {
        guard let slot = slot(of: key) else { return nil }
        return slotValues[slot].map(read)
    }

    /// Removes `key` and returns its value, if it had one.
    @inlinable @discardableResult
    public mutating func removeValue(forKey key: UInt64) -> Value? {
        guard let slot = slot(of: key) else { return nil }
        let value = slotValues[slot].take()
        vacate(slot)
        return value
    }

    @inlinable public mutating func removeAll() { self = IDMap() }

    /// The keys in ascending order.
    @inlinable public var keys: [UInt64] { slotKeys.filter { $0 != Self.vacant }.sorted() }

    /// The values in ascending order of their keys.
    @inlinable public var values: [Value] { keys.map { self[$0]! } }

    // MARK: Slots

    @inlinable func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    @inlinable func slot(of key: UInt64) -> Int? {
        guard count > 0 else { return nil }
        let mask = slotKeys.count - 1
        var slot = home(key)
        while true {
            let found = slotKeys[slot]
            if found == key { return slot }
            if found == Self.vacant { return nil }
            slot = (slot + 1) & mask
        }
    }

    @inlinable mutating func insert(_ key: UInt64, _ value: consuming Value) {
        precondition(key != Self.vacant, "IDMap reserves UInt64.max")
        if (count + 1) * 2 > slotKeys.count { grow() }
        let mask = slotKeys.count - 1
        var slot = home(key)
        while slotKeys[slot] != Self.vacant { slot = (slot + 1) & mask }
        slotKeys[slot] = key
        slotValues[slot] = value
        storedCount += 1
    }

    /// Empties `slot` (its value already taken) and moves later entries of its probe run back, so
    /// that every key stays reachable from its home slot without gaps.
    @inlinable mutating func vacate(_ slot: Int) {
        let mask = slotKeys.count - 1
        slotKeys[slot] = Self.vacant
        storedCount -= 1
        var hole = slot
        var next = (slot + 1) & mask
        while slotKeys[next] != Self.vacant {
            // The entry at `next` may move into the hole if the hole lies on its probe path, that
            // is, no nearer to `next` than its home is.
            if (next &- home(slotKeys[next])) & mask >= (next &- hole) & mask {
                slotKeys[hole] = slotKeys[next]
                slotValues[hole] = slotValues[next].take()
                slotKeys[next] = Self.vacant
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    @inlinable mutating func grow() {
        let oldKeys = slotKeys
        var oldValues = slotValues
        // Four slots to begin with: most of a large run's tables (a user's host's queue, its
        // attempts, its lookups) hold one entry for one message, and sixteen slots of a queue
        // entry each were much of the memory such a host took on when it first sent.
        let capacity = max(4, slotKeys.count * 2)
        slotKeys = Array(repeating: Self.vacant, count: capacity)
        slotValues = Array(repeating: nil, count: capacity)
        shift = 64 - capacity.trailingZeroBitCount
        storedCount = 0
        for index in oldKeys.indices where oldKeys[index] != Self.vacant {
            insert(oldKeys[index], oldValues[index].take()!)
        }
    }
}

extension IDMap: Sendable where Value: Sendable {}

extension IDMap: Equatable where Value: Equatable {
    @inlinable public static func == (lhs: IDMap, rhs: IDMap) -> Bool {
        lhs.count == rhs.count && lhs.keys.allSatisfy { lhs[$0] == rhs[$0] }
    }
}
