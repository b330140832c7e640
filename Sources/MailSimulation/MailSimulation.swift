import MailAgent
import MailCore
import MailDialects
import MailpathBase
import SimKernel
import SimNetwork

/// Runs mail agents and dialect engines over the simulated network: the simulator's driver of
/// the sans-I/O engines (the socket mode is the other). One instance is one run.
public final class MailSimulation {
    public let setup: SimulationSetup
    // The state every event touches. Its stored properties, and the sessions', are
    // `@exclusivity(unchecked)`: a run is single-threaded and nothing it calls can reach back into
    // the simulation, so no access overlaps another, and the run-time check of every access to a
    // class's stored property (`swift_beginAccess`) made a plain release build run the reference
    // workload 2.2 times slower. (Debug builds check the rest of the code's accesses.)
    @exclusivity(unchecked) var network: NetworkModel
    @exclusivity(unchecked) var agents: [MailAgent?]
    @exclusivity(unchecked) var accounting: Accounting
    @exclusivity(unchecked) var clients = SessionTable<ClientSession>()
    @exclusivity(unchecked) var servers = SessionTable<ServerSession>()
    /// Sessions that ended, kept with their engines for the next ones (see `SMTPSender.restart`).
    @exclusivity(unchecked) var spareClients: [ClientSession] = []
    @exclusivity(unchecked) var spareServers: [ServerSession] = []
    @exclusivity(unchecked) var statistics = RunStatistics()
    /// Messages each host's receivers accepted, counted by host index during the run (a
    /// dictionary hashed at every delivery) and handed to `statistics.acceptedByHost` at the end.
    @exclusivity(unchecked) var acceptedCounts: [Int]
    @exclusivity(unchecked) var notifications: [NetworkNotification] = []
    @exclusivity(unchecked) var trace: Trace
    @exclusivity(unchecked) var lookups = IDMap<PendingLookup>()  // by LookupID.value
    /// Lookups answered at once, waiting for the event that asked them to be done (see
    /// `answerLookupsAtOnce`).
    @exclusivity(unchecked) var answersAtOnce: [(pending: PendingLookup, answer: DNSAnswer)] = []
    /// The last DNS answer turned into the agents' terms, by question: resolvers answer from
    /// their caches with the same records over and over, and converting them (addresses to
    /// text, additional records matched to exchanges) is not free. By question: name and type.
    @exclusivity(unchecked) var convertedAnswers = NameTable<(answer: DNSAnswer, converted: NameAnswer)>()
    @exclusivity(unchecked) var wakeTimers: [(time: SimTime, id: EventID)?]
    /// Connections are numbered in the order they were opened, for traces (slots are reused).
    @exclusivity(unchecked) var nextLabel = 0
    @exclusivity(unchecked) var randoms: [RandomStream]
    @exclusivity(unchecked) var faultRandom: RandomStream
    @exclusivity(unchecked) var crashed: [Bool]
    /// Which hosts run a mail agent. (Asking `agents[i] != nil` would copy the whole agent.)
    let hasAgent: [Bool]
    /// Whether each host's agent has been given anything to do: the others' queues and
    /// mailboxes are empty, and the end of the run does not read them (reading an agent out of
    /// `agents` copies it, which over 100,000 idle hosts is much of a short run).
    @exclusivity(unchecked) var isActive: [Bool]
    /// Each agent's queued recipients when last looked at, and their sum over the hosts.
    @exclusivity(unchecked) var queueLevels: [Int]
    @exclusivity(unchecked) var queuedRecipients = 0
    /// The most sessions the run may open, and why it was stopped, once it is.
    let sessionBudget: Int
    @exclusivity(unchecked) var stopReason: String?
    /// The last `Date:` text written at submission, by its Unix second and form.
    @exclusivity(unchecked) var lastDateField: (unixSecond: Int64, rfc2822: Bool, text: String) = (.min, false, "")
    /// The dialect each host's agent speaks.
    let dialects: [DialectID?]
    /// Whether any fault injects replies, or drops connections after the final dot.
    let injectsReplies: Bool
    let dropsAfterDots: Bool
    /// Receiver policies by host, built once: for its relay clients, for everyone else, and the
    /// relay clients' host indices (`nil`: everyone is one). Hosts without an agent have none.
    let clientPolicies: [SharedReceiverPolicy?]
    let otherPolicies: [SharedReceiverPolicy?]
    let relayClientHosts: [Set<Int>?]
    /// Host names by host index.
    let hostNames: [String]
    /// Each host's first address as text, for the `Received:` lines its peers write.
    let hostAddresses: [String]

