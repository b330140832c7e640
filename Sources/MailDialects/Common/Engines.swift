import MailCore

/// A sender engine of any dialect, so that drivers can hold MTP and SMTP senders alike.
///
/// Exactly one of the two engines is there (the initializers are private). The SMTP engine sits
/// in an optional stored property rather than an enum payload: `smtpEngine?.method()` mutates
/// it in place, where switching over an enum would move the engine (some 500 bytes) out and
/// back in on every call. The MTP engine, of the eras before 1982, sits in an `EngineBox`, so
/// that the engines drivers keep by the thousand (one a connection being opened) are the size
/// of an SMTP engine, not of both. A call goes to the SMTP engine if there is one, else to the
/// MTP engine; the last fallback of each (`?? []`, `?? false`) is for the state with neither,
/// which no initializer makes.
public struct SenderEngine: Sendable {
    private var smtpEngine: SMTPSender?
    private var mtpEngine: EngineBox<MTPSender>?
    /// The dialect whose rules (`SMTPRules.forDialect`) the SMTP engine has, when `make` or
    /// `restart` gave it them; nil for an engine handed in, whose rules may be anyone's.
    private var rulesDialect: DialectID?

    public static func smtp(_ engine: SMTPSender) -> SenderEngine { SenderEngine(smtpEngine: engine, mtpEngine: nil) }
    public static func mtp(_ engine: MTPSender) -> SenderEngine {
        SenderEngine(smtpEngine: nil, mtpEngine: EngineBox(engine))
    }

    /// A sender for `dialect` with default settings.
    public static func make(
        dialect: DialectID, clientName: String, transactions: [OutboundTransaction], extensions: ExtensionSet = .all,
        timeouts: SenderTimeouts = .rfc2821
    ) -> SenderEngine {
        switch dialect {
        case .ftp765, .mtp772, .mtp780:
            .mtp(
                MTPSender(
                    configuration: MTPSender.Configuration(rules: .forDialect(dialect), timeouts: timeouts),
                    transactions: transactions))
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
            SenderEngine(
                smtpEngine: SMTPSender(
                    configuration: SMTPSender.Configuration(
                        rules: .forDialect(dialect), clientName: clientName, extensions: extensions, timeouts: timeouts),
                    transactions: transactions),
                mtpEngine: nil, rulesDialect: dialect)
        }
    }

    /// Makes this engine what `make` would return, reusing the storage of an SMTP sender's lists
    /// (see `SMTPSender.restart`): drivers keep finished engines for their next sessions.
    public mutating func restart(
        dialect: DialectID, clientName: String, transactions: [OutboundTransaction], extensions: ExtensionSet = .all,
        timeouts: SenderTimeouts = .rfc2821
    ) {
        if dialect.isSMTP, smtpEngine != nil {
            smtpEngine?.restart(
                configuration: SMTPSender.Configuration(
                    rules: .forDialect(dialect), clientName: clientName, extensions: extensions, timeouts: timeouts),
                transactions: transactions)
            rulesDialect = dialect
        } else {
            self = .make(
                dialect: dialect, clientName: clientName, transactions: transactions, extensions: extensions,
                timeouts: timeouts)
        }
    }

    /// `restart` for a session of one transaction (a mail agent's): an SMTP sender keeps the
    /// storage of its transaction list, and its rules if they are the dialect's already.
    public mutating func restart(
        dialect: DialectID, clientName: String, transaction: consuming OutboundTransaction,
        extensions: ExtensionSet = .all,
        timeouts: SenderTimeouts = .rfc2821
    ) {
        if dialect.isSMTP, smtpEngine != nil {
            smtpEngine?.restart(
                rules: rulesDialect == dialect ? nil : .forDialect(dialect), clientName: clientName,
                extensions: extensions,
                timeouts: timeouts, transaction: transaction)
            rulesDialect = dialect
        } else {
            self = .make(
                dialect: dialect, clientName: clientName, transactions: [transaction], extensions: extensions,
                timeouts: timeouts)
        }
    }

