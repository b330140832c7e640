import SimKernel

/// The reference workload of `mailpath bench`: 10 domains, each a mail server and 10 user hosts on
/// 1 Mbit/s uplinks, 1 ms apart inside a domain and 20 ms between domains, one resolver; Poisson
/// arrivals at 100 messages per second, each from a user to 1–3 users in other domains, 2,000-byte
/// bodies, submitted to the sender's own server and delivered through MX.
public enum ReferenceWorkload {
    public static let domains = 10
    public static let usersPerDomain = 10

    public static func scenario(messages: Int) -> Scenario {
        var hosts: [Scenario.Host] = []
        var links: [Scenario.Link] = []
        func host(
            _ name: String, role: Scenario.Role, domains: [String] = [], users: [String] = [], server: String? = nil
        ) -> Scenario.Host {
            Scenario.Host(
                name: name, networks: ["Internet"], role: role, address: nil, domains: domains, users: users,
                server: server, gateway: false,
                volatileQueue: false, retry: nil, maxMessageSize: nil, relayFor: [], openRelay: false,
                queueDelay: .zero, relayHost: nil)
        }
        hosts.append(host("core", role: .router))
        hosts.append(host("ns", role: .router))
        links.append(
            Scenario.Link(
                between: ("core", "ns"), network: "Internet", latency: .microseconds(500), bandwidth: 100_000_000))
        for d in 0..<domains {
            let domain = "d\(d).net"
            hosts.append(host("gw.\(domain)", role: .router))
            hosts.append(host("mx.\(domain)", role: .mail, domains: [domain]))
            links.append(
                Scenario.Link(
                    between: ("core", "gw.\(domain)"), network: "Internet", latency: .microseconds(9_500),
                    bandwidth: 100_000_000))
            links.append(
                Scenario.Link(
                    between: ("gw.\(domain)", "mx.\(domain)"), network: "Internet", latency: .microseconds(500),
                    bandwidth: 1_000_000))
            for u in 0..<usersPerDomain {
                hosts.append(host("h\(u).\(domain)", role: .client, users: ["u\(u)"], server: "mx.\(domain)"))
                links.append(
                    Scenario.Link(
                        between: ("gw.\(domain)", "h\(u).\(domain)"), network: "Internet", latency: .microseconds(500),
                        bandwidth: 1_000_000))
            }
        }
        let generator = Scenario.GeneratorSpec(
            count: messages, meanInterval: .milliseconds(10), start: .zero, from: [], among: [], recipients: 1...3,
            otherDomains: true,
            size: .fixed(2000))
        return Scenario(
            name: "reference", description: "The reference workload of mailpath bench.", seed: 1,
            duration: .seconds(Int64(messages / 100) + 3600), era: "smtp-2001", networks: ["Internet"], islands: [],
            hosts: hosts, links: links,
            dns: Scenario.DNS(server: "ns", ttl: .hours(1), queryTimeout: .seconds(5), attempts: 2, mx: []),
            workload: Scenario.WorkloadSpec(messages: [], generators: [generator]), faults: [])
    }
}