    /// The sending end of a connection this run opened. A class, so that engines are mutated in
    /// place and never copied in and out of the table; reused for a later session once it ends.
    final class ClientSession {
        @exclusivity(unchecked) var engine: SenderEngine
        @exclusivity(unchecked) var host: HostID
        @exclusivity(unchecked) var attemptID: UInt64
        @exclusivity(unchecked) var messageID: String
        @exclusivity(unchecked) var peerName: String
        @exclusivity(unchecked) var label: Int
        @exclusivity(unchecked) var reported = false

        init(engine: SenderEngine, host: HostID, attemptID: UInt64, messageID: String, peerName: String, label: Int) {
            self.engine = engine
            self.host = host
            self.attemptID = attemptID
            self.messageID = messageID
            self.peerName = peerName
            self.label = label
        }
    }

    /// The receiving end of a connection; reused like `ClientSession`.
    final class ServerSession {
        @exclusivity(unchecked) var engine: ReceiverEngine
        @exclusivity(unchecked) var host: HostID
        @exclusivity(unchecked) var peer: HostID
        @exclusivity(unchecked) var peerName: String
        @exclusivity(unchecked) var label: Int

        init(engine: ReceiverEngine, host: HostID, peer: HostID, peerName: String, label: Int) {
            self.engine = engine
            self.host = host
            self.peer = peer
            self.peerName = peerName
            self.label = label
        }
    }

    enum TimerTag: UInt32 {
        case wake = 1, submission, fault, engine
    }

    /// Called now and then during a long run with (simulated now, simulated end).
    public var progress: ((SimTime, SimTime) -> Void)?

    public init(_ setup: SimulationSetup) {
        self.setup = setup
        network = NetworkModel(topology: setup.topology, dns: setup.dns, hostTable: setup.hostTable)
        network.joinedNetworks = setup.joinedNetworks
        network.ncpNetworks = setup.ncpNetworks
        network.pollIntervals = setup.pollIntervals
        if setup.capturesPackets { network.capture = PacketCapture(maximumSegmentSize: network.maximumSegmentSize) }
        accounting = Accounting(workload: setup.workload)
        statistics.turnaroundsPerMessage = Array(repeating: 0, count: setup.workload.count)
        agents = setup.agents.map { $0.map(MailAgent.init) }
        trace = Trace(enabled: setup.tracing)
        wakeTimers = Array(repeating: nil, count: setup.topology.hosts.count)
        hostNames = setup.topology.hosts.map(\.name)
        hostAddresses = setup.topology.hosts.map { $0.addresses.first?.description ?? "" }
        randoms = setup.topology.hosts.map { RandomStream(seed: setup.seed, stream: "mx/" + $0.name) }
        faultRandom = RandomStream(seed: setup.seed, stream: "faults")
        crashed = Array(repeating: false, count: setup.topology.hosts.count)
        acceptedCounts = Array(repeating: 0, count: setup.topology.hosts.count)
        hasAgent = setup.agents.map { $0 != nil }
        isActive = Array(repeating: false, count: setup.agents.count)
        sessionBudget = setup.sessionBudget ?? max(100_000, 1_000 * setup.workload.count)
        queueLevels = Array(repeating: 0, count: setup.agents.count)
        statistics.queue = LevelStatistics(duration: setup.duration, buckets: setup.queueSamples)
        statistics.inFlight = LevelStatistics(duration: setup.duration, buckets: 0)
        statistics.connections = LevelStatistics(duration: setup.duration, buckets: 0)
        dialects = setup.agents.map { $0?.dialect }
        injectsReplies = setup.faults.contains { if case .injectReply = $0 { true } else { false } }
        dropsAfterDots = setup.faults.contains { if case .dropAfterFinalDot = $0 { true } else { false } }
        var clientPolicies: [SharedReceiverPolicy?] = []
        var otherPolicies: [SharedReceiverPolicy?] = []
        var relayClientHosts: [Set<Int>?] = []
        var hostByKey: [String: Int] = [:]  // lookups only: its order never reaches a result
        for (index, name) in hostNames.enumerated() { hostByKey[Topology.key(name)] = index }
        for configuration in setup.agents {
            guard let configuration else {
                clientPolicies.append(nil)
                otherPolicies.append(nil)
                relayClientHosts.append(nil)
                continue
            }
            let client = configuration.relayClients?.first ?? configuration.hostName
            clientPolicies.append(SharedReceiverPolicy(configuration.receiverPolicy(forPeer: client)))
            otherPolicies.append(SharedReceiverPolicy(configuration.receiverPolicy(forPeer: nil)))
            relayClientHosts.append(
                configuration.relayClients.map { [hostByKey] names in
                    Set(names.compactMap { hostByKey[Topology.key($0)] })
                })
        }
        self.clientPolicies = clientPolicies
        self.otherPolicies = otherPolicies
        self.relayClientHosts = relayClientHosts
    }

