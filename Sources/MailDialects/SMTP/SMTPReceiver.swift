import MailCore

// The receiver-SMTP of RFC 788, RFC 821, RFC 1869 (+1870, 2920, 1652), RFC 2821 and RFC 5321, as
// one state machine reading `SMTPRules`. Sections: 821 §4.1.1 (command semantics and order, the 503
// rules, "stay in the same state"), §4.2-4.3 (replies and sequencing), §4.5.2 (transparency),
// §4.5.3 (sizes); 1869 §4 (EHLO); 1870 §6 (SIZE); 2920 §3.2 (pipelining servers); 2821 §3.1
// (554 greeting), §3.9 (unknown commands never close), §4.1.4 (second EHLO), §4.5.3.2 (timeouts).

/// A receiver-SMTP, sans I/O: bytes and events in, replies and deliveries out.
public struct SMTPReceiver: Sendable {
    public internal(set) var rules: SMTPRules
    var sharedPolicy: SharedReceiverPolicy
    /// What the host accepts (read through the shared box, never copied per session).
    public var policy: ReceiverPolicy { sharedPolicy.policy }

    enum Greeting: Hashable, Sendable {
        case helo(String)
        case ehlo(String)

        var name: String {
            switch self {
            case .helo(let name), .ehlo(let name): name
            }
        }
        var isExtended: Bool { if case .ehlo = self { true } else { false } }
    }

    struct Transaction: Hashable, Sendable {
        var mode: DeliveryMode
        var reversePath: Path
        var parameters: MailParameters
        var recipients: [AcceptedRecipient] = []
    }

    struct Session: Hashable, Sendable {
        var greeting: Greeting?
        var transaction: Transaction?
    }

    /// Where the session is. The data of each phase lives in stored properties (`session`,
    /// `assembler`) rather than in enum payloads, so that moving between phases copies nothing.
    enum State: Hashable, Sendable {
        /// Before `connectionOpened`.
        case idle
        /// Reading command lines.
        case commands
        /// RFC 2821 §3.1: greeted with 554; every command but QUIT gets 503.
        case refusing
        /// Reading message text after 354 into `assembler`, for `session.transaction`.
        case text
        /// The text is complete and handed to the host; input waits until it decides.
        case awaitingDecision
        case closed
    }

    var state = State.idle
    var session = Session()
    var assembler = MessageAssembler(maxSize: nil, clearHighBit: false)
    /// Whether replies to commands of a pipelined group are held back until the group ends
    /// (RFC 2920 §3.2): once EHLO was given, if this server offers PIPELINING.
    var buffersReplies = false
    var framer: LineFramer
    var actions: [ReceiverAction] = []
    var batch = ReplyBatch()
    var injections: [(SMTPVerb, Reply)] = []
    var shutdownRequested = false
    /// The storage of the last session's input, emptied, for the next text to be assembled in
    /// (a text arrives in the buffer the sender wrote it in; that buffer is kept here when the
    /// session ends, so that receiving a text allocates nothing once the buffers are warm).
    var spareStorage: [UInt8] = []
    /// When the server gives up waiting for the client (421), if it is waiting.
    public internal(set) var deadline: Timestamp?
    /// How many texts this session has begun to read (354 sent): tells one text from the next.
    public internal(set) var textsStarted = 0

    public init(rules: SMTPRules, policy: ReceiverPolicy) {
        self.init(rules: rules, sharedPolicy: SharedReceiverPolicy(policy))
    }

    public init(rules: SMTPRules, sharedPolicy: SharedReceiverPolicy) {
        self.rules = rules
        self.sharedPolicy = sharedPolicy
        framer = LineFramer(terminator: TextPolicy.commandTerminator, maxLineLength: Self.commandLimit(rules))
    }

    /// The reply to a command line ended by a bare LF: it is not run (RFC 821 §4.1.1: "<CRLF>" ends a
    /// command; RFC 5321 §2.3.8), and the reply says how to send CR LF from a terminal.
    static let bareLineFeedInCommand = Reply(
        .syntaxError, "Syntax error: line ended with a bare LF; end lines with CR LF (with nc, use nc -C)")

    /// Smallest buffer worth keeping for a text (smaller ones held commands only).
    static let spareMinimum = 1024

