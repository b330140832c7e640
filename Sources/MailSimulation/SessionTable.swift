import SimNetwork

/// Sessions by connection, stored by the connection's slot: the network reuses slots, so the table
/// stays as small as the most connections open at once, and a lookup is an index and a generation
/// check instead of hashing. Iteration is in slot order, which is `ConnectionID` order.
struct SessionTable<Session: AnyObject> {
    private var entries: [(generation: UInt32, session: Session)?] = []

    subscript(id: ConnectionID) -> Session? {
        get {
            let slot = Int(id.slot)
            guard slot < entries.count, let entry = entries[slot], entry.generation == id.generation else { return nil }
            return entry.session
        }
        set {
            let slot = Int(id.slot)
            if slot >= entries.count { entries.append(contentsOf: repeatElement(nil, count: slot + 1 - entries.count)) }
            if let newValue {
                entries[slot] = (id.generation, newValue)
            } else if entries[slot]?.generation == id.generation {
                entries[slot] = nil
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: ConnectionID) -> Session? {
        guard let session = self[id] else { return nil }
        self[id] = nil
        return session
    }

    /// The connections with a session, in ascending order.
    var keys: [ConnectionID] {
        entries.indices.compactMap { slot in
            entries[slot].map { ConnectionID(slot: Int32(slot), generation: $0.generation) }
        }
    }
}
