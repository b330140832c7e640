import MailCore
import MailDialects
import MailpathBase

/// A mail transfer agent, sans I/O: it queues, routes, relays, retries, bounces and delivers to
/// local mailboxes, and asks its driver to look names up and to open sessions. The simulator and
/// the socket mode are two drivers of this same agent. Where mail goes is its routing policy's
/// `Router`'s decision (Routers.swift); the agent carries it out.
///
/// RFC sections: 780 §3.2 and 821 §3.6 (relaying, notices), 974 (MX routing), 1123 §5.3
/// (queueing, retries, bounces), 2821 §4.5.4 (retry strategy, "MUST NOT send error messages in
/// response to error messages"), §5 (address resolution), §6.1 (bounces to the final hop), §6.2
/// (loop detection by counting trace lines).
public struct MailAgent: Sendable {
    public let configuration: AgentConfiguration

    /// The queue, by queue id. Iterate `queueIDs` for a deterministic order.
    public internal(set) var queue = IDMap<QueueEntry>()
    /// Local mailboxes: lower-cased local part → messages in arrival order.
    public internal(set) var mailboxes: [String: [StoredMessage]] = [:]
    /// Messages delivered to local mailboxes, whether or not their text is kept.
    public internal(set) var deliveredCount = 0

    struct Candidate: Hashable, Sendable {
        var name: String
        var address: String?
    }

    struct Attempt: Hashable, Sendable {
        var id: UInt64
        var queueID: UInt64
        /// Indices into the entry's recipients.
        var recipients: [Int]
        /// The forward-paths to send, in the same order.
        var paths: [Path]
        var candidates: [Candidate] = []
        var next = 0
        var started: Timestamp
    }

    enum PendingLookup: Hashable, Sendable {
        case exchangers(attempt: UInt64, target: String)
        case address(attempt: UInt64)
    }

    var attempts = IDMap<Attempt>()
    var lookups = IDMap<PendingLookup>()
    /// Due times of waiting recipients, sorted: (due, queue id).
    @usableFromInline var wakeups: [(Timestamp, UInt64)] = []
    var nextID: UInt64 = 0
    /// Messages this host has stamped: the id of its trace lines (RFC 2821 §4.4 "ID").
    var stampedCount = 0
    var actions: [AgentAction] = []
    /// The last stamp's date text and the second it names: a busy relay stamps many messages a second.
    var lastStampDate: (second: Int64, text: String) = (.min, "")

    /// Message and recipient pairs this host has handed on, kept only where mail carries no
    /// trace lines to count (RFC 765, 772 and 780 say nothing of loops): a message that comes
    /// back for a recipient this host already passed on has gone round a loop.
    var handedOn: Set<String> = []

    /// The configuration's trace style and users in lower case, worked out once.
    let traceStyle: TraceStyle
    let userKeys: Set<String>?
    /// The routing policy's router, made once (Routers.swift).
    let router: any Router

    public init(configuration: AgentConfiguration) {
        self.configuration = configuration
        router = configuration.router
        traceStyle = configuration.dialect.isSMTP ? SMTPRules.forDialect(configuration.dialect).traceStyle : .none
        userKeys = configuration.users.map { Set($0.map { $0.lowercased() }) }
    }

    /// When the agent next wants `wake(now:)`. Inlinable: the simulation asks after every call
    /// into the agent, and a call across modules on an agent kept in an array copies the agent.
    @inlinable public var nextWake: Timestamp? { wakeups.first?.0 }

    /// Queue ids in ascending order.
    public var queueIDs: [UInt64] { queue.keys }

    /// Recipients not yet settled, over the whole queue: kept as the queue changes (an entry
    /// added counts its recipients, a recipient settled counts one off), so that a driver can
    /// follow the queue's length at every change for the price of reading a number.
    public internal(set) var queuedRecipientCount = 0

    /// `queuedRecipientCount` counted afresh from the queue: drivers check the kept count
    /// against it in debug builds.
    public var recountedQueuedRecipients: Int {
        queue.values.reduce(0) { $0 + $1.recipients.filter { $0.state != .finished }.count }
    }

    // MARK: Inputs

    /// A local user submits a message.
    public mutating func submit(_ submission: Submission, now: Timestamp) -> [AgentAction] {
        let messageID = HeaderFields.value(of: "Message-ID", in: submission.content) ?? "<unknown>"
        let due = now.adding(nanoseconds: configuration.$queueDelay)
        enqueue(
            messageID: messageID, reversePath: submission.reversePath, content: submission.content, origin: nil,
            isNotice: submission.reversePath.isNull,
            recipients: submission.recipients.map { QueuedRecipient(path: $0, state: .waiting(due: due)) },
            due: due, now: now)
        return takeActions()
    }

