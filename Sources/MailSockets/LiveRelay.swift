import Foundation
import MailAgent
import MailCore
import MailDialects

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The simulator's mail agent driven by a live server (`serve --hosts FILE`): the same queue,
/// source-route routing, path rewriting, retries and notices as in a simulated run, with sessions
/// to the next host over real TCP (to the address the host table gives it) and its queue kept on
/// disk, so that mail answered 250 survives a stop.
///
/// The server hands the agent each received message (`MailAgent.messageReceived`); the agent's
/// local deliveries go to Maildirs and each new queue entry to a queue file in `ROOT/.queue/new`,
/// and the 250 waits until both are flushed. A queue file names the envelope in its first lines
/// (`X-Mailpath-From:`, `X-Mailpath-To:`) and is removed once every recipient in it has an
/// outcome; a server started on the same root submits the queue files it finds again. Outbound
/// sessions run `MailClient.send` on threads of their own; their reports come back to the event
/// loop through the server's wake pipe.
final class LiveRelay: @unchecked Sendable {  // threads touch only `ended`, under `lock`
    enum Outcome {
        case report(SessionReport)
        case failed(String)
    }

    /// What each file of a `Spooler.Job.store` is, so that its path can be kept.
    enum StoredFile {
        case delivery
        case queue(UInt64)
    }

    static let queueFolder = ".queue"

    var agent: MailAgent
    /// Queue entries the relay knows of, with the file that keeps each (once written).
    var known: Set<UInt64> = []
    var queueFiles: [UInt64: String] = [:]
    /// Entries that finished before their queue file was on disk: the file goes when it comes.
    var finishedUnwritten: Set<UInt64> = []
    /// The files of each store job in flight, by its session number.
    var storing: [Int: [StoredFile]] = [:]
    /// Store jobs of the agent's own (notices, retries) get negative session numbers.
    var nextStore = 0
    private let lock = NSLock()
    private var ended: [(id: UInt64, outcome: Outcome)] = []
    /// The server's wake pipe, or -1 once the server has stopped (a session's thread may end
    /// after that, and must not write to a descriptor that may have been reused).
    private var wake: Int32 = -1
    private var random = SystemRandomNumberGenerator()

    init(configuration: AgentConfiguration) {
        agent = MailAgent(configuration: configuration)
    }

    /// Where `sessionEnded` signals the event loop; -1 when the loop has stopped.
    func setWake(_ descriptor: Int32) { lock.withLock { wake = descriptor } }

    /// Called on a session's thread.
    func sessionEnded(_ id: UInt64, _ outcome: Outcome) {
        lock.withLock {
            ended.append((id, outcome))
            guard wake >= 0 else { return }
            var byte: UInt8 = 2
            _ = write(wake, &byte, 1)
        }
    }

    func takeEnded() -> [(id: UInt64, outcome: Outcome)] {
        lock.withLock {
            let taken = ended
            ended = []
            return taken
        }
    }

    func answer(_ id: UInt64, _ answer: NameAnswer, now: Timestamp) -> [AgentAction] {
        agent.lookupFinished(id, answer, now: now, random: &random)
    }

    /// The text of a queue file: the envelope, then the message as queued.
    static func queueFile(_ entry: QueueEntry, style: RouteStyle) -> [UInt8] {
        var header = "X-Mailpath-From: " + entry.reversePath.text(style) + "\r\n"
        for recipient in entry.recipients where recipient.state != .finished {
            header += "X-Mailpath-To: " + recipient.path.text(style) + "\r\n"
        }
        return Array(header.utf8) + entry.content
    }

    /// A queue file read back: its envelope and text, or `nil` if it is not one.
    static func readQueueFile(_ bytes: [UInt8], style: RouteStyle) -> Submission? {
        var reversePath: Path?
        var recipients: [Path] = []
        var offset = 0
        let limits = PathLimits(path: 1024, domain: 255, localPart: 256)
        while let end = bytes[offset...].firstIndex(of: 0x0a) {
            let line = String(decoding: bytes[offset..<end].dropLast(bytes[end - 1] == 0x0d ? 1 : 0), as: UTF8.self)
            if line.hasPrefix("X-Mailpath-From: ") {
                guard
                    case .success(let path) = Path.parse(
                        Substring(line.dropFirst(17)), style: style, limits: limits, allowNull: true)
                else { return nil }
                reversePath = path
            } else if line.hasPrefix("X-Mailpath-To: ") {
                guard
                    case .success(let path) = Path.parse(
                        Substring(line.dropFirst(15)), style: style, limits: limits, allowNull: false)
                else { return nil }
                recipients.append(path)
            } else {
                break
            }
            offset = end + 1
        }
        guard let reversePath, !recipients.isEmpty else { return nil }
        return Submission(reversePath: reversePath, recipients: recipients, content: Array(bytes[offset...]))
    }
}

extension MailServer {
    /// The receiver policy of a relaying server: the agent's, with the configured time-out.
    func relayPolicy(_ relay: LiveRelay) -> ReceiverPolicy {
        var policy = relay.agent.configuration.receiverPolicy(forPeer: nil)
        policy.commandTimeout = configuration.commandTimeout
        return policy
    }

