import MailAgent
import MailCore
import MailDialects
import MailSimulation
import SimKernel
import SimNetwork

/// Options that are not part of the scenario or the era.
public struct RunOptions: Sendable {
    public var seed: UInt64?
    public var tracing: Bool
    /// Keep a record of every delivered message (size, digest; off for benchmarks), and its text.
    public var keepsMailboxes: Bool
    public var keepsMailboxText: Bool
    /// How many equal spans of the run the queue figures are also given for (`queue.csv`; 0: none).
    public var queueSamples: Int
    /// Record every segment and DNS message for a packet trace (`run --pcap`).
    public var capturesPackets = false
    /// Trace each text's header as it grows hop by hop (`trace --text`).
    public var tracesText = false

    /// `keepsMailboxText: false` with `keepsMailboxes: true` keeps each message's size and digest
    /// without its text; `keepsMailboxes: false` keeps nothing (deliveries are still counted).
    public init(
        seed: UInt64? = nil, tracing: Bool = true, keepsMailboxes: Bool = true, keepsMailboxText: Bool = true,
        queueSamples: Int = 48
    ) {
        self.seed = seed
        self.tracing = tracing
        self.keepsMailboxes = keepsMailboxes
        self.keepsMailboxText = keepsMailboxText
        self.queueSamples = queueSamples
    }
}

