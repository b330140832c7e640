import Foundation
import MailCore
import MailDialects
import TestSupport
import Testing

@testable import MailSockets

/// A server on an ephemeral loopback port, run on its own thread for one test.
final class RunningServer: @unchecked Sendable {
    let server: MailServer
    let directory: String
    private let thread: Thread

    init(
        _ dialect: DialectID, maxSize: Int? = 10_000_000, maxConnections: Int = 100, maxPerAddress: Int = 50,
        commandTimeout: Duration = .seconds(300), directory: String? = nil,
        configure: (inout MailServer.Configuration) -> Void = { _ in }
    ) throws {
        self.directory = directory ?? TemporaryFiles.path("serve")
        var configuration = MailServer.Configuration(dialect: dialect, mailboxDirectory: self.directory)
        configuration.port = 0
        configuration.maxConnectionsPerAddress = maxPerAddress
        configuration.domain = "example.org"
        configuration.maxMessageSize = maxSize
        configuration.maxConnections = maxConnections
        configuration.commandTimeout = commandTimeout
        configure(&configuration)
        server = MailServer(configuration)
        try server.bind()
        let server = self.server
        thread = Thread { server.run() }
        thread.start()
    }

    var port: UInt16 { server.boundPort }

    /// Stops the server and waits until its loop has returned (up to 30 s: under a loaded test
    /// run two seconds were not always enough, and a server still running after `stop` relayed a
    /// queued message that its successor on the same directory then relayed again).
    func stop() {
        server.stop()
        for _ in 0..<1_500 where !thread.isFinished { Thread.sleep(forTimeInterval: 0.02) }
        #expect(thread.isFinished, "the server's loop is still running 30 s after stop()")
    }