    /// A receiver engine has taken in a message from `peer` (its HELO name or host name) at
    /// `peerAddress`, `overNCP` if the connection was NCP's; the answer becomes the reply to the
    /// final dot.
    public mutating func messageReceived(
        _ message: consuming ReceivedMessage, peer: String, peerAddress: String, overNCP: Bool = false,
        now: Timestamp
    ) -> (DeliveryDecision, [AgentAction]) {
        // The text is taken out of the message, so that stamping finds it unshared.
        var text: [UInt8] = []
        swap(&text, &message.content)
        // The trace lines and the Message-ID, from one walk over the header.
        let (traceLines, foundID) = TraceFields.count(in: text, andValueOf: "Message-ID")
        let messageID = foundID ?? "<unknown>"
        if traceLines >= configuration.maxTraceLines {
            // RFC 2821 §6.2: count the Received lines, with a threshold of at least 100.
            actions.append(.event(.loopDetected(messageID: messageID, reason: "\(traceLines) trace lines")))
            return (
                .rejected(Reply(.transactionFailed, "Routing loop detected: \(traceLines) trace lines")), takeActions()
            )
        }
        if traceStyle == .none, !handedOn.isEmpty,
            let back = message.recipients.first(where: { handedOn.contains(Self.handOnKey(messageID, $0.path.mailbox)) }
            )
        {
            // No trace lines to count: the mail has come back to a host that passed it on.
            let mailbox = back.path.mailbox.map { "\($0)" } ?? ""
            actions.append(
                .event(
                    .loopDetected(
                        messageID: messageID, reason: "came back after this host passed it on for <\(mailbox)>")))
            return (
                .rejected(
                    Reply(.transactionFailed, "Routing loop detected: mail came back to a host that passed it on")),
                takeActions()
            )
        }
        let content = stamped(consume text, message, peer: peer, peerAddress: peerAddress, overNCP: overNCP, now: now)
        // The queue entry's recipients are made here, not from a list of paths made first.
        let due = now.adding(nanoseconds: configuration.$queueDelay)
        var onward: [QueuedRecipient] = []
        for index in message.recipients.indices {  // by index: each disposition read in place
            switch message.recipients[index].disposition {
            case .local(let mailbox):
                deliverLocally(
                    messageID: messageID, mailbox: mailbox, reversePath: message.reversePath, content: content, now: now
                )
            case .operatorForward:
                deliverLocally(
                    messageID: messageID,
                    mailbox: Mailbox(localPart: "Postmaster", domain: Domain(configuration.hostName)),
                    reversePath: message.reversePath, content: content, now: now)
            case .relay(let path):
                if onward.capacity == 0 { onward.reserveCapacity(message.recipients.count) }
                onward.append(
                    QueuedRecipient(
                        path: configuration.routing.stripsSourceRoutes ? path.withoutRoute : path,
                        state: .waiting(due: due)))
            case .forward(let mailbox):
                if onward.capacity == 0 { onward.reserveCapacity(message.recipients.count) }
                onward.append(QueuedRecipient(path: Path(mailbox), state: .waiting(due: due)))
            }
        }
        if !onward.isEmpty {
            // Named in a source route it received (the receiver took its own element off the path).
            let viaRoute = message.recipients.contains { recipient in
                if case .relay = recipient.disposition { return !recipient.path.route.isEmpty }
                return false
            }
            enqueue(
                messageID: messageID, reversePath: message.reversePath, content: content, origin: peer,
                isNotice: isNotice(message.reversePath), recipients: onward, due: due, now: now, viaRoute: viaRoute)
        }
        return (.accepted, takeActions())
    }

    /// The answer to a `lookup` action.
    public mutating func lookupFinished(
        _ id: UInt64, _ answer: NameAnswer, now: Timestamp, random: inout some RandomNumberGenerator
    ) -> [AgentAction] {
        guard let pending = lookups.removeValue(forKey: id) else { return [] }
        switch pending {
        case .exchangers(let attemptID, let target):
            exchangersFound(attemptID, target: target, answer, now: now, random: &random)
        case .address(let attemptID):
            addressFound(attemptID, answer, now: now)
        }
        return takeActions()
    }

