import Foundation
import MailAgent
import MailCore
import MailDialects

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mail server on real TCP sockets: the receiver engines of the simulator, driven by `poll(2)`
/// and the wall clock. One thread serves every connection: each has its own engine, input and
/// output buffers, so a slow client never blocks another (Docs/architecture.md, "Live mode").
///
/// Texts are written to disk as they arrive and made durable by the `Spooler` on a thread of its
/// own; the final dot is answered 250 only once the text is on disk in each recipient's Maildir
/// (see `Maildir`), with the dialect's own trace lines in front. Memory per session stays bounded
/// by the chunk size, not the message size. Not an open relay: only the configured domain is
/// local, and relaying is refused.
///
/// Overload is handled as Postfix does it: each client address may hold only part of the slots,
/// and when the slots run short ("stress") idle sessions are given a much shorter time-out; when
/// every slot is taken, the longest-idle session waiting for a command is closed with 421 to make
/// room, so idle connections cannot lock new clients out.
public final class MailServer: @unchecked Sendable {
    /// How the store keeps mail: a Maildir per recipient (the default), or an mbox file each.
    public enum StoreFormat: String, Sendable, CaseIterable {
        case maildir, mbox
    }

    public struct Configuration: Sendable {
        public var dialect: DialectID
        /// An IPv4 or IPv6 address.
        public var host: String = "127.0.0.1"
        public var port: UInt16 = 2525
        /// The domain (and host name) mail is accepted for.
        public var domain: String = "localhost"
        /// The root of the store: one Maildir per recipient (see `Maildir`), or one mbox file
        /// (see `Mbox`).
        public var mailboxDirectory: String
        public var store = StoreFormat.maildir
        public var maxConnections: Int = 100
        /// Connections one client address may hold (Postfix's smtpd_client_connection_count_limit).
        public var maxConnectionsPerAddress: Int = 50
        public var maxMessageSize: Int? = 10_000_000
        /// RFC 2821 §4.5.3.2: "at least 5 minutes" waiting for the next command.
        public var commandTimeout: Duration = .seconds(300)
        /// The time-out for a session waiting for a command once 80 % of the slots are taken
        /// (Postfix's stress-dependent smtpd_timeout, 10 s), and how long a session must have
        /// been idle to be closed for a new client when every slot is taken.
        public var stressTimeout: Duration = .seconds(10)
        public var evictableIdle: Duration = .seconds(1)
        /// Text is written out in pieces of this size as it arrives.
        public var chunkSize: Int = 64 * 1024
        /// Log every line to this sink (standard error for `--transcript`).
        public var transcript: (@Sendable (String) -> Void)?
        /// Where the parts of a Maildir file name come from (tests give a fixed clock and pid).
        public var naming = Maildir.Naming.system
        /// Relay with the simulator's mail agent, as the host of this name in this host table
        /// (`LiveHostTable`); `nil`: only the domain is local and nothing is relayed.
        public var relay: (hostName: String, hosts: HostDirectory)?

        public init(dialect: DialectID, mailboxDirectory: String) {
            self.dialect = dialect
            self.mailboxDirectory = mailboxDirectory
        }
    }

    public enum ServerError: Error, CustomStringConvertible {
        case socket(String)
        public var description: String {
            switch self {
            case .socket(let message): message
            }
        }
    }

    /// What `bench --live` reports about a run.
    public struct Figures: Sendable {
        /// Most sessions open at once.
        public var peakSessions = 0
        /// Messages made durable, and the flushes they were made durable in.
        public var commits = 0
        public var groups = 0
    }

    final class Client {
        let descriptor: Int32
        /// Numbers sessions for the spooler (a descriptor is reused once closed).
        let session: Int
        let peer: String
        var engine: ReceiverEngine
        var output: [UInt8] = []
        var written = 0
        var closeAfterWrite = false
        /// The text being written out, by its number in the session (`ReceiverEngine.textsStarted`).
        var spooledText: Int?
        /// The final dot was read; the 250 waits for the spooler.
        var awaitingCommit = false
        var lastActivity: ContinuousClock.Instant
        init(descriptor: Int32, session: Int, peer: String, engine: ReceiverEngine, now: ContinuousClock.Instant) {
            self.descriptor = descriptor
            self.session = session
            self.peer = peer
            self.engine = engine
            self.lastActivity = now
        }
    }

