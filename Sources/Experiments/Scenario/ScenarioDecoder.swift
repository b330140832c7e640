import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

extension Scenario {
    /// Reads and checks a scenario file's text. Every problem is a `ScenarioError` that names the
    /// file, the line and column, the JSON path and what was expected.
    public static func decode(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ScenarioError(
                file: file, position: error.position, path: "", message: "invalid JSON: " + error.message)
        }
        return try decode(root: root, file: file)
    }

    /// Checks a scenario document already parsed (a sweep sets values in it first).
    public static func decode(root: JSONNode, file: String) throws(ScenarioError) -> Scenario {
        // Another kind of Mailpath file given where a scenario was expected: say what it is.
        if case .object(let members) = root.value, let format = members.first(where: { $0.key == "format" }),
            case .string(let name) = format.value.value,
            let command = [SweepPlan.format: "mailpath sweep", Timeline.format: "mailpath timeline"][name]
        {
            throw ScenarioError(
                file: file, position: format.value.position, path: "format",
                message: "this is a \(name) file, not a scenario: run it with '\(command)'")
        }
        let top = try JSONReader(file: file, node: root, path: "").object(allowing: [
            "format", "name", "description", "seed", "duration", "era", "networks", "hosts", "links", "dns", "workload",
            "faults",
        ])
        let format = try top.required("format", "the file format, \"\(Scenario.format)\"")
        guard try format.string() == Scenario.format else {
            throw format.error("expected \"\(Scenario.format)\", found \"\(try format.string())\"")
        }
        let defaultName = String(
            (file.split(separator: "/").last ?? Substring(file)).split(separator: ".").first ?? "scenario")
        var scenario = Scenario(
            name: try top.optional("name")?.string() ?? defaultName,
            description: try top.optional("description")?.string() ?? "",
            seed: UInt64(try top.optional("seed")?.integer(in: 0...Int.max) ?? 1),
            duration: try top.optional("duration")?.duration() ?? .days(6),
            era: nil, networks: [], islands: [], hosts: [], links: [],
            dns: DNS(server: nil, ttl: .hours(1), queryTimeout: .seconds(5), attempts: 2, mx: []),
            workload: WorkloadSpec(messages: [], generators: []), faults: [])
        if let era = top.optional("era") {
            scenario.era = try era.choice(Era.all.map(\.name), what: "era")
        }
        // Asked for before the hosts are read: a file without it is refused at once, however many
        // hosts it has.
        let workload = try top.required("workload", "the messages to send")
        let networks = try top.required("networks", "the networks, such as [\"ARPANET\", \"CSNET\"]").array()
        guard !networks.isEmpty else { throw try top.required("networks", "").error("needs at least one network") }
        for network in networks {
            var name: String
            if network.node.kind == .object {
                let fields = try network.object(allowing: ["name", "internet", "founded", "ncp", "polled"])
                name = try fields.required("name", "the network's name").string()
                if try fields.optional("internet")?.bool() == false { scenario.islands.insert(name) }
                if let year = try fields.optional("founded")?.integer(in: Factors.NetworkSet.years) {
                    scenario.founded[name.lowercased()] = year
                }
                if try fields.optional("ncp")?.bool() == true { scenario.ncp.insert(name.lowercased()) }
                if let node = fields.optional("polled") {
                    let interval = try node.duration()
                    guard interval > .zero else {
                        throw node.error(
                            "a network is called at least every so often: give a time above 0, such as \"4h\"")
                    }
                    scenario.polled[name.lowercased()] = interval
                }
            } else {
                name = try network.string()
            }
            guard !scenario.networks.contains(where: { $0.lowercased() == name.lowercased() }) else {
                throw network.error("network \"\(name)\" named twice")
            }
            scenario.networks.append(name)
        }
        let hostNodes = try top.required("hosts", "the hosts").array()
        var taken = TakenNames()
        for node in hostNodes {
            scenario.hosts.append(try decodeHost(node, networks: scenario.networks, taken: &taken))
        }
        var index = ScenarioIndex(hosts: scenario.hosts)
        var servedDomains: [String: String] = [:]
        for (node, host) in zip(hostNodes, scenario.hosts) {
            try check(host, node, in: scenario, index: index, served: &servedDomains)
        }
        try checkUsers(scenario, hostNodes: hostNodes, index: index)
        for node in try top.optional("links")?.array() ?? [] {
            scenario.links.append(try decodeLink(node, scenario: scenario, index: index))
        }
        index.connect(scenario.links)
        if let dns = top.optional("dns") { scenario.dns = try decodeDNS(dns, scenario: scenario, index: index) }
        try checkRoutes(scenario, hostNodes: hostNodes, index: index)
        scenario.workload = try decodeWorkload(workload, scenario: scenario, index: index)
        for node in try top.optional("faults")?.array() ?? [] {
            scenario.faults.append(try decodeFault(node, scenario: scenario))
        }
        return scenario
    }

    /// Reads a scenario file from disk.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let text: String
        switch FileText.readText(path) {
        case .success(let read): text = read
        case .failure(let failure): throw ScenarioError(file: path, position: nil, path: "", message: failure.reason)
        }
        return try decode(text, file: path)
    }

    // MARK: Hosts and links

    /// The fields a host may have (Docs/scenarios.md describes each).
    static let hostFields = [
        "name", "networks", "role", "address", "domains", "users", "server", "gateway", "queue", "retry",
        "maxMessageSize",
        "relayFor", "openRelay", "queueDelay", "relayHost", "dialect", "gatewayRouting",
    ]

    /// The host names (case-folded) and addresses read so far.
    struct TakenNames {
        var names: Set<String> = []
        var addresses: [IPv4Address: String] = [:]
    }

    static func decodeHost(_ node: JSONReader, networks: [String], taken: inout TakenNames) throws(ScenarioError)
        -> Host
    {
        let object = try node.object(allowing: hostFields)
        let nameNode = try object.required("name", "the host name")
        let name = try nameNode.string()
        guard !name.hasPrefix("[") else {
            throw nameNode.error(
                "\"\(name)\" is an address literal, not a host name: name the host, and give its address as \"address\""
            )
        }
        guard Domain.validate(Substring(name), maxLength: 255) == nil else {
            throw nameNode.error("\"\(name)\" is not a host name")
        }
        guard taken.names.insert(Topology.key(name)).inserted else {
            throw nameNode.error("host \"\(name)\" defined twice")
        }
        var hostNetworks: [String] = []
        for network in try object.required("networks", "the networks the host is on").arrayOrSingle() {
            let wanted = try network.string()
            guard let known = networks.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                throw network.error("unknown network \"\(wanted)\"" + Suggestions.hint(wanted, among: networks))
            }
            hostNetworks.append(known)
        }
        let role = Role(
            rawValue: try object.optional("role")?.choice(Role.allCases.map(\.rawValue), what: "role") ?? "mail")!
        var address: String?
        if let node = object.optional("address") {
            let text = try node.string()
            guard let parsed = IPv4Address(text) else {
                throw node.error("expected an address such as \"10.0.0.73\", found \"\(text)\"")
            }
            if let owner = taken.addresses.updateValue(name, forKey: parsed) {
                throw node.error("address \(text) is already taken: it is \(parsed), the address of \(owner)")
            }
            address = text
        }
        let domains = try object.optional("domains")?.arrayOrSingle().map { node throws(ScenarioError) -> String in
            let domain = try node.string()
            guard !domain.hasPrefix("["), Domain.validate(Substring(domain), maxLength: 255) == nil else {
                throw node.error("\"\(domain)\" is not a domain")
            }
            return domain
        }
        let users =
            try object.optional("users")?.arrayOrSingle().map { node throws(ScenarioError) -> String in
                let user = try node.string()
                guard Path.isValidLocalPart(ArraySlice(user.utf8)) else {
                    let dots = user.hasPrefix(".") || user.hasSuffix(".") || user.contains("..")
                    throw node.error(
                        "\"\(user)\" is not a valid user name"
                            + (dots
                                ? ": a dot may not start or end it, nor follow another (RFC 821 §4.1.2 <dot-string>)"
                                : ""))
                }
                // RFC 780 §3.2: notices come from MTP@host, so mail from such a sender is taken for a
                // notice (and never answered with one): the name is the mailer's, not a user's.
                guard user.lowercased() != "mtp" else {
                    throw node.error(
                        "\"\(user)\" is reserved: RFC 780 §3.2 sends notices from MTP@host, so its mail would be taken for a notice"
                    )
                }
                return user
            } ?? []
        let retry = try object.optional("retry")?.choice(RetrySchedule.presets.map(\.name), what: "retry schedule")
        let queue =
            try object.optional("queue")?.choice(["persistent", "volatile"], what: "queue kind") ?? "persistent"
        let server = try object.optional("server")?.string()
        if role == .client && server == nil {
            throw node.error("a client needs \"server\": the mail host its users submit to")
        }
        if role != .client, let serverNode = object.optional("server") {
            throw serverNode.error("only a client has a server")
        }
        return Host(
            name: name, networks: hostNetworks, role: role, address: address,
            domains: role == .mail ? (domains ?? [name]) : [],
            users: users, server: server, gateway: try object.optional("gateway")?.bool() ?? false,
            volatileQueue: queue == "volatile",
            retry: retry, maxMessageSize: try object.optional("maxMessageSize")?.size(),
            relayFor: try object.optional("relayFor")?.arrayOrSingle().map { node throws(ScenarioError) in
                try node.string()
            } ?? [],
            openRelay: try object.optional("openRelay")?.bool() ?? false,
            queueDelay: try object.optional("queueDelay")?.duration() ?? .zero,
            relayHost: try object.optional("relayHost")?.string(),
            dialect: try object.optional("dialect").map { node throws(ScenarioError) in
                DialectID(rawValue: try node.choice(DialectID.allCases.map(\.rawValue), what: "dialect"))!
            },
            gatewayRouting: try object.optional("gatewayRouting").map { node throws(ScenarioError) in
                GatewayPractice(
                    rawValue: try node.choice(GatewayPractice.allCases.map(\.rawValue), what: "gateway routing"))!
            } ?? .sourceRoute)
    }

    /// Checks what needs all hosts: clients' servers, domains served twice.
    static func check(
        _ host: Host, _ node: JSONReader, in scenario: Scenario, index: ScenarioIndex, served: inout [String: String]
    ) throws(ScenarioError) {
        let object = try node.object(allowing: hostFields)
        if let serverName = host.server {
            let serverNode = try object.required("server", "")
            guard let server = index.host(named: serverName) else {
                throw serverNode.error(
                    "unknown host \"\(serverName)\"" + Suggestions.hint(serverName, among: scenario.hosts.map(\.name)))
            }
            guard server.role == .mail else {
                throw serverNode.error("\"\(serverName)\" is a \(server.role.rawValue), not a mail host")
            }
        }
        if let relay = host.relayHost {
            let relayNode = try object.required("relayHost", "")
            guard let gateway = index.host(named: relay), gateway.role == .mail else {
                throw relayNode.error(
                    "unknown mail host \"\(relay)\""
                        + Suggestions.hint(relay, among: scenario.hosts.filter { $0.role == .mail }.map(\.name)))
            }
            guard !Set(gateway.networks).isDisjoint(with: host.networks) else {
                throw relayNode.error("\(host.name) and its relay host \(gateway.name) share no network")
            }
        }
        if host.gatewayRouting == .relay, host.relayHost == nil {
            throw try object.required("gatewayRouting", "").error(
                "\"relay\" sends mail to the host's relay: give it \"relayHost\", the mail host it forwards to")
        }
        for domain in Set(host.domains.map(Topology.key)).sorted() {
            if let other = served.updateValue(host.name, forKey: domain), other != host.name {
                throw (object.optional("domains") ?? node).error(
                    "domain \(host.domains.first { Topology.key($0) == domain }!) is served by both \(other) and \(host.name)"
                )
            }
        }
    }

    static func decodeLink(_ node: JSONReader, scenario: Scenario, index: ScenarioIndex) throws(ScenarioError) -> Link {
        let object = try node.object(allowing: ["between", "network", "latency", "bandwidth"])
        let between = try object.required("between", "the two hosts it joins, such as [\"A\", \"D\"]")
        let ends = try between.array()
        guard ends.count == 2 else { throw between.error("expected two host names") }
        var names: [String] = []
        for end in ends {
            let name = try end.string()
            guard let host = index.host(named: name) else {
                throw end.error("unknown host \"\(name)\"" + Suggestions.hint(name, among: scenario.hosts.map(\.name)))
            }
            names.append(host.name)
        }
        guard names[0].lowercased() != names[1].lowercased() else {
            throw between.error("a link joins two different hosts")
        }
        let a = index.host(named: names[0])!, b = index.host(named: names[1])!
        let shared = a.networks.filter { network in b.networks.contains(network) }
        var network: String
        if let networkNode = object.optional("network") {
            network = try networkNode.string()
            guard let known = scenario.networks.first(where: { $0.lowercased() == network.lowercased() }) else {
                throw networkNode.error(
                    "unknown network \"\(network)\"" + Suggestions.hint(network, among: scenario.networks))
            }
            network = known
            guard shared.contains(network) else {
                throw networkNode.error("\(a.name) and \(b.name) are not both on \(network)")
            }
        } else {
            guard shared.count == 1 else {
                throw between.error(
                    shared.isEmpty
                        ? "\(a.name) and \(b.name) share no network, so no link can join them"
                        : "\(a.name) and \(b.name) share \(shared.joined(separator: " and ")); say which with \"network\""
                )
            }
            network = shared[0]
        }
        // One rate for both directions, or two: from the first host of `between` to the second, and back.
        var bandwidths: [UInt64] = []
        if let node = object.optional("bandwidth") {
            let rates = try node.arrayOrSingle()
            guard (1...2).contains(rates.count) else {
                throw node.error("expected a bandwidth, or two: [\"to the second host\", \"back to the first\"]")
            }
            for rate in rates { bandwidths.append(try rate.bandwidth()) }
        }
        return Link(
            between: (a.name, b.name), network: network,
            latency: try object.optional("latency")?.duration(limit: Units.longestLatency, limitText: "1h")
                ?? .milliseconds(10),
            bandwidth: bandwidths.first, bandwidthBack: bandwidths.count == 2 ? bandwidths[1] : nil)
    }

    /// Every client must be able to reach its server: a route through nowhere is refused.
    /// Every user's address belongs to one user: a name listed twice on a host (in any case),
    /// or the same user on a client and on its server, would be two mailboxes with one address,
    /// and mail to it would be delivered twice.
    static func checkUsers(_ scenario: Scenario, hostNodes: [JSONReader], index: ScenarioIndex) throws(ScenarioError) {
        var owner: [String: String] = [:]  // address key → the host it is a user of (lookups only)
        for (host, node) in zip(scenario.hosts, hostNodes) {
            let mailHost = host.role == .client ? host.server.flatMap { index.host(named: $0) } : host
            guard let domain = mailHost?.domains.first,
                let users = try node.object(allowing: hostFields).optional("users")
            else { continue }
            for (user, userNode) in zip(host.users, try users.arrayOrSingle()) {
                let address = "\(user)@\(domain)"
                if let other = owner.updateValue(host.name, forKey: Topology.key(address)) {
                    throw userNode.error(
                        other == host.name
                            ? "user \"\(user)\" is listed twice on \(host.name)"
                            : "\(address) is a user of both \(other) and \(host.name): one mailbox needs one owner")
                }
            }
        }
    }

    static func checkRoutes(_ scenario: Scenario, hostNodes: [JSONReader], index: ScenarioIndex) throws(ScenarioError) {
        for (host, node) in zip(scenario.hosts, hostNodes) {
            guard let server = host.server, !index.reachable(host.name, server) else { continue }
            throw (try node.object(allowing: hostFields).required("server", "")).error(
                "no links join \(host.name) to its server \(server): add a link, or a host between them")
        }
    }
}

