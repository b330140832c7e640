import MailCore

/// A sender engine of any dialect, so that drivers can hold MTP and SMTP senders alike.
public enum SenderEngine: Sendable {
    case smtp(SMTPSender)
    case mtp(MTPSender)
    /// Momentarily empty while the engine inside is mutated (so its buffers stay uniquely owned).
    case moving

    /// A sender for `dialect` with default settings.
    public static func make(
        dialect: DialectID, clientName: String, transactions: [OutboundTransaction], extensions: ExtensionSet = .all,
        timeouts: SenderTimeouts = .rfc2821
    ) -> SenderEngine {
        switch dialect {
        case .mtp780:
            .mtp(MTPSender(configuration: MTPSender.Configuration(timeouts: timeouts), transactions: transactions))
        case .smtp788, .smtp821, .esmtp, .smtp2821, .smtp5321:
            .smtp(
                SMTPSender(
                    configuration: SMTPSender.Configuration(
                        rules: .forDialect(dialect), clientName: clientName, extensions: extensions, timeouts: timeouts),
                    transactions: transactions))
        }
    }

    public mutating func connectionOpened(now: Timestamp) -> [SenderAction] {
        mutate { $0.connectionOpened(now: now) } mtp: { $0.connectionOpened(now: now) }
    }

    public mutating func bytesReceived(_ bytes: [UInt8], now: Timestamp) -> [SenderAction] {
        mutate { $0.bytesReceived(bytes, now: now) } mtp: { $0.bytesReceived(bytes, now: now) }
    }

    public mutating func connectionLost() -> [SenderAction] {
        mutate { $0.connectionLost() } mtp: { $0.connectionLost() }
    }

    public mutating func timerFired(now: Timestamp) -> [SenderAction] {
        mutate { $0.timerFired(now: now) } mtp: { $0.timerFired(now: now) }
    }

    public var deadline: Timestamp? {
        switch self {
        case .smtp(let engine): engine.deadline
        case .mtp(let engine): engine.deadline
        case .moving: preconditionFailure("engine read while moving")
        }
    }

    public var isFinished: Bool {
        switch self {
        case .smtp(let engine): engine.isFinished
        case .mtp(let engine): engine.isFinished
        case .moving: preconditionFailure("engine read while moving")
        }
    }

    private mutating func mutate(
        _ smtp: (inout SMTPSender) -> [SenderAction], mtp: (inout MTPSender) -> [SenderAction]
    ) -> [SenderAction] {
        switch self {
        case .smtp(var engine):
            self = .moving
            defer { self = .smtp(engine) }
            return smtp(&engine)
        case .mtp(var engine):
            self = .moving
            defer { self = .mtp(engine) }
            return mtp(&engine)
        case .moving:
            preconditionFailure("engine re-entered while moving")
        }
    }
}

/// A receiver engine of any dialect.
public enum ReceiverEngine: Sendable {
    case smtp(SMTPReceiver)
    case mtp(MTPReceiver)
    case moving

    public static func make(dialect: DialectID, policy: ReceiverPolicy) -> ReceiverEngine {
        switch dialect {
        case .mtp780: .mtp(MTPReceiver(policy: policy))
        case .smtp788, .smtp821, .esmtp, .smtp2821, .smtp5321: .smtp(SMTPReceiver(rules: .forDialect(dialect), policy: policy))
        }
    }

    public mutating func connectionOpened(now: Timestamp) -> [ReceiverAction] {
        mutate { $0.connectionOpened(now: now) } mtp: { $0.connectionOpened(now: now) }
    }

    public mutating func bytesReceived(_ bytes: [UInt8], now: Timestamp) -> [ReceiverAction] {
        mutate { $0.bytesReceived(bytes, now: now) } mtp: { $0.bytesReceived(bytes, now: now) }
    }

    public mutating func deliveryFinished(_ decision: DeliveryDecision, now: Timestamp) -> [ReceiverAction] {
        mutate { $0.deliveryFinished(decision, now: now) } mtp: { $0.deliveryFinished(decision, now: now) }
    }

    public mutating func connectionClosed() {
        _ = mutate {
            $0.connectionClosed()
            return []
        } mtp: {
            $0.connectionClosed()
            return []
        }
    }

    public mutating func timerFired(now: Timestamp) -> [ReceiverAction] {
        mutate { $0.timerFired(now: now) } mtp: { $0.timerFired(now: now) }
    }

    public mutating func shutdown() -> [ReceiverAction] {
        mutate { $0.shutdown() } mtp: { $0.shutdown() }
    }

    /// Fault injection: the next command `verb` (such as "RCPT" or "MRCP") gets `reply` instead.
    public mutating func injectReply(_ reply: Reply, forNextCommand verb: String) {
        _ = mutate { engine in
            if let smtpVerb = SMTPVerb(rawValue: verb.uppercased()) { engine.injectReply(reply, forNext: smtpVerb) }
            return []
        } mtp: { engine in
            engine.injectReply(reply, forNext: verb)
            return []
        }
    }

    public var deadline: Timestamp? {
        switch self {
        case .smtp(let engine): engine.deadline
        case .mtp(let engine): engine.deadline
        case .moving: preconditionFailure("engine read while moving")
        }
    }

    public var isClosed: Bool {
        switch self {
        case .smtp(let engine): engine.isClosed
        case .mtp(let engine): engine.isClosed
        case .moving: preconditionFailure("engine read while moving")
        }
    }

    private mutating func mutate(
        _ smtp: (inout SMTPReceiver) -> [ReceiverAction], mtp: (inout MTPReceiver) -> [ReceiverAction]
    ) -> [ReceiverAction] {
        switch self {
        case .smtp(var engine):
            self = .moving
            defer { self = .smtp(engine) }
            return smtp(&engine)
        case .mtp(var engine):
            self = .moving
            defer { self = .mtp(engine) }
            return mtp(&engine)
        case .moving:
            preconditionFailure("engine re-entered while moving")
        }
    }
}
