import MailCore
import MailDialects

// Routing carried out: from a queued recipient's target to a connection — the lookups a router
// asks for, the candidates' addresses, and what a failed candidate means. What each routing
// policy decides is its router's (Routers.swift).
extension MailAgent {
    /// The route element that is the next hop, skipping any that name this host.
    func nextHop(for path: Path) -> Domain? {
        guard !configuration.routing.stripsSourceRoutes else { return nil }
        return path.route.first { !configuration.isThisHost($0) }
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
        switch router.firstStep(toward: target, paths: attempt.paths, from: configuration) {
        case .deliver(let candidates, let routed):
            attempt.candidates = candidates
            if let routed { attempt.paths = routed }
            attempts[id] = attempt
            resolveCandidate(id)
        case .lookUpExchangers:
            attempts[id] = attempt
            nextID += 1
            lookups[nextID] = .exchangers(attempt: id, target: target)
            actions.append(.lookup(id: nextID, name: target, type: .mailExchanger))
        case .fail(let permanent, let reason):
            attempts[id] = attempt
            failAttempt(&attempt, permanent: permanent, reason: reason, now: now)
        }
    }

    /// The router's reading of the exchangers found for `target`.
    mutating func exchangersFound(
        _ attemptID: UInt64, target: String, _ answer: NameAnswer, now: Timestamp,
        random: inout some RandomNumberGenerator
    ) {
        // The attempt is changed where it is stored, and copied out only to be failed: a copy
        // alive while the stored one changes would make the change copy its lists.
        guard let paths = attempts.reading(attemptID, { $0.paths }) else { return }
        let step = router.exchangersFound(
            answer, for: target, paths: paths, from: configuration, draw: { random.next() })
        _ = consume paths
        switch step {
        case .deliver(let candidates, let routed):
            attempts.updating(attemptID) { attempt in
                if let routed { attempt.paths = routed }
                attempt.candidates = candidates
            }
            resolveCandidate(attemptID)
        case .fail(let permanent, let reason):
            var failed = attempts[attemptID]!
            failAttempt(&failed, permanent: permanent, reason: reason, now: now)
        case .lookUpExchangers:
            preconditionFailure("an exchanger lookup answered by another")
        }
    }

    /// Connects to the stored attempt's current candidate, or looks up its address first. The
    /// attempt is read and changed where it is stored (by id): a copy held while changing it
    /// would make the change copy its lists.
    mutating func resolveCandidate(_ id: UInt64) {
        guard var candidate = attempts.reading(id, { $0.candidates[$0.next] }) else { return }
        // A candidate the router reaches another way (through gateways, RFC 974).
        if let (gateway, hops) = router.approach(candidate, from: configuration) {
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
        if relayed, router.relayAddsItself(viaRoute: viaRoute) {
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
