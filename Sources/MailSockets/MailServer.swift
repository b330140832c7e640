#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MailCore
import MailDialects

/// A mail server on real TCP sockets: the receiver engines of the simulator, driven by `poll(2)`
/// and the wall clock. One thread serves every connection: each has its own engine, input and
/// output buffers, so a slow client never blocks another (Docs/architecture.md, "Live mode").
///
/// Messages land in `mailboxDirectory`, one file per message, written to a temporary name and
/// renamed, with `Return-Path:` and `Received:` lines; the final dot is answered 250 only after the
/// rename. Not an open relay: only the configured domain is local, and relaying is refused.
public final class MailServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var dialect: DialectID
        public var host: String = "127.0.0.1"
        public var port: UInt16 = 2525
        /// The domain (and host name) mail is accepted for.
        public var domain: String = "localhost"
        public var mailboxDirectory: String
        public var maxConnections: Int = 100
        public var maxMessageSize: Int? = 10_000_000
        /// RFC 2821 §4.5.3.2: "at least 5 minutes" waiting for the next command.
        public var commandTimeout: Duration = .seconds(300)
        /// Log every line to this sink (standard error for `--transcript`).
        public var transcript: (@Sendable (String) -> Void)?

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

    final class Client {
        let descriptor: Int32
        let peer: String
        var engine: ReceiverEngine
        var output: [UInt8] = []
        var closeAfterWrite = false
        init(descriptor: Int32, peer: String, engine: ReceiverEngine) {
            self.descriptor = descriptor
            self.peer = peer
            self.engine = engine
        }
    }

    public let configuration: Configuration
    private var listener: Int32 = -1
    private var clients: [Int32: Client] = [:]
    private let started = ContinuousClock.now
    private var stopRequested = false
    private let lock = NSLock()
    private var delivered = 0
    /// The port actually bound (useful with port 0).
    public private(set) var boundPort: UInt16 = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Messages written to the mailbox directory so far.
    public var deliveredCount: Int { lock.withLock { delivered } }

    /// Asks the loop to stop: it answers 421 to connected clients, flushes and returns.
    public func stop() { lock.withLock { stopRequested = true } }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    var now: Timestamp {
        let elapsed = started.duration(to: .now)
        return Timestamp(nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    var policy: ReceiverPolicy {
        ReceiverPolicy(
            hostName: configuration.domain, relaying: .refuse, maxMessageSize: configuration.maxMessageSize,
            // Any local part is accepted, so VRFY cannot confirm one: 252 (RFC 1123 §5.2.3) where the dialect has it.
            verifiesUsers: false, commandTimeout: configuration.commandTimeout)
    }

    /// Binds the listening socket; call before `run()`.
    public func bind() throws {
        try FileManager.default.createDirectory(atPath: configuration.mailboxDirectory, withIntermediateDirectories: true)
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ServerError.socket("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = configuration.port.bigEndian
        guard inet_pton(AF_INET, configuration.host, &address.sin_addr) == 1 else {
            throw ServerError.socket("\(configuration.host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError.socket("cannot listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(errno)))") }
        guard listen(listener, 128) == 0 else { throw ServerError.socket("listen: \(String(cString: strerror(errno)))") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        boundPort = UInt16(bigEndian: actual.sin_port)
        setNonBlocking(listener)
    }

    /// Serves until `stop()`: then 421 to every client, flush, close.
    public func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !shouldStop {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            let order = clients.keys.sorted()
            for fd in order {
                let client = clients[fd]!
                descriptors.append(pollfd(fd: fd, events: Int16(POLLIN) | (client.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), 250)
            if ready < 0 && errno != EINTR { break }
            if descriptors[0].revents & Int16(POLLIN) != 0 { acceptClients() }
            for entry in descriptors.dropFirst() {
                guard let client = clients[entry.fd] else { continue }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readFrom(client, &buffer) }
                if clients[entry.fd] != nil, entry.revents & Int16(POLLOUT) != 0 { writeTo(client) }
            }
            let time = now
            for fd in clients.keys.sorted() {
                guard let client = clients[fd], let deadline = client.engine.deadline, deadline <= time else { continue }
                act(client, client.engine.timerFired(now: time))
            }
        }
        // Stop: answer 421, flush what can be flushed, close.
        for fd in clients.keys.sorted() {
            guard let client = clients[fd] else { continue }
            act(client, client.engine.shutdown())
            writeTo(client)
            drop(client)
        }
        close(listener)
    }

    private func acceptClients() {
        while true {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) } }
            guard fd >= 0 else { return }
            setNonBlocking(fd)
            var text = [CChar](repeating: 0, count: 32)
            inet_ntop(AF_INET, &address.sin_addr, &text, 32)
            let peer = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var engine = ReceiverEngine.make(dialect: configuration.dialect, policy: policy)
            let client = Client(descriptor: fd, peer: peer, engine: engine)
            clients[fd] = client
            if clients.count > configuration.maxConnections {
                // RFC 2821 §3.1 / 821 §4.2: 421 and close when the service cannot take the connection.
                let reply = Reply(.serviceNotAvailable, "\(configuration.domain) Too many connections, try again later")
                client.output = reply.encoded
                client.closeAfterWrite = true
                log(peer, "S: " + reply.wireLines.joined(separator: "\nS: "))
                writeTo(client)
                continue
            }
            let actions = engine.connectionOpened(now: now)
            client.engine = engine
            act(client, actions)
            writeTo(client)
        }
    }

    private func readFrom(_ client: Client, _ buffer: inout [UInt8]) {
        let count = buffer.withUnsafeMutableBytes { read(client.descriptor, $0.baseAddress, $0.count) }
        if count <= 0 {
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            client.engine.connectionClosed()  // a vanished client: its unfinished message is dropped
            drop(client)
            return
        }
        let bytes = Array(buffer[0..<count])
        if configuration.transcript != nil {
            for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: true) {
                log(client.peer, "C: " + String(decoding: line.last == 0x0d ? line.dropLast() : line, as: UTF8.self))
            }
        }
        act(client, client.engine.bytesReceived(bytes, now: now))
        writeTo(client)
    }

    private func act(_ client: Client, _ actions: [ReceiverAction]) {
        for action in actions {
            switch action {
            case .send(let replies):
                client.output.append(contentsOf: replies.bytes)
                for line in replies.wireLines { log(client.peer, "S: " + line) }
            case .deliver(let message):
                let decision = store(message, from: client.peer)
                act(client, client.engine.deliveryFinished(decision, now: now))
            case .close, .turn:
                client.closeAfterWrite = true
            }
        }
    }

    /// Writes the message for each local recipient: temporary file, then rename, then 250.
    private func store(_ message: ReceivedMessage, from peer: String) -> DeliveryDecision {
        let stamp = TraceFields.stamp(
            .received2821, from: message.clientName.isEmpty ? peer : message.clientName, fromAddress: peer, by: configuration.domain,
            protocolName: message.extended ? "ESMTP" : "SMTP", at: CivilTime(unixSeconds: Int64(Date().timeIntervalSince1970))) ?? ""
        let returnPath = TraceFields.returnPath(message.reversePath, style: message.dialect.routeStyle)
        let text = Array((returnPath + stamp).utf8) + message.content
        for recipient in message.recipients {
            guard case .local(let mailbox) = recipient.disposition else { continue }
            let sequence = lock.withLock { () -> Int in
                delivered += 1
                return delivered
            }
            let user = mailbox.localPart.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
            let name = String(format: "%@-%06d-%d.eml", user.isEmpty ? "mail" : user, sequence, getpid())
            let final = configuration.mailboxDirectory + "/" + name
            let temporary = configuration.mailboxDirectory + "/.tmp-" + name
            guard FileManager.default.createFile(atPath: temporary, contents: Data(text)), rename(temporary, final) == 0 else {
                unlink(temporary)
                return .rejected(Reply(.localError, "Requested action aborted: local error in processing"))
            }
        }
        return .accepted
    }

    private func writeTo(_ client: Client) {
        while !client.output.isEmpty {
            let written = client.output.withUnsafeBytes { write(client.descriptor, $0.baseAddress, $0.count) }
            if written <= 0 {
                if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
                drop(client)
                return
            }
            client.output.removeFirst(written)
        }
        if client.closeAfterWrite { drop(client) }
    }

    private func drop(_ client: Client) {
        guard clients.removeValue(forKey: client.descriptor) != nil else { return }
        close(client.descriptor)
    }

    private func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    private func log(_ peer: String, _ text: String) {
        configuration.transcript?("[\(peer)] \(text)")
    }
}
