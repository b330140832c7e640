import MailAgent
import MailCore
import MailDialects
import SimKernel

/// A scenario file: a network, its mail hosts and their users, a workload and faults. It says who
/// sends what to whom and when, never how the mail is routed: that is the era's business.
/// Every field is documented in Docs/scenarios.md.
public struct Scenario: Sendable {
    public static let format = "mailpath-scenario/1"

    public var name: String
    public var description: String
    public var seed: UInt64
    public var duration: SimDuration
    /// The era `mailpath run` uses when none is given.
    public var era: String?
    public var networks: [String]
    /// Networks that never join the Internet at the packet level (BITNET, UUCP): in every era
    /// only mail gateways cross into them.
    public var islands: Set<String>
    /// The year each network was founded, where the scenario says (by the network's lowercased
    /// name): an era of an earlier year runs without it (`Factors.networks`).
    public var founded: [String: Int] = [:]
    /// Networks that ran NCP until the flag day of 1 January 1983 (the ARPANET; `"ncp": true`),
    /// by lowercased name: the `transport` factor's `ncp` runs them over it.
    public var ncp: Set<String> = []
    /// Dial-up networks (UUCP), by lowercased name: the time between their calls (`"polled"`).
    public var polled: [String: SimDuration] = [:]
    public var hosts: [Host]
    public var links: [Link]
    public var dns: DNS
    public var workload: WorkloadSpec
    public var faults: [FaultSpec]

    public enum Role: String, Sendable, CaseIterable {
        /// Runs a mail transfer agent with its own domains and mailboxes.
        case mail
        /// A workstation: its users submit mail to their server.
        case client
        /// No mail software: forwards packets (and may run the name server).
        case router
    }

    public struct Host: Sendable {
        public var name: String
        public var networks: [String]
        public var role: Role
        public var address: String?
        public var domains: [String]
        public var users: [String]
        public var server: String?
        public var gateway: Bool
        public var volatileQueue: Bool
        public var retry: String?
        public var maxMessageSize: Int?
        public var relayFor: [String]
        public var openRelay: Bool
        public var queueDelay: SimDuration
        /// In the eras with DNS, the gateway that carries mail for hosts off this host's networks.
        public var relayHost: String?
        /// The newest dialect this host's software speaks: in later eras it keeps speaking it
        /// (an old server answering EHLO with 500); in earlier eras it speaks the era's.
        public var dialect: DialectID? = nil
        /// Host-table eras: how this host sends mail that must pass gateways (`"gatewayRouting"`).
        public var gatewayRouting: GatewayPractice = .sourceRoute
    }

    /// A host's `"gatewayRouting"`: the route from its host table as a source route (the
    /// default), the same route in the local part (RFC 1123 §5.2.16), or everything to its
    /// `relayHost` by configuration (RFC 974).
    public enum GatewayPractice: String, Sendable, CaseIterable {
        case sourceRoute = "source-route"
        case percent
        case bang
        case relay
    }

    public struct Link: Sendable {
        public var between: (String, String)
        public var network: String?
        public var latency: SimDuration
        /// From the first host of `between` to the second; `nil`: unlimited.
        public var bandwidth: UInt64?
        /// From the second host back to the first, where it differs; `nil`: the same as `bandwidth`.
        public var bandwidthBack: UInt64? = nil
    }

    public struct DNS: Sendable {
        public var server: String?
        public var ttl: SimDuration
        public var queryTimeout: SimDuration
        public var attempts: Int
        /// domain → (preference, exchanger host) records, replacing the default "MX 10 <its server>".
        public var mx: [(domain: String, records: [(preference: Int, host: String)])]
    }

    public struct WorkloadSpec: Sendable {
        public var messages: [MessageSpec]
        public var generators: [GeneratorSpec]
    }

    public struct MessageSpec: Sendable {
        public var at: SimTime
        public var from: String
        public var to: [String]
        public var size: Int
        public var subject: String?
    }

    public struct GeneratorSpec: Sendable {
        public var count: Int
        /// Mean time between messages (Poisson arrivals).
        public var meanInterval: SimDuration
        public var start: SimTime
        /// Senders to choose from; empty means every user.
        public var from: [String]
        /// Recipients to choose from; empty means every user.
        public var among: [String]
        public var recipients: ClosedRange<Int>
        /// Choose recipients only in other domains than the sender's.
        public var otherDomains: Bool
        public var size: SizeDistribution
    }

    public enum SizeDistribution: Sendable, Equatable {
        case fixed(Int)
        case uniform(Int, Int)
        case exponential(mean: Int)
    }

    public enum FaultSpec: Sendable {
        case link(between: (String, String), up: Bool, at: SimTime)
        case crash(host: String, at: SimTime, restart: SimTime?)
        case dnsOutage(from: SimTime, until: SimTime)
        case reply(
            host: String, command: String, code: Int, text: String, from: SimTime, until: SimTime, probability: Double)
        case dropAfterDot(host: String, from: SimTime, until: SimTime)
    }

    /// The domains served by mail hosts, with the host serving each.
    public var domainServers: [(domain: String, host: String)] {
        hosts.filter { $0.role == .mail }.flatMap { host in host.domains.map { ($0, host.name) } }
    }
}
