import MailCore
import MailDialects

// Routing: from a queued recipient's target to a connection — MX lookups (RFC 974, RFC 2821 §5),
// the candidates' addresses, source routes through gateways, and what a failed candidate means.
extension MailAgent {
    /// The route element that is the next hop, skipping any that name this host.
    func nextHop(for path: Path) -> Domain? {
        guard !configuration.routing.stripsSourceRoutes else { return nil }
        return path.route.first { !configuration.isThisHost($0) }
    }

    /// Where a host off the Internet sends mail for `target` (RFC 974: such hosts were reached
    /// through their network's relay, CSNET-RELAY for CSNET): to `target` itself over a network
    /// it is on; to the first gateway of its host table's route when that route leaves over a
    /// network the relay is not on (a gateway between two networks off the Internet passes mail
    /// on along them, one hop at a time, with no source route); anything else to its relay.
    func nextHost(toward target: String, relay: String) -> String {
        let directory = configuration.directory
        let me = configuration.hostName
        if directory.canReach(me, target) { return target }
        guard let first = directory.gateways(from: me, to: target)?.first, let mine = directory.entry(me),
            let next = directory.entry(first), let toward = directory.entry(relay)
        else { return relay }
        let leavingBy = mine.networks.intersection(next.networks)
        return leavingBy.isDisjoint(with: toward.networks) ? first : relay
    }

    mutating func beginAttempt(_ queueID: UInt64, _ indices: [Int], target: String, now: Timestamp) {
        // Read the paths without keeping a copy of the entry: marking its recipients below would
        // then copy the whole recipient list.
        guard let recipients = queue.reading(queueID, { $0.recipients }) else { return }
        nextID += 1
        let id = nextID
        var paths = indices.map { recipients[$0].path }
        // Route elements naming this host are spent.
        for index in paths.indices {
            while let first = paths[index].route.first, configuration.isThisHost(first) {
                paths[index] = paths[index].poppingFirstHop
            }
        }
        _ = consume recipients
        queue.updating(queueID) { entry in
            for index in indices { entry.recipients[index].state = .inFlight(attempt: id) }
        }
        var attempt = Attempt(id: id, queueID: queueID, recipients: indices, paths: paths, started: now)
        switch configuration.routing {
        case .smartHost(let host):
            attempt.candidates = [Candidate(name: host, address: nil)]
            attempts[id] = attempt
            resolveCandidate(id)
        case .gatewayForOthers(let gateway):
            let next = nextHost(toward: target, relay: gateway)
            attempt.candidates = [Candidate(name: next, address: configuration.directory.entry(next)?.address)]
            attempts[id] = attempt
            resolveCandidate(id)
        case .directOnly:
            // RFC 765: `MAIL <user>` goes to the user's own host, over a network both hosts are on.
            guard configuration.directory.canReach(configuration.hostName, target) else {
                attempts[id] = attempt
                failAttempt(
                    &attempt, permanent: true,
                    reason:
                        "FTP mail cannot reach \(target): it is on no network of this host's, and FTP mail is never relayed",
                    now: now)
                return
            }
            attempt.candidates = [Candidate(name: target, address: configuration.directory.entry(target)?.address)]
            attempts[id] = attempt
            resolveCandidate(id)
        case .sourceRoutes:
            if case .relay(let relay) = configuration.gatewayRouting,
                !configuration.directory.canReach(configuration.hostName, target),
                attempt.paths.allSatisfy(\.route.isEmpty)
            {
                // By configuration: mail for a host out of reach goes to the relay, the address as
                // it is; the relay finds the rest (RFC 974 on CSNET-RELAY).
                attempt.candidates = [Candidate(name: relay, address: configuration.directory.entry(relay)?.address)]
                attempts[id] = attempt
                resolveCandidate(id)
                return
            }
            // RFC 821 §3.6 / RFC 780 §3.2: a host out of reach is reached through gateways named
            // in a source route; the first host in the forward-path is the one receiving it.
            guard let chain = configuration.directory.gateways(from: configuration.hostName, to: target) else {
                attempts[id] = attempt
                failAttempt(&attempt, permanent: true, reason: "no route to \(target) in the host table", now: now)
                return
            }
            if let first = chain.first {
                let relays = chain.map(Domain.init)
                attempt.paths = attempt.paths.map {
                    if case .embedded(let encoding) = configuration.gatewayRouting, $0.route.isEmpty,
                        let mailbox = $0.mailbox
                    {
                        return Path(mailbox.embedding(route: relays, as: encoding))
                    }
                    return Path(route: relays + $0.route, mailbox: $0.mailbox)
                }
                attempt.candidates = [Candidate(name: first, address: configuration.directory.entry(first)?.address)]
            } else {
                attempt.candidates = [Candidate(name: target, address: configuration.directory.entry(target)?.address)]
            }
            attempts[id] = attempt
            resolveCandidate(id)
        case .mx:
            attempts[id] = attempt
            nextID += 1
            lookups[nextID] = .exchangers(attempt: id, target: target)
            actions.append(.lookup(id: nextID, name: target, type: .mailExchanger))
        }
    }

