import SimNetwork

/// Lookups the scenario decoder makes for every host, link and message, answered in constant
/// time: hosts and users by case-folded name, mail hosts by domain, and which hosts links join
/// (connected components, over all networks and per network). Built once per decode, so that
/// reading a scenario of n hosts takes time proportional to n rather than n² or n³.
///
/// Dictionaries here only answer lookups: nothing iterates them, so their order never reaches
/// a result.
struct ScenarioIndex {
    private var hostByKey: [String: Int] = [:]
    private var mailHostByDomain: [String: Int] = [:]
    /// Every user, in the order `Scenario.users` gives them, and each by its address's key.
    private(set) var users: [(address: String, submitsAt: String, mailHost: String)] = []
    private var userByKey: [String: Int] = [:]
    /// Component of each host over every link, and over the links of each network (by key).
    private var everywhere: Components
    private var perNetwork: [String: Components] = [:]
    private let hosts: [Scenario.Host]

    init(hosts: [Scenario.Host]) {
        self.hosts = hosts
        everywhere = Components(count: hosts.count)
        for (index, host) in hosts.enumerated() {
            hostByKey[Topology.key(host.name)] = index
            if host.role == .mail {
                for domain in host.domains where mailHostByDomain[Topology.key(domain)] == nil {
                    mailHostByDomain[Topology.key(domain)] = index
                }
            }
        }
        for host in hosts {
            let mailHost = host.role == .client ? host.server.flatMap { self.host(named: $0) } : host
            guard let mailHost, let domain = mailHost.domains.first else { continue }
            for user in host.users {
                let address = "\(user)@\(domain)"
                if userByKey[Topology.key(address)] == nil { userByKey[Topology.key(address)] = users.count }
                users.append((address, host.name, mailHost.name))
            }
        }
    }

    /// Joins the hosts of every link (call once the links are read).
    mutating func connect(_ links: [Scenario.Link]) {
        for link in links {
            guard let a = hostByKey[Topology.key(link.between.0)], let b = hostByKey[Topology.key(link.between.1)]
            else { continue }
            everywhere.join(a, b)
            let network = Topology.key(link.network ?? "")
            perNetwork[network, default: Components(count: hosts.count)].join(a, b)
        }
        everywhere.flatten()
        for network in perNetwork.keys { perNetwork[network]!.flatten() }
    }

    func host(named name: String) -> Scenario.Host? { hostByKey[Topology.key(name)].map { hosts[$0] } }

    /// The user with this address (case ignored), if any.
    func user(_ address: String) -> (address: String, submitsAt: String, mailHost: String)? {
        userByKey[Topology.key(address)].map { users[$0] }
    }

    /// The host holding the mailboxes of an address's domain (by its domains, else by name), as
    /// `Scenario.mailHost(of:)` answers.
    func mailHost(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = Topology.key(String(address[address.index(after: at)...]))
        if let index = mailHostByDomain[domain] { return hosts[index].name }
        return host(named: domain).map { $0.role == .client ? ($0.server ?? $0.name) : $0.name }
    }

    /// Whether any chain of links, on any networks, joins two hosts.
    func joined(_ a: String, _ b: String) -> Bool {
        guard let a = hostByKey[Topology.key(a)], let b = hostByKey[Topology.key(b)] else { return false }
        return a == b || everywhere.same(a, b)
    }

    /// Whether links of one network join two hosts.
    func reachable(_ a: String, _ b: String) -> Bool {
        guard let a = hostByKey[Topology.key(a)], let b = hostByKey[Topology.key(b)] else { return false }
        if a == b { return true }
        for network in Set(hosts[a].networks.map(Topology.key)) {
            if let components = perNetwork[network], components.same(a, b) { return true }
        }
        return false
    }
}

/// Disjoint sets of hosts (union by size, path halving).
struct Components {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    mutating func root(_ element: Int) -> Int {
        var element = element
        while parent[element] != element {
            parent[element] = parent[parent[element]]
            element = parent[element]
        }
        return element
    }

    /// Whether two elements are in one set (after `flatten`, two array reads).
    func same(_ a: Int, _ b: Int) -> Bool {
        var a = a, b = b
        while parent[a] != a { a = parent[a] }
        while parent[b] != b { b = parent[b] }
        return a == b
    }

    /// Points every element straight at its set's root.
    mutating func flatten() {
        for element in parent.indices { parent[element] = root(element) }
    }

    mutating func join(_ a: Int, _ b: Int) {
        var a = root(a), b = root(b)
        guard a != b else { return }
        if size[a] < size[b] { swap(&a, &b) }
        parent[b] = a
        size[a] += size[b]
    }
}
