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
        var driver = Driver(
            engine: .make(dialect: dialect, clientName: clientName, transactions: [transaction]), fd: fd,
            transcript: transcript, notation: dialect.notation)
        driver.carryOut(driver.engine.connectionOpened(now: clock.now))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while driver.open, driver.report == nil {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready > 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    driver.carryOut(driver.engine.connectionLost())
                    break
                }
                let bytes = Array(buffer[0..<count])
                if let transcript {
                    for line in TranscriptLine.lines(of: bytes, by: .server) {
                        transcript(dialect.notation.server + " " + line.text)
                    }
                }
                driver.carryOut(driver.engine.bytesReceived(bytes, now: clock.now))
            } else if let deadline = driver.engine.deadline, deadline <= clock.now {
                driver.carryOut(driver.engine.timerFired(now: clock.now))
            }
        }
        if driver.report == nil { driver.carryOut(driver.engine.connectionLost()) }
        guard let report = driver.report else { throw ClientError.connect("the session ended without a report") }
        return report
    }

    /// What the sender engine's actions mean on the socket. The transcript is in the dialect's own
    /// notation: S:/R: for RFC 780 and 821, C:/S: from RFC 1869.
    struct Driver: SenderDriver {
        var engine: SenderEngine
        let fd: Int32
        let transcript: (@Sendable (String) -> Void)?
        let notation: (client: String, server: String)
        var open = true
        var report: SessionReport?

        mutating func send(_ outgoing: consuming Outgoing) {
            guard open else { return }  // a write failed: the rest is not sent
            if let transcript {
                for line in outgoing.transcriptLines { transcript(notation.client + " " + line) }
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
        }
        mutating func close() { open = false }
        mutating func turn() { open = false }
        /// Kept even after a failed write: the report is of the replies the engine had.
        mutating func finished(_ report: consuming SessionReport) { self.report = report }
        mutating func recycle(_ spent: inout [SenderAction]) { engine.recycle(&spent) }
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