    /// A session opened for `openSession` ended with this report.
    public mutating func sessionFinished(_ id: UInt64, _ report: SessionReport, now: Timestamp) -> [AgentAction] {
        // The outcome is read in place (`transactions[0]`), not bound: a copy would retain its lists.
        guard !report.transactions.isEmpty, var attempt = attempts.removeValue(forKey: id) else { return [] }
        if report.failedBeforeTransactions {
            attempts[id] = attempt
            let reason = report.greeting.map { "\($0.code) \($0.text)" } ?? "session failed"
            tryNextCandidate(&attempt, reason: reason, now: now)
            return takeActions()
        }
        let host = attempt.candidates[attempt.next].name
        for position in report.transactions[0].recipients.indices {
            let index = attempt.recipients[position]
            switch report.transactions[0].recipients[position].status {
            case .delivered:
                finish(attempt.queueID, index, event: { .relayed(messageID: $0, mailbox: $1, to: host) })
                if traceStyle == .none,
                    let key = queue.reading(
                        attempt.queueID, { Self.handOnKey($0.messageID, $0.recipients[index].mailbox) })
                {
                    handedOn.insert(key)
                }
            case .permanentFailure(let reply):
                bounce(attempt.queueID, index, reason: "\(host) said: \(reply.code) \(reply.text)", now: now)
            case .temporaryFailure(let reply):
                postpone(
                    attempt.queueID, index, reason: "\(host) said: \(reply.code) \(reply.text)",
                    attemptStarted: attempt.started, now: now)
            case .interrupted(let why):
                // Nothing from the server to quote: say what broke off.
                postpone(
                    attempt.queueID, index, reason: "no reply from \(host): \(why)", attemptStarted: attempt.started,
                    now: now)
            }
        }
        removeIfFinished(attempt.queueID)
        return takeActions()
    }

    /// The connection for `openSession` could not be made.
    public mutating func connectionFailed(_ id: UInt64, reason: String, now: Timestamp) -> [AgentAction] {
        guard var attempt = attempts[id] else { return [] }
        tryNextCandidate(&attempt, reason: reason, now: now)
        return takeActions()
    }

    /// Time has come for waiting recipients.
    public mutating func wake(now: Timestamp) -> [AgentAction] {
        var due: [UInt64] = []
        while let first = wakeups.first, first.0 <= now {
            wakeups.removeFirst()
            if !due.contains(first.1) { due.append(first.1) }
        }
        for queueID in due { startAttempts(queueID, now: now) }
        return takeActions()
    }

    /// The host crashed. A volatile queue is lost (reported); a persistent one waits for `restart`.
    public mutating func crash(now: Timestamp) -> [AgentAction] {
        attempts = [:]
        lookups = [:]
        wakeups = []
        switch configuration.persistence {
        case .volatile:
            for queueID in queueIDs {
                for recipient in queue[queueID]!.recipients where recipient.state != .finished {
                    actions.append(.event(.lost(messageID: queue[queueID]!.messageID, mailbox: recipient.mailbox)))
                }
            }
            queue = [:]
            queuedRecipientCount = 0
        case .persistent:
            for queueID in queueIDs {
                queue.updating(queueID) { entry in
                    for index in entry.recipients.indices where entry.recipients[index].state != .finished {
                        entry.recipients[index].state = .waiting(due: now)
                    }
                }
            }
        }
        return takeActions()
    }

    /// The host is back: a persistent queue is tried again at once.
    public mutating func restart(now: Timestamp) -> [AgentAction] {
        for queueID in queueIDs { startAttempts(queueID, now: now) }
        return takeActions()
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the agent's next call fills it without allocating.
    public mutating func recycle(_ spent: inout [AgentAction]) { reuseActionStorage(&spent, into: &actions) }

    mutating func takeActions() -> [AgentAction] {
        defer { actions = [] }
        return actions
    }

    mutating func record(_ event: AgentEvent) { actions.append(.event(event)) }

    mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    mutating func insertEntry(_ entry: QueueEntry) {
        queue[entry.queueID] = entry
        queuedRecipientCount += entry.recipients.count { $0.state != .finished }
    }

    /// Settles a recipient: the one place a recipient becomes `.finished`, so the count follows.
    mutating func markFinished(_ queueID: UInt64, _ index: Int) {
        var settled = false
        queue.updating(queueID) { entry in
            settled = entry.recipients[index].state != .finished
            entry.recipients[index].state = .finished
        }
        if settled { queuedRecipientCount -= 1 }
    }

    mutating func startNow(_ queueID: UInt64, now: Timestamp) { startAttempts(queueID, now: now) }
}