    /// RFC 974 "Interpreting the List of MX RRs" and RFC 2821 §5.
    mutating func exchangersFound(
        _ attemptID: UInt64, target: String, _ answer: NameAnswer, now: Timestamp,
        random: inout some RandomNumberGenerator
    ) {
        // The attempt is changed where it is stored, and copied out only to be failed: a copy
        // alive while the stored one changes would make the change copy its lists.
        guard case .some = attempts.reading(attemptID, { _ in () }) else { return }
        switch answer {
        case .exchangers(let records):
            var list = records
            // "If the domain name LOCAL is listed as an MX RR, all MX RRs with a preference value
            // greater than or equal to that of LOCAL's must be discarded."
            var mine: Int?
            for record in list where configuration.isThisHost(Domain(record.name)) {
                mine = min(mine ?? record.preference, record.preference)
            }
            if let mine {
                list = list.filter { $0.preference < mine }
                if list.isEmpty {
                    // This host is the best exchanger: a gateway delivers over its own networks to
                    // a host that is not on the Internet (through further gateways named in a
                    // source route, if its host table says so); anything else is an error (RFC 974).
                    if let chain = configuration.directory.gateways(from: configuration.hostName, to: target) {
                        let next = chain.first ?? target
                        let candidate = Candidate(name: next, address: configuration.directory.entry(next)?.address)
                        attempts.updating(attemptID) { attempt in
                            if !chain.isEmpty {
                                attempt.paths = attempt.paths.map {
                                    Path(route: chain.map(Domain.init) + $0.route, mailbox: $0.mailbox)
                                }
                            }
                            attempt.candidates = [candidate]
                        }
                        resolveCandidate(attemptID)
                    } else {
                        var failed = attempts[attemptID]!
                        failAttempt(
                            &failed, permanent: true, reason: "MX list for \(target) leads back to this host", now: now)
                    }
                    return
                }
            }
            let candidates = ordered(list, random: &random).map {
                Candidate(name: $0.name, address: $0.addresses.first)
            }
            attempts.updating(attemptID) { $0.candidates = candidates }
        case .noRecords, .addresses:
            // No MX: "treat it as if it contained one RR, an MX RR with a preference value of 0,
            // and a host name of REMOTE" (RFC 974); the implicit MX of RFC 2821 §5.
            attempts.updating(attemptID) { $0.candidates = [Candidate(name: target, address: nil)] }
        case .noSuchDomain:
            var failed = attempts[attemptID]!
            failAttempt(&failed, permanent: true, reason: "no such domain \(target)", now: now)
            return
        case .temporaryFailure:
            var failed = attempts[attemptID]!
            failAttempt(&failed, permanent: false, reason: "DNS lookup for \(target) timed out", now: now)
            return
        case .unavailable:
            var failed = attempts[attemptID]!
            failAttempt(&failed, permanent: false, reason: "DNS is not available to look up \(target)", now: now)
            return
        }
        resolveCandidate(attemptID)
    }

    /// Lowest preference first. Equal preferences: RFC 974 leaves the order "up to the mailer"
    /// (here: by name, so runs repeat); RFC 2821 §5: "the sender-SMTP MUST randomize them".
    func ordered(_ list: [Exchanger], random: inout some RandomNumberGenerator) -> [Exchanger] {
        guard list.count > 1 else { return list }  // one exchanger (most domains): nothing to sort or shuffle
        let sorted = list.sorted { ($0.preference, $0.name.lowercasedKey()) < ($1.preference, $1.name.lowercasedKey()) }
        guard case .mx(let rules) = configuration.routing, rules.shufflesEqualPreferences else { return sorted }
        var result: [Exchanger] = []
        var start = 0
        while start < sorted.count {
            var end = start
            while end < sorted.count && sorted[end].preference == sorted[start].preference { end += 1 }
            var group = Array(sorted[start..<end])
            // Fisher–Yates with an unbiased draw (rejection sampling), not the standard library's.
            for i in stride(from: group.count - 1, to: 0, by: -1) {
                let bound = UInt64(i + 1)
                let limit = UInt64.max - UInt64.max % bound
                var draw = random.next()
                while draw >= limit { draw = random.next() }
                group.swapAt(i, Int(draw % bound))
            }
            result += group
            start = end
        }
        return result
    }

