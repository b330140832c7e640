import MailCore

// The sender-SMTP of RFC 788, 821, 1869 (+1870, 2920, 1652), 2821 and 5321, as one state machine
// reading `SMTPRules`. Sections: 821 §4.1.1 (order; "treats the command in progress as 4xx" on a
// lost connection), §4.3 (sequencing), App. F Scenario 10 (another transaction for recipients
// refused for lack of room); 1869 §4.5-4.6 (HELO after a refused EHLO); 1870 §4-6 (SIZE);
// 1652 §3 (8-bit text only with 8BITMIME); 2920 §3.1 (groups, counting replies, the lone "." after
// an accepted DATA with no recipients); 2821 §4.2 (act on the first digit), §4.5.3.2 (timeouts).

/// A sender-SMTP, sans I/O: it transfers a list of transactions over one connection and reports
/// what became of every recipient.
public struct SMTPSender: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var rules: SMTPRules
        /// The name given with HELO/EHLO: the client's primary host name (RFC 2821 §4.1.1.1).
        public var clientName: String
        /// Extensions to use when the server offers them.
        public var extensions: ExtensionSet
        public var timeouts: SenderTimeouts
        /// End the session with TURN instead of QUIT (RFC 821 §3.8).
        public var sendsTURN: Bool

        public init(
            rules: SMTPRules, clientName: String, extensions: ExtensionSet = .all, timeouts: SenderTimeouts = .rfc2821,
            sendsTURN: Bool = false
        ) {
            self.rules = rules
            self.clientName = clientName
            self.extensions = extensions
            self.timeouts = timeouts
            self.sendsTURN = sendsTURN
        }
    }

    /// A reply the sender is waiting for, in the order the commands were sent.
    enum Expectation: Hashable, Sendable {
        case greeting, ehlo, helo, mail, rcpt(Int), data, text, loneDot, rset, quit, turn
    }

    /// The replies awaited, oldest first: a FIFO that keeps its storage, so that taking the
    /// oldest does not shift the array (or allocate a new one) once per reply.
    struct Expectations: Sendable {
        var items: [Expectation] = []
        var head = 0

        var isEmpty: Bool { head == items.count }
        var count: Int { items.count - head }
        /// The `offset`-th awaited reply, counting from the oldest.
        subscript(offset: Int) -> Expectation { items[head + offset] }
        /// Whether exactly one reply is awaited, and it is `expectation`.
        func isOnly(_ expectation: Expectation) -> Bool { count == 1 && items[head] == expectation }

        mutating func append(_ expectation: Expectation) {
            if head > 0 && head == items.count {
                // A handful of plain values: popping them is cheaper than `removeAll(keepingCapacity:)`.
                while items.popLast() != nil {}
                head = 0
            }
            // Room for a whole pipelined round (MAIL, a few RCPTs, DATA) at once, rather than
            // growing through 1, 2, 4 and 8 in the first exchanges of every session.
            if items.capacity == 0 { items.reserveCapacity(12) }
            items.append(expectation)
        }

        mutating func removeFirst() -> Expectation {
            let first = items[head]
            head += 1
            return first
        }

        mutating func removeAll() {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Where the session stands (RFC 821 §4.3's sequences). `pending` says which reply comes
    /// next and what it answers (several, when pipelining); the state says what the session is
    /// doing, and only `.transaction` has a round.
    enum State: Hashable, Sendable {
        /// The connection is not open yet.
        case connecting
        /// The greeting, then EHLO or HELO: no transaction yet.
        case opening
        /// A round of a transaction: MAIL, its recipients, DATA, the text, and the RSET after it
        /// when the server still holds the transaction; the round's deferred recipients, if
        /// any, are the next round.
        case transaction(Round)
        /// QUIT or TURN sent.
        case closing
        /// The session is over and reported; nothing more is read.
        case finished
    }

    /// One attempt at a transaction: MAIL, some of its recipients, DATA, text. Its recipient
    /// lists are the sender's `RoundLists`, storage kept from round to round, so that the state
    /// is plain values (copied and compared without reference counting; as one payload, it also
    /// keeps `SenderEngine`'s optional cheap to test).
    struct Round: Hashable, Sendable {
        var transaction: Int
        var mailFailed = false
        var sizeDeclared = false
    }

    /// The recipients of the round under way, as indices into its transaction's: those tried,
    /// those the server accepted and those it deferred to another transaction. Meaningful in
    /// `.transaction` only.
    struct RoundLists: Sendable {
        var tried: [Int] = []
        var accepted: [Int] = []
        var deferred: [Int] = []
    }

    public internal(set) var configuration: Configuration
    var rules: SMTPRules { configuration.rules }
    var transactions: [OutboundTransaction]
    /// What became of each recipient.
    var ledger: RecipientLedger
    var state = State.connecting
    var lists = RoundLists()
    var pending = Expectations()
    var nextTransaction = 0
    var extended = false
    /// Whether any MAIL was sent: failures before that let the caller try another exchanger.
    var startedTransaction = false
    var framer: LineFramer
    var parser = ReplyParser()
    var actions: [SenderAction] = []
    var report: SessionReport
    /// The storage of the last session's text, emptied, for the next text to be written in: the
    /// transactions are given up at `restart`, and their text, read by nobody else by then, is
    /// kept here (so that writing a text allocates nothing once the buffers are warm).
    var spareStorage: [UInt8] = []
    /// When the sender gives up waiting for the current reply.
    public internal(set) var deadline: Timestamp?

    public init(configuration: Configuration, transactions: [OutboundTransaction]) {
        self.configuration = configuration
        self.transactions = transactions
        ledger = RecipientLedger(transactions)
        // Replies are read leniently: a server may send longer lines than the dialect's limit.
        framer = LineFramer(terminator: .lf, maxLineLength: 4096)
        report = SessionReport(
            transactions: [], turnarounds: 0, greeting: nil, usedEHLO: false, fellBackToHELO: false, pipelined: false,
            serverExtensionLines: [], failedBeforeTransactions: false, turned: false)
    }

    // MARK: Inputs

    /// The connection is open; wait for the greeting.
    public mutating func connectionOpened(now: Timestamp) -> [SenderAction] {
        guard case .connecting = state else { preconditionFailure("connectionOpened twice") }
        state = .opening
        pending.append(.greeting)
        report.turnarounds = 1
        deadline = now.adding(nanoseconds: configuration.timeouts.$greeting)
        return takeActions()
    }

    public mutating func bytesReceived<Bytes: Collection>(_ bytes: Bytes, now: Timestamp) -> [SenderAction]
    where Bytes.Element == UInt8 {
        guard !isFinished else { return [] }
        framer.append(bytes)
        return readReplies(now: now)
    }

    /// `bytesReceived` for an array handed over whole: the framer takes it without copying.
    public mutating func bytesReceived(_ bytes: consuming [UInt8], now: Timestamp) -> [SenderAction] {
        guard !isFinished else { return [] }
        framer.append(consume bytes)
        return readReplies(now: now)
    }

    mutating func readReplies(now: Timestamp) -> [SenderAction] {
        // The lines are read in place from one reference to the framer's bytes (see
        // `LineFramer.bytes`); nothing appends to the framer meanwhile.
        let bytes = framer.bytes
        bytes.withUnsafeBufferPointer { bytes in
            while !isFinished {
                switch framer.nextRange() {
                case .needMoreData:
                    return
                case .overlong:
                    interrupt(.overlongReply, closing: true)
                case .bareLineFeed:
                    continue  // only in `.crlfReportingBareLF` mode; replies are read leniently
                case .line(let range):
                    let line = UnsafeBufferPointer(rebasing: bytes[range])
                    let awaited = pending.isEmpty ? nil : pending[0]
                    if case .ehlo? = awaited, parser.isReadingReply, line.count > 4, line[0] == UInt8(ascii: "2") {
                        // A further line of a positive EHLO reply: an extension, read here from its
                        // bytes (the parser builds no text for it, see `readsText`).
                        readExtension(UnsafeBufferPointer(rebasing: line[4...]))
                    }
                    switch parser.lineReceived(
                        line, minimumFirstDigit: 2, keepsText: { Self.readsText(of: $0, awaiting: awaited) })
                    {
                    case .incomplete: continue
                    case .malformed(let text):
                        interrupt(.malformedReply(String(text.prefix(40))), closing: true)
                    case .reply(let reply):
                        replyReceived(reply, now: now)
                    }
                }
            }
        }
        return takeActions()
    }

    /// The connection closed or broke before the session ended: "the command in progress" counts
    /// as a temporary failure (RFC 821 §4.1.1; "as if a 451 response had been received", 2821 §3.9).
    /// Losing it after the text and before the reply is RFC 1047's duplicate-message gap.
    public mutating func connectionLost() -> [SenderAction] {
        guard !isFinished else { return [] }
        if pending.isOnly(.quit) || pending.isOnly(.turn) {
            finish()  // everything was settled; the server just closed first
        } else {
            interrupt(.connectionLost, closing: false)
        }
        return takeActions()
    }

    /// Time has passed; if the reply is overdue, give up on the session (RFC 2821 §4.5.3.2).
    public mutating func timerFired(now: Timestamp) -> [SenderAction] {
        guard !isFinished, let deadline, now >= deadline else { return [] }
        interrupt(.timedOut, closing: true)
        return takeActions()
    }

    // MARK: Replies

    /// Whether `replyReceived` reads the text of a line of a reply with `code` to `expectation`
    /// (rather than acting on the code alone). It must answer yes wherever the text is kept (in
    /// the report, a recipient's status or a failure): the parser builds no text for the others.
    /// A positive greeting and a positive EHLO reply are acted on by code; the EHLO reply's
    /// further lines, its extensions, are read from their bytes as they arrive.
    static func readsText(of code: ReplyCode, awaiting expectation: Expectation?) -> Bool {
        switch expectation {
        case .mail?, .helo?, .greeting?: !code.isPositiveCompletion
        case .ehlo?: !code.isPositiveCompletion  // the keyword lines are read as bytes (`readExtension`)
        case .rcpt?: code != .okay && code != .userNotLocalWillForward
        case .data?: code != .startMailInput
        case .quit?, .rset?, .loneDot?: false
        case .text?, .turn?, nil: true
        }
    }

    mutating func replyReceived(_ reply: Reply, now: Timestamp) {
        guard !pending.isEmpty else {
            interrupt(.unexpectedReply(reply.code), closing: true)
            return
        }
        let expectation = pending.removeFirst()
        let code = reply.code
        switch expectation {
        case .greeting:
            report.greeting = reply
            if code == .serviceReady {
                hello(extended: rules.hasEHLO, now: now)
            } else if code.isTransientFailure {
                fail(reply, closing: true)  // 421: the server closes
            } else {
                report.failedBeforeTransactions = true
                ledger.settleAll(.temporaryFailure(reply))  // 554 (RFC 2821 §3.1): try another exchanger
                quit(now: now)
            }
        case .ehlo:
            if code.isPositiveCompletion {
                extended = true
                beginNext(now: now)
            } else if code == .serviceNotAvailable {
                fail(reply, closing: true)
            } else {
                // RFC 1869 §4.5-4.6: on 500, 501, 502, 504 or 550/554, send HELO instead.
                report.fellBackToHELO = true
                hello(extended: false, now: now)
            }
        case .helo:
            if code.isPositiveCompletion {
                beginNext(now: now)
            } else {
                report.failedBeforeTransactions = true
                ledger.settleAll(code.isPermanentFailure ? .permanentFailure(reply) : .temporaryFailure(reply))
                code == .serviceNotAvailable ? fail(reply, closing: true) : quit(now: now)
            }
        case .mail:
            var round = currentRound("MAIL reply")
            if !code.isPositiveCompletion {
                round.mailFailed = true
                state = .transaction(round)
                for index in lists.tried { ledger.settle(round.transaction, index, status(for: reply)) }
            }
            if !pipelining {
                if round.mailFailed { finishRound(now: now) } else { sendRecipient(0, now: now) }
            }
        case .rcpt(let position):
            let round = currentRound("RCPT reply")
            let index = lists.tried[position]
            if !round.mailFailed {
                if code == .okay || code == .userNotLocalWillForward {
                    lists.accepted.append(index)
                } else if rules.retryInNextTransaction.contains(code), !lists.accepted.isEmpty,
                    !(rules.dialect == .esmtp && round.sizeDeclared && code == .exceededStorage)
                {
                    // "Try again in another transaction" (RFC 821 App. F Scenario 10; 2821
                    // §4.5.3.1: 100-recipient "chunks"), for as long as each transaction takes
                    // some recipients. With SIZE declared, an RFC 1870 client reads a 552 to RCPT
                    // as this recipient's refusal, "may not requeue" (§6.4; the §8 example).
                    lists.deferred.append(index)
                } else if rules.retryInNextTransaction.contains(code), rules.stripsRoutes {
                    // RFC 2821 §4.5.3.1: a 552 is temporary here.
                    ledger.settle(round.transaction, index, .temporaryFailure(reply))
                } else {
                    ledger.settle(round.transaction, index, status(for: reply))
                }
            }
            if !pipelining {
                if position + 1 < lists.tried.count {
                    sendRecipient(position + 1, now: now)
                } else if lists.accepted.isEmpty {
                    finishRound(now: now, serverHasTransaction: true)
                } else {
                    send(.data, expecting: .data, timeout: configuration.timeouts.$dataInitiation, now: now)
                }
            }
        case .data:
            let round = currentRound("DATA reply")
            if code == .startMailInput {
                if lists.accepted.isEmpty {
                    // RFC 2920 §3.1: DATA accepted with no valid recipient: send a single dot.
                    pending.append(.loneDot)
                    send(
                        .text([UInt8(ascii: "."), 0x0d, 0x0a]), timeout: configuration.timeouts.$dataTermination,
                        now: now)
                } else {
                    sendText(now: now)
                }
            } else {
                if !round.mailFailed {
                    for index in lists.accepted { ledger.settle(round.transaction, index, status(for: reply)) }
                    lists.accepted.removeAll(keepingCapacity: true)
                }
                finishRound(now: now, serverHasTransaction: !round.mailFailed)
            }
        case .text:
            let round = currentRound("text reply")
            let outcome: RecipientStatus = code.isPositiveCompletion ? .delivered(reply) : status(for: reply)
            for index in lists.accepted { ledger.settle(round.transaction, index, outcome) }
            // QUIT (or TURN) rode along with the text when nothing else was left (see `sendText`).
            if pending.isEmpty { finishRound(now: now) } else { state = .closing }
        case .loneDot:
            finishRound(now: now)
        case .rset:
            if pending.isEmpty { beginNext(now: now) }
        case .quit:
            finish()
            actions.append(.close)
        case .turn:
            if code == .okay {
                report.turned = true
                finish()
                actions.append(.turn)
            } else {
                quit(now: now)
            }
        }
        if pending.isEmpty == false { deadline = deadline ?? now.adding(nanoseconds: configuration.timeouts.$other) }
    }

    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// The round under way; asking outside one is a bug in this engine (`what` says where).
    func currentRound(_ what: StaticString) -> Round {
        switch state {
        case .transaction(let round): round
        default: preconditionFailure("\(what) outside a transaction")
        }
    }

    var pipelining: Bool {
        extended && configuration.extensions.contains(.pipelining) && offered.contains(.pipelining)
    }
    var sizeLimit: Int?
    /// The extensions this sender knows that the server's EHLO reply named.
    var offered: ExtensionSet = []

}

extension OutboundTransaction {
    /// "the number of octets, including CR-LF pairs, but not the SMTP DATA command's terminating
    /// dot or doubled quoting dots" (RFC 1870 §5).
    public var declaredSize: Int {
        let count = content.count
        return count + (count == 0 || (count >= 2 && content[count - 2] == 0x0d && content[count - 1] == 0x0a) ? 0 : 2)
    }
}