    /// Runs to the end of the setup's duration and returns what happened.
    public func run() -> SimulationResult {
        for (index, configuration) in setup.agents.enumerated() {
            if let configuration { network.listen(HostID(index), port: configuration.dialect.port) }
        }
        scheduleSubmission(0)
        startWatchdog()
        for (index, fault) in setup.faults.enumerated() {
            network.scheduleTimer(
                TimerToken(host: HostID(0), tag: TimerTag.fault.rawValue, value: UInt64(index)), at: fault.time)
        }
        let end = SimTime.zero + setup.duration
        var untilProgress = 1 << 16
        while stopReason == nil, let event = network.kernel.step(until: end) {
            if case .hop = event {
                // A segment reaching a hop on its way tells no host anything and changes none of
                // the levels below (most events are these); debug builds, and so the tests, check
                // that nothing is told.
                let told = network.handle(event, more: &notifications)
                assert(told == nil && notifications.isEmpty, "a hop told a host something")
                continue
            }
            if let notification = network.handle(event, more: &notifications) { dispatch(notification) }
            if !notifications.isEmpty {
                // A link went down: every connection over it was reset.
                let resets = notifications
                notifications.removeAll()
                for notification in resets { dispatch(notification) }
            }
            if !answersAtOnce.isEmpty { answerLookupsAtOnce() }
            // The levels that change with events: followed exactly, after each one.
            if accounting.inFlight != statistics.inFlight.level {
                statistics.inFlight.change(to: accounting.inFlight, at: network.now)
            }
            let open = network.liveConnectionCount
            if open != statistics.connections.level { statistics.connections.change(to: open, at: network.now) }
            untilProgress -= 1
            if untilProgress == 0 {
                untilProgress = 1 << 16
                progress?(network.now, end)
            }
        }
        // A run stopped as a runaway ends where it stopped.
        return finish(at: stopReason == nil ? end : network.now)
    }

    // MARK: Dispatch

    func dispatch(_ notification: consuming NetworkNotification) {
        // Consumed: a segment's bytes are moved to the engine, not copied (retained) out.
        switch consume notification {
        case .timer(let token):
            timerFired(token)
        case .datagramArrived:
            return  // the mail simulation sends no datagrams
        case .connected(let id, _):
            guard let session = clients[id] else { return }
            trace(session.host, .init("connect"), "conn\(session.label) connected")
            clientActs(id, session, session.engine.connectionOpened(now: now))
        case .connectFailed(let id, let host, let failure):
            guard let session = clients.removeValue(forKey: id) else { return }
            trace(host, .init("connect"), "conn\(session.label) to \(session.peerName) failed: \(failure)")
            agentActs(host) {
                $0.connectionFailed(session.attemptID, reason: "\(session.peerName): \(failure)", now: self.stamp)
            }
        case .accepted(let id, let host, _):
            accepted(id, host: host)
        case .received(let id, _, let side, let bytes):
            switch side {
            case .client:
                guard let session = clients[id] else { return }
                clientActs(id, session, session.engine.bytesReceived(consume bytes, now: now))
            case .server:
                guard let session = servers[id] else { return }
                serverActs(id, session, session.engine.bytesReceived(consume bytes, now: now))
            }
        case .peerClosed(let id, _, let side):
            switch side {
            case .client:
                if let session = clients[id] { clientActs(id, session, session.engine.connectionLost()) }
                network.close(id, from: .client)
                endClient(id)
            case .server:
                servers[id]?.engine.connectionClosed()
                network.close(id, from: .server)
                endServer(id)
            }
        case .reset(let id, let host, let side):
            switch side {
            case .client:
                guard let session = clients[id] else { return }
                trace(host, .init("reset"), "conn\(session.label) reset")
                clientActs(id, session, session.engine.connectionLost())
                endClient(id)
            case .server:
                guard let session = servers[id] else { return }
                trace(host, .init("reset"), "conn\(session.label) reset")
                session.engine.connectionClosed()
                endServer(id)
            }
        case .dnsAnswered(let id, let host, let answer):
            guard let pending = lookups.removeValue(forKey: id.value), !crashed[host.index] else { return }
            lookupAnswered(pending, answer)
        }
    }

    /// Hands an agent the answer to its lookup, in its terms.
    func lookupAnswered(_ pending: PendingLookup, _ answer: DNSAnswer) {
        let host = pending.host
        trace(host, .init("dns"), "answer \(pending.question): \(answer)")
        let converted: NameAnswer
        // Equal answers from one cache share their arrays, so the comparison is quick.
        if let last = convertedAnswers.value(pending.question.name, kind: pending.question.kind), last.answer == answer
        {
            converted = last.converted
        } else {
            converted = Self.nameAnswer(answer)
            convertedAnswers.set((answer, converted), pending.question.name, kind: pending.question.kind)
        }
        agentActs(host) { $0.lookupFinished(pending.id, converted, now: self.stamp, random: &self.randoms[host.index]) }
    }

