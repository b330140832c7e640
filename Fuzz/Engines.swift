// libFuzzer target: the receiver and sender engines of every dialect fed a random byte stream
// (Scripts/fuzz.sh engines). The first byte picks the dialect and whether the engine plays the
// server (the bytes are a client's commands) or the client (the bytes are a server's replies);
// the next bytes cut the stream into reads. Every input must give replies, commands or a
// close, never a trap; each session must also end within a bounded number of steps.
import MailCore
import MailDialects

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEngines(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let dialect = DialectID.allCases[Int(bytes[0] >> 1) % DialectID.allCases.count]
    let chunk = max(1, Int(bytes[1]))
    let stream = bytes.dropFirst(2)
    var now = Timestamp.zero
    if bytes[0] & 1 == 0 {
        let policy = ReceiverPolicy(
            hostName: "z.example", users: ["joe", "ann"], maxRecipients: 5, maxMessageSize: 4096)
        var engine = ReceiverEngine.make(dialect: dialect, policy: policy)
        var actions = engine.connectionOpened(now: now)
        var offset = stream.startIndex
        var steps = 0
        while !engine.isClosed, steps < 10_000 {
            steps += 1
            if case .deliver(let message)? = actions.last {
                actions = engine.deliveryFinished(
                    message.content.count % 2 == 0 ? .accepted : .rejected(Reply(.transactionFailed, "no")), now: now)
                continue
            }
            guard offset < stream.endIndex else {
                actions = engine.timerFired(now: Timestamp(nanoseconds: now.nanoseconds + 3_600_000_000_000))
                break
            }
            let end = min(stream.endIndex, offset + chunk)
            now = Timestamp(nanoseconds: now.nanoseconds + 1_000_000)
            actions = engine.bytesReceived(Array(stream[offset..<end]), now: now)
            offset = end
        }
        engine.connectionClosed()
    } else {
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(Mailbox(localPart: "ann", domain: Domain("a.example"))),
            recipients: [
                Path(Mailbox(localPart: "joe", domain: Domain("z.example"))),
                Path(Mailbox(localPart: "bob", domain: Domain("z.example"))),
            ],
            content: Array("Subject: hi\r\n\r\nHello.\r\n".utf8))
        var engine = SenderEngine.make(dialect: dialect, clientName: "a.example", transactions: [transaction])
        _ = engine.connectionOpened(now: now)
        var offset = stream.startIndex
        var steps = 0
        while !engine.isFinished, offset < stream.endIndex, steps < 10_000 {
            steps += 1
            let end = min(stream.endIndex, offset + chunk)
            now = Timestamp(nanoseconds: now.nanoseconds + 1_000_000)
            _ = engine.bytesReceived(Array(stream[offset..<end]), now: now)
            offset = end
        }
        if !engine.isFinished {
            _ = engine.timerFired(now: Timestamp(nanoseconds: now.nanoseconds + 3_600_000_000_000))
            if !engine.isFinished { _ = engine.connectionLost() }
        }
    }
    return 0
}
