import MailCore

/// What a receiving host knows and allows: its names, its users, what it relays, its limits.
/// Pure data, so an engine's decisions are a function of its inputs; the mail agent builds it.
public struct ReceiverPolicy: Hashable, Sendable {
    /// The host's official name: the first word of its greeting (RFC 780 §5.3; RFC 821 §4.2).
    public var hostName: String { didSet { refreshReplyTexts() } }
    /// Every name and literal this host answers to. A route element naming one of them is this host.
    public var aliases: DomainSet
    /// Domains whose mail is delivered to local mailboxes here.
    public var localDomains: DomainSet
    /// Local users as they spell themselves; `nil` means every local part exists.
    public var users: Set<String>? {
        didSet { userKeys = users.map { Set($0.map { $0.lowercased() }) } }
    }
    /// `users` in lower case: local parts are matched without regard to case.
    private var userKeys: Set<String>?
    /// Users who have moved: local part (lower case) → new mailbox (RFC 821 §3.2, RFC 780 §3.1).
    public var forwards: [String: Mailbox]
    /// Whether the host forwards moved users itself (251, or MTP's 151) or asks the sender to (551).
    public var forwardsMovedUsers: Bool
    /// MTP only: accept mail for unknown users and have the operator forward it (152, RFC 780 §3.1).
    public var operatorForwardsUnknownUsers: Bool
    public var relaying: RelayPolicy
    /// Users logged in at a terminal, for SEND/SOML/SAML (lower case).
    public var activeUsers: Set<String>
    /// Most recipients in one transaction; at least 100 is required (RFC 821 §4.5.3).
    public var maxRecipients: Int
    /// Largest message accepted, announced with SIZE where the dialect has it (RFC 1870).
    public var maxMessageSize: Int? { didSet { refreshReplyTexts() } }
    /// Mailing lists for EXPN: name (lower case) → members as written.
    public var mailingLists: [String: [String]]
    /// Full names for VRFY: local part (lower case) → "Mark Crispin".
    public var fullNames: [String: String]
    /// Whether VRFY verifies (otherwise 252 where RFC 1123 allows it, else 502).
    public var verifiesUsers: Bool
    /// Which ESMTP extensions the server offers (ignored by dialects without EHLO).
    public var extensions: ExtensionSet { didSet { refreshReplyTexts() } }
    /// How the server greets.
    public var greeting: GreetingMode
    /// Whether the server takes the sender's role on TURN (RFC 821 §3.8).
    public var acceptsTURN: Bool { didSet { refreshReplyTexts() } }
    /// MTP multi-recipient schemes this receiver implements, the preferred one first (RFC 780 §4).
    public var mtpSchemes: [MTPScheme]
    /// MTP scheme R: how many stored recipients fit before "452 Recipient table full" (RFC 780 §4.3).
    public var mtpRecipientTable: Int
    /// How long the server waits for the next command: "at least 5 minutes" (RFC 2821 §4.5.3.2).
    /// Kept as nanoseconds (`$commandTimeout`), for the deadline a receiver sets after every command.
    @StoredAsNanoseconds public var commandTimeout: Duration
    /// The domain of a bare user name: FTP mail's `MAIL <ident>` names a user of this host
    /// (RFC 765, "Appendix on mail"), whose address is `ident@mailDomain`.
    public var mailDomain: Domain
    /// Reply texts every SMTP session sends, written once per policy rather than once per session.
    public private(set) var replyTexts = ReplyTexts()

    /// The texts of the replies an SMTP receiver sends in every session.
    public struct ReplyTexts: Hashable, Sendable {
        /// `220 <host> Simple Mail Transfer Service Ready` (RFC 821 §4.2, App. F).
        public var greeting = ""
        /// `221 <host> Service closing transmission channel`.
        public var closing = ""
        /// The keyword lines of the EHLO reply, after the greeting line (RFC 1869 §4.3).
        public var ehloKeywords: [String] = []
        /// The 220 and 221 replies and the EHLO keyword lines as written on the wire, so that a
        /// session appends them in one copy instead of encoding them again.
        public var encodedGreeting: [UInt8] = []
        public var encodedClosing: [UInt8] = []
        public var encodedEHLOKeywords: [UInt8] = []
    }

