import MailpathBase
import SimKernel

/// The static shape of a simulated internet: networks, hosts on them, and links.
///
/// A *network* (ARPANET, CSNET, BITNET, UUCP, "Internet") is a connectivity island: a connection
/// between two hosts may only travel over links of one network that both hosts sit on. Any host on a
/// network forwards packets along that network's links (as IMPs and IP gateways did), so routes can
/// have several hops. A host on several networks is a *gateway*, but it joins them only at the mail
/// level: before the Internet was one network, a BITNET host could not open a connection to an
/// ARPANET host at all, and mail had to be relayed by a gateway host. That is the historical case
/// source-route relaying existed for.
public struct Topology: Sendable {
    public struct Network: Sendable, Hashable {
        public var name: String
    }

    public struct Host: Sendable, Hashable {
        /// The official host name (case is kept; comparisons ignore it).
        public var name: String
        /// The host's addresses; the first is its primary address.
        public var addresses: [IPv4Address]
        /// The networks the host sits on, in ascending order.
        public var networks: [NetworkID]
    }

    public struct Link: Sendable, Hashable {
        public var endpoints: (HostID, HostID)
        public var network: NetworkID
        /// One-way propagation delay.
        public var latency: SimDuration
        /// Bits per second from the first endpoint to the second; `nil` means serialisation takes
        /// no time.
        public var bandwidth: UInt64?
        /// Bits per second from the second endpoint back to the first (an access line's uplink
        /// and downlink can differ); the same as `bandwidth` unless the link was made asymmetric.
        public var bandwidthBack: UInt64?

        /// The bandwidth of one direction: `forward` is from the first endpoint to the second.
        public func bandwidth(forward: Bool) -> UInt64? { forward ? bandwidth : bandwidthBack }

        public static func == (lhs: Link, rhs: Link) -> Bool {
            lhs.endpoints == rhs.endpoints && lhs.network == rhs.network && lhs.latency == rhs.latency
                && lhs.bandwidth == rhs.bandwidth && lhs.bandwidthBack == rhs.bandwidthBack
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(endpoints.0)
            hasher.combine(endpoints.1)
            hasher.combine(network)
            hasher.combine(latency)
            hasher.combine(bandwidth)
            hasher.combine(bandwidthBack)
        }
    }

    public private(set) var networks: [Network] = []
    public private(set) var hosts: [Host] = []
    public private(set) var links: [Link] = []

    /// Indexes for lookups by name (case-folded once, by `key(_:)`) and by address, so that
    /// building a topology of n hosts takes time proportional to n, not n². They only answer
    /// lookups: nothing iterates them, so their order never reaches a result.
    private var networkByKey: [String: NetworkID] = [:]
    private var hostByKey: [String: HostID] = [:]
    private var hostByAddress: [IPv4Address: HostID] = [:]

    public init() {}

    /// Adds a network and returns its identifier. Names must be unique (ignoring case).
    @discardableResult
    public mutating func addNetwork(_ name: String) -> NetworkID {
        precondition(network(named: name) == nil, "network \(name) added twice")
        networks.append(Network(name: name))
        networkByKey[Self.key(name)] = NetworkID(networks.count - 1)
        return NetworkID(networks.count - 1)
    }

    /// Adds a host on the given networks. Names and addresses must be unique.
    @discardableResult
    public mutating func addHost(_ name: String, addresses: [IPv4Address], networks: [NetworkID]) -> HostID {
        precondition(host(named: name) == nil, "host \(name) added twice")
        precondition(!addresses.isEmpty, "host \(name) needs at least one address")
        for address in addresses {
            precondition(host(at: address) == nil, "address \(address) of \(name) is already taken")
        }
        let id = HostID(hosts.count)
        hosts.append(Host(name: name, addresses: addresses, networks: Array(Set(networks)).sorted()))
        hostByKey[Self.key(name)] = id
        for address in addresses { hostByAddress[address] = id }
        return id
    }

    /// Adds a link on `network` between two hosts that are both on it, with the same bandwidth
    /// in each direction.
    @discardableResult
    public mutating func addLink(
        _ a: HostID, _ b: HostID, network: NetworkID, latency: SimDuration, bandwidth: UInt64?
    ) -> LinkID {
        addLink(a, b, network: network, latency: latency, bandwidth: bandwidth, bandwidthBack: bandwidth)
    }

    /// Adds a link whose directions differ in bandwidth: `bandwidth` from `a` to `b`,
    /// `bandwidthBack` from `b` to `a`.
    @discardableResult
    public mutating func addLink(
        _ a: HostID, _ b: HostID, network: NetworkID, latency: SimDuration, bandwidth: UInt64?, bandwidthBack: UInt64?
    ) -> LinkID {
        precondition(a != b, "a link needs two different hosts")
        precondition(
            hosts[a.index].networks.contains(network) && hosts[b.index].networks.contains(network),
            "link \(hosts[a.index].name)–\(hosts[b.index].name) is on \(networks[network.index].name), which they are not both on"
        )
        precondition(latency >= .zero, "negative latency")
        precondition(bandwidth != 0 && bandwidthBack != 0, "zero bandwidth")
        links.append(
            Link(
                endpoints: (a, b), network: network, latency: latency, bandwidth: bandwidth,
                bandwidthBack: bandwidthBack))
        return LinkID(links.count - 1)
    }

    public func network(named name: String) -> NetworkID? { networkByKey[Self.key(name)] }

    public func host(named name: String) -> HostID? { hostByKey[Self.key(name)] }

    public func host(at address: IPv4Address) -> HostID? { hostByAddress[address] }

    /// The one case-folded form under which names are compared: ASCII letters folded directly
    /// (host names are ASCII, RFC 952), anything else by `lowercased()`.
    public static func key(_ name: String) -> String { ASCII.lowercased(name) }

    /// Whether two hosts share at least one network (not whether a path exists right now).
    public func shareNetwork(_ a: HostID, _ b: HostID) -> Bool {
        !Set(hosts[a.index].networks).isDisjoint(with: hosts[b.index].networks)
    }
}