    var now: Timestamp { Timestamp(nanoseconds: network.now.nanoseconds) }
    var stamp: Timestamp { now }

    func timerFired(_ token: TimerToken) {
        switch TimerTag(rawValue: token.tag) {
        case .wake?:
            wakeTimers[token.host.index] = nil
            guard !crashed[token.host.index] else { return }
            agentActs(token.host) { $0.wake(now: self.stamp) }
        case .submission?:
            let index = Int(token.value)
            scheduleSubmission(index + 1)
            submit(index)
        case .fault?:
            apply(setup.faults[Int(token.value)])
        case .engine?:
            watchdog()
        case nil:
            preconditionFailure("unknown timer tag \(token.tag)")
        }
    }

    // MARK: Workload

    /// Submissions are scheduled one at a time, so a million-message workload costs one pending event.
    func scheduleSubmission(_ index: Int) {
        guard index < setup.workload.count else { return }
        network.scheduleTimer(
            TimerToken(host: HostID(0), tag: TimerTag.submission.rawValue, value: UInt64(index)),
            at: setup.workload.times[index])
    }

    func submit(_ index: Int) {
        accounting.submitted(index)
        guard let host = setup.workload.host(index) else {
            accounting.refusedAtSubmission(index, reason: "the sender has no host to submit on")
            return
        }
        if trace.isEnabled {
            let workload = setup.workload
            let recipients = workload.recipients(index).map { "<\(workload.users[Int($0)])>" }.joined(separator: ", ")
            trace(
                host, .init("submit"),
                "\(workload.messageID(index)) from <\(workload.users[Int(workload.sender(index))])> to \(recipients)")
        }
        guard !crashed[host.index], hasAgent[host.index] else {
            // Nobody takes the message: it is returned at once, and that is recorded.
            accounting.refusedAtSubmission(index, reason: "\(hostNames[host.index]) was down at submission")
            return
        }
        agentActs(host) { agent in
            // One Date: text a second and form, shared by every host (formatting one per message
            // cost about 2% of a benchmark run).
            let field = agent.dateField(at: self.stamp)
            if self.lastDateField.unixSecond != field.unixSecond || self.lastDateField.rfc2822 != field.rfc2822 {
                self.lastDateField = (
                    field.unixSecond, field.rfc2822,
                    MailAgent.dateFieldValue(unixSecond: field.unixSecond, rfc2822: field.rfc2822)
                )
            }
            return agent.submit(self.setup.workload.submission(index, date: self.lastDateField.text), now: self.stamp)
        }
    }

    // MARK: Faults

    func apply(_ fault: Fault) {
        var resets: [NetworkNotification] = []
        switch fault {
        case .linkDown(let link, _):
            trace(HostID(0), .init("fault"), "link \(link.index) down")
            network.setLink(link, up: false, into: &resets)
        case .linkUp(let link, _):
            trace(HostID(0), .init("fault"), "link \(link.index) up")
            network.setLink(link, up: true, into: &resets)
        case .crash(let host, _):
            guard !crashed[host.index] else { return }
            trace(host, .init("fault"), "crash")
            crashed[host.index] = true
            network.crash(host, into: &resets)
            for id in clients.keys where clients[id]!.host == host { endClient(id) }
            for id in servers.keys where servers[id]!.host == host { endServer(id) }
            if let armed = wakeTimers[host.index] {
                network.cancelTimer(armed.id)
                wakeTimers[host.index] = nil
            }
            agentActs(host) { $0.crash(now: self.stamp) }
            if let armed = wakeTimers[host.index] {
                network.cancelTimer(armed.id)
                wakeTimers[host.index] = nil
            }
        case .restart(let host, _):
            guard crashed[host.index] else { return }
            trace(host, .init("fault"), "restart")
            crashed[host.index] = false
            network.restart(host)
            if let agent = agents[host.index] { network.listen(host, port: agent.configuration.dialect.port) }
            agentActs(host) { $0.restart(now: self.stamp) }
        case .injectReply, .dropAfterFinalDot:
            break  // consulted when sessions are accepted and messages arrive
        }
        for notification in resets { dispatch(notification) }
    }
}

extension Fault {
    /// When the fault takes effect.
    public var time: SimTime {
        switch self {
        case .linkDown(_, let at), .linkUp(_, let at), .crash(_, let at), .restart(_, let at): at
        case .injectReply(_, _, _, let window, _), .dropAfterFinalDot(_, let window): window.lowerBound
        }
    }
}
