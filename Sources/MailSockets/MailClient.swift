import Foundation
import MailCore
import MailDialects

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Delivers one message to a real server with the simulator's sender engine: EHLO with HELO
/// fallback, PIPELINING and SIZE when offered, dot-stuffing, a status per recipient.
public enum MailClient {
    public enum ClientError: Error, CustomStringConvertible {
        case connect(String)
        public var description: String {
            switch self {
            case .connect(let message): message
            }
        }
    }

    /// Connects to `host:port`, runs the session and returns the engine's report.
    public static func send(
        dialect: DialectID, host: String, port: UInt16, clientName: String, transaction: OutboundTransaction,
        transcript: (@Sendable (String) -> Void)? = nil
    ) throws -> SessionReport {
        let fd = try connect(host: host, port: port)
        defer { close(fd) }
        let clock = SessionClock()
        func now() -> Timestamp { clock.now }
        var engine = SenderEngine.make(dialect: dialect, clientName: clientName, transactions: [transaction])
        // The transcript in the dialect's own notation: S:/R: for RFC 780 and 821, C:/S: from RFC 1869.
        let (us, them) = dialect.notation
        var report: SessionReport?
        var open = true
        func act(_ actions: [SenderAction]) {
            for action in actions {
                switch action {
                case .send(let outgoing):
                    if let transcript {
                        for piece in outgoing.pieces {
                            switch piece {
                            case .line(let line):
                                transcript(us + " " + String(decoding: line.dropLast(2), as: UTF8.self))
                            case .text(let text): transcript(us + " <message text, \(text.count) bytes>")
                            }
                        }
                    }
                    var offset = 0
                    let bytes = outgoing.bytes
                    while offset < bytes.count {
                        // A server that has gone away is an error here, not a SIGPIPE (sendFlags).
                        let written = bytes[offset...].withUnsafeBytes { systemSend(fd, $0) }
                        if written <= 0 {
                            open = false
                            return
                        }
                        offset += written
                    }
                case .close, .turn:
                    open = false
                case .finished(let finished):
                    report = finished
                }
            }
        }
        act(engine.connectionOpened(now: now()))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open, report == nil {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready > 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    act(engine.connectionLost())
                    break
                }
                let bytes = Array(buffer[0..<count])
                if let transcript {
                    for line in TranscriptLine.lines(of: bytes, by: .server) { transcript(them + " " + line.text) }
                }
                act(engine.bytesReceived(bytes, now: now()))
            } else if let deadline = engine.deadline, deadline <= now() {
                act(engine.timerFired(now: now()))
            }
        }
        if report == nil { act(engine.connectionLost()) }
        guard let report else { throw ClientError.connect("the session ended without a report") }
        return report
    }

    static func connect(host: String, port: UInt16) throws -> Int32 {
        let address: SocketAddress
        do {
            address = try SocketAddress(host: host, port: port)
        } catch {
            throw ClientError.connect(error.description)
        }
        let fd = socket(address.family, streamSocketType, 0)
        guard fd >= 0 else { throw ClientError.connect("socket: \(String(cString: strerror(errno)))") }
        noSignalOnClosedPeer(fd)
        let result = address.withPointer { systemConnect(fd, $0, $1) }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientError.connect("cannot connect to \(address.display): \(reason)")
        }
        return fd
    }
}
