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
        private var items: [Expectation] = []
        private var head = 0

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

    /// One attempt at a transaction: MAIL, some of its recipients, DATA, text.
    struct Round: Hashable, Sendable {
        var transaction: Int
        /// Indices into the transaction's recipients tried in this round.
        var recipients: [Int]
        var accepted: [Int] = []
        var deferred: [Int] = []
        var mailFailed = false
        var sizeDeclared = false
    }

    public private(set) var configuration: Configuration
    private var rules: SMTPRules { configuration.rules }
    private var transactions: [OutboundTransaction]
    /// What became of each recipient.
    private var ledger: RecipientLedger
    private var pending = Expectations()
    private var round: Round?
    private var nextTransaction = 0
    private var extended = false
    private var finished = false
    /// Whether any MAIL was sent: failures before that let the caller try another exchanger.
    private var startedTransaction = false
    private var framer: LineFramer
    private var parser = ReplyParser()
    private var actions: [SenderAction] = []
    private var report: SessionReport
    /// The storage of the last session's text, emptied, for the next text to be written in: the
    /// transactions are given up at `restart`, and their text, read by nobody else by then, is
    /// kept here (so that writing a text allocates nothing once the buffers are warm).
    private var spareStorage: [UInt8] = []
    /// When the sender gives up waiting for the current reply.
    public private(set) var deadline: Timestamp?

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

    /// Makes this engine a new sender for another session, as `init(configuration:transactions:)`
    /// would, but keeping the storage of its lists: a simulation runs a million sessions, and
    /// making and freeing each one's lists was 5% of a run.
    ///
    /// Every stored property is reset here, field by field, in place: building a new sender and
    /// assigning it over this one moved 490 bytes and destroyed the old value through its value
    /// witness (1.1% of a simulation's instructions). `RestartTests` compare the result with a new
    /// sender.
    public mutating func restart(configuration: consuming Configuration, transactions: [OutboundTransaction]) {
        var done = transactions
        swap(&done, &self.transactions)
        Self.keepTextStorage(of: &done, in: &spareStorage)
        reset(configuration: configuration)
    }

    /// `restart(configuration:transactions:)` for a session of one transaction (a mail agent's),
    /// keeping the transaction list's storage too: a list made for each session was an
    /// allocation a session. With `rules` nil, the sender keeps the rules it has (the same
    /// dialect's as last time), rather than copying a dialect's rules in and releasing the old
    /// copy's sets.
    mutating func restart(
        rules: SMTPRules?, clientName: String, extensions: ExtensionSet, timeouts: SenderTimeouts,
        transaction: consuming OutboundTransaction
    ) {
        Self.keepTextStorage(of: &transactions, in: &spareStorage)
        transactions.removeAll(keepingCapacity: true)
        transactions.append(transaction)
        if let rules { configuration.rules = rules }
        configuration.clientName = clientName
        configuration.extensions = extensions
        configuration.timeouts = timeouts
        configuration.sendsTURN = false
        resetSession()
    }

    /// Keeps the storage of the last session's text (the last transaction's) in `spareStorage`
    /// when it is big enough and none is kept yet: the finished transactions are given up here.
    private static func keepTextStorage(of done: inout [OutboundTransaction], in spareStorage: inout [UInt8]) {
        guard spareStorage.capacity == 0, let last = done.indices.last,
            done[last].content.capacity >= SMTPReceiver.spareMinimum
        else { return }
        spareStorage = done[last].content
        done.removeAll(keepingCapacity: true)  // the last session's transactions, and their texts but this one, go here
        spareStorage.removeAll(keepingCapacity: true)
    }

    private mutating func reset(configuration: consuming Configuration) {
        self.configuration = configuration
        resetSession()
    }

    /// Resets everything but the configuration and the transactions, as `init` sets it.
    private mutating func resetSession() {
        ledger.reset(for: transactions)
        pending.removeAll()
        round = nil
        nextTransaction = 0
        extended = false
        finished = false
        startedTransaction = false
        framer = LineFramer(terminator: .lf, maxLineLength: 4096)  // as in `init`
        parser = ReplyParser()
        actions.removeAll(keepingCapacity: true)
        // The outcomes' storage is reused once the caller has let go of the last report.
        report.transactions.removeAll(keepingCapacity: true)
        report.turnarounds = 0
        report.greeting = nil
        report.usedEHLO = false
        report.fellBackToHELO = false
        report.pipelined = false
        report.serverExtensionBytes.removeAll(keepingCapacity: true)
        report.failedBeforeTransactions = false
        report.turned = false
        deadline = nil
        sizeLimit = nil
        offered = []
    }

    public var isFinished: Bool { finished }

    // MARK: Inputs

    /// The connection is open; wait for the greeting.
    public mutating func connectionOpened(now: Timestamp) -> [SenderAction] {
        precondition(pending.isEmpty && !finished, "connectionOpened twice")
        pending.append(.greeting)
        report.turnarounds = 1
        deadline = now.adding(nanoseconds: configuration.timeouts.$greeting)
        return takeActions()
    }

    public mutating func bytesReceived<Bytes: Collection>(_ bytes: Bytes, now: Timestamp) -> [SenderAction]
    where Bytes.Element == UInt8 {
        guard !finished else { return [] }
        framer.append(bytes)
        return readReplies(now: now)
    }

    /// `bytesReceived` for an array handed over whole: the framer takes it without copying.
    public mutating func bytesReceived(_ bytes: consuming [UInt8], now: Timestamp) -> [SenderAction] {
        guard !finished else { return [] }
        framer.append(consume bytes)
        return readReplies(now: now)
    }

    private mutating func readReplies(now: Timestamp) -> [SenderAction] {
        // The lines are read in place from one reference to the framer's bytes (see
        // `LineFramer.bytes`); nothing appends to the framer meanwhile.
        let bytes = framer.bytes
        bytes.withUnsafeBufferPointer { bytes in
            while !finished {
                switch framer.nextRange() {
                case .needMoreData:
                    return
                case .overlong:
                    interrupt("a reply line too long", closing: true)
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
                        interrupt("a malformed reply: \(text.prefix(40))", closing: true)
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
        guard !finished else { return [] }
        if pending.isOnly(.quit) || pending.isOnly(.turn) {
            finish()  // everything was settled; the server just closed first
        } else {
            interrupt("the connection was lost", closing: false)
        }
        return takeActions()
    }

    /// Time has passed; if the reply is overdue, give up on the session (RFC 2821 §4.5.3.2).
    public mutating func timerFired(now: Timestamp) -> [SenderAction] {
        guard !finished, let deadline, now >= deadline else { return [] }
        interrupt("timed out waiting for a reply", closing: true)
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

    private mutating func replyReceived(_ reply: Reply, now: Timestamp) {
        guard !pending.isEmpty else {
            interrupt("a reply to no command: \(reply.code)", closing: true)
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
            // The round is changed in place: a copy held while changing it would copy its lists.
            guard case .some = round else { preconditionFailure("MAIL reply outside a round") }
            if !code.isPositiveCompletion {
                round!.mailFailed = true
                let (transaction, recipients) = (round!.transaction, round!.recipients)
                for index in recipients { ledger.settle(transaction, index, status(for: reply)) }
            }
            if !pipelining {
                if round!.mailFailed { finishRound(now: now) } else { sendRecipient(0, now: now) }
            }
        case .rcpt(let position):
            guard case .some = round else { preconditionFailure("RCPT reply outside a round") }
            let index = round!.recipients[position]
            if !round!.mailFailed {
                if code == .okay || code == .userNotLocalWillForward {
                    if round!.accepted.capacity == 0 { round!.accepted.reserveCapacity(round!.recipients.count) }
                    round!.accepted.append(index)
                } else if rules.retryInNextTransaction.contains(code), !round!.accepted.isEmpty,
                    !(rules.dialect == .esmtp && round!.sizeDeclared && code == .exceededStorage)
                {
                    // "Try again in another transaction" (RFC 821 App. F Scenario 10; 2821
                    // §4.5.3.1: 100-recipient "chunks"), for as long as each transaction takes
                    // some recipients. With SIZE declared, an RFC 1870 client reads a 552 to RCPT
                    // as this recipient's refusal, "may not requeue" (§6.4; the §8 example).
                    round!.deferred.append(index)
                } else if rules.retryInNextTransaction.contains(code), rules.stripsRoutes {
                    // RFC 2821 §4.5.3.1: a 552 is temporary here.
                    ledger.settle(round!.transaction, index, .temporaryFailure(reply))
                } else {
                    ledger.settle(round!.transaction, index, status(for: reply))
                }
            }
            if !pipelining {
                if position + 1 < round!.recipients.count {
                    sendRecipient(position + 1, now: now)
                } else if round!.accepted.isEmpty {
                    finishRound(now: now, serverHasTransaction: true)
                } else {
                    send(.data, expecting: .data, timeout: configuration.timeouts.$dataInitiation, now: now)
                }
            }
        case .data:
            guard let round else { preconditionFailure("DATA reply outside a round") }
            if code == .startMailInput {
                if round.accepted.isEmpty {
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
                    for index in round.accepted { ledger.settle(round.transaction, index, status(for: reply)) }
                    self.round?.accepted = []
                }
                finishRound(now: now, serverHasTransaction: !round.mailFailed)
            }
        case .text:
            guard let round else { preconditionFailure("text reply outside a round") }
            let outcome: RecipientStatus = code.isPositiveCompletion ? .delivered(reply) : status(for: reply)
            for index in round.accepted { ledger.settle(round.transaction, index, outcome) }
            if pending.isEmpty { finishRound(now: now) } else { self.round = nil }
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

    private var pipelining: Bool {
        extended && configuration.extensions.contains(.pipelining) && offered.contains(.pipelining)
    }
    private var sizeLimit: Int?
    /// The extensions this sender knows that the server's EHLO reply named.
    private var offered: ExtensionSet = []

    /// RFC 1869 §4.3: after the greeting line, one keyword (and its parameters) per line.
    /// Reads one extension line of a positive EHLO reply (its text, without the code): the
    /// extensions the sender acts on, the size limit, and the line kept for the report.
    private mutating func readExtension(_ line: UnsafeBufferPointer<UInt8>) {
        var wordEnd = 0
        while wordEnd < line.count && line[wordEnd] != 0x20 { wordEnd += 1 }
        let word = UnsafeBufferPointer(rebasing: line[..<wordEnd])
        if Self.word(word, is: "PIPELINING") {
            offered.insert(.pipelining)
        } else if Self.word(word, is: "8BITMIME") {
            offered.insert(.eightBitMIME)
        } else if Self.word(word, is: "SIZE") {
            offered.insert(.size)
            if sizeLimit == nil { sizeLimit = Self.sizeLimit(line) }
        }
        if report.serverExtensionBytes.capacity == 0 { report.serverExtensionBytes.reserveCapacity(128) }
        report.serverExtensionBytes.append(contentsOf: line)
        report.serverExtensionBytes.append(0x0a)
    }

    /// Whether `word` is the keyword `literal` (upper case), in any case (RFC 1869 §4.3).
    private static func word(_ word: UnsafeBufferPointer<UInt8>, is literal: StaticString) -> Bool {
        literal.withUTF8Buffer { literal in
            word.count == literal.count
                && !zip(word, literal).contains { byte, upper in
                    byte != upper && !(upper >= 0x41 && upper <= 0x5a && byte == upper | 0x20)
                }
        }
    }

    /// `SIZE 1000000` → 1000000 (RFC 1870 §4); 0 or no number means no stated limit.
    static func sizeLimit(_ line: String) -> Int? {
        var line = line
        return line.withUTF8 { sizeLimit($0) }
    }

    /// `sizeLimit(_:)` on the line's bytes.
    static func sizeLimit(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        // Exactly two words between spaces, "SIZE" in any case and a number.
        var first: Range<Int>?
        var second: Range<Int>?
        var index = 0
        while index < bytes.count {
            guard bytes[index] != 0x20 else {
                index += 1
                continue
            }
            let start = index
            while index < bytes.count && bytes[index] != 0x20 { index += 1 }
            if first == nil {
                first = start..<index
            } else if second == nil {
                second = start..<index
            } else {
                return nil  // a third word
            }
        }
        guard let first, let second, first.count == 4 else { return nil }
        for (offset, letter) in "size".utf8.enumerated() where bytes[first.lowerBound + offset] | 0x20 != letter {
            return nil
        }
        var limit = 0
        for index in second {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            let (times10, overflow1) = limit.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { return nil }
            limit = sum
        }
        return limit > 0 ? limit : nil
    }

    // MARK: Commands

    private mutating func hello(extended: Bool, now: Timestamp) {
        report.usedEHLO = report.usedEHLO || extended
        let command: SMTPCommand = extended ? .ehlo(configuration.clientName) : .helo(configuration.clientName)
        send(command, expecting: extended ? .ehlo : .helo, timeout: configuration.timeouts.$other, now: now)
    }

    /// Starts the next round: recipients deferred by the last round, else the next transaction,
    /// else QUIT (or TURN).
    private mutating func beginNext(now: Timestamp) {
        var outgoing = Outgoing()
        let first = pending.count
        appendNextStep(to: &outgoing)
        send(outgoing, timeout: timeout(for: pending[first]), now: now)
    }

    /// Appends the commands of the next step to a group being written.
    private mutating func appendNextStep(to outgoing: inout Outgoing) {
        while true {
            if let last = round, !last.deferred.isEmpty {
                startRound(Round(transaction: last.transaction, recipients: last.deferred), &outgoing)
                return
            }
            round = nil
            guard nextTransaction < transactions.count else {
                let command: SMTPCommand = configuration.sendsTURN && rules.hasTURN ? .turn : .quit
                outgoing.append(command, rules.routeStyle)
                pending.append(command == .turn ? .turn : .quit)
                return
            }
            let index = nextTransaction
            nextTransaction += 1
            let transaction = transactions[index]
            // RFC 1652 §3: 8-bit text "must not, under any circumstances" go to a server that did
            // not offer 8BITMIME; without a converter, that is a permanent failure.
            if transaction.hasEightBitText, rules.hasEHLO, !(extended && offered.contains(.eightBitMIME)) {
                let reply = Reply(.transactionFailed, "8-bit text and the server does not offer 8BITMIME (RFC 1652 §3)")
                for recipient in transaction.recipients.indices {
                    ledger.settle(index, recipient, .permanentFailure(reply))
                }
                continue
            }
            // RFC 1870 §4: do not send what the server said it cannot take.
            if let limit = sizeLimit, configuration.extensions.contains(.size), transaction.declaredSize > limit {
                let reply = Reply(
                    .exceededStorage, "Message size \(transaction.declaredSize) exceeds the server's limit \(limit)")
                for recipient in transaction.recipients.indices {
                    ledger.settle(index, recipient, .permanentFailure(reply))
                }
                continue
            }
            startRound(Round(transaction: index, recipients: Array(transaction.recipients.indices)), &outgoing)
            return
        }
    }

    private mutating func startRound(_ newRound: Round, _ outgoing: inout Outgoing) {
        var newRound = newRound
        // The transaction's fields are read in place: a copy of it would retain every path in it.
        let current = newRound.transaction
        var parameters = MailParameters()
        if extended, configuration.extensions.contains(.size), offered.contains(.size) {
            parameters.size = transactions[current].declaredSize
            newRound.sizeDeclared = true
        }
        if extended, configuration.extensions.contains(.eightBitMIME), offered.contains(.eightBitMIME),
            transactions[current].hasEightBitText
        {
            parameters.body = .eightBitMIME
        }
        round = newRound
        startedTransaction = true
        outgoing.appendMail(transactions[current].mode, transactions[current].reversePath, parameters, rules.routeStyle)
        pending.append(.mail)
        if pipelining {
            report.pipelined = true
            for (position, index) in newRound.recipients.enumerated() {
                outgoing.appendRecipient(transactions[current].recipients[index], rules.routeStyle)
                pending.append(.rcpt(position))
            }
            outgoing.append(.data, rules.routeStyle)
            pending.append(.data)
        }
    }

    private mutating func sendRecipient(_ position: Int, now: Timestamp) {
        guard let round else { preconditionFailure("RCPT outside a round") }
        let path = transactions[round.transaction].recipients[round.recipients[position]]
        send(.rcpt(path), expecting: .rcpt(position), timeout: configuration.timeouts.$rcpt, now: now)
    }

    private mutating func sendText(now: Timestamp) {
        guard let round else { preconditionFailure("text outside a round") }
        var storage: [UInt8] = []
        swap(&storage, &spareStorage)
        var outgoing = Outgoing(storage: consume storage)
        outgoing.appendText(stuffing: transactions[round.transaction].content)
        pending.append(.text)
        // RFC 2920 §3.1: the text may open a group. When nothing else is left to send, QUIT rides
        // along with it, as in RFC 2920 §4's example ("C: ." then "C: QUIT").
        if pipelining, round.deferred.isEmpty, nextTransaction == transactions.count {
            let command: SMTPCommand = configuration.sendsTURN && rules.hasTURN ? .turn : .quit
            outgoing.append(command, rules.routeStyle)
            pending.append(command == .turn ? .turn : .quit)
        }
        send(outgoing, timeout: configuration.timeouts.$dataTermination, now: now)
    }

    /// After a round: RSET if the server still holds a transaction and more is to come.
    private mutating func finishRound(now: Timestamp, serverHasTransaction: Bool = false) {
        let moreToDo = !(round?.deferred.isEmpty ?? true) || nextTransaction < transactions.count
        if serverHasTransaction && moreToDo {
            send(.rset, expecting: .rset, timeout: configuration.timeouts.$other, now: now)
        } else {
            beginNext(now: now)
        }
    }

    private mutating func quit(now: Timestamp) {
        send(.quit, expecting: .quit, timeout: configuration.timeouts.$other, now: now)
    }

    private func timeout(for expectation: Expectation) -> Int64 {
        switch expectation {
        case .mail: configuration.timeouts.$mail
        case .rcpt: configuration.timeouts.$rcpt
        case .data: configuration.timeouts.$dataInitiation
        case .text, .loneDot: configuration.timeouts.$dataTermination
        case .greeting: configuration.timeouts.$greeting
        case .ehlo, .helo, .rset, .quit, .turn: configuration.timeouts.$other
        }
    }

    /// Writes one command and waits for its reply.
    private mutating func send(
        _ command: SMTPCommand, expecting expectation: Expectation, timeout: Int64, now: Timestamp
    ) {
        var outgoing = Outgoing()
        outgoing.append(command, rules.routeStyle)
        pending.append(expectation)
        send(outgoing, timeout: timeout, now: now)
    }

    /// Writes a group whose expectations are already in `pending`.
    private mutating func send(_ outgoing: Outgoing, timeout: Int64, now: Timestamp) {
        actions.append(.send(outgoing))
        report.turnarounds += 1
        deadline = now.adding(nanoseconds: timeout)
    }

    // MARK: Outcomes

    /// The status a failure reply gives: 4yz temporary, 5yz permanent; an unknown code is read by its
    /// first digit (RFC 2821 §4.2).
    private func status(for reply: Reply) -> RecipientStatus {
        reply.code.isPermanentFailure ? .permanentFailure(reply) : .temporaryFailure(reply)
    }

    /// Ends the session early: everything unsettled fails temporarily with `reply`.
    /// The server's `reply` (a 421) ends the session: every recipient not yet settled waits.
    private mutating func fail(_ reply: Reply, closing: Bool) {
        end(.temporaryFailure(reply), closing: closing)
    }

    /// The session broke off without a reply (see `RecipientStatus.interrupted`).
    private mutating func interrupt(_ why: String, closing: Bool) {
        end(.interrupted(why), closing: closing)
    }

    private mutating func end(_ status: RecipientStatus, closing: Bool) {
        if !startedTransaction { report.failedBeforeTransactions = true }
        ledger.settleAll(status)
        pending.removeAll()
        if closing { actions.append(.close) }
        finish()
    }

    private mutating func finish() {
        guard !finished else { return }
        finished = true
        deadline = nil
        // Into the storage the last session's outcomes left (see `restart`), not a new array.
        ledger.takeOutcomes(of: transactions, into: &report.transactions)
        actions.append(.finished(report))
    }

    /// Takes back an action list the driver has finished with: emptied, it keeps its storage,
    /// so that the next call fills it without allocating.
    public mutating func recycle(_ spent: inout [SenderAction]) { reuseActionStorage(&spent, into: &actions) }

    private mutating func takeActions() -> [SenderAction] {
        defer { actions = [] }
        return actions
    }
}

extension OutboundTransaction {
    /// "the number of octets, including CR-LF pairs, but not the SMTP DATA command's terminating
    /// dot or doubled quoting dots" (RFC 1870 §5).
    public var declaredSize: Int {
        let count = content.count
        return count + (count == 0 || (count >= 2 && content[count - 2] == 0x0d && content[count - 1] == 0x0a) ? 0 : 2)
    }
}