extension Scenario {
    public func host(named name: String) -> Host? { hosts.first { $0.name.lowercased() == name.lowercased() } }

    /// Every user: its address, the host it submits from, and the mail host holding its mailbox.
    public var users: [(address: String, submitsAt: String, mailHost: String)] { ScenarioIndex(hosts: hosts).users }

    /// The host holding the mailboxes of an address's domain (by its domains, else by name).
    public func mailHost(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...].lowercased()
        if let host = hosts.first(where: { $0.role == .mail && $0.domains.contains { $0.lowercased() == domain } }) {
            return host.name
        }
        return host(named: domain).map { $0.role == .client ? ($0.server ?? $0.name) : $0.name }
    }

    /// Whether any chain of links, on any networks, joins two hosts.
    public func joined(_ a: String, _ b: String) -> Bool {
        var seen: Set<String> = [a.lowercased()]
        var frontier = [a.lowercased()]
        while let host = frontier.popLast() {
            if host == b.lowercased() { return true }
            for link in links {
                let ends = (link.between.0.lowercased(), link.between.1.lowercased())
                let next = ends.0 == host ? ends.1 : ends.1 == host ? ends.0 : nil
                if let next, seen.insert(next).inserted { frontier.append(next) }
            }
        }
        return false
    }

    /// Whether links of one network join two hosts (through any hosts on it).
    public func reachable(_ a: String, _ b: String) -> Bool {
        for network in networks {
            var seen: Set<String> = [a.lowercased()]
            var frontier = [a.lowercased()]
            while let host = frontier.popLast() {
                if host == b.lowercased() { return true }
                for link in links where link.network == network {
                    let ends = (link.between.0.lowercased(), link.between.1.lowercased())
                    let next = ends.0 == host ? ends.1 : ends.1 == host ? ends.0 : nil
                    if let next, seen.insert(next).inserted { frontier.append(next) }
                }
            }
        }
        return false
    }
}
