import MailCore

// Reuse of a finished receiver for the next session (drivers keep their engines).
extension SMTPReceiver {
    /// Makes this engine a new receiver for another session, as `init(rules:sharedPolicy:)` would,
    /// but keeping the storage of its action list (see `SMTPSender.restart`): every stored
    /// property is reset in place, as the initial values above and `init` set them.
    public mutating func restart(rules: SMTPRules, sharedPolicy: SharedReceiverPolicy) {
        restart(rules: Optional(rules), sharedPolicy: sharedPolicy)
    }

    /// `restart(rules:sharedPolicy:)`, keeping the rules this receiver has when `rules` is nil.
    mutating func restart(rules: SMTPRules?, sharedPolicy: SharedReceiverPolicy) {
        if let rules { self.rules = rules }
        self.sharedPolicy = sharedPolicy
        state = .idle
        session = Session()
        assembler = MessageAssembler(maxSize: nil, clearHighBit: false)
        buffersReplies = false
        if spareStorage.capacity == 0 { spareStorage = framer.takeStorage(minimumCapacity: Self.spareMinimum) }
        framer = LineFramer(terminator: TextPolicy.commandTerminator, maxLineLength: Self.commandLimit(self.rules))
        actions.removeAll(keepingCapacity: true)
        batch = ReplyBatch()
        injections = []
        shutdownRequested = false
        deadline = nil
        textsStarted = 0
    }
}
