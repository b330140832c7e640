import MailCore
import MailDialects
import Testing

@testable import MailSockets

/// `MailClient`'s driver: what a failed write does to the rest of an action list.
@Suite struct ClientDriverTests {
    @Test("after a failed write the rest is not sent, but the engine's report is kept")
    func failedWrite() throws {
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(Mailbox("a@x.org")), recipients: [Path(Mailbox("b@y.org"))],
            content: Array("Hi.\r\n".utf8))
        let conversation = Conversation.run(
            sender: .make(dialect: .smtp2821, clientName: "x.org", transactions: [transaction]),
            receiver: .make(dialect: .smtp2821, policy: ReceiverPolicy(hostName: "y.org")))
        let report = try #require(conversation.report)
        let written = Lines()
        // Descriptor -1: every write fails, as one to a server that has gone away does.
        var driver = MailClient.Driver(
            engine: .make(dialect: .smtp2821, clientName: "x.org", transactions: [transaction]), fd: -1,
            transcript: { written.append($0) }, notation: DialectID.smtp2821.notation)
        driver.carryOut([
            .send(.line(Array("QUIT\r\n".utf8))), .send(.line(Array("NOOP\r\n".utf8))), .finished(report), .close,
        ])
        #expect(!driver.open)
        #expect(written.lines == ["C: QUIT"])  // tried and failed; NOOP not tried
        #expect(driver.report == report)
    }

    /// The transcript's lines (the test runs on one thread).
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
        func append(_ line: String) { lines.append(line) }
    }
}