    /// The stored messages: every Maildir's `new/`, by folder and then file name.
    func messages() throws -> [String] {
        try storedFiles().map { try String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// Paths of the stored messages, as `messages()` orders them.
    func storedFiles() throws -> [String] {
        let manager = FileManager.default
        return try manager.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted().flatMap {
            folder in
            try manager.contentsOfDirectory(atPath: directory + "/" + folder + "/new").sorted().map {
                directory + "/" + folder + "/new/" + $0
            }
        }
    }

    /// Files left in `.incoming` (texts being received) and in the Maildirs' `tmp/`.
    func unfinishedFiles() throws -> [String] {
        let manager = FileManager.default
        let folders = try manager.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }
        return try manager.contentsOfDirectory(atPath: directory + "/.incoming")
            + folders.flatMap { try manager.contentsOfDirectory(atPath: directory + "/" + $0 + "/tmp") }
    }
}

/// Runs a Python script (the standard library's smtplib: a client we did not write) and returns its output.
func python(_ script: String, port: UInt16) throws -> String {
    try TestEnvironment.run("/usr/bin/env", ["python3", "-c", script, String(port)], withErrors: true).output
}

@Suite(.serialized) struct ServeTests {
    static let smtplibSession = #"""
        import smtplib, sys
        port = int(sys.argv[1])
        s = smtplib.SMTP('127.0.0.1', port, timeout=10)
        code, text = s.ehlo()
        print('ehlo', code, 'pipelining' in s.esmtp_features and 'pipelining' or '', s.esmtp_features.get('size', ''))
        body = 'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n' + 'x' * 998 + '\r\nend\r\n'
        refused = s.sendmail('ann@a.org', ['joe@example.org', 'far@elsewhere.net', 'bob@example.org'], body)
        print('refused', sorted(refused.items()))
        print('noop', s.noop()[0])
        print('rset', s.rset()[0])
        print('unknown', s.docmd('FROB')[0])
        print('data-first', s.docmd('DATA')[0])
        print('vrfy', s.verify('joe')[0])
        print('help', s.docmd('HELP')[0])
        try:
            s.sendmail('ann@a.org', ['joe@example.org'], 'Subject: big\r\n\r\n' + ('y' * 70 + '\r\n') * 100)
            print('big accepted')
        except smtplib.SMTPSenderRefused as e:
            print('big refused', e.smtp_code)
        print('quit', s.quit()[0])
        """#

    @Test(
        "Python's smtplib against serve: EHLO, recipients one refused, dots and a 998-character line kept, errors, SIZE",
        arguments: [DialectID.esmtp, .smtp2821])
    func smtplib(dialect: DialectID) throws {
        let running = try RunningServer(dialect, maxSize: 5000)
        defer { running.stop() }
        let output = try python(Self.smtplibSession, port: running.port)
        #expect(output.contains("ehlo 250 pipelining 5000"), "\(output)")
        #expect(output.contains("refused [('far@elsewhere.net', (550, b'Relaying not allowed here'))]"), "\(output)")
        for line in [
            "noop 250", "rset 250", "unknown 500", "data-first 503", "vrfy 252", "help 214", "big refused 552",
            "quit 221",
        ] {
            #expect(output.contains(line + "\n"), "\(line) missing in:\n\(output)")
        }
        let stored = try running.messages()
        #expect(stored.count == 2, "one copy in each accepted recipient's Maildir")
        let text = try #require(stored.first)
        #expect(text.hasPrefix("Return-Path: <ann@a.org>\r\nReceived: from "))
        #expect(
            text.contains(
                "\r\n\r\n.leading dot\r\n..two dots\r\n" + String(repeating: "x", count: 998) + "\r\nend\r\n"),
            "the text comes back byte for byte")
    }

    @Test("HELO works with RFC 821, and EHLO gets 500 there")
    func helo() throws {
        let running = try RunningServer(.smtp821)
        defer { running.stop() }
        let output = try python(
            #"""
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
            print('ehlo', s.ehlo()[0])
            print('helo', s.helo()[0])
            print('refused', s.sendmail('ann@a.org', ['joe@example.org'], 'Subject: x\r\n\r\nhello\r\n'))
            print('quit', s.quit()[0])
            """#, port: running.port)
        #expect(output.contains("ehlo 500\nhelo 250\nrefused {}\nquit 221\n"), "\(output)")
        #expect(try running.messages().count == 1)
    }

    @Test("RFC 780 Example 1 over a raw socket against serve --dialect mtp780")
    func mtpExample() throws {
        let running = try RunningServer(.mtp780)
        defer { running.stop() }
        let output = try python(
            #"""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            f = c.makefile('rb')
            def reply():
                line = f.readline().decode()
                print('R:', line.strip())
            reply()
            c.sendall(b'MAIL FROM:<waldo@A> TO:<Foo@example.org>\r\n'); reply()
            c.sendall(b'Blah blah blah blah....etc. etc. etc.\r\n.\r\n'); reply()
            c.sendall(b'QUIT\r\n'); reply()
            """#, port: running.port)
        let codes = output.split(separator: "\n").map { $0.dropFirst(3).prefix(3) }
        #expect(codes == ["220", "354", "250", "221"], "\(output)")
        #expect(try running.messages().first?.contains("Blah blah blah blah....etc. etc. etc.\r\n") == true)
    }

    @Test("a client that vanishes mid-DATA leaves nothing half-written, and the server goes on serving")
    func vanishing() throws {
        let running = try RunningServer(.smtp2821)
        defer { running.stop() }
        _ = try python(
            #"""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            f = c.makefile('rb'); f.readline()
            c.sendall(b'HELO a.org\r\nMAIL FROM:<a@a.org>\r\nRCPT TO:<joe@example.org>\r\nDATA\r\n')
            for _ in range(4): f.readline()
            c.sendall(b'Subject: half\r\n\r\nhalf a message')
            c.close()
            """#, port: running.port)
        // The spooler removes the text's file on its own thread: wait for it a little.
        for _ in 0..<100 where !((try? running.unfinishedFiles()) ?? []).isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try running.messages().isEmpty)
        #expect(try running.unfinishedFiles().isEmpty, "no temporary file either")
        let output = try python(
            #"""
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
            print(s.sendmail('a@a.org', ['joe@example.org'], 'Subject: whole\r\n\r\nok\r\n')); s.quit()
            """#, port: running.port)
        #expect(output == "{}\n")
        #expect(try running.messages().count == 1)
    }
}

@Suite(.serialized) struct SendTests {
    static func transaction(_ recipients: [String], _ text: String) -> OutboundTransaction {
        OutboundTransaction(
            id: 1, reversePath: Path(Mailbox("ann@a.org")), recipients: recipients.map { Path(Mailbox($0)) },
            content: Array(text.utf8))
    }

    @Test("send to a server that rejects EHLO falls back to HELO and delivers")
    func heloFallback() throws {
        let running = try RunningServer(.smtp821)
        defer { running.stop() }
        let report = try MailClient.send(
            dialect: .smtp2821, host: "127.0.0.1", port: running.port, clientName: "a.org",
            transaction: Self.transaction(["joe@example.org", "far@elsewhere.net"], "Subject: x\r\n\r\n.dot\r\n"))
        #expect(report.usedEHLO && report.fellBackToHELO)
        let statuses = report.transactions[0].recipients.map(\.status)
        #expect(statuses[0].isDelivered)
        #expect(statuses[1].reply?.code.rawValue == 550, "relaying refused, permanently")
        #expect(try running.messages().first?.hasSuffix("Subject: x\r\n\r\n.dot\r\n") == true)
    }

    @Test("send's transcript is in the dialect's own notation: S:/R: for RFC 780 MTP, C:/S: from RFC 1869")
    func transcriptNotation() throws {
        final class Lines: @unchecked Sendable {
            var lines: [String] = []
        }
        for (dialect, us, them) in [(DialectID.mtp780, "S:", "R:"), (.esmtp, "C:", "S:")] {
            let running = try RunningServer(dialect)
            defer { running.stop() }
            let collected = Lines()
            _ = try MailClient.send(
                dialect: dialect, host: "127.0.0.1", port: running.port, clientName: "a.org",
                transaction: Self.transaction(["joe@example.org"], "Subject: z\r\n\r\nhi\r\n"),
                transcript: { collected.lines.append($0) })
            #expect(collected.lines.first?.hasPrefix(them + " ") == true, "\(dialect): \(collected.lines)")
            #expect(collected.lines.contains { $0.hasPrefix(us + " MAIL") }, "\(dialect): \(collected.lines)")
            #expect(collected.lines.allSatisfy { $0.hasPrefix(us + " ") || $0.hasPrefix(them + " ") })
        }
    }

    @Test("send pipelines to our ESMTP server and declares SIZE")
    func pipelined() throws {
        let running = try RunningServer(.esmtp)
        defer { running.stop() }
        let report = try MailClient.send(
            dialect: .esmtp, host: "127.0.0.1", port: running.port, clientName: "a.org",
            transaction: Self.transaction(["joe@example.org", "bob@example.org"], "Subject: y\r\n\r\nhello\r\n"))
        #expect(report.pipelined)
        #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        #expect(try running.messages().count == 2)
    }

    @Test("send delivers to aiosmtpd, a server we did not write, and the stored message matches")
    func aiosmtpd() throws {
        // aiosmtpd's Debug handler prints the envelope and the content it received.
        let process = TestEnvironment.process("/usr/bin/env", [])
        process.arguments = [
            "python3", "-c",
            #"""
            import asyncio, sys
            from aiosmtpd.controller import Controller
            class Keep:
                async def handle_DATA(self, server, session, envelope):
                    sys.stdout.write('FROM ' + envelope.mail_from + '\nTO ' + ','.join(envelope.rcpt_tos) + '\n')
                    sys.stdout.write(envelope.original_content.decode() + '<END>\n'); sys.stdout.flush()
                    return '250 Message accepted for delivery'
            import socket
            probe = socket.socket(); probe.bind(('127.0.0.1', 0)); port = probe.getsockname()[1]; probe.close()
            c = Controller(Keep(), hostname='127.0.0.1', port=port)
            c.start()
            print('PORT', port, flush=True)
            sys.stdin.read()
            c.stop()
            """#,
        ]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let reader = output.fileHandleForReading
        var received = ""
        while !received.contains("\n"), !received.contains("Error") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            received += String(decoding: chunk, as: UTF8.self)
        }
        let portText = try #require(
            received.split(separator: "\n").first { $0.hasPrefix("PORT ") },
            "aiosmtpd did not start (install it: apt-get install python3-aiosmtpd, or python3 -m pip install aiosmtpd where pip may; .ci/run does this): \(received)"
        )
        let port = try #require(UInt16(portText.dropFirst(5)))
        let text = "Subject: to aiosmtpd\r\n\r\n.a line with a dot\r\nlast line\r\n"
        let report = try MailClient.send(
            dialect: .smtp2821, host: "127.0.0.1", port: port, clientName: "a.org",
            transaction: Self.transaction(["joe@b.org", "bob@b.org"], text))
        #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        #expect(!report.pipelined, "aiosmtpd offers no PIPELINING, so each command waits for its reply")
        #expect(report.serverExtensions.contains("SIZE"))
        while !received.contains("<END>") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            received += String(decoding: chunk, as: UTF8.self)
        }
        #expect(received.contains("FROM ann@a.org\nTO joe@b.org,bob@b.org\n"))
        #expect(
            received.contains("Subject: to aiosmtpd\r\n\r\n.a line with a dot\r\nlast line\r\n<END>"), "\(received)")
    }
}

/// Hostile input does no harm: after each, the server still serves a clean session.
@Suite(.serialized) struct HostileInputTests {
    static let cleanSession = #"""
        import smtplib, sys
        s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)
        print('clean', s.sendmail('a@a.org', ['joe@example.org'], 'Subject: clean\r\n\r\nok\r\n')); s.quit()
        """#

    static func raw(_ body: String, port: UInt16) throws -> String {
        try python(
            """
            import socket, sys, time
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            f = c.makefile('rb')
            def reply():
                line = f.readline().decode(errors='replace')
                while len(line) > 3 and line[3] == '-': line = f.readline().decode(errors='replace')
                print(line.strip()[:3])
            reply()
            \(body)
            """, port: port)
    }

    @Test(
        "bare-LF lines, NUL bytes and a 1 MiB line get 500, not a crash, and the next session is clean",
        arguments: [DialectID.smtp821, .smtp2821])
    func garbage(dialect: DialectID) throws {
        let running = try RunningServer(dialect)
        defer { running.stop() }
        let output = try Self.raw(
            """
            c.sendall(b'HE\\x00LO x\\r\\n'); reply()
            c.sendall(b'A' * (1 << 20) + b'\\r\\nNOOP\\r\\n'); reply(); reply()
            c.sendall(b'HELO a.org\\nNOOP\\n'); c.sendall(b'QUIT\\r\\n')
            rest = c.recv(4096).decode(); time.sleep(0.2); rest += c.recv(4096).decode()
            print('rest', ' '.join(l[:3] for l in rest.split('\\r\\n') if l))
            """, port: running.port)
        let lines = output.split(separator: "\n")
        #expect(lines.first == "220")
        #expect(lines.dropFirst().first == "500", "NUL in a command: \(output)")
        #expect(lines.dropFirst(2).first == "500", "a 1 MiB line is too long: \(output)")
        #expect(lines.dropFirst(3).first == "250", "the connection still works: \(output)")
        #expect(
            lines.last == "rest 500 500 221",
            "lines ended by a bare LF get 500 and are not run; QUIT still closes: \(output)")
        #expect(try python(Self.cleanSession, port: running.port) == "clean {}\n")
    }

    @Test("a client that connects and says nothing gets 421 when the command timeout passes")
    func silentClient() throws {
        let running = try RunningServer(.smtp2821, commandTimeout: .seconds(1))
        defer { running.stop() }
        let output = try Self.raw("reply()", port: running.port)
        #expect(output == "220\n421\n")
        #expect(try python(Self.cleanSession, port: running.port) == "clean {}\n")
    }

    @Test("200 connections at once are all served, and beyond the limit clients get 421")
    func manyConnections() throws {
        // Sessions never give way to newcomers here (see OverloadTests for that).
        let running = try RunningServer(.smtp2821, maxConnections: 150, maxPerAddress: 1000) {
            $0.evictableIdle = .seconds(3600)
        }
        defer { running.stop() }
        let output = try python(
            #"""
            import socket, sys
            port = int(sys.argv[1])
            conns = [socket.create_connection(('127.0.0.1', port), timeout=20) for _ in range(200)]
            files = [c.makefile('rb') for c in conns]
            greetings = [f.readline()[:3].decode() for f in files]
            print('220', greetings.count('220'), '421', greetings.count('421'))
            served = 0
            for c, f, g in zip(conns, files, greetings):
                if g != '220': continue
                c.sendall(b'HELO a.org\r\nQUIT\r\n')
                if f.readline()[:3] == b'250' and f.readline()[:3] == b'221': served += 1
            print('served', served)
            for c in conns: c.close()
            """#, port: running.port)
        #expect(output == "220 150 421 50\nserved 150\n", "\(output)")
        #expect(try python(Self.cleanSession, port: running.port) == "clean {}\n")
    }
}

@Suite(.serialized) struct MTPLiveTests {
    @Test("RFC 780 Example 2 (recipients first) and Example 3 (text first) over a raw socket")
    func schemes() throws {
        let running = try RunningServer(.mtp780)
        defer { running.stop() }
        let output = try HostileInputTests.raw(
            """
            for line in [b'MRSQ', b'MRSQ R', b'MRCP TO:<Foo@example.org>', b'MRCP TO:<Raboof@elsewhere.net>', b'MRCP TO:<bar@example.org>', b'MAIL FROM:<waldo@A>']:
                c.sendall(line + b'\\r\\n'); reply()
            c.sendall(b'Blah blah blah blah....etc. etc. etc.\\r\\n.\\r\\n'); reply()
            for line in [b'MRSQ T', b'MAIL FROM:<waldo@A>']:
                c.sendall(line + b'\\r\\n'); reply()
            c.sendall(b'Text first.\\r\\n.\\r\\n'); reply()
            for line in [b'MRCP TO:<Foo@example.org>', b'MRCP TO:<bar@example.org>', b'MRSQ ?', b'QUIT']:
                c.sendall(line + b'\\r\\n'); reply()
            """, port: running.port)
        let codes = output.split(separator: "\n").map(String.init)
        // Example 2: 200 200 200 550 200 354 250; Example 3: 200 354 250(stored) 250 250; 215 221.
        #expect(
            codes == [
                "220", "200", "200", "200", "550", "200", "354", "250", "200", "354", "250", "250", "250", "215", "221",
            ], "\(output)")
        let stored = try running.messages()
        #expect(stored.count == 4, "two recipients of each scheme")
        #expect(stored.filter { $0.contains("Blah blah blah blah") }.count == 2)
        #expect(stored.filter { $0.contains("Text first.") }.count == 2)
    }
}

extension MTPLiveTests {
    @Test("RFC 765 FTP mail over a raw socket: Example 1 (recipients first), MAIL <user>, MSND, another FTP command")
    func ftpMail() throws {
        let running = try RunningServer(.ftp765)
        defer { running.stop() }
        let output = try HostileInputTests.raw(
            """
            for line in [b'MRSQ', b'MRSQ R', b'MRCP Foo', b'MRCP bar', b'MAIL']:
                c.sendall(line + b'\\r\\n'); reply()
            c.sendall(b'Blah blah blah blah....etc etc etc\\r\\n.\\r\\n'); reply()
            c.sendall(b'MAIL Foo\\r\\n'); reply()
            c.sendall(b'Just for Foo.\\r\\n.\\r\\n'); reply()
            for line in [b'MSND Foo', b'USER Foo', b'MRSQ X', b'QUIT']:
                c.sendall(line + b'\\r\\n'); reply()
            """, port: running.port)
        let codes = output.split(separator: "\n").map(String.init)
        #expect(
            codes == ["220", "200", "200", "200", "200", "354", "250", "354", "250", "450", "502", "501", "221"],
            "\(output)")
        let stored = try running.messages()
        #expect(stored.count == 3, "Foo and bar, then Foo again")
        #expect(stored.filter { $0.contains("Blah blah blah blah....etc etc etc") }.count == 2)
        #expect(stored.filter { $0.contains("Just for Foo.") }.count == 1)
        // RFC 765 defines no trace or return-path line: the text is stored as sent, as in the simulator.
        #expect(stored.allSatisfy { $0.hasPrefix("Blah") || $0.hasPrefix("Just") }, "\(stored)")
    }
}

@Suite(.serialized) struct ServerLifecycleTests {
    @Test("stopping the server answers 421 to a connected client")
    func stopAnswers421() throws {
        let running = try RunningServer(.smtp2821)
        let process = TestEnvironment.process("/usr/bin/env", [])
        process.arguments = [
            "python3", "-c",
            "import socket, sys\nc = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)\nf = c.makefile('rb')\nprint(f.readline()[:3].decode(), flush=True)\nprint(f.readline()[:3].decode(), flush=True)\n",
            String(running.port),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let reader = pipe.fileHandleForReading
        var output = String(decoding: reader.availableData, as: UTF8.self)  // the greeting: the client is connected
        running.stop()
        process.waitUntilExit()
        output += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        #expect(output == "220\n421\n")
    }

    @Test("64 MiB without a line end costs the server no more than a few MiB")
    func boundedMemory() throws {
        let running = try RunningServer(.smtp2821)
        defer { running.stop() }
        func residentBytes() -> Int {
            let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
            return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
        let before = residentBytes()
        let output = try python(
            #"""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30)
            f = c.makefile('rb'); f.readline()
            chunk = b'A' * (1 << 20)
            for _ in range(64): c.sendall(chunk)
            c.sendall(b'\r\nNOOP\r\n')
            print(f.readline()[:3].decode(), f.readline()[:3].decode())
            """#, port: running.port)
        let growth = residentBytes() - before
        #expect(output == "500 250\n", "\(output)")
        #expect(growth < 16 << 20, "the server grew by \(growth) bytes")
    }
}
