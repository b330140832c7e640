import Foundation
import MailCore
import MailDialects
import TestSupport
import Testing

@testable import MailSockets

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mbox store (`serve --store mbox`): the format as mbox readers expect it, and mail stored
/// through a real session that Python's mailbox module and Dovecot read back.
@Suite struct MboxFormatTests {
    @Test("a text is stored with LF line ends, >From quoting (mboxrd) and an empty line after it")
    func entry() {
        let text = Array("Subject: s\r\n\r\nFrom here\r\n>From there\r\nFromage\r\n>>From x\r\nlast".utf8)
        #expect(
            String(decoding: Mbox.entry(text), as: UTF8.self)
                == "Subject: s\n\n>From here\n>>From there\nFromage\n>>>From x\nlast\n\n")
        #expect(Mbox.entry([]) == [0x0a])
    }

    @Test("the From line's date is asctime's in UTC, checked against the C library", arguments: 0..<40)
    func separatorDate(sample: Int) {
        // Seconds spread over 1970-2100, the boundaries of months and leap days among them.
        var state = UInt64(sample) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        state ^= state >> 29
        let seconds = sample < 4 ? [0, 951_782_400, 4_107_542_399, 1_709_164_800][sample] : Int(state % 4_102_444_800)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        let expected = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(CivilTime(unixSeconds: Int64(seconds)).asctime == expected)
        #expect(
            String(decoding: Mbox.separator(sender: "", seconds: seconds), as: UTF8.self)
                == "From MAILER-DAEMON \(expected)\n")
    }
}

@Suite(.serialized) struct MboxStoreTests {
    @Test(
        "serve --store mbox: each recipient's messages appended to one file that Python's mailbox module and Dovecot read"
    )
    func readersOpenTheStore() throws {
        let running = try RunningServer(.esmtp) { $0.store = .mbox }
        defer { running.stop() }
        // The second text is past the size at which a text goes to a file as it arrives.
        let long = String(repeating: "0123456789abcdef0123456789abcdef0123456789abcdef012345678\r\n", count: 6_000)
        for (subject, body) in [("one", "From the start\r\n"), ("two", long)] {
            let report = try MailClient.send(
                dialect: .esmtp, host: "127.0.0.1", port: running.port, clientName: "a.org",
                transaction: SendTests.transaction(
                    ["joe@example.org", "amy@example.org"], "Subject: \(subject)\r\nFrom: ann@a.org\r\n\r\n\(body)"))
            #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: running.directory).sorted()
        #expect(entries == [".incoming", "amy", "joe"], "one file a recipient: \(entries)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: running.directory + "/.incoming").isEmpty)
        let output = try TestEnvironment.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import mailbox, sys\nbox = mailbox.mbox(sys.argv[1], create=False)\nprint([(m['Subject'], m['Return-Path'], m.get_from().split()[0], len(m.get_payload())) for m in box])",
                running.directory + "/joe",
            ]
        ).output
        // Bodies as stored: LF line ends, the first body's From line quoted.
        #expect(
            output == "[('one', '<ann@a.org>', 'ann@a.org', 16), ('two', '<ann@a.org>', 'ann@a.org', \(6_000 * 58))]\n")
        let text = try String(contentsOfFile: running.directory + "/joe", encoding: .utf8)
        #expect(text.contains("\n\n>From the start\n\nFrom ann@a.org "))
        #expect(!text.contains("\r"))

        let (status, imap) = try TestEnvironment.run(
            repositoryRoot().path + "/Scripts/dovecot-read.sh", [running.directory + "/amy"])
        #expect(status == 0, "Scripts/dovecot-read.sh failed (is dovecot-imapd installed?): \(imap)")
        #expect(imap.contains("* 2 EXISTS\r\n"), "\(imap)")
        #expect(imap.contains("Return-Path: <ann@a.org>\r\nSubject: one\r\n") && imap.contains("Subject: two\r\n"))
    }

    @Test("a client that vanishes in the middle of a long text leaves nothing in an mbox store")
    func vanishingClient() throws {
        let running = try RunningServer(.smtp2821) { $0.store = .mbox }
        defer { running.stop() }
        let fd = try MailClient.connect(host: "127.0.0.1", port: running.port)
        let opening = "HELO a.org\r\nMAIL FROM:<ann@a.org>\r\nRCPT TO:<joe@example.org>\r\nDATA\r\n"
        let partial = opening + "Subject: cut\r\n\r\n" + String(repeating: "x", count: 998) + "\r\n"
        var bytes = Array(partial.utf8)
        for _ in 0..<400 { bytes += Array((String(repeating: "y", count: 998) + "\r\n").utf8) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        Thread.sleep(forTimeInterval: 0.3)
        close(fd)
        Thread.sleep(forTimeInterval: 0.3)
        let entries = try FileManager.default.contentsOfDirectory(atPath: running.directory)
        #expect(entries == [".incoming"], "no mbox made for a text never finished: \(entries)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: running.directory + "/.incoming").isEmpty)
    }

    @Test("a reader holding a lock on the mbox (as Dovecot does) sees no append until it lets go")
    func readersLock() throws {
        let running = try RunningServer(.esmtp) { $0.store = .mbox }
        defer { running.stop() }
        func send(_ subject: String) throws -> Bool {
            let report = try MailClient.send(
                dialect: .esmtp, host: "127.0.0.1", port: running.port, clientName: "a.org",
                transaction: SendTests.transaction(["joe@example.org"], "Subject: \(subject)\r\n\r\nbody\r\n"))
            return report.transactions[0].recipients.allSatisfy { $0.status.isDelivered }
        }
        #expect(try send("first"))
        let reader = TestEnvironment.process(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import fcntl, os, sys, time\nf = open(sys.argv[1], 'rb')\nfcntl.lockf(f, fcntl.LOCK_SH)\nbefore = os.path.getsize(sys.argv[1])\nprint('locked', flush=True)\ntime.sleep(0.5)\nprint(before, os.path.getsize(sys.argv[1]), flush=True)\nfcntl.lockf(f, fcntl.LOCK_UN)",
                running.directory + "/joe",
            ])
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        var output = Data()
        while !String(decoding: output, as: UTF8.self).contains("locked\n") {
            let chunk = pipe.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            output += chunk
        }
        // Answered 250 only once the append is done, which waits for the reader's lock.
        #expect(try send("second"))
        output += pipe.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        let sizes = String(decoding: output, as: UTF8.self).split(separator: "\n").last?.split(separator: " ") ?? []
        #expect(sizes.count == 2 && sizes.first == sizes.last, "the file changed under the lock: \(sizes)")
        let text = try String(contentsOfFile: running.directory + "/joe", encoding: .utf8)
        #expect(text.components(separatedBy: "\nFrom ann@a.org ").count == 2 && text.contains("Subject: second"))
    }
}