    /// Submits the queue files a previous run left (mail it answered 250 for and had not yet
    /// passed on) to the agent again.
    func recoverQueue(_ relay: LiveRelay) {
        let directory = configuration.mailboxDirectory + "/" + LiveRelay.queueFolder + "/new"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in names {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                let submission = LiveRelay.readQueueFile(Array(data), style: configuration.dialect.routeStyle)
            else {
                log("queue", "\(path) is not a queue file; left alone")
                continue
            }
            let actions = relay.agent.submit(submission, now: now)
            for id in Set(relay.agent.queueIDs).subtracting(relay.known) {
                relay.known.insert(id)
                relay.queueFiles[id] = path
            }
            log("queue", "resubmitted \(name)")
            perform(relay, actions)
        }
        settle(relay, session: nil)
    }

    /// A message received whole: the agent decides; its deliveries and queue entries are written
    /// before the engine hears the decision.
    func relayReceived(_ relay: LiveRelay, _ client: Client, _ message: ReceivedMessage) {
        let (peer, address) = Self.peerNames(client.peer)
        let (decision, actions) = relay.agent.messageReceived(message, peer: peer, peerAddress: address, now: now)
        perform(relay, actions)
        guard case .accepted = decision, settle(relay, session: client.session) else {
            act(client, client.engine.deliveryFinished(decision, now: now))
            return
        }
        client.awaitingCommit = true
    }

    /// Carries out the agent's actions (`RelayDriver`).
    func perform(_ relay: LiveRelay, _ actions: [AgentAction]) {
        var driver = RelayDriver(server: self, relay: relay)
        driver.carryOut(actions)
    }

    /// What the agent's actions mean on a live relay: lookups are answered from the host table at
    /// once (there is no DNS in live mode), sessions start on threads, events go to the transcript.
    struct RelayDriver: AgentDriver {
        let server: MailServer
        let relay: LiveRelay

        mutating func lookUp(_ id: UInt64, _ name: String, _ type: LookupType) {
            let answer: NameAnswer
            if type == .address, let address = relay.agent.configuration.directory.entry(name)?.address {
                answer = .addresses([address])
            } else {
                answer = .unavailable
            }
            carryOut(relay.answer(id, answer, now: server.now))
        }

        func openSession(_ request: consuming SessionRequest) {
            let request = copy request
            server.log("agent", "session \(request.id) to \(request.hostName) at \(request.address)")
            let relay = relay
            let thread = Thread {
                let outcome: LiveRelay.Outcome
                do {
                    let address = try LiveAddress(request.address)
                    outcome = .report(
                        try MailClient.send(
                            dialect: request.dialect, host: address.host, port: address.port,
                            clientName: request.clientName,
                            transaction: request.transaction))
                } catch {
                    outcome = .failed("\(error)")
                }
                relay.sessionEnded(request.id, outcome)
            }
            thread.start()
        }

        func note(_ event: AgentEvent) { server.log("agent", "\(event)") }

        func recycle(_ spent: inout [AgentAction]) { relay.agent.recycle(&spent) }
    }

    /// Outbound sessions that have ended, told to the agent; and the agent's timer.
    func runAgent(_ relay: LiveRelay) {
        for (id, outcome) in relay.takeEnded() {
            switch outcome {
            case .report(let report): perform(relay, relay.agent.sessionFinished(id, report, now: now))
            case .failed(let reason): perform(relay, relay.agent.connectionFailed(id, reason: reason, now: now))
            }
            settle(relay, session: nil)
        }
        if let due = relay.agent.nextWake, due <= now {
            perform(relay, relay.agent.wake(now: now))
            settle(relay, session: nil)
        }
    }

    /// Writes what the agent's last steps left to write — local deliveries, new queue entries —
    /// as one store job for `session` (the 250 waits for it), and removes the queue files of
    /// entries that have finished. `false` when there was nothing to write.
    @discardableResult
    func settle(_ relay: LiveRelay, session: Int?) -> Bool {
        var files: [(content: [UInt8], folders: [String])] = []
        var kinds: [LiveRelay.StoredFile] = []
        for delivery in relay.agent.takeDeliveries() {
            files.append((delivery.content, [Maildir.folderName(for: delivery.recipient.localPart)]))
            kinds.append(.delivery)
        }
        let current = Set(relay.agent.queueIDs)
        for id in current.subtracting(relay.known).sorted() {
            guard let entry = relay.agent.queue.reading(id, { copy $0 }) else { continue }
            files.append((LiveRelay.queueFile(entry, style: configuration.dialect.routeStyle), [LiveRelay.queueFolder]))
            kinds.append(.queue(id))
        }
        for id in relay.known.subtracting(current) {
            if let path = relay.queueFiles.removeValue(forKey: id) {
                unlink(path)
            } else {
                relay.finishedUnwritten.insert(id)
            }
        }
        relay.known = current
        guard !files.isEmpty else { return false }
        let number: Int
        if let session {
            number = session
        } else {
            relay.nextStore -= 1
            number = relay.nextStore
        }
        relay.storing[number] = kinds
        spooler?.submit(.store(session: number, files: files))
        return true
    }

    /// A store job is on disk: keep its queue files' paths (or remove them, for entries that
    /// finished meanwhile). Returns the messages it put in mailboxes.
    func stored(_ relay: LiveRelay, _ completion: Spooler.Completion) -> Int {
        guard let kinds = relay.storing.removeValue(forKey: completion.session) else { return 0 }
        guard completion.copies != nil else {
            log("queue", "could not store the agent's files (session \(completion.session))")
            return 0
        }
        for (kind, path) in zip(kinds, completion.paths) {
            guard case .queue(let id) = kind else { continue }
            if relay.finishedUnwritten.remove(id) != nil {
                unlink(path)
            } else {
                relay.queueFiles[id] = path
            }
        }
        return kinds.filter { if case .delivery = $0 { true } else { false } }.count
    }
}