    private mutating func refreshReplyTexts() {
        var keywords: [String] = []
        if extensions.contains(.eightBitMIME) { keywords.append("8BITMIME") }
        if extensions.contains(.size) { keywords.append(maxMessageSize.map { "SIZE \($0)" } ?? "SIZE") }
        if extensions.contains(.pipelining) { keywords.append("PIPELINING") }
        keywords.append("EXPN")
        keywords.append("HELP")
        if acceptsTURN { keywords.append("TURN") }
        let greeting = "\(hostName) Simple Mail Transfer Service Ready"
        let closing = "\(hostName) Service closing transmission channel"
        // The keyword lines alone: as the tail of a multi-line 250 reply, every line is `250-`
        // but the last (RFC 1869 §4.3).
        var keywordLines: [UInt8] = []
        for (index, keyword) in keywords.enumerated() {
            keywordLines.append(literal: index == keywords.count - 1 ? "250 " : "250-")
            keywordLines.append(utf8: keyword)
            keywordLines.append(literal: "\r\n")
        }
        replyTexts = ReplyTexts(
            greeting: greeting, closing: closing, ehloKeywords: keywords,
            encodedGreeting: Reply(.serviceReady, greeting).encoded,
            encodedClosing: Reply(.closing, closing).encoded, encodedEHLOKeywords: keywordLines)
    }

    public init(
        hostName: String, aliases: DomainSet = [], localDomains: DomainSet? = nil, users: Set<String>? = nil,
        forwards: [String: Mailbox] = [:], forwardsMovedUsers: Bool = true, operatorForwardsUnknownUsers: Bool = false,
        relaying: RelayPolicy = .sourceRoutes, activeUsers: Set<String> = [], maxRecipients: Int = 100,
        maxMessageSize: Int? = nil, mailingLists: [String: [String]] = [:], fullNames: [String: String] = [:],
        verifiesUsers: Bool = true, extensions: ExtensionSet = .all, greeting: GreetingMode = .ready,
        acceptsTURN: Bool = false, mtpSchemes: [MTPScheme] = [.textFirst, .recipientsFirst],
        mtpRecipientTable: Int = 100,
        commandTimeout: Duration = .seconds(300), mailDomain: Domain? = nil
    ) {
        self.hostName = hostName
        self.aliases = aliases.union([Domain(hostName)])
        self.localDomains = localDomains ?? [Domain(hostName)]
        self.users = users
        self.userKeys = users.map { Set($0.map { $0.lowercased() }) }
        self.forwards = Dictionary(uniqueKeysWithValues: forwards.map { ($0.key.lowercased(), $0.value) })
        self.forwardsMovedUsers = forwardsMovedUsers
        self.operatorForwardsUnknownUsers = operatorForwardsUnknownUsers
        self.relaying = relaying
        self.activeUsers = Set(activeUsers.map { $0.lowercased() })
        self.maxRecipients = maxRecipients
        self.maxMessageSize = maxMessageSize
        self.mailingLists = Dictionary(uniqueKeysWithValues: mailingLists.map { ($0.key.lowercased(), $0.value) })
        self.fullNames = Dictionary(uniqueKeysWithValues: fullNames.map { ($0.key.lowercased(), $0.value) })
        self.verifiesUsers = verifiesUsers
        self.extensions = extensions
        self.greeting = greeting
        self.acceptsTURN = acceptsTURN
        self.mtpSchemes = mtpSchemes
        self.mtpRecipientTable = mtpRecipientTable
        self.commandTimeout = commandTimeout
        self.mailDomain = mailDomain ?? Domain(hostName)
        refreshReplyTexts()
    }

    /// Whether `domain` names this host.
    public func isThisHost(_ domain: Domain) -> Bool { aliases.contains(domain) }

    /// Whether a local part names a user of this host.
    public func userExists(_ localPart: String) -> Bool { userKeyExists(localPart.lowercasedKey()) }

    /// `userExists` for a local part already in lower case.
    func userKeyExists(_ key: String) -> Bool {
        if key == "postmaster" { return true }  // RFC 1123 §5.2.7: postmaster MUST be supported
        return userKeys?.contains(key) ?? true
    }
}

/// A receiver policy shared by every session of a host. SMTP receivers hold their policy through
/// one of these, so that opening a session costs one reference instead of copying every set and
/// dictionary of the policy.
public final class SharedReceiverPolicy: Sendable {
    public let policy: ReceiverPolicy

    public init(_ policy: ReceiverPolicy) { self.policy = policy }
}