extension Scenario {
    /// Builds the simulation of this scenario in an era. The workload is passed in, so that every
    /// era of a comparison runs the very same messages.
    public func setup(era: Era, workload: Workload, options: RunOptions = RunOptions(), file: String = "scenario")
        throws(ScenarioError)
        -> SimulationSetup
    {
        // The era's networks: a host on none of them does not exist in this run (no agent, no
        // links, no names), and messages to or from its users are left out of the workload.
        let status = networkStatus(in: era)
        let absent = absentHosts(status)
        let running = Set(status.running.map(Topology.key))
        func exists(_ host: String) -> Bool { !absent.contains(Topology.key(host)) }
        var topology = Topology()
        for network in networks { topology.addNetwork(network) }
        var taken = Set(hosts.compactMap(\.address))
        var next: UInt32 = 0x0a00_0001
        var addresses: [String] = []
        for host in hosts {
            if let address = host.address {
                addresses.append(address)
                continue
            }
            while taken.contains(IPv4Address(next).description) { next += 1 }
            addresses.append(IPv4Address(next).description)
            taken.insert(IPv4Address(next).description)
            next += 1
        }
        for (index, host) in hosts.enumerated() {
            topology.addHost(
                host.name, addresses: [IPv4Address(addresses[index])!],
                networks: host.networks.filter { running.contains(Topology.key($0)) }.map {
                    topology.network(named: $0)!
                })
        }
        // Links of the running networks, and the scenario's link index → the topology's.
        var linkIDs: [Int: LinkID] = [:]
        for (index, link) in links.enumerated()
        where running.contains(Topology.key(link.network!)) && exists(link.between.0) && exists(link.between.1) {
            linkIDs[index] = LinkID(linkIDs.count)
            topology.addLink(
                topology.host(named: link.between.0)!, topology.host(named: link.between.1)!,
                network: topology.network(named: link.network!)!,
                latency: link.latency, bandwidth: link.bandwidth, bandwidthBack: link.bandwidthBack ?? link.bandwidth)
        }

        // DNS: A records for every host, MX records for every domain (the scenario's, or MX 10 to its server).
        var dnsConfiguration = DNSConfiguration.off
        var outages: [Range<SimTime>] = []
        for fault in faults { if case .dnsOutage(let from, let until) = fault { outages.append(from..<until) } }
        if era.dns {
            if let serverName = dns.server, !exists(serverName) {
                throw ScenarioError(
                    file: file, position: nil, path: "dns.server",
                    message:
                        "era \(era.name) uses DNS, but the name server \(serverName) is on no network it runs (\(status.note ?? "")); give the era a later networks year"
                )
            }
            guard let serverName = dns.server, let server = topology.host(named: serverName) else {
                throw ScenarioError(
                    file: file, position: nil, path: "dns.server",
                    message:
                        "era \(era.name) uses DNS, so the scenario needs \"dns\": {\"server\": HOST}, the host running the name server"
                )
            }
            var zones = DNSZones(defaultTTL: dns.ttl)
            for (index, host) in hosts.enumerated() where exists(host.name) {
                zones.addAddress(host.name, IPv4Address(addresses[index])!)
            }
            let servers = domainServers.filter { exists($0.host) }
            var explicitMX: [String: Int] = [:]  // by domain key: the first entry of dns.mx
            for (index, entry) in dns.mx.enumerated() where explicitMX[Topology.key(entry.domain)] == nil {
                explicitMX[Topology.key(entry.domain)] = index
            }
            let served = Set(servers.map { Topology.key($0.domain) })
            for (domain, host) in servers {
                if let explicit = explicitMX[Topology.key(domain)].map({ dns.mx[$0] }) {
                    for record in explicit.records where exists(record.host) {
                        zones.addMX(domain, preference: UInt16(record.preference), exchange: record.host)
                    }
                } else {
                    zones.addMX(domain, preference: 10, exchange: host)
                }
            }
            for (domain, records) in dns.mx where !served.contains(Topology.key(domain)) {
                for record in records where exists(record.host) {
                    zones.addMX(domain, preference: UInt16(record.preference), exchange: record.host)
                }
            }
            dnsConfiguration = DNSConfiguration(
                enabled: true, server: server, zones: zones, queryTimeout: dns.queryTimeout, attempts: dns.attempts,
                outages: outages)
        }

        // From mx-1986 on, networks that join the Internet form one internet at the packet level.
        let joined = era.internet ? Set(status.running.filter { !islands.contains($0) }) : []

        // The host table: every host, with the domains it serves as nicknames (HOSTS.TXT had both).
        // In the agents' view, the joined networks are one network, "Internet".
        var table = HostTable()
        var directoryEntries: [HostDirectory.Entry] = []
        for (index, host) in hosts.enumerated() where exists(host.name) {
            table.add(
                HostTable.Entry(
                    names: [host.name] + host.domains.filter { $0.lowercased() != host.name.lowercased() },
                    addresses: [IPv4Address(addresses[index])!],
                    networks: host.networks.filter { running.contains(Topology.key($0)) }))
            let reach = Set(
                host.networks.filter { running.contains(Topology.key($0)) }.map {
                    joined.contains($0) ? "Internet" : $0
                })
            directoryEntries.append(
                HostDirectory.Entry(name: host.name, networks: reach, relays: host.gateway, address: addresses[index]))
            for domain in host.domains where domain.lowercased() != host.name.lowercased() {
                directoryEntries.append(
                    HostDirectory.Entry(name: domain, networks: reach, relays: false, address: addresses[index]))
            }
        }
        let directory = HostDirectory(directoryEntries)

        // What each mail host needs of the others, grouped once by the host's key (not searched
        // for every host): its users, its clients, and the domains it is an exchanger for.
        var localUsersOf: [String: [String]] = [:]
        for user in users {
            localUsersOf[Topology.key(user.mailHost), default: []].append(String(user.address.prefix { $0 != "@" }))
        }
        var clientsOf: [String: [String]] = [:]
        for other in hosts {
            for server in Set([other.server, other.relayHost].compactMap { $0.map(Topology.key) }) {
                clientsOf[server, default: []].append(other.name)
            }
        }
        var exchangerOf: [String: [String]] = [:]
        for entry in dns.mx {
            for host in Set(entry.records.map { Topology.key($0.host) }) {
                exchangerOf[host, default: []].append(entry.domain)
            }
        }
        let epoch = CivilTime.unixSeconds(year: era.year, month: 1, day: 1)
        var agents: [AgentConfiguration?] = []
        for (index, host) in hosts.enumerated() {
            // A host whose software is older than the era keeps speaking its own dialect.
            let dialect =
                host.dialect.map { own in
                    DialectID.allCases.firstIndex(of: own)! < DialectID.allCases.firstIndex(of: era.dialect)!
                        ? own : era.dialect
                } ?? era.dialect
            let retry = host.retry.flatMap { name in RetrySchedule.presets.first { $0.name == name } } ?? era.retry
            let queueDelay = Duration.nanoseconds(host.queueDelay.nanoseconds)
            switch host.role {
            case _ where !exists(host.name), .router:
                agents.append(nil)
            case .client:
                agents.append(
                    AgentConfiguration(
                        hostName: host.name, address: addresses[index], localDomains: [Domain(host.name)], users: [],
                        dialect: dialect, extensions: era.factors.extensions,
                        // FTP mail cannot hand mail to a server for another host: the client sends it itself.
                        routing: era.routing == .directOnly ? .directOnly : .smartHost(host.server!), retry: retry,
                        persistence: host.volatileQueue ? .volatile : .persistent,
                        directory: directory, relayClients: [], relaysSourceRoutes: false, epoch: epoch,
                        keepsMailboxes: options.keepsMailboxes,
                        keepsMailboxText: options.keepsMailboxText,
                        queueDelay: queueDelay))
            case .mail:
                // A host named as an exchanger for a domain it does not serve relays mail for it.
                let key = Topology.key(host.name)
                let ownDomains = Set(host.domains.map(Topology.key))
                let exchangerFor = (exchangerOf[key] ?? []).filter { !ownDomains.contains(Topology.key($0)) }
                let localUsers = localUsersOf[key] ?? []
                let clients = clientsOf[key] ?? []
                agents.append(
                    AgentConfiguration(
                        hostName: host.name, address: addresses[index],
                        localDomains: DomainSet((host.domains + [host.name]).map(Domain.init)),
                        mailDomain: Domain(host.domains.first ?? host.name),
                        users: Set(localUsers), dialect: dialect, extensions: era.factors.extensions,
                        routing: era.dns
                            ? host.relayHost.flatMap { exists($0) ? $0 : nil }.map {
                                .gatewayForOthers(topology.hosts[topology.host(named: $0)!.index].name)
                            } ?? era.routing : era.routing,
                        retry: retry,
                        persistence: host.volatileQueue ? .volatile : .persistent, directory: directory,
                        relayDomains: DomainSet((host.relayFor + exchangerFor).map(Domain.init)),
                        relayClients: host.openRelay ? nil : Set(clients + [host.name]),
                        relaysSourceRoutes: host.gateway || host.openRelay, epoch: epoch,
                        keepsMailboxes: options.keepsMailboxes,
                        keepsMailboxText: options.keepsMailboxText,
                        maxMessageSize: host.maxMessageSize, queueDelay: queueDelay))
                let practice: GatewayRouting
                switch host.gatewayRouting {
                case .sourceRoute: practice = .sourceRoute
                case .percent: practice = .embedded(.percent)
                case .bang: practice = .embedded(.bang)
                case .relay:
                    // To the relay host (the decoder requires one), by its name in the topology; a
                    // relay on no network of the era's leaves the source route.
                    practice =
                        host.relayHost.flatMap { exists($0) ? topology.host(named: $0) : nil }.map {
                            .relay(topology.hosts[$0.index].name)
                        } ?? .sourceRoute
                }
                agents[agents.count - 1]!.gatewayRouting = practice
            }
        }

        var simulationFaults: [Fault] = []
        for fault in faults {
            switch fault {
            case .link(let between, let up, let at):
                let index = links.firstIndex {
                    Set([$0.between.0.lowercased(), $0.between.1.lowercased()])
                        == Set([between.0.lowercased(), between.1.lowercased()])
                }!
                // A link of a network the era does not run has nothing to fail.
                guard let link = linkIDs[index] else { continue }
                simulationFaults.append(up ? .linkUp(link, at: at) : .linkDown(link, at: at))
            case .crash(let host, _, _) where !exists(host), .reply(let host, _, _, _, _, _, _) where !exists(host),
                .dropAfterDot(let host, _, _) where !exists(host):
                continue
            case .crash(let host, let at, let restart):
                simulationFaults.append(.crash(topology.host(named: host)!, at: at))
                if let restart { simulationFaults.append(.restart(topology.host(named: host)!, at: restart)) }
            case .dnsOutage:
                break
            case .reply(let host, let command, let code, let text, let from, let until, let probability):
                simulationFaults.append(
                    .injectReply(
                        host: topology.host(named: host)!, command: command, reply: Reply(ReplyCode(code), text),
                        window: from..<until, probability: probability))
            case .dropAfterDot(let host, let from, let until):
                simulationFaults.append(.dropAfterFinalDot(host: topology.host(named: host)!, window: from..<until))
            }
        }
        var setup = SimulationSetup(
            topology: topology, dns: dnsConfiguration, hostTable: table, agents: agents,
            workload: self.workload(workload, withoutHosts: absent),
            faults: simulationFaults,
            seed: options.seed ?? seed, duration: duration, tracing: options.tracing)
        setup.queueSamples = options.queueSamples
        setup.joinedNetworks = Set(joined.map { topology.network(named: $0)! })
        for network in status.running {
            if let interval = polled[network.lowercased()] {
                setup.pollIntervals[topology.network(named: network)!] = interval
            }
        }
        // Before the flag day (1 January 1983), the ARPANET's hosts spoke NCP, not TCP.
        setup.ncpNetworks = Set(ncpNetworks(in: era).map { topology.network(named: $0)! })
        setup.capturesPackets = options.capturesPackets
        setup.tracesText = options.tracesText
        setup.epoch = epoch
        return setup
    }
}