    public mutating func connectionOpened(now: Timestamp) -> [SenderAction] {
        smtpEngine?.connectionOpened(now: now) ?? mtpEngine.inPlace { $0.connectionOpened(now: now) } ?? []
    }

    public mutating func bytesReceived(_ bytes: consuming [UInt8], now: Timestamp) -> [SenderAction] {
        if smtpEngine != nil { return smtpEngine?.bytesReceived(consume bytes, now: now) ?? [] }
        return mtpEngine.inPlace { $0.bytesReceived(bytes, now: now) } ?? []
    }

    public mutating func connectionLost() -> [SenderAction] {
        smtpEngine?.connectionLost() ?? mtpEngine.inPlace { $0.connectionLost() } ?? []
    }

    public mutating func timerFired(now: Timestamp) -> [SenderAction] {
        smtpEngine?.timerFired(now: now) ?? mtpEngine.inPlace { $0.timerFired(now: now) } ?? []
    }

    /// Gives back a finished-with action list, so that the engine's next call reuses its storage.
    public mutating func recycle(_ spent: inout [SenderAction]) {
        if smtpEngine != nil { smtpEngine?.recycle(&spent) } else { mtpEngine.inPlace { $0.recycle(&spent) } }
    }

    public var deadline: Timestamp? { smtpEngine?.deadline ?? mtpEngine?.engine.deadline }

    public var isFinished: Bool { smtpEngine?.isFinished ?? mtpEngine?.engine.isFinished ?? true }
}

/// A receiver engine of any dialect (stored like `SenderEngine`, for the same reason).
public struct ReceiverEngine: Sendable {
    private var smtpEngine: SMTPReceiver?
    private var mtpEngine: EngineBox<MTPReceiver>?
    /// As `SenderEngine.rulesDialect`.
    private var rulesDialect: DialectID?

    public static func smtp(_ engine: SMTPReceiver) -> ReceiverEngine {
        ReceiverEngine(smtpEngine: engine, mtpEngine: nil)
    }
    public static func mtp(_ engine: MTPReceiver) -> ReceiverEngine {
        ReceiverEngine(smtpEngine: nil, mtpEngine: EngineBox(engine))
    }

    /// A receiver for a host whose sessions share one policy.
    public static func make(dialect: DialectID, policy: SharedReceiverPolicy) -> ReceiverEngine {
        switch dialect {
        case .ftp765, .mtp772, .mtp780: .mtp(MTPReceiver(rules: .forDialect(dialect), policy: policy.policy))
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
            ReceiverEngine(
                smtpEngine: SMTPReceiver(rules: .forDialect(dialect), sharedPolicy: policy), mtpEngine: nil,
                rulesDialect: dialect)
        }
    }

    /// Makes this engine what `make(dialect:policy:)` would return, reusing an SMTP receiver's
    /// storage (see `SMTPReceiver.restart`).
    public mutating func restart(dialect: DialectID, policy: SharedReceiverPolicy) {
        if dialect.isSMTP, smtpEngine != nil {
            // Rules are copied in only when they change: a copy retains, and the old one's
            // destruction releases, every set and list in them.
            smtpEngine?.restart(rules: rulesDialect == dialect ? nil : .forDialect(dialect), sharedPolicy: policy)
            rulesDialect = dialect
        } else {
            self = .make(dialect: dialect, policy: policy)
        }
    }

    public static func make(dialect: DialectID, policy: ReceiverPolicy) -> ReceiverEngine {
        switch dialect {
        case .ftp765, .mtp772, .mtp780: .mtp(MTPReceiver(rules: .forDialect(dialect), policy: policy))
        case .smtp788, .smtp821, .smtp1123, .esmtp, .smtp2821, .smtp5321:
            .smtp(SMTPReceiver(rules: .forDialect(dialect), policy: policy))
        }
    }

    public mutating func connectionOpened(now: Timestamp) -> [ReceiverAction] {
        smtpEngine?.connectionOpened(now: now) ?? mtpEngine.inPlace { $0.connectionOpened(now: now) } ?? []
    }

