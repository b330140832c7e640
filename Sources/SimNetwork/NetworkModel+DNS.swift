import SimKernel

struct PendingLookup {
    var host: HostID
    var name: String
    var type: DNSQueryType
    var attempt: Int
    /// The pending time-out of the current attempt, cancelled when the answer arrives.
    var timeout: EventID?
}

/// Lookups waiting for their answers, by id. Ids are handed out in order and most lookups are
/// answered within the event that follows, so the store is a list from the oldest unanswered id
/// on: finding one is an index, where a dictionary hashed the id twice a lookup.
struct PendingLookups {
    /// The id of `entries[head]`.
    private var firstID: UInt64 = 1
    private var head = 0
    private var entries: [PendingLookup?] = []

    /// The id the next `add` stores under.
    var nextID: UInt64 { firstID + UInt64(entries.count - head) }

    /// Stores `lookup` under `nextID`.
    mutating func add(_ lookup: PendingLookup) {
        entries.append(lookup)
    }

    subscript(id: LookupID) -> PendingLookup? {
        get {
            guard let index = index(id) else { return nil }
            return entries[index]
        }
        set {
            guard let index = index(id) else {
                if case .some = newValue { preconditionFailure("lookup ids are added in order, through add") }
                return
            }
            let answered: Bool
            if case .none = newValue { answered = true } else { answered = false }
            entries[index] = newValue
            if answered { dropAnswered() }
        }
    }

    mutating func removeValue(forKey id: LookupID) -> PendingLookup? {
        guard let index = index(id), let lookup = entries[index] else { return nil }
        entries[index] = nil
        dropAnswered()
        return lookup
    }

    /// The ids of the pending lookups, oldest first.
    var ids: [LookupID] {
        (head..<entries.count).compactMap { index in
            if case .none = entries[index] { return nil }
            return LookupID(firstID + UInt64(index - head))
        }
    }

    private func index(_ id: LookupID) -> Int? {
        guard id.value >= firstID, id.value - firstID < UInt64(entries.count - head) else { return nil }
        return head + Int(id.value - firstID)
    }

    /// Moves past answered lookups at the front; the list is compacted once half of it is spent.
    private mutating func dropAnswered() {
        while head < entries.count, case .none = entries[head] {
            head += 1
            firstID += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > entries.count {
            entries.removeSubrange(0..<head)
            head = 0
        }
    }
}

struct CachedAnswer {
    var answer: DNSAnswer
    var expires: SimTime
}

extension NetworkModel {
    /// Looks up `name` for `host`; the answer arrives as `dnsAnswered` with the returned id.
    ///
    /// - DNS off: an A lookup is answered from the host table at once and for free; MX does not
    ///   exist (`unavailable`).
    /// - DNS on: a cached answer that has not outlived its TTL comes back at once and costs nothing.
    ///   Otherwise a query crosses the network to the name server and the answer crosses back (one
    ///   round trip). An MX answer carries the exchanges' A records, which are cached too, so the
    ///   A lookups that follow cost nothing. A query that gets no answer within `queryTimeout` is
    ///   sent again, up to `attempts` times in all, and then reported as `timedOut`.
    public mutating func lookup(_ name: String, _ type: DNSQueryType, from host: HostID) -> LookupID {
        let id = LookupID(lookups.nextID)
        lookups.add(PendingLookup(host: host, name: name, type: type, attempt: 1))
        if let answer = answerAtOnce(name, type, from: host) {
            kernel.schedule(at: kernel.now, .dnsLocalAnswer(id, answersInFlight.put(answer)))
        } else {
            sendQuery(id, attempt: 1)
        }
        return id
    }

    /// The answer `lookup` would give without asking the name server — from the host table
    /// when DNS is off, or from `host`'s cache (counted as a cache hit) — or nil when a query
    /// must cross the network. A driver that takes the answer from here, at once, sends no
    /// `lookup` and gets no `dnsAnswered` for it.
    public mutating func answerAtOnce(_ name: String, _ type: DNSQueryType, from host: HostID) -> DNSAnswer? {
        guard dns.enabled else {
            switch type {
            case .mx: return .unavailable
            case .a: return hostTable.entry(named: name).map { .addresses($0.addresses) } ?? .nameError
            }
        }
        guard let cached = caches[host.index].value(DNSZones.key(name), kind: type.cacheKind),
            cached.expires > kernel.now
        else {
            return nil
        }
        statistics.dnsCacheHits += 1
        return cached.answer
    }

