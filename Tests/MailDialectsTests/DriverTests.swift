import MailCore
import Testing

@testable import MailDialects

/// The one action loop every driver of the engines uses (`carryOut`): actions in order, the
/// spent list back to the engine with its storage, a delivery handed over after that.
@Suite struct DriverTests {
    /// A session that ends with a report and a delivered message, for real values of both.
    static let session: Conversation = {
        let transaction = OutboundTransaction(
            id: 1, reversePath: path("<a@x.org>"), recipients: [path("<b@y.org>")], content: content(["Hi."]))
        return Conversation.run(
            sender: .make(dialect: .smtp2821, clientName: "x.org", transactions: [transaction]),
            receiver: .make(dialect: .smtp2821, policy: ReceiverPolicy(hostName: "y.org")))
    }()

    struct SenderLog: SenderDriver {
        var log: [String] = []
        var recycled: (count: Int, capacity: Int)?
        mutating func send(_ outgoing: consuming Outgoing) {
            log.append("send " + outgoing.transcriptLines.joined(separator: "|"))
        }
        mutating func close() { log.append("close") }
        mutating func finished(_ report: consuming SessionReport) {
            log.append("finished \(report.transactions.count)")
        }
        mutating func turn() { log.append("turn") }
        mutating func recycle(_ spent: inout [SenderAction]) {
            log.append("recycle")
            recycled = (spent.count, spent.capacity)
        }
    }

    struct ReceiverLog: ReceiverDriver {
        var log: [String] = []
        var recycled: (count: Int, capacity: Int)?
        mutating func send(_ replies: consuming ReplyBatch) {
            log.append("send " + replies.map { String($0.code.rawValue) }.joined(separator: ","))
        }
        mutating func deliver(_ message: consuming ReceivedMessage) {
            log.append("deliver \(message.content.count) bytes")
        }
        mutating func close() { log.append("close") }
        mutating func turn() { log.append("turn") }
        mutating func recycle(_ spent: inout [ReceiverAction]) {
            log.append("recycle")
            recycled = (spent.count, spent.capacity)
        }
    }

    @Test("a sender's actions are carried out in order, and the emptied list goes back with its storage")
    func senderOrder() throws {
        let report = try #require(Self.session.report)
        var actions: [SenderAction] = []
        actions.reserveCapacity(16)
        let capacity = actions.capacity
        var mail = Outgoing.line(Array("MAIL FROM:<a@x.org>\r\n".utf8))
        mail.appendLine(Array("RCPT TO:<b@y.org>\r\n".utf8))
        actions += [.send(mail), .close, .finished(report), .turn, .send(.text(Array("Hi.\r\n.\r\n".utf8)))]
        var driver = SenderLog()
        driver.carryOut(consume actions)
        #expect(
            driver.log == [
                "send MAIL FROM:<a@x.org>|RCPT TO:<b@y.org>", "close", "finished 1", "turn",
                "send <message text, 8 bytes>", "recycle",
            ])
        let recycled = try #require(driver.recycled)
        #expect(recycled.count == 0 && recycled.capacity == capacity)
    }

    @Test("a receiver's delivery is handed over last, after the list went back to the engine")
    func deliveryAfterRecycle() throws {
        let message = try #require(Self.session.delivered.first)
        var actions: [ReceiverAction] = []
        actions.reserveCapacity(16)
        let capacity = actions.capacity
        actions += [
            .send([Reply(.okay, "OK")]), .send([Reply(.startMailInput, "go"), Reply(.okay, "ok")]), .deliver(message),
        ]
        var driver = ReceiverLog()
        driver.carryOut(consume actions)
        #expect(driver.log == ["send 250", "send 354,250", "recycle", "deliver \(message.content.count) bytes"])
        let recycled = try #require(driver.recycled)
        #expect(recycled.count == 0 && recycled.capacity == capacity)

        var closing = ReceiverLog()
        closing.carryOut([.send([Reply(.closing, "bye")]), .close, .turn])
        #expect(closing.log == ["send 221", "close", "turn", "recycle"])
    }

    @Test("a write in a transcript: command lines without CR LF, the text by its size")
    func transcriptLines() {
        var outgoing = Outgoing.line(Array("DATA\r\n".utf8))
        outgoing.appendWireText(Array("Subject: x\r\n\r\nbody\r\n.\r\n".utf8))
        outgoing.appendLine(Array("QUIT\r\n".utf8))
        #expect(outgoing.transcriptLines == ["DATA", "<message text, 23 bytes>", "QUIT"])
        #expect(Outgoing().transcriptLines.isEmpty)
    }
}
