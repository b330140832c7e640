import MailAgent
import MailCore
import MailDialects
import MailSimulation
import SimKernel
import SimNetwork

/// Builds small simulated internets for tests.
struct ScenarioBuilder {
    var topology = Topology()
    var agents: [AgentConfiguration?] = []
    var gateways: Set<String> = []
    var zones = DNSZones(defaultTTL: .hours(1))
    var pending: [(time: SimTime, host: HostID, from: String, to: [String], text: [UInt8], id: String)] = []
    var faults: [Fault] = []
    var outages: [Range<SimTime>] = []
    var nameServer: HostID?
    var counter = 0

    mutating func network(_ name: String) -> NetworkID { topology.addNetwork(name) }

    /// A host with an agent (unless `agent` is nil) speaking `dialect` and routing by `routing`.
    @discardableResult
    mutating func host(
        _ name: String, on networks: [NetworkID], dialect: DialectID = .smtp821,
        routing: RoutingPolicy? = .sourceRoutes,
        gateway: Bool = false, configure: (inout AgentConfiguration) -> Void = { _ in }
    ) -> HostID {
        let index = topology.hosts.count
        let address = IPv4Address(10, UInt8(index / 250), UInt8(index % 250 + 1), 1)
        let id = topology.addHost(name, addresses: [address], networks: networks)
        if gateway { gateways.insert(name) }
        if let routing {
            var configuration = AgentConfiguration(
                hostName: name, address: address.description, dialect: dialect, routing: routing)
            configure(&configuration)
            agents.append(configuration)
        } else {
            agents.append(nil)
        }
        return id
    }

    mutating func link(
        _ a: HostID, _ b: HostID, on network: NetworkID, latency: SimDuration = .milliseconds(10),
        bandwidth: UInt64? = nil
    ) {
        topology.addLink(a, b, network: network, latency: latency, bandwidth: bandwidth)
    }

    func address(_ host: HostID) -> IPv4Address { topology.hosts[host.index].addresses[0] }

    @discardableResult
    mutating func submit(at time: SimTime, on host: HostID, from: String, to: [String], subject: String = "Test")
        -> String
    {
        counter += 1
        let messageID = "<m\(counter)@test>"
        let text =
            "From: \(from)\r\nTo: \(to.joined(separator: ", "))\r\nSubject: \(subject)\r\nMessage-ID: \(messageID)\r\n\r\nHello.\r\n"
        pending.append((time, host, from, to, Array(text.utf8), messageID))
        return messageID
    }

    /// The workload: the submissions in time order (ties in the order they were made).
    var workload: Workload {
        var workload = Workload()
        for item in pending.enumerated().sorted(by: { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) })
            .map(\.element)
        {
            let sender = workload.user(Mailbox(item.from), submitsAt: item.host)
            let recipients = item.to.map { workload.user(Mailbox($0)) }
            workload.add(at: item.time, from: sender, to: recipients, bodySize: 8, text: item.text, messageID: item.id)
        }
        return workload
    }

    /// The host-table view every agent gets: every host, its networks, the gateways.
    var directory: HostDirectory {
        HostDirectory(
            topology.hosts.map { host in
                HostDirectory.Entry(
                    name: host.name, networks: Set(host.networks.map { topology.networks[$0.index].name }),
                    relays: gateways.contains(host.name),
                    address: host.addresses[0].description)
            })
    }

    func build(dns: Bool = false, seed: UInt64 = 1, duration: SimDuration = .days(6)) -> SimulationSetup {
        let directory = self.directory
        let configured = agents.map { agent -> AgentConfiguration? in
            guard var agent else { return nil }
            agent.directory = directory
            return agent
        }
        let dnsConfiguration =
            dns ? DNSConfiguration(enabled: true, server: nameServer, zones: zones, outages: outages) : .off
        return SimulationSetup(
            topology: topology, dns: dnsConfiguration, agents: configured, workload: workload, faults: faults,
            seed: seed,
            duration: duration)
    }
}

extension SimulationResult {
    /// The client lines of the sessions a host opened, in order.
    func commands(from host: String) -> [String] {
        trace.filter { $0.host == host && $0.kind.rawValue == "C" }.map {
            String($0.detail.drop { $0 != " " }.dropFirst())
        }
    }

    func events(_ kind: String) -> [TraceRecord] { trace.filter { $0.kind.rawValue == kind } }
}
