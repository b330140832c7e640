/// A static host table in the manner of the NIC's HOSTS.TXT: names (official name first, then
/// nicknames), addresses and the networks each host is on. Before DNS (the eras up to 1986) this
/// table is how a host turns a name into an address and learns which networks it can reach.
public struct HostTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public var names: [String]
        public var addresses: [IPv4Address]
        public var networks: [String]
        public init(names: [String], addresses: [IPv4Address], networks: [String]) {
            self.names = names
            self.addresses = addresses
            self.networks = networks
        }
        public var officialName: String { names[0] }
    }

    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    public init(entries: [Entry] = []) {
        for entry in entries { add(entry) }
    }

    /// The table listing every host of a topology under its official name.
    public init(topology: Topology) {
        for host in topology.hosts {
            add(
                Entry(
                    names: [host.name], addresses: host.addresses,
                    networks: host.networks.map { topology.networks[$0.index].name }))
        }
    }

    public mutating func add(_ entry: Entry) {
        precondition(!entry.names.isEmpty, "a host table entry needs a name")
        entries.append(entry)
        for name in entry.names { index[name.lowercased()] = entries.count - 1 }
    }

    /// The entry for a name or nickname, ignoring case.
    public func entry(named name: String) -> Entry? {
        index[name.lowercased()].map { entries[$0] }
    }

    /// HOSTS.TXT-style text: `HOST : 10.0.0.1 : ALPHA,ALPHA-NICK : ARPANET :`.
    public var text: String {
        entries.map { entry in
            "HOST : " + entry.addresses.map(\.description).joined(separator: ",") + " : "
                + entry.names.joined(separator: ",") + " : " + entry.networks.joined(separator: ",") + " :\n"
        }.joined()
    }
}