    /// The answer `host` has cached for a question, if it is still fresh (for tests and traces).
    public func cachedAnswer(_ name: String, _ type: DNSQueryType, at host: HostID) -> DNSAnswer? {
        guard let cached = caches[host.index].value(DNSZones.key(name), kind: type.cacheKind),
            cached.expires > kernel.now
        else { return nil }
        return cached.answer
    }

    private mutating func sendQuery(_ id: LookupID, attempt: Int) {
        guard let lookup = lookups[id] else { return }
        statistics.dnsQueries += 1
        lookups[id]?.timeout = kernel.schedule(at: kernel.now + dns.queryTimeout, .dnsTimeout(id, attempt: attempt))
        guard let server = dns.server, let route = route(from: lookup.host, to: server) else { return }
        if capture != nil {
            capture!.datagram(
                PacketCapture.dnsQuery(id: id, name: lookup.name, type: lookup.type), at: kernel.now,
                from: address(of: lookup.host),
                to: address(of: server), lookup: id, query: true,
                comment:
                    "DNS query \(lookup.type.rawValue) \(lookup.name) from \(topology.hosts[lookup.host.index].name)"
                    + (attempt > 1 ? ", attempt \(attempt)" : ""))
        }
        transmit(
            payload: dns.querySize, over: route, reversed: false, completion: .dnsQueryArrived(id, attempt: attempt))
    }

    mutating func dnsQueryArrived(_ id: LookupID, attempt: Int) {
        guard let lookup = lookups[id], let server = dns.server, hostUp[server.index],
            !dns.inOutage(at: kernel.now), let route = route(from: lookup.host, to: server)
        else { return }  // lost: the resolver's timeout will notice
        let (answer, ttl) = dns.zones.answer(lookup.name, lookup.type)
        var records = 1
        if case .addresses(let addresses) = answer { records = addresses.count }
        if case .mailExchangers(let exchangers, let additional) = answer {
            records = exchangers.count + additional.reduce(0) { $0 + $1.addresses.count }
        }
        let size = dns.querySize + records * dns.recordSize
        if capture != nil {
            capture!.datagram(
                PacketCapture.dnsAnswer(id: id, name: lookup.name, type: lookup.type, answer: answer, ttl: ttl),
                at: kernel.now,
                from: address(of: server), to: address(of: lookup.host), lookup: id, query: false,
                comment: "DNS answer \(lookup.type.rawValue) \(lookup.name): \(answer)")
        }
        transmit(
            payload: size, over: route, reversed: true,
            completion: .dnsResponseArrived(id, answersInFlight.put(answer), ttl: ttl))
    }

    mutating func dnsResponseArrived(
        _ id: LookupID, _ answer: DNSAnswer, ttl: SimDuration
    ) -> NetworkNotification? {
        guard let lookup = lookups.removeValue(forKey: id), hostUp[lookup.host.index] else { return nil }
        if let timeout = lookup.timeout { kernel.cancel(timeout) }
        let expires = kernel.now + ttl
        caches[lookup.host.index].set(
            CachedAnswer(answer: answer, expires: expires), DNSZones.key(lookup.name), kind: lookup.type.cacheKind)
        if case .mailExchangers(_, let additional) = answer {
            for record in additional {
                caches[lookup.host.index].set(
                    CachedAnswer(answer: .addresses(record.addresses), expires: kernel.now + record.ttl),
                    DNSZones.key(record.name),
                    kind: DNSQueryType.a.cacheKind)
            }
        }
        return .dnsAnswered(id, host: lookup.host, answer)
    }

    /// A host's first address, for packet traces.
    func address(of host: HostID) -> IPv4Address { topology.hosts[host.index].addresses.first ?? IPv4Address(0) }

    mutating func dnsTimedOut(_ id: LookupID, attempt: Int) -> NetworkNotification? {
        guard var lookup = lookups[id], lookup.attempt == attempt else { return nil }
        lookup.timeout = nil
        if attempt < dns.attempts {
            lookup.attempt += 1
            lookups[id] = lookup
            sendQuery(id, attempt: lookup.attempt)
            return nil
        }
        lookups[id] = nil
        statistics.dnsTimeouts += 1
        return .dnsAnswered(id, host: lookup.host, .timedOut)
    }
}