    /// RFC 1869 §4.1.2: the command limit grows by the longest parameters of the extensions
    /// (26 characters for SIZE, RFC 1870 §3; 14 for ` BODY=8BITMIME`).
    static func commandLimit(_ rules: SMTPRules) -> Int { rules.commandLineLimit + (rules.hasEHLO ? 40 : 0) }

    public var isClosed: Bool { if case .closed = state { true } else { false } }

    /// Whether a message text is being read (after 354, before its final dot).
    public var isReceivingText: Bool { if case .text = state { true } else { false } }

    /// While a text is read: the message it belongs to, as `deliver` will give it, with no text
    /// (a live server writes the trace lines in front of a text before its first bytes arrive).
    public var textEnvelope: ReceivedMessage? {
        guard case .text = state, let transaction = session.transaction else { return nil }
        return ReceivedMessage(
            dialect: rules.dialect, reversePath: transaction.reversePath, recipients: transaction.recipients,
            content: [],
            mode: transaction.mode, clientName: session.greeting?.name ?? "",
            extended: session.greeting?.isExtended ?? false,
            body: transaction.parameters.body ?? .sevenBit, declaredSize: transaction.parameters.size)
    }

    /// The text received so far, moved out of the engine when it holds at least `minimum` bytes:
    /// a live server writes a long text to disk as it arrives, so that a session's memory does
    /// not grow with the message. The `deliver` action that ends the text carries only the rest.
    public mutating func takeText(minimum: Int) -> [UInt8]? {
        guard case .text = state, !assembler.exceededSize, assembler.assembledCount >= minimum else { return nil }
        return assembler.takeContent()
    }

    // MARK: Inputs

    /// The connection is open: greet (RFC 821 §3.5; RFC 2821 §3.1).
    public mutating func connectionOpened(now: Timestamp) -> [ReceiverAction] {
        guard case .idle = state else { preconditionFailure("connectionOpened twice, in state \(state)") }
        switch policy.greeting {
        case .ready, .busy:
            state = .commands
            send(encoded: policy.replyTexts.encodedGreeting)
        case .refuse:
            state = .refusing
            send(Reply(.transactionFailed, "\(policy.hostName) No SMTP service here"))
        case .unavailable:
            send(Reply(.serviceNotAvailable, "\(policy.hostName) Service not available, closing transmission channel"))
            close()
        }
        deadline = isClosed ? nil : now.adding(nanoseconds: policy.$commandTimeout)
        return takeActions()
    }

    /// Bytes from the client.
    public mutating func bytesReceived<Bytes: Collection>(_ bytes: Bytes, now: Timestamp) -> [ReceiverAction]
    where Bytes.Element == UInt8 {
        guard !isClosed else { return [] }
        framer.append(bytes)
        process(now: now)
        return takeActions()
    }

    /// `bytesReceived` for an array handed over whole: the framer takes it without copying.
    public mutating func bytesReceived(_ bytes: consuming [UInt8], now: Timestamp) -> [ReceiverAction] {
        guard !isClosed else { return [] }
        framer.append(consume bytes)
        process(now: now)
        return takeActions()
    }

    /// The host's answer to a `deliver` action.
    public mutating func deliveryFinished(_ decision: DeliveryDecision, now: Timestamp) -> [ReceiverAction] {
        switch state {
        case .awaitingDecision:
            switch decision {
            case .accepted: send(encoded: Self.okay)
            case .rejected(let reply): send(reply)
            }
            state = .commands
            if shutdownRequested { return shutdown() }
            process(now: now)
        case .closed:
            break  // the client went away; the decision stands, nobody hears of it (RFC 1047)
        case .idle, .commands, .refusing, .text:
            preconditionFailure("deliveryFinished without a pending delivery, in state \(state)")
        }
        return takeActions()
    }

    /// The client closed or the connection broke: an unfinished transaction is dropped, as if RSET
    /// had been received (RFC 821 §4.1.1 QUIT).
    public mutating func connectionClosed() {
        state = .closed
        deadline = nil
    }

    /// Time has passed; if the client was too slow, answer 421 and close (RFC 2821 §4.5.3.2).
    public mutating func timerFired(now: Timestamp) -> [ReceiverAction] {
        guard let deadline, now >= deadline else { return [] }
        send(
            Reply(.serviceNotAvailable, "\(policy.hostName) Timeout waiting for command, closing transmission channel"))
        close()
        return takeActions()
    }

