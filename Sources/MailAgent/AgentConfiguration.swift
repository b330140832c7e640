import MailCore
import MailDialects

/// What a host of the host-table eras does with mail for a host off its networks: the practices
/// the RFCs record besides the source route.
public enum GatewayRouting: Hashable, Sendable {
    /// The route through gateways from the host table, as a source route: `<@D,@P,@U:joe@Z>`
    /// (RFC 780 §3.2, RFC 821 §3.6).
    case sourceRoute
    /// The same route in the local part (RFC 1123 §5.2.16): `joe%Z%U%P@D` or `P!U!Z!joe@D`,
    /// which every gateway reads in turn.
    case embedded(EmbeddedRoute)
    /// To this relay by configuration, the address as it is; the relay finds the rest (RFC 974:
    /// "most mailers were set up to automatically forward mail addressed to a CSNET host to
    /// CSNET-RELAY.ARPA").
    case relay(String)
}

/// How an agent finds the next hop for mail it cannot deliver itself: one policy per era.
public enum RoutingPolicy: Hashable, Sendable {
    /// 1980, FTP mail (RFC 765): the sending host opens an FTP connection to the recipient's host.
    /// `MAIL <user>` cannot name another host, so nothing is relayed: a host on a network this host
    /// is not on cannot be reached, and its mail is returned.
    case directOnly
    /// 1981–1986: the host table says which networks each host is on; a host that cannot be reached
    /// directly gets a source route through mail gateways, and each relay rewrites the paths
    /// (RFC 780 §3.2, RFC 788 §3.6, RFC 821 §3.6).
    case sourceRoutes
    /// Ask DNS for the MX records of the recipient's domain and try its exchangers, lowest
    /// preference first; no MX means the host itself (RFC 974; the implicit MX of RFC 2821 §5).
    /// How equal preferences are ordered and whether source routes are followed are the rules'.
    case mx(MXRules)
    /// Send everything that is not local to one host (a workstation and its mail server).
    case smartHost(String)
    /// A host off the Internet in the eras of DNS: it cannot reach a name server, so it delivers
    /// straight to hosts on its own networks, passes mail on to the next gateway its host table
    /// names (hop by hop, without source routes), and sends the rest to this relay.
    case gatewayForOthers(String)
}

extension RoutingPolicy {
    /// RFC 974 (1986): equal preferences in a fixed order ("up to the mailer"), source routes
    /// kept, and an exchanger this host cannot reach is reached through its gateways.
    public static let mx974 = RoutingPolicy.mx(MXRules(shufflesEqualPreferences: false, followsSourceRoutes: true))
    /// RFC 2821 §5 (2001): equal preferences shuffled, source routes stripped, so the client goes
    /// straight to the domain's exchanger.
    public static let direct2821 = RoutingPolicy.mx(MXRules(shufflesEqualPreferences: true, followsSourceRoutes: false))

    /// Whether relayed paths lose their source routes when queued (RFC 2821 §4.1.1.3, §5).
    public var stripsSourceRoutes: Bool {
        if case .mx(let rules) = self { return !rules.followsSourceRoutes }
        return false
    }
}

/// The two choices MX routing leaves open, which the RFCs settled differently.
public struct MXRules: Hashable, Sendable {
    /// RFC 2821 §5: "the sender-SMTP MUST randomize them"; RFC 974 leaves the order "up to the
    /// mailer" (here: by name, so runs repeat).
    public var shufflesEqualPreferences: Bool
    /// Whether source routes are honoured and made: a relay sends to the route's next host, and
    /// an exchanger out of this host's reach gets a route through gateways (RFC 974 with RFC 821
    /// §3.6). Without them (RFC 2821 §4.1.1.3, §5) routes are stripped when mail is queued.
    public var followsSourceRoutes: Bool

    public init(shufflesEqualPreferences: Bool, followsSourceRoutes: Bool) {
        self.shufflesEqualPreferences = shufflesEqualPreferences
        self.followsSourceRoutes = followsSourceRoutes
    }
}

/// Whether the queue survives a crash.
public enum QueuePersistence: Hashable, Sendable {
    /// On disk: kept across a crash, delivered after the restart.
    case persistent
    /// In memory: a crash loses every queued message (and the run reports them as lost).
    case volatile
}

