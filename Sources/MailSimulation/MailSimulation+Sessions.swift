import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

extension MailSimulation {
    // MARK: Opening

    func openSession(_ request: consuming SessionRequest, from host: HostID) {
        guard let address = IPv4Address(request.address) else {
            let request = copy request
            agentActs(host) {
                $0.connectionFailed(request.id, reason: "bad address \(request.address)", now: self.stamp)
            }
            return
        }
        let id = network.connect(from: host, to: address, port: request.dialect.port)
        nextLabel += 1
        statistics.sessions += 1
        if statistics.sessions > sessionBudget, stopReason == nil {
            stopReason =
                "more than \(sessionBudget) mail sessions for \(setup.workload.count) messages: mail is going round or retried without end (see the trace)"
        }
        trace(
            host, .init("connect"),
            "conn\(self.nextLabel) to \(request.hostName) [\(request.address)]:\(request.dialect.port) \(request.dialect) for \(request.messageID)"
        )
        if let call = network.nextCall(id) {
            trace(host, .init("connect"), "conn\(self.nextLabel) waits for the next call, at \(call)")
        }
        if let session = spareClients.popLast() {
            session.host = host
            session.attemptID = request.id
            session.messageID = request.messageID
            session.peerName = request.hostName
            session.label = nextLabel
            session.reported = false
            // The transaction is moved into the engine, which keeps its list's storage.
            session.engine.restart(
                dialect: request.dialect, clientName: request.clientName, transaction: request.transaction,
                extensions: request.extensions, timeouts: request.timeouts)
            clients[id] = session
        } else {
            clients[id] = ClientSession(
                engine: .make(
                    dialect: request.dialect, clientName: request.clientName, transactions: [request.transaction],
                    extensions: request.extensions, timeouts: request.timeouts),
                host: host, attemptID: request.id, messageID: request.messageID, peerName: request.hostName,
                label: nextLabel)
        }
    }

    /// The host's receiver policy for a peer: relay clients may relay anything.
    func policy(for host: HostID, peer: HostID) -> SharedReceiverPolicy {
        let isClient = relayClientHosts[host.index]?.contains(peer.index) ?? true
        return isClient ? clientPolicies[host.index]! : otherPolicies[host.index]!
    }

    func accepted(_ id: ConnectionID, host: HostID) {
        guard let dialect = dialects[host.index], !crashed[host.index], let info = network.info(id) else {
            network.abort(id, from: .server)
            return
        }
        let peer = info.client
        let label = clients[id]?.label ?? 0
        let session: ServerSession
        if let spare = spareServers.popLast() {
            spare.engine.restart(dialect: dialect, policy: policy(for: host, peer: peer))
            spare.host = host
            spare.peer = peer
            spare.peerName = hostNames[peer.index]
            spare.label = label
            session = spare
        } else {
            // The engine is made in its session, not in a local first: handing a local to the
            // session would copy the whole engine.
            session = ServerSession(
                engine: .make(dialect: dialect, policy: policy(for: host, peer: peer)), host: host, peer: peer,
                peerName: hostNames[peer.index], label: label)
        }
        if injectsReplies {
            for fault in setup.faults {
                guard case .injectReply(let target, let command, let reply, let window, let probability) = fault,
                    target == host,
                    window.contains(network.now)
                else { continue }
                if faultRandom.bernoulli(probability) {
                    session.engine.injectReply(reply, forNextCommand: command)
                    trace(host, .init("fault"), "conn\(label): next \(command) will get \(reply.code)")
                }
            }
        }
        servers[id] = session
        trace(host, .init("accept"), "conn\(label) from \(self.hostNames[peer.index])")
        serverActs(id, session, session.engine.connectionOpened(now: now))
    }

    func endClient(_ id: ConnectionID) {
        guard var session = clients.removeValue(forKey: id) else { return }
        if !session.reported && !crashed[session.host.index] {
            // The engine ended without a report (cannot happen for a finished engine): count it as a failed connection.
            agentActs(session.host) { $0.connectionFailed(session.attemptID, reason: "session ended", now: self.stamp) }
        }
        // Kept for a later session only if nothing else still holds it (a caller up the stack
        // could, in principle, still be working with it).
        if isKnownUniquelyReferenced(&session) { spareClients.append(session) }
    }