    /// The server is shutting down: 421 and close (RFC 821 §4.2.1 "may be a reply to any command
    /// if the service knows it must shut down"). A delivery in progress is finished first.
    public mutating func shutdown() -> [ReceiverAction] {
        switch state {
        case .closed: return []
        case .awaitingDecision:
            shutdownRequested = true
            return []
        case .idle, .commands, .refusing, .text:
            flush()
            send(Reply(.serviceNotAvailable, "\(policy.hostName) Service not available, closing transmission channel"))
            close()
            return takeActions()
        }
    }

    /// Makes the next `verb` command get `reply` instead of its normal treatment (fault injection);
    /// the receiver stays in the state it was in, as for any refused command.
    public mutating func injectReply(_ reply: Reply, forNext verb: SMTPVerb) {
        injections.append((verb, reply))
    }

    // MARK: Processing

    mutating func process(now: Timestamp) {
        // Command lines are read in place from one reference to the framer's bytes (see
        // `LineFramer.bytes`); nothing appends to the framer meanwhile.
        let bytes = framer.bytes
        bytes.withUnsafeBufferPointer { bytes in
            loop: while true {
                switch state {
                case .commands, .refusing:
                    switch framer.nextRange() {
                    case .needMoreData: break loop
                    case .overlong: send(Reply(.syntaxError, "Line too long"))  // RFC 821 §4.5.3 example
                    case .bareLineFeed: send(Self.bareLineFeedInCommand)
                    case .line(let range): commandLineReceived(bytes[range])
                    }
                case .text:
                    guard framer.feedText(to: &assembler) else { break loop }
                    textFinished()
                case .idle, .awaitingDecision, .closed:
                    break loop
                }
            }
        }
        flush()
        switch state {
        case .commands, .refusing, .text: deadline = now.adding(nanoseconds: policy.$commandTimeout)
        case .idle, .awaitingDecision, .closed: deadline = nil
        }
    }

    mutating func commandLineReceived(_ line: SMTPCommand.Bytes) {
        if case .refusing = state {
            // RFC 2821 §3.1: after a 554 greeting, "503 bad sequence of commands" to all but QUIT.
            if case .quit? = try? SMTPCommand.parse(line, rules: rules, extended: false) {
                quit()
            } else {
                send(Reply(.badSequence, "Bad sequence of commands: no SMTP service here"))
            }
            return
        }
        guard state == .commands else { preconditionFailure("command line in state \(state)") }
        let command: SMTPCommand
        do {
            command = try SMTPCommand.parse(line, rules: rules, extended: session.greeting?.isExtended ?? false)
        } catch {
            send(reply(for: error), bufferable: false)  // RFC 2920 §3.2 (6)
            return
        }
        if let index = injections.firstIndex(where: { $0.0 == command.verb }) {
            send(injections.remove(at: index).1)
            return
        }
        let verb = command.verb
        let bufferable = verb.mayBeInsidePipelinedGroup
        // Consumed: the paths and names bound below are moved out, not copied.
        switch consume command {
        case .helo(let name), .ehlo(let name):
            let extended = verb == .ehlo
            if rules.repeatedGreeting == .badSequenceAfterEHLO, session.greeting?.isExtended == true {
                send(Reply(.badSequence, "Bad sequence of commands: EHLO already given"))
                return
            }
            session = Session(greeting: extended ? .ehlo(name) : .helo(name), transaction: nil)
            buffersReplies = extended && rules.hasEHLO && policy.extensions.contains(.pipelining)
            if extended { sendEHLOReply(for: name) } else { send(Reply(.okay, policy.hostName)) }
        case .mail(let mode, let path, let parameters):
            guard case .some = session.greeting else {
                send(Reply(.badSequence, "Bad sequence of commands: send HELO first"), bufferable: bufferable)
                return
            }
            guard case .none = session.transaction else {
                send(Reply(.badSequence, "Bad sequence of commands: nested MAIL command"), bufferable: bufferable)
                return
            }
            if let refusal = refusal(of: parameters) {
                send(refusal, bufferable: bufferable)
                return
            }
            session.transaction = Transaction(mode: mode, reversePath: path, parameters: parameters)
            send(encoded: Self.okay, bufferable: bufferable)
        case .rcpt(let path):
            // Read the two fields in place, not the transaction: a copy of it would retain every
            // path in it, and alive at the append below it would make the append copy the list.
            guard let mode = session.transaction?.mode, let count = session.transaction?.recipients.count else {
                send(Reply(.badSequence, "Bad sequence of commands: need MAIL before RCPT"), bufferable: bufferable)
                return
            }
            let (reply, accepted) = recipientReply(path, mode: mode, count: count)
            if let accepted {
                if count == 0 { session.transaction!.recipients.reserveCapacity(4) }
                session.transaction!.recipients.append(accepted)
            }
            if let reply {
                send(reply, bufferable: bufferable)
            } else {
                send(encoded: Self.okay, bufferable: bufferable)
            }
        case .data:
            guard let recipientCount = session.transaction?.recipients.count else {
                send(Reply(.badSequence, "Bad sequence of commands: need MAIL and RCPT before DATA"))
                return
            }
            guard recipientCount > 0 else {
                // RFC 2920 §3.2 (3): a positive reply to DATA only if a valid RCPT was received.
                send(Reply(rules.dataWithoutRecipients, "No valid recipients"))
                return
            }
            send(encoded: Self.startMailInput)
            var storage: [UInt8] = []
            swap(&storage, &spareStorage)
            assembler = MessageAssembler(
                maxSize: policy.maxMessageSize, clearHighBit: rules.textPolicy.clearsHighBit, storage: consume storage)
            state = .text
            textsStarted += 1
            framer.terminator = TextPolicy.dataTerminator
            framer.sawBareLineFeed = false
            framer.maxLineLength = rules.textLineLimit
        case .rset:
            session.transaction = nil
            send(encoded: Self.okay, bufferable: bufferable)
        case .vrfy(let string):
            send(verify(string))
        case .expn(let string):
            send(expand(string))
        case .help(let topic):
            send(help(topic))
        case .noop:
            send(encoded: Self.okay)
        case .quit:
            quit()
        case .turn:
            guard policy.acceptsTURN else {
                send(Reply(.notImplemented, "TURN not implemented"))
                return
            }
            guard session.greeting != nil, session.transaction == nil else {
                send(Reply(.badSequence, "Bad sequence of commands: TURN outside a session"))
                return
            }
            send(encoded: Self.okay)
            flush()
            actions.append(.turn)
            state = .closed
        }
    }

