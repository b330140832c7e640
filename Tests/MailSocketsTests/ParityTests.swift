import Foundation
import MailAgent
import MailCore
import MailDialects
import TestSupport
import Testing

@testable import MailSockets

/// The live server and the simulator are two drivers of the same engines and agent: the same
/// session through both stores the same bytes, for every dialect.
@Suite struct ParityTests {
    /// A fixed wall clock for the server: its Maildir names and its trace lines' dates.
    static let second = 449_001_234  // 1984-03-24T18:33:54Z

    static let text =
        "Subject: parity\r\nFrom: ann@a.org\r\n\r\nfirst line\r\n.a line that starts with a dot\r\n..two\r\nlast\r\n"

    @Test(
        "one session stores the same bytes through serve and through the simulator's engines and agent",
        arguments: DialectID.allCases)
    func sameBytes(dialect: DialectID) throws {
        let transaction = SendTests.transaction(["joe@example.org"], Self.text)
        let naming = Maildir.Naming(clock: { (Self.second, 250_000) }, pid: 7, random: { 42 }, host: "test")

        // Live: `serve` on a socket, `send` as its client.
        let running = try RunningServer(dialect) { $0.naming = naming }
        let report = try MailClient.send(
            dialect: dialect, host: "127.0.0.1", port: running.port, clientName: "a.org", transaction: transaction)
        running.stop()
        #expect(report.transactions[0].recipients.allSatisfy { $0.status.isDelivered })
        let live = try running.messages()

        // Simulated: the same engines back to back in memory, the receiving host's agent
        // configured as the server's (its name, its domain, its dialect), the client at the same
        // address, at the same second.
        let conversation = Conversation.run(
            sender: SenderEngine.make(dialect: dialect, clientName: "a.org", transactions: [transaction]),
            receiver: ReceiverEngine.make(dialect: dialect, policy: running.server.policy))
        var agent = MailAgent(
            configuration: AgentConfiguration(
                hostName: "example.org", localDomains: [Domain("example.org")], dialect: dialect, routing: .directOnly,
                epoch: Int64(Self.second)))
        for message in conversation.delivered {
            let (decision, _) = agent.messageReceived(
                message, peer: "[127.0.0.1]", peerAddress: "127.0.0.1", now: .zero)
            #expect(decision == .accepted)
        }
        let simulated = (agent.mailboxes["joe"] ?? []).map { String(decoding: $0.content, as: UTF8.self) }

        #expect(live.count == 1)
        #expect(live == simulated)
        // The comparison means something: the text is there as sent (dot-stuffed on the wire and
        // undone at the receiver), and the SMTP dialects' trace lines are in front of it.
        #expect(
            live.first?.hasSuffix("\r\n\r\nfirst line\r\n.a line that starts with a dot\r\n..two\r\nlast\r\n") == true)
        if dialect.isSMTP {
            #expect(live.first?.hasPrefix("Return-Path: ") == true, "\(live)")
        }
    }
}
