import Foundation
import MailAgent
import MailCore
import MailDialects
import TestSupport
import Testing

@testable import MailSockets

/// The relay story on real sockets: servers running the mail agent pass mail along a host table's
/// gateways, rewriting the paths as their dialect does, and keep what they queue on disk.
@Suite(.serialized) struct LiveRelayTests {
    /// Ports free now on the loopback interface (bound, read and released).
    static func freePorts(_ count: Int) throws -> [UInt16] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        return try (0..<count).map { _ in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(bound == 0)
            return SocketAddress.localPort(of: fd)
        }
    }

    /// The relay story's table (Docs/examples/relay-hosts.txt) with the given ports.
    static func table(_ ports: [UInt16]) throws -> HostDirectory {
        let text = try String(
            contentsOf: repositoryRoot().appendingPathComponent("Docs/examples/relay-hosts.txt"), encoding: .utf8)
        var replaced = text
        for (index, port) in ports.enumerated() {
            replaced = replaced.replacingOccurrences(of: "127.0.0.1:\(2601 + index)", with: "127.0.0.1:\(port)")
        }
        return try LiveHostTable.parse(replaced)
    }

    static func waitForFile(in directory: String, seconds: Double = 10) -> [String] {
        for _ in 0..<Int(seconds * 20) {
            if let files = try? FileManager.default.contentsOfDirectory(atPath: directory), !files.isEmpty {
                return files
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return []
    }

    @Test(
        "five servers replay A -> D -> P -> U -> Z over TCP, each relay rewriting the paths",
        arguments: [DialectID.smtp821, .mtp780])
    func relayChain(dialect: DialectID) throws {
        let ports = try Self.freePorts(5)
        let hosts = try Self.table(ports)
        let servers = try zip(["A", "D", "P", "U", "Z"], ports).map { name, port in
            try RunningServer(dialect) { configuration in
                configuration.port = port
                configuration.domain = name
                configuration.relay = (name, hosts)
            }
        }
        defer { servers.forEach { $0.stop() } }
        let report = try MailClient.send(
            dialect: dialect, host: "127.0.0.1", port: ports[0], clientName: "A",
            transaction: SendTests.transaction(["joe@Z"], "Subject: the relay story\r\n\r\nHello Joe.\r\n")
                .withReversePath("ann@A"))
        #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        let arrived = Self.waitForFile(in: servers[4].directory + "/joe/new")
        try #require(arrived.count == 1, "Z received the message")
        let stored = try servers[4].messages()[0]
        if dialect == .smtp821 {
            // RFC 821 §3.6: each relay takes itself off the forward path and puts itself at the
            // front of the reverse path; each stamps a Received line (§4.1.2).
            #expect(stored.hasPrefix("Return-Path: <@U,@P,@D,@A:ann@A>\r\n"), "\(stored)")
            let received = stored.split(separator: "\r\n").filter { $0.hasPrefix("Received: ") }.map {
                String($0.prefix { $0 != ";" })
            }
            #expect(
                received == [
                    "Received: from U by Z ", "Received: from P by U ", "Received: from D by P ",
                    "Received: from A by D ", "Received: from A by A ",
                ])
        } else {
            // RFC 780 MTP: no trace lines; the text arrives as sent.
            #expect(stored == "Subject: the relay story\r\n\r\nHello Joe.\r\n")
        }
        // Every relay passed the message on and kept nothing in its queue. A relay removes its
        // queue file when its own session's report comes back, which may be after Z has the
        // message: wait for it a little.
        for server in servers.dropLast() {
            func queue() -> [String] {
                (try? FileManager.default.contentsOfDirectory(atPath: server.directory + "/.queue/new")) ?? []
            }
            for _ in 0..<100 where !queue().isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            #expect(queue().isEmpty, "\(server.directory): \(queue())")
        }
    }

    @Test("mail queued for a host that is down is on disk before the 250, and a restarted server sends it on")
    func queueSurvivesRestart() throws {
        let ports = try Self.freePorts(2)
        let hosts = try LiveHostTable.parse("A 127.0.0.1:\(ports[0]) NET\nZ 127.0.0.1:\(ports[1]) NET\n")
        let directory = TemporaryFiles.path("queue")
        func serverA() throws -> RunningServer {
            try RunningServer(.smtp821, directory: directory) { configuration in
                configuration.port = ports[0]
                configuration.domain = "A"
                configuration.relay = ("A", hosts)
            }
        }
        // Z is not running: A accepts, cannot connect, and keeps the message in its queue.
        let first = try serverA()
        let report = try MailClient.send(
            dialect: .smtp821, host: "127.0.0.1", port: ports[0], clientName: "A",
            transaction: SendTests.transaction(["joe@Z"], "Subject: later\r\n\r\nwhen Z is up\r\n").withReversePath(
                "ann@A"))
        #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        let queued = Self.waitForFile(in: directory + "/.queue/new")
        try #require(queued.count == 1, "the queue file is written before the 250")
        let file = try String(contentsOfFile: directory + "/.queue/new/" + queued[0], encoding: .utf8)
        #expect(
            file.hasPrefix("X-Mailpath-From: <ann@A>\r\nX-Mailpath-To: <joe@Z>\r\nReceived: from A by A ; "), "\(file)")
        first.stop()
        // Z comes up, A restarts on the same directory, finds its queue and sends the message on.
        let z = try RunningServer(.smtp821) { configuration in
            configuration.port = ports[1]
            configuration.domain = "Z"
            configuration.relay = ("Z", hosts)
        }
        defer { z.stop() }
        let second = try serverA()
        defer { second.stop() }
        #expect(Self.waitForFile(in: z.directory + "/joe/new").count == 1)
        #expect(try z.messages().first?.hasSuffix("Subject: later\r\n\r\nwhen Z is up\r\n") == true)
        for _ in 0..<100
        where !((try? FileManager.default.contentsOfDirectory(atPath: directory + "/.queue/new")) ?? []).isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory + "/.queue/new").isEmpty,
            "the queue file goes once Z has it")
    }

    @Test("a host table line that is not NAME ADDRESS:PORT NETWORKS [relay] is refused with its line number")
    func tableErrors() {
        for (text, message) in [
            ("A 127.0.0.1:1", "line 1: expected NAME ADDRESS:PORT NETWORKS [relay], got 2 fields"),
            ("# hosts\nA 127.0.0.1 NET", "line 2: expected ADDRESS:PORT such as 127.0.0.1:2601, got '127.0.0.1'"),
            ("A 127.0.0.1:1 NET\na 127.0.0.1:2 NET", "line 2: host a is listed twice"),
            ("A 127.0.0.1:1 NET gateway", "line 1: expected 'relay' or nothing after the networks, got 'gateway'"),
        ] {
            #expect(throws: LiveHostTable.ParseError.self) { try LiveHostTable.parse(text) }
            do {
                _ = try LiveHostTable.parse(text)
            } catch {
                #expect(error.description == message)
            }
        }
        let parsed = try? LiveHostTable.parse("D [::1]:25 ARPANET,CSNET relay  # a gateway\n")
        #expect(parsed?.entry("D")?.relays == true && parsed?.entry("d")?.networks == ["ARPANET", "CSNET"])
    }
}

extension OutboundTransaction {
    func withReversePath(_ address: String) -> OutboundTransaction {
        var copy = self
        copy.reversePath = Path(Mailbox(address))
        return copy
    }
}