    mutating func textFinished() {
        framer.terminator = TextPolicy.commandTerminator
        framer.maxLineLength = Self.commandLimit(rules)
        guard var transaction = session.transaction.take() else { preconditionFailure("text without a transaction") }
        var finished = MessageAssembler(maxSize: nil, clearHighBit: false)
        swap(&finished, &assembler)
        if finished.exceededSize {
            // RFC 1870 §6.1 / §6.3: refuse text larger than the fixed maximum.
            state = .commands
            send(Reply(.exceededStorage, "Message size exceeds fixed maximum message size"))
            return
        }
        if finished.overlongLines > 0 {
            state = .commands
            send(Reply(.transactionFailed, "Transaction failed: line longer than \(rules.textLineLimit) characters"))
            return
        }
        if finished.bareLineFeeds {
            // RFC 5321 §2.3.8: a client "MUST NOT transmit" a bare LF; the text ended only at
            // <CRLF>.<CRLF> (§4.1.1.4), and it is refused whole rather than stored in part.
            state = .commands
            send(
                Reply(
                    .transactionFailed, "Transaction failed: a line of the text ends in a bare LF; lines end with CR LF"
                ))
            return
        }
        flush()
        state = .awaitingDecision
        // The paths are moved out of the spent transaction rather than copied from it.
        var reversePath = Path.null
        swap(&reversePath, &transaction.reversePath)
        var recipients: [AcceptedRecipient] = []
        swap(&recipients, &transaction.recipients)
        actions.append(
            .deliver(
                ReceivedMessage(
                    dialect: rules.dialect, reversePath: reversePath, recipients: recipients,
                    content: finished.content, mode: transaction.mode, clientName: session.greeting?.name ?? "",
                    extended: session.greeting?.isExtended ?? false, body: transaction.parameters.body ?? .sevenBit,
                    declaredSize: transaction.parameters.size)))
    }

    mutating func quit() {
        send(encoded: policy.replyTexts.encodedClosing)
        close()
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the next call fills it without allocating.
    public mutating func recycle(_ spent: inout [ReceiverAction]) { reuseActionStorage(&spent, into: &actions) }

    mutating func takeActions() -> [ReceiverAction] {
        flush()
        defer { actions = [] }
        return actions
    }
}