    /// Connects to the stored attempt's current candidate, or looks up its address first. The
    /// attempt is read and changed where it is stored (by id): a copy held while changing it
    /// would make the change copy its lists.
    mutating func resolveCandidate(_ id: UInt64) {
        guard var candidate = attempts.reading(id, { $0.candidates[$0.next] }) else { return }
        // RFC 974 era: an exchanger this host cannot reach over its own networks is reached the old
        // way, through the gateways its host table names, with a source route ending at the exchanger.
        if case .mx(let rules) = configuration.routing, rules.followsSourceRoutes,
            !configuration.directory.canReach(configuration.hostName, candidate.name),
            let chain = configuration.directory.gateways(from: configuration.hostName, to: candidate.name),
            let first = chain.first
        {
            let hops = (chain + [candidate.name]).map(Domain.init)
            let gateway = Candidate(name: first, address: configuration.directory.entry(first)?.address)
            attempts.updating(id) { attempt in
                attempt.paths = attempt.paths.map { Path(route: hops + $0.route, mailbox: $0.mailbox) }
                attempt.candidates[attempt.next] = gateway
            }
            candidate = gateway
        }
        if let address = candidate.address, !address.isEmpty {
            connect(id)
        } else {
            nextID += 1
            lookups[nextID] = .address(attempt: id)
            actions.append(.lookup(id: nextID, name: candidate.name, type: .address))
        }
    }

    mutating func addressFound(_ attemptID: UInt64, _ answer: NameAnswer, now: Timestamp) {
        if case .addresses(let found) = answer, let address = found.first {
            // In place: the stored attempt is the only holder of its candidate list.
            guard case .some = attempts.updating(attemptID, { $0.candidates[$0.next].address = address }) else {
                return
            }
            connect(attemptID)
            return
        }
        guard var attempt = attempts[attemptID] else { return }
        switch answer {
        case .temporaryFailure:
            tryNextCandidate(
                &attempt, reason: "address lookup for \(attempt.candidates[attempt.next].name) timed out", now: now)
        default:
            tryNextCandidate(
                &attempt, reason: "no address for \(attempt.candidates[attempt.next].name)", now: now,
                permanentIfLast: true)
        }
    }

    mutating func connect(_ id: UInt64) {
        guard
            let (queueID, paths, candidate) = attempts.reading(id, { ($0.queueID, $0.paths, $0.candidates[$0.next]) }),
            let (messageID, entryReversePath, relayed, viaRoute, content) = queue.reading(
                queueID, { ($0.messageID, $0.reversePath, $0.origin != nil, $0.viaRoute, $0.content) })
        else { return }
        var reversePath = entryReversePath
        // The relay "puts itself at the beginning of the sender-path" (RFC 780 §3.2; RFC 821 §3.6:
        // "In any case, the SMTP adds its own identifier to the reverse-path"): every relay in
        // the source-route eras, and in the MX eras a relay named in the route it follows, unless
        // routes are stripped (RFC 2821 §4.1.1.3: relays no longer add themselves).
        if relayed, configuration.routing == .sourceRoutes || (viaRoute && !configuration.routing.stripsSourceRoutes) {
            reversePath = reversePath.pushing(Domain(configuration.hostName))
        }
        let transaction = OutboundTransaction(id: id, reversePath: reversePath, recipients: paths, content: content)
        actions.append(
            .openSession(
                SessionRequest(
                    id: id, hostName: candidate.name, address: candidate.address ?? "", dialect: configuration.dialect,
                    clientName: configuration.hostName, extensions: configuration.extensions,
                    timeouts: configuration.timeouts,
                    transaction: transaction, messageID: messageID)))
    }

    /// The current candidate failed before taking any mail: the next one, or wait and retry
    /// ("until a delivery attempt succeeds", RFC 2821 §5; RFC 974: all of the best before giving up).
    mutating func tryNextCandidate(
        _ attempt: inout Attempt, reason: String, now: Timestamp, permanentIfLast: Bool = false
    ) {
        if attempt.next + 1 < attempt.candidates.count {
            attempt.next += 1
            attempts[attempt.id] = attempt
            resolveCandidate(attempt.id)
        } else {
            failAttempt(&attempt, permanent: permanentIfLast && attempt.candidates.count == 1, reason: reason, now: now)
        }
    }

    mutating func failAttempt(_ attempt: inout Attempt, permanent: Bool, reason: String, now: Timestamp) {
        attempts[attempt.id] = nil
        for index in attempt.recipients {
            if permanent {
                bounce(attempt.queueID, index, reason: reason, now: now)
            } else {
                postpone(attempt.queueID, index, reason: reason, attemptStarted: attempt.started, now: now)
            }
        }
        removeIfFinished(attempt.queueID)
    }
}
