/// A table from a name and a one-byte kind (a DNS name and query type, say) to a value, for the
/// caches a run looks into once a session.
///
/// A `Dictionary` keyed by a string hashes it with SipHash, seeded per process: some five hundred
/// instructions a lookup for a ten-byte name, where the lookup itself is a few comparisons. This
/// table hashes the name's UTF-8 bytes with FNV-1a (a multiplication and an exclusive-or a byte)
/// into open-addressed slots that hold indices into a list of entries kept in insertion order
/// (so that iterating it, were anything to, would not depend on the hash). Names are compared as
/// strings, so case matters: callers normalise (`DNSZones.key`) first.
///
/// Values are replaced, never removed one by one; `removeAll` empties the table. Everything is
/// inlinable, so that each value type is specialized where it is used.
@frozen
public struct NameTable<Value> {
    @usableFromInline struct Entry {
        @usableFromInline var name: String
        @usableFromInline var kind: UInt8
        @usableFromInline var hash: UInt64
        @usableFromInline var value: Value

        @inlinable init(name: String, kind: UInt8, hash: UInt64, value: Value) {
            self.name = name
            self.kind = kind
            self.hash = hash
            self.value = value
        }
    }

    /// Indices into `entries`, or -1 for an empty slot; a power of two long, at most half full.
    @usableFromInline var slots: [Int32] = []
    @usableFromInline var entries: [Entry] = []

    @inlinable public init() {}

    @inlinable public var count: Int { entries.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }

    /// FNV-1a over the name's bytes, then the kind.
    @inlinable static func hash(_ name: String, _ kind: UInt8) -> UInt64 {
        FNV1a.hash(CollectionOfOne(kind), continuing: FNV1a.hash(utf8: name))
    }

    /// The slot holding the entry for a name and kind, or the empty slot where it would go.
    @inlinable func slot(_ name: String, _ kind: UInt8, _ hash: UInt64) -> (slot: Int, entry: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash >> 32) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return (slot, nil) }
            if entries[index].hash == hash, entries[index].kind == kind, entries[index].name == name {
                return (slot, index)
            }
            slot = (slot + 1) & mask
        }
    }

    /// The value stored for a name and kind.
    @inlinable public func value(_ name: String, kind: UInt8) -> Value? {
        guard !entries.isEmpty else { return nil }
        guard let index = slot(name, kind, Self.hash(name, kind)).entry else { return nil }
        return entries[index].value
    }

    /// Stores `value` for a name and kind, replacing what was there.
    @inlinable public mutating func set(_ value: Value, _ name: String, kind: UInt8) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(name, kind)
        let (slot, index) = slot(name, kind, hash)
        if let index {
            entries[index].value = value
        } else {
            slots[slot] = Int32(entries.count)
            entries.append(Entry(name: name, kind: kind, hash: hash, value: value))
        }
    }

    @inlinable public mutating func removeAll() {
        entries.removeAll()
        slots.removeAll()
    }

    @usableFromInline mutating func grow() {
        let size = Swift.max(16, slots.count * 2)
        slots = Array(repeating: -1, count: size)
        let mask = size - 1
        for index in entries.indices {
            var slot = Int(truncatingIfNeeded: entries[index].hash >> 32) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}

extension NameTable: Sendable where Value: Sendable {}
extension NameTable.Entry: Sendable where Value: Sendable {}
