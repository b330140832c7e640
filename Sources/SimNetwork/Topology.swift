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
        /// Bits per second in each direction; `nil` means serialisation takes no time.
        public var bandwidth: UInt64?

        public static func == (lhs: Link, rhs: Link) -> Bool {
            lhs.endpoints == rhs.endpoints && lhs.network == rhs.network && lhs.latency == rhs.latency
                && lhs.bandwidth == rhs.bandwidth
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(endpoints.0)
            hasher.combine(endpoints.1)
            hasher.combine(network)
            hasher.combine(latency)
            hasher.combine(bandwidth)
        }
    }

    public private(set) var networks: [Network] = []
    public private(set) var hosts: [Host] = []
    public private(set) var links: [Link] = []

    public init() {}

    /// Adds a network and returns its identifier. Names must be unique (ignoring case).
    @discardableResult
    public mutating func addNetwork(_ name: String) -> NetworkID {
        precondition(network(named: name) == nil, "network \(name) added twice")
        networks.append(Network(name: name))
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
        hosts.append(Host(name: name, addresses: addresses, networks: Array(Set(networks)).sorted()))
        return HostID(hosts.count - 1)
    }

    /// Adds a link on `network` between two hosts that are both on it.
    @discardableResult
    public mutating func addLink(
        _ a: HostID, _ b: HostID, network: NetworkID, latency: SimDuration, bandwidth: UInt64?
    ) -> LinkID {
        precondition(a != b, "a link needs two different hosts")
        precondition(
            hosts[a.index].networks.contains(network) && hosts[b.index].networks.contains(network),
            "link \(hosts[a.index].name)–\(hosts[b.index].name) is on \(networks[network.index].name), which they are not both on"
        )
        precondition(latency >= .zero, "negative latency")
        precondition(bandwidth != 0, "zero bandwidth")
        links.append(Link(endpoints: (a, b), network: network, latency: latency, bandwidth: bandwidth))
        return LinkID(links.count - 1)
    }

    public func network(named name: String) -> NetworkID? {
        networks.firstIndex { $0.name.lowercased() == name.lowercased() }.map(NetworkID.init)
    }

    public func host(named name: String) -> HostID? {
        hosts.firstIndex { $0.name.lowercased() == name.lowercased() }.map(HostID.init)
    }

    public func host(at address: IPv4Address) -> HostID? {
        hosts.firstIndex { $0.addresses.contains(address) }.map(HostID.init)
    }

    /// Whether two hosts share at least one network (not whether a path exists right now).
    public func shareNetwork(_ a: HostID, _ b: HostID) -> Bool {
        !Set(hosts[a.index].networks).isDisjoint(with: hosts[b.index].networks)
    }
}