    func endServer(_ id: ConnectionID) {
        guard var session = servers.removeValue(forKey: id) else { return }
        if isKnownUniquelyReferenced(&session) { spareServers.append(session) }
    }

    // MARK: Engine timers

    /// Engine deadlines (RFC 2821 §4.5.3.2's minutes) are checked by one sweep every
    /// `watchdogInterval` of simulated time rather than by a timer per engine: a deadline fires at
    /// most that much late, and a run with a million sessions saves two million timer events.
    static let watchdogInterval = SimDuration.seconds(10)

    func startWatchdog() {
        network.scheduleTimer(
            TimerToken(host: HostID(0), tag: TimerTag.engine.rawValue, value: 0),
            at: network.now + Self.watchdogInterval)
    }

    func watchdog() {
        let now = self.now
        for id in clients.keys {
            guard let session = clients[id], let deadline = session.engine.deadline, deadline <= now else { continue }
            let actions = session.engine.timerFired(now: now)
            if !actions.isEmpty { trace(session.host, .init("timeout"), "conn\(session.label) reply overdue") }
            clientActs(id, session, actions)
            if session.engine.isFinished {
                network.abort(id, from: .client)
                endClient(id)
            }
        }
        for id in servers.keys {
            guard let session = servers[id], let deadline = session.engine.deadline, deadline <= now else { continue }
            serverActs(id, session, session.engine.timerFired(now: now))
        }
        if network.kernel.pendingCount > 0 { startWatchdog() }
    }

    // MARK: Trace

    /// Records a trace line when tracing is on. Only the test is inlined: the record is written
    /// out of line, so that the code building trace lines (a benchmark runs without them) does
    /// not sit in the middle of the hot functions that call this, taking instruction-cache room.
    @inline(__always)
    func trace(_ host: HostID, _ kind: TraceKind, _ detail: @autoclosure () -> String) {
        if trace.isEnabled { record(host, kind, detail) }
    }

    @inline(never)
    private func record(_ host: HostID, _ kind: TraceKind, _ detail: () -> String) {
        trace.append(network.now, hostNames[host.index], kind, detail())
    }

    /// The header of a text, a line each, up to the empty line that ends it (RFC 822 §3.1); at
    /// most 60 lines. `stuffed`: the text as sent, its leading dots doubled (RFC 821 §4.5.2).
    static func headerLines<Bytes: Collection>(_ text: Bytes, stuffed: Bool) -> [String] where Bytes.Element == UInt8 {
        var lines: [String] = []
        var line: [UInt8] = []
        for byte in text {
            guard byte == 0x0a else {
                line.append(byte)
                continue
            }
            if line.last == 0x0d { line.removeLast() }
            if line.isEmpty || lines.count == 60 { break }
            if stuffed && line.first == UInt8(ascii: ".") { line.removeFirst() }
            lines.append(String(decoding: line, as: UTF8.self))
            line = []
        }
        return lines
    }

    func traceEvent(_ event: AgentEvent, at host: HostID) {
        guard trace.isEnabled else { return }
        switch event {
        case .delivered(let messageID, let mailbox):
            trace(host, .init("deliver"), "\(messageID) to <\(mailbox)>")
            if setup.tracesText, let stored = agents[host.index]?.mailboxes[mailbox.localPart.lowercasedKey()]?.last {
                for line in Self.headerLines(stored.content, stuffed: false) {
                    trace(host, .init("text"), "\(messageID) | " + line)
                }
            }
        case .relayed(let messageID, let mailbox, let to):
            trace(host, .init("relayed"), "\(messageID) for <\(mailbox)> accepted by \(to)")
        case .bounced(let messageID, let mailbox, let reason, let noticeID):
            trace(host, .init("bounce"), "\(messageID) for <\(mailbox)>: \(reason); notice \(noticeID)")
        case .doubleBounce(let messageID, let mailbox, let reason):
            trace(host, .init("bounce"), "double bounce of \(messageID) to <\(mailbox)>: \(reason)")
        case .lost(let messageID, let mailbox):
            trace(host, .init("lost"), "\(messageID) for <\(mailbox)> lost with the queue")
        case .loopDetected(let messageID, let reason): trace(host, .init("loop"), "\(messageID) refused: \(reason)")
        case .deferred(let messageID, let mailbox, let reason, let retryAt):
            trace(
                host, .init("defer"),
                "\(messageID) for <\(mailbox)>: \(reason); retry at \(SimTime(nanoseconds: retryAt.nanoseconds))")
        }
    }