/// Everything a mail transfer agent is told about itself.
public struct AgentConfiguration: Hashable, Sendable {
    /// The official host name, used in greetings, HELO and trace lines.
    public var hostName: String
    /// Other names this host answers to (in routes and MX lists).
    public var aliases: DomainSet
    /// The host's address as text, for `Received: from ... ([address])` lines at its peers.
    public var address: String
    /// Domains delivered to mailboxes here.
    public var localDomains: DomainSet
    /// The domain of the users' addresses, for FTP mail's bare user names (`ReceiverPolicy.mailDomain`).
    public var mailDomain: Domain
    /// Local users, or `nil` for "every local part exists".
    public var users: Set<String>?
    /// The dialect the host speaks, as server and as client.
    public var dialect: DialectID
    /// Extensions offered and used (ESMTP dialects only).
    public var extensions: ExtensionSet
    public var routing: RoutingPolicy
    public var retry: RetrySchedule
    public var persistence: QueuePersistence
    /// The host table view (source-route routing, and gateways reaching non-Internet hosts).
    public var directory: HostDirectory
    /// Domains this host accepts mail for and passes on: it is their MX or their gateway.
    public var relayDomains: DomainSet
    /// Hosts that may relay any mail through this one (its own users' workstations); `nil`: anyone.
    public var relayClients: Set<String>?
    /// Whether this host carries source-routed mail (a gateway of the source-route era).
    public var relaysSourceRoutes: Bool
    /// How this host sends mail that must pass gateways, under source-route routing.
    public var gatewayRouting: GatewayRouting = .sourceRoute
    /// Reject a message carrying this many trace lines: RFC 2821 §6.2 suggests "at least 100".
    public var maxTraceLines: Int
    /// Unix seconds of the simulation's time zero, for the dates in trace lines.
    public var epoch: Int64
    /// Keep a record of each delivered message in the mailboxes: its Message-ID, recipient,
    /// size, digest and time (off in benchmarks: deliveries are only counted).
    public var keepsMailboxes: Bool
    /// Keep each delivered message's text in its record too (`mailpath run --keep-text`).
    public var keepsMailboxText: Bool
    public var maxRecipients: Int
    public var maxMessageSize: Int?
    public var timeouts: SenderTimeouts
    /// Time between taking a message into the queue and the first attempt to send it on (writing
    /// the queue file, starting a delivery process: seconds on a 1980s host).
    @StoredAsNanoseconds public var queueDelay: Duration

    public init(
        hostName: String, aliases: DomainSet = [], address: String = "", localDomains: DomainSet? = nil,
        mailDomain: Domain? = nil,
        users: Set<String>? = nil, dialect: DialectID, extensions: ExtensionSet = .all, routing: RoutingPolicy,
        retry: RetrySchedule = .rfc1123, persistence: QueuePersistence = .persistent,
        directory: HostDirectory = HostDirectory(),
        relayDomains: DomainSet = [], relayClients: Set<String>? = nil, relaysSourceRoutes: Bool = true,
        maxTraceLines: Int = 100, epoch: Int64 = 0, keepsMailboxes: Bool = true, keepsMailboxText: Bool = true,
        maxRecipients: Int = 100,
        maxMessageSize: Int? = nil, timeouts: SenderTimeouts = .rfc2821, queueDelay: Duration = .zero
    ) {
        self.hostName = hostName
        self.aliases = aliases.union([Domain(hostName)])
        self.address = address
        self.localDomains = localDomains ?? [Domain(hostName)]
        self.mailDomain = mailDomain ?? Domain(hostName)
        self.users = users
        self.dialect = dialect
        self.extensions = extensions
        self.routing = routing
        self.retry = retry
        self.persistence = persistence
        self.directory = directory
        self.relayDomains = relayDomains
        self.relayClients = relayClients
        self.relaysSourceRoutes = relaysSourceRoutes
        self.maxTraceLines = maxTraceLines
        self.epoch = epoch
        self.keepsMailboxes = keepsMailboxes
        self.keepsMailboxText = keepsMailboxes && keepsMailboxText
        self.maxRecipients = maxRecipients
        self.maxMessageSize = maxMessageSize
        self.timeouts = timeouts
        self.queueDelay = queueDelay
    }

    /// Whether `domain` names this host.
    public func isThisHost(_ domain: Domain) -> Bool { aliases.contains(domain) }

    /// The receiving side's policy for a connection from `peer` (its host name, if known).
    public func receiverPolicy(forPeer peer: String?) -> ReceiverPolicy {
        let relaying: RelayPolicy
        if let clients = relayClients, let peer, clients.contains(where: { $0.lowercasedKey() == peer.lowercasedKey() })
        {
            relaying = .any
        } else if relayClients == nil {
            relaying = .any  // an open relay, as most hosts were before the late 1990s
        } else if !relayDomains.isEmpty {
            relaying = .domains(relayDomains)
        } else {
            relaying = relaysSourceRoutes ? .sourceRoutes : .refuse
        }
        return ReceiverPolicy(
            hostName: hostName, aliases: aliases, localDomains: localDomains, users: users, relaying: relaying,
            maxRecipients: maxRecipients, maxMessageSize: maxMessageSize, extensions: extensions, mailDomain: mailDomain
        )
    }
}