/// Which mail a receiver accepts for relaying elsewhere.
public enum RelayPolicy: Hashable, Sendable {
    /// Only local mail: not a relay.
    case refuse
    /// Mail whose forward-path routes through this host (the source-route era's gateways).
    case sourceRoutes
    /// Source routes, and mail for these domains (a mail exchanger for them, RFC 974).
    case domains(DomainSet)
    /// Anything (an open relay, as most 1980s hosts were).
    case any
}

/// How a receiver greets a new connection.
public enum GreetingMode: Hashable, Sendable {
    /// 220: ready.
    case ready
    /// MTP 120 "Service ready in nnn minutes" before 220 (RFC 780 §5.3).
    case busy(minutes: Int)
    /// RFC 2821 §3.1: 554 "No SMTP service here", then 503 to everything but QUIT.
    case refuse
    /// 421: not available, closing.
    case unavailable
}

/// ESMTP extensions a server offers or a client uses (RFC 1869 §4.3 keywords).
public struct ExtensionSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// RFC 1870 message size declaration.
    public static let size = ExtensionSet(rawValue: 1 << 0)
    /// RFC 1854/2920 command pipelining.
    public static let pipelining = ExtensionSet(rawValue: 1 << 1)
    /// RFC 1652 8-bit MIME transport.
    public static let eightBitMIME = ExtensionSet(rawValue: 1 << 2)

    public static let all: ExtensionSet = [.size, .pipelining, .eightBitMIME]
}

/// The MTP multi-recipient schemes (RFC 780 §4).
public enum MTPScheme: String, Hashable, Sendable {
    /// R: recipients first, then the text for all of them (RFC 780 §4.4).
    case recipientsFirst = "R"
    /// T: text first, then each recipient (RFC 780 §4.5).
    case textFirst = "T"
}

/// What a receiver makes of one forward-path.
public enum RecipientVerdict: Hashable, Sendable {
    case accept(RecipientDisposition)
    /// The user moved and the host will not forward: 551 "please try" (RFC 821 §3.2).
    case pleaseTry(Mailbox)
    case unknownUser
    case relayDenied
}

extension ReceiverPolicy {
    /// Decides one forward-path.
    ///
    /// - A route whose first element names this host loses that element (RFC 821 §3.6, RFC 780
    ///   §5.1.1); a route that remains means relaying. A first element that is not this host is kept:
    ///   "the element is not deleted ... and is used to determine the next SMTP" (821 §3.6).
    /// - With `stripRoutes` (RFC 2821 §4.1.1.3) the route is ignored and only the mailbox counts.
    public func verdict(for path: Path, stripRoutes: Bool) -> RecipientVerdict {
        guard let mailbox = path.mailbox else { return .unknownUser }
        var route = stripRoutes ? [] : path.route
        let routedHere = route.first.map(isThisHost) ?? false
        if routedHere { route.removeFirst() }
        if !route.isEmpty {
            // Routed mail is relayed by every policy but `.refuse`: carrying it was a gateway's job.
            return relaying != .refuse ? .accept(.relay(Path(route: route, mailbox: mailbox))) : .relayDenied
        }
        guard let domain = mailbox.domain else {
            return .accept(.local(Mailbox(localPart: mailbox.localPart, domain: Domain(hostName))))  // <Postmaster>
        }
        if localDomains.contains(domain) || isThisHost(domain) {
            // A route in the local part is this host's to interpret, as the host its domain
            // names, when it relays at all (RFC 1123 §5.2.16: the %-hack, a UUCP bang path).
            if relaying != .refuse, let next = mailbox.embeddedRoute { return .accept(.relay(Path(next))) }
            let key = mailbox.localPart.lowercasedKey()
            // Most hosts forward nobody: an empty table is not hashed into.
            if !forwards.isEmpty, let moved = forwards[key] {
                return forwardsMovedUsers ? .accept(.forward(moved)) : .pleaseTry(moved)
            }
            if userKeyExists(key) { return .accept(.local(mailbox)) }
            return operatorForwardsUnknownUsers ? .accept(.operatorForward) : .unknownUser
        }
        // The last hop of a source route through this host: the sender asked us to relay.
        if routedHere && relaying != .refuse { return .accept(.relay(Path(mailbox))) }
        return mayRelay(toward: domain) ? .accept(.relay(Path(mailbox))) : .relayDenied
    }

    /// Whether mail for `domain`, with no route, may be relayed onward from here.
    func mayRelay(toward domain: Domain) -> Bool {
        switch relaying {
        case .refuse, .sourceRoutes: false
        case .any: true
        case .domains(let domains): domains.contains(domain)
        }
    }
}