    // MARK: End of run

    func finish(at end: SimTime) -> SimulationResult {
        var queued: Set<Int> = []
        var queues: [String: [QueueEntry]] = [:]
        var mailboxes: [String: [String: [StoredMessage]]] = [:]
        var queueLength = 0
        let agentCount = hasAgent.count { $0 }
        queues.reserveCapacity(agentCount)
        mailboxes.reserveCapacity(agentCount)
        // Read in place: binding an agent to a constant would copy it, retaining every object
        // it holds (at 100,000 hosts, most of them far out of the processor's caches).
        func contents(_ agent: inout MailAgent) -> ([QueueEntry], [String: [StoredMessage]]) {
            (agent.queueIDs.map { agent.queue[$0]! }, agent.mailboxes)
        }
        for index in agents.indices where hasAgent[index] {
            guard isActive[index] else {
                // Given nothing to do: its queue and mailboxes are empty.
                queues[hostNames[index]] = []
                mailboxes[hostNames[index]] = [:]
                continue
            }
            let (entries, boxes) = contents(&agents[index]!)
            queues[hostNames[index]] = entries
            mailboxes[hostNames[index]] = boxes
            for entry in entries {
                for recipient in entry.recipients where recipient.state != .finished {
                    if let slot = accounting.slot(entry.messageID, recipient.mailbox) { queued.insert(slot) }
                    queueLength += 1
                }
            }
        }
        let missing = accounting.close(queued: queued)
        statistics.queuedAtEnd = queueLength
        statistics.queue.finish(at: end)
        statistics.inFlight.finish(at: end)
        statistics.connections.finish(at: end)
        for (host, count) in acceptedCounts.enumerated() where count > 0 { statistics.acceptedByHost[host] = count }
        return SimulationResult(
            accounting: accounting, missing: missing, trace: trace.records, network: network.statistics,
            statistics: statistics,
            mailboxes: mailboxes, queues: queues, endTime: end, eventsProcessed: network.kernel.processedCount,
            stopReason: stopReason,
            packets: network.capture)
    }
}

/// Counters over a run, beyond the network's own.
public struct RunStatistics: Hashable, Sendable {
    public var sessions = 0
    /// Waits for the server, summed over all sessions (RFC 2920 §4's "turnarounds").
    public var turnarounds = 0
    /// Turnarounds of the sessions that carried each workload message (by message index).
    public var turnaroundsPerMessage: [Int32] = []
    public var pipelinedSessions = 0
    public var heloFallbacks = 0
    /// Command and reply lines on the wire.
    public var protocolBytes = 0
    /// Message text on the wire (dot-stuffed, with the final dot).
    public var textBytes = 0
    /// Messages each host's receivers accepted (by host index).
    public var acceptedByHost: [Int: Int] = [:]
    public var queuedAtEnd = 0
    /// Recipients waiting in all queues, followed at every change.
    public var queue = LevelStatistics(duration: .zero, buckets: 0)
    /// Recipients submitted and not yet delivered, returned or lost, and connections open.
    public var inFlight = LevelStatistics(duration: .zero, buckets: 0)
    public var connections = LevelStatistics(duration: .zero, buckets: 0)
}

/// What a run produced.
public struct SimulationResult: Sendable {
    public var accounting: Accounting
    /// Recipients found in no final state and no queue; always empty unless Mailpath has a bug.
    public var missing: [String]
    public var trace: [TraceRecord]
    public var network: NetworkModel.Statistics
    public var statistics: RunStatistics
    /// Host name → lower-cased user → messages.
    public var mailboxes: [String: [String: [StoredMessage]]]
    public var queues: [String: [QueueEntry]]
    public var endTime: SimTime
    public var eventsProcessed: UInt64
    /// Why the run was stopped before its end, if it was (a runaway: `SimulationSetup.sessionBudget`).
    public var stopReason: String?
    /// Every segment and DNS message, when the setup asked for them (`capturesPackets`).
    public var packets: PacketCapture?

    public var totals: Accounting.Totals { accounting.totals }

    /// Whether every recipient is accounted for.
    public var accountingAddsUp: Bool { missing.isEmpty && totals.addsUp }

    /// The trace as text, one record per line.
    public var traceText: String { trace.map { $0.description + "\n" }.joined() }
}