    public let configuration: Configuration
    var listener: Int32 = -1
    var wakeRead: Int32 = -1
    /// The write end of the pipe that wakes `run`'s poll; under `lock` once `run` has started.
    var wakeWrite: Int32 = -1
    var spooler: Spooler?
    var clients: [Int32: Client] = [:]
    var sessions: [Int: Client] = [:]
    var sessionCount = 0
    var perAddress: [String: Int] = [:]
    let clock = SessionClock()
    var stopRequested = false
    let lock = NSLock()
    var delivered = 0
    var peakSessions = 0
    /// The agent of a server that does not relay: it writes the trace lines in front of each
    /// text, as the simulator's agent of the same dialect does (`MailAgent.localDeliveryHeader`).
    var stamper: MailAgent
    /// The mail agent, when the server relays (`Configuration.relay`).
    let relay: LiveRelay?
    /// The port actually bound (useful with port 0).
    public internal(set) var boundPort: UInt16 = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        // Dates come from the clock the Maildir names use: epoch 0, and `now` the Unix time.
        stamper = MailAgent(
            configuration: AgentConfiguration(
                hostName: configuration.domain, localDomains: [Domain(configuration.domain)],
                dialect: configuration.dialect, routing: .directOnly, directory: HostDirectory(), epoch: 0,
                maxMessageSize: configuration.maxMessageSize))
        relay = configuration.relay.map { table in
            // The source-route era's agent: routes through the host table's gateways, open to
            // every client as the hosts of the time were (listen on loopback), queue on disk.
            LiveRelay(
                configuration: AgentConfiguration(
                    hostName: table.hostName, localDomains: [Domain(table.hostName), Domain(configuration.domain)],
                    dialect: configuration.dialect, routing: .sourceRoutes, directory: table.hosts,
                    relaysSourceRoutes: true,
                    epoch: Int64(configuration.naming.clock().seconds), maxMessageSize: configuration.maxMessageSize))
        }
    }

    /// Message copies stored so far (one per recipient Maildir).
    public var deliveredCount: Int { lock.withLock { delivered } }

    public var figures: Figures {
        let spooled = spooler?.figures ?? Spooler.Statistics()
        return lock.withLock { Figures(peakSessions: peakSessions, commits: spooled.commits, groups: spooled.groups) }
    }

    /// Asks the loop to stop: it answers 421 to connected clients, finishes what is being
    /// stored, flushes and returns.
    public func stop() {
        lock.withLock {
            stopRequested = true
            // Wake the loop at once (the pipe is read by `run`; -1 once it has ended).
            if wakeWrite >= 0 {
                var byte: UInt8 = 0
                _ = write(wakeWrite, &byte, 1)
            }
        }
    }

    var shouldStop: Bool { lock.withLock { stopRequested } }

    var now: Timestamp { clock.now }

    var policy: ReceiverPolicy {
        if let relay { return relayPolicy(relay) }
        return ReceiverPolicy(
            hostName: configuration.domain, relaying: .refuse, maxMessageSize: configuration.maxMessageSize,
            // Any local part is accepted, so VRFY cannot confirm one: 252 (RFC 1123 §5.2.3) where the dialect has it.
            verifiesUsers: false, commandTimeout: configuration.commandTimeout)
    }

    /// Binds the listening socket and starts the spooler; call before `run()`.
    public func bind() throws {
        try FileManager.default.createDirectory(
            atPath: configuration.mailboxDirectory, withIntermediateDirectories: true)
        let address: SocketAddress
        do {
            address = try SocketAddress(host: configuration.host, port: configuration.port)
        } catch {
            throw ServerError.socket(error.description)
        }
        listener = socket(address.family, streamSocketType, 0)
        guard listener >= 0 else { throw ServerError.socket("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withPointer { systemBind(listener, $0, $1) }
        guard bound == 0 else {
            throw ServerError.socket("cannot listen on \(address.display): \(String(cString: strerror(errno)))")
        }
        guard listen(listener, SOMAXCONN) == 0 else {
            throw ServerError.socket("listen: \(String(cString: strerror(errno)))")
        }
        boundPort = SocketAddress.localPort(of: listener)
        setNonBlocking(listener)
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ServerError.socket("pipe: \(String(cString: strerror(errno)))") }
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        setNonBlocking(wakeRead)
        setNonBlocking(wakeWrite)
        let spooler = Spooler(
            root: configuration.mailboxDirectory, format: configuration.store, naming: configuration.naming,
            wake: wakeWrite)
        do {
            try spooler.start()
        } catch {
            throw ServerError.socket(
                "cannot use \(configuration.mailboxDirectory) for mail: \(error.localizedDescription)")
        }
        self.spooler = spooler
        relay?.setWake(wakeWrite)
        if let relay { recoverQueue(relay) }
    }

    /// Serves until `stop()`: then 421 to every client, flush, close.
    public func run() {
        guard let spooler else { preconditionFailure("run() before bind()") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !shouldStop {
            var descriptors = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            for fd in clients.keys.sorted() {
                let client = clients[fd]!
                // A client whose 250 is pending, or that is far ahead of the disk, is not read
                // from until it catches up: its bytes wait in the kernel, not in memory here.
                let reading =
                    !client.awaitingCommit && spooler.queuedBytes(client.session) < 4 * configuration.chunkSize
                let events = (reading ? Int16(POLLIN) : 0) | (client.written < client.output.count ? Int16(POLLOUT) : 0)
                descriptors.append(pollfd(fd: fd, events: events, revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), 250)
            if ready < 0 && errno != EINTR { break }
            if descriptors[1].revents & Int16(POLLIN) != 0 { drainWake() }
            finishCommits()
            if let relay { runAgent(relay) }
            if descriptors[0].revents & Int16(POLLIN) != 0 { acceptClients() }
            for entry in descriptors.dropFirst(2) {
                guard let client = clients[entry.fd] else { continue }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readFrom(client, &buffer) }
                if clients[entry.fd] != nil, entry.revents & Int16(POLLOUT) != 0 { writeTo(client) }
            }
            expireIdle()
        }
        // Stop: 421 to every session (a session whose text is being stored gets its 250 first).
        for fd in clients.keys.sorted() {
            guard let client = clients[fd] else { continue }
            act(client, client.engine.shutdown())
            writeTo(client)
        }
        while clients.values.contains(where: \.awaitingCommit) {
            var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 250)
            drainWake()
            finishCommits()
        }
        for fd in clients.keys.sorted() {
            guard let client = clients[fd] else { continue }
            writeTo(client)
            drop(client)
        }
        spooler.stop()
        finishCommits()
        relay?.setWake(-1)  // sessions still on their threads must not write to a closed pipe
        close(listener)
        // The write end first: `stop()` may still write to it, and a pipe with no reader signals.
        lock.withLock {
            close(wakeWrite)
            wakeWrite = -1
        }
        close(wakeRead)
    }

    func readFrom(_ client: Client, _ buffer: inout [UInt8]) {
        let count = buffer.withUnsafeMutableBytes { read(client.descriptor, $0.baseAddress, $0.count) }
        if count <= 0 {
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
            client.engine.connectionClosed()  // a vanished client: its unfinished text is dropped
            drop(client)
            return
        }
        client.lastActivity = ContinuousClock.now
        let bytes = Array(buffer[0..<count])
        if configuration.transcript != nil && !client.engine.isReceivingText {
            for line in TranscriptLine.lines(of: bytes, by: .client) { log(client.peer, line.description) }
        }
        act(client, client.engine.bytesReceived(bytes, now: now))
        writeTo(client)
    }

    /// Carries out a client's receiver engine's actions (`ClientDriver`), then writes any text
    /// that has arrived out to the spool.
    func act(_ client: Client, _ actions: [ReceiverAction]) {
        var driver = ClientDriver(server: self, client: client)
        driver.carryOut(actions)
        spool(client)
    }

    /// What a receiver engine's actions mean on a client's socket: replies go to its output
    /// buffer, a message to the store (or the relay's agent), and a close once the output is out.
    struct ClientDriver: ReceiverDriver {
        unowned let server: MailServer
        let client: Client

        func send(_ replies: consuming ReplyBatch) {
            client.output.append(contentsOf: replies.bytes)
            for line in replies.wireLines { server.log(client.peer, "S: " + line) }
        }
        func deliver(_ message: consuming ReceivedMessage) { server.commit(client, message) }
        func close() { client.closeAfterWrite = true }
        func turn() { client.closeAfterWrite = true }
        func recycle(_ spent: inout [ReceiverAction]) { client.engine.recycle(&spent) }
    }

    func drainWake() {
        var bytes = [UInt8](repeating: 0, count: 256)
        while bytes.withUnsafeMutableBytes({ read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
    }

    func writeTo(_ client: Client) {
        while client.written < client.output.count {
            // A client that has gone away is an error here, not a SIGPIPE (sendFlags).
            let written = client.output[client.written...].withUnsafeBytes { systemSend(client.descriptor, $0) }
            if written <= 0 {
                if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
                client.engine.connectionClosed()
                drop(client)
                return
            }
            client.written += written
        }
        client.output.removeAll(keepingCapacity: client.output.capacity <= 65536)
        client.written = 0
        if client.closeAfterWrite && !client.awaitingCommit { drop(client) }
    }

    func drop(_ client: Client) {
        guard clients.removeValue(forKey: client.descriptor) != nil else { return }
        sessions[client.session] = nil
        if client.spooledText != nil { spooler?.submit(.abandon(session: client.session)) }
        client.spooledText = nil
        perAddress[client.peer, default: 1] -= 1
        if perAddress[client.peer] == 0 { perAddress[client.peer] = nil }
        close(client.descriptor)
    }

    func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    func log(_ peer: String, _ text: String) {
        configuration.transcript?("[\(peer)] \(text)")
    }
}

extension MailServer.Client {
    /// Waiting for a command, with nothing of a text in hand: a session that may be closed for
    /// another client under stress.
    var isIdle: Bool { !awaitingCommit && spooledText == nil && !engine.isReceivingText && written >= output.count }
}
