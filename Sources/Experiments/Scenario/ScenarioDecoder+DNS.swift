import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

// The scenario's `dns` section: zones of A and MX records, checked against the hosts.
extension Scenario {
    // MARK: DNS

    static func decodeDNS(_ node: JSONReader, scenario: Scenario, index: ScenarioIndex) throws(ScenarioError) -> DNS {
        let object = try node.object(allowing: ["server", "ttl", "queryTimeout", "attempts", "mx"])
        var dns = DNS(server: nil, ttl: .hours(1), queryTimeout: .seconds(5), attempts: 2, mx: [])
        if let server = object.optional("server") {
            let name = try server.string()
            guard let host = index.host(named: name) else {
                throw server.error(
                    "unknown host \"\(name)\"" + Suggestions.hint(name, among: scenario.hosts.map(\.name)))
            }
            dns.server = host.name
        }
        dns.ttl = try object.optional("ttl")?.duration() ?? dns.ttl
        dns.queryTimeout = try object.optional("queryTimeout")?.duration() ?? dns.queryTimeout
        dns.attempts = try object.optional("attempts")?.integer(in: 1...10) ?? dns.attempts
        if let mx = object.optional("mx") {
            guard case .object(let members) = mx.node.value else {
                throw mx.error("expected an object: domain → MX records")
            }
            var domains: Set<String> = []
            for member in members {
                let domainReader = mx.child(member.value, "." + member.key)
                guard Domain.validate(Substring(member.key), maxLength: 255) == nil else {
                    throw domainReader.error("\"\(member.key)\" is not a domain")
                }
                guard domains.insert(Topology.key(member.key)).inserted else {
                    throw domainReader.error("MX records for \(member.key) are given twice (names ignore case)")
                }
                var records: [(Int, String)] = []
                for record in try domainReader.array() {
                    let fields = try record.object(allowing: ["preference", "host"])
                    let hostNode = try fields.required("host", "the exchanger's host name")
                    let name = try hostNode.string()
                    guard let host = index.host(named: name), host.role == .mail else {
                        throw hostNode.error(
                            "unknown mail host \"\(name)\""
                                + Suggestions.hint(name, among: scenario.hosts.filter { $0.role == .mail }.map(\.name)))
                    }
                    records.append(
                        (
                            try fields.required("preference", "a number, lower is preferred").integer(in: 0...65535),
                            host.name
                        ))
                }
                dns.mx.append((member.key, records))
            }
        }
        return dns
    }
}