    public mutating func bytesReceived(_ bytes: consuming [UInt8], now: Timestamp) -> [ReceiverAction] {
        if smtpEngine != nil { return smtpEngine?.bytesReceived(consume bytes, now: now) ?? [] }
        return mtpEngine.inPlace { $0.bytesReceived(bytes, now: now) } ?? []
    }

    public mutating func deliveryFinished(_ decision: DeliveryDecision, now: Timestamp) -> [ReceiverAction] {
        smtpEngine?.deliveryFinished(decision, now: now) ?? mtpEngine.inPlace {
            $0.deliveryFinished(decision, now: now)
        } ?? []
    }

    public mutating func connectionClosed() {
        if smtpEngine != nil { smtpEngine?.connectionClosed() } else { mtpEngine.inPlace { $0.connectionClosed() } }
    }

    public mutating func timerFired(now: Timestamp) -> [ReceiverAction] {
        smtpEngine?.timerFired(now: now) ?? mtpEngine.inPlace { $0.timerFired(now: now) } ?? []
    }

    public mutating func shutdown() -> [ReceiverAction] {
        smtpEngine?.shutdown() ?? mtpEngine.inPlace { $0.shutdown() } ?? []
    }

    /// Fault injection: the next command `verb` (such as "RCPT" or "MRCP") gets `reply` instead.
    public mutating func injectReply(_ reply: Reply, forNextCommand verb: String) {
        if smtpEngine != nil {
            if let smtpVerb = SMTPVerb(rawValue: verb.uppercased()) {
                smtpEngine?.injectReply(reply, forNext: smtpVerb)
            }
        } else {
            mtpEngine.inPlace { $0.injectReply(reply, forNext: verb) }
        }
    }

    /// Gives back a finished-with action list, so that the engine's next call reuses its storage.
    public mutating func recycle(_ spent: inout [ReceiverAction]) {
        if smtpEngine != nil { smtpEngine?.recycle(&spent) } else { mtpEngine.inPlace { $0.recycle(&spent) } }
    }

    public var deadline: Timestamp? { smtpEngine?.deadline ?? mtpEngine?.engine.deadline }

    public var isClosed: Bool { smtpEngine?.isClosed ?? mtpEngine?.engine.isClosed ?? true }

    /// Whether a message text is being read (after 354, before its final dot).
    public var isReceivingText: Bool { smtpEngine?.isReceivingText ?? mtpEngine?.engine.isReceivingText ?? false }

    /// See `SMTPReceiver.textsStarted`.
    public var textsStarted: Int { smtpEngine?.textsStarted ?? mtpEngine?.engine.textsStarted ?? 0 }

    /// See `SMTPReceiver.textEnvelope`.
    public var textEnvelope: ReceivedMessage? {
        smtpEngine != nil ? smtpEngine?.textEnvelope : mtpEngine?.engine.textEnvelope
    }

    /// See `SMTPReceiver.takeText(minimum:)`.
    public mutating func takeText(minimum: Int) -> [UInt8]? {
        // (Not `??`: a nil from the SMTP engine means no text, not "ask the other engine".)
        // `inPlace` adds a level of optional (nil: no box), which `?? nil` takes off again.
        smtpEngine != nil
            ? smtpEngine?.takeText(minimum: minimum) : mtpEngine.inPlace { $0.takeText(minimum: minimum) } ?? nil
    }
}

/// An engine behind a reference, copied on write: `inPlace` copies it first when another value
/// shares it, so the value holding the box keeps value semantics (and a shared box is only ever
/// read, which makes it safe to send).
final class EngineBox<Engine: Sendable>: @unchecked Sendable {
    // Unchecked: only `inPlace` writes it, through a box no other value holds.
    @exclusivity(unchecked) var engine: Engine

    init(_ engine: Engine) { self.engine = engine }
}

extension Optional {
    /// What `body` returns for the boxed engine, changed in place; nil, and no call, when there
    /// is no box.
    mutating func inPlace<Engine, T>(_ body: (inout Engine) -> T) -> T? where Wrapped == EngineBox<Engine> {
        guard var box = self else { return nil }
        self = nil
        if !isKnownUniquelyReferenced(&box) { box = EngineBox(box.engine) }
        defer { self = box }
        return body(&box.engine)
    }
}
