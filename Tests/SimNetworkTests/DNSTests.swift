import SimKernel
import Testing

@testable import SimNetwork

/// A resolver host R, a name server N 10 ms away, and two mail hosts; unlimited bandwidth.
struct DNSNet {
    var model: NetworkModel
    let r: HostID, n: HostID

    init(enabled: Bool = true, ttl: SimDuration = .seconds(60), outages: [Range<SimTime>] = []) {
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        r = topology.addHost("R.EXAMPLE", addresses: [IPv4Address(10, 0, 0, 1)], networks: [net])
        n = topology.addHost("NS.EXAMPLE", addresses: [IPv4Address(10, 0, 0, 2)], networks: [net])
        let mx1 = topology.addHost("MX1.DEST.ORG", addresses: [IPv4Address(10, 0, 1, 1)], networks: [net])
        topology.addHost("MX2.DEST.ORG", addresses: [IPv4Address(10, 0, 1, 2)], networks: [net])
        topology.addLink(r, n, network: net, latency: .milliseconds(10), bandwidth: nil)
        topology.addLink(n, mx1, network: net, latency: .milliseconds(10), bandwidth: nil)
        var zones = DNSZones(defaultTTL: ttl)
        zones.addMX("dest.org", preference: 20, exchange: "MX2.DEST.ORG")
        zones.addMX("dest.org", preference: 10, exchange: "MX1.DEST.ORG")
        zones.addAddress("MX1.DEST.ORG", IPv4Address(10, 0, 1, 1))
        zones.addAddress("MX2.DEST.ORG", IPv4Address(10, 0, 1, 2))
        zones.addAddress("plain.org", IPv4Address(10, 0, 1, 1))
        let config = DNSConfiguration(enabled: enabled, server: n, zones: zones, outages: outages)
        model = NetworkModel(topology: topology, dns: config)
    }

    /// Looks up at `time` and returns (arrival time, answer) for each answer that comes back.
    mutating func ask(_ name: String, _ type: DNSQueryType, at time: SimTime) -> [(SimTime, DNSAnswer)] {
        model.run(until: time)
        _ = model.lookup(name, type, from: r)
        var answers: [(SimTime, DNSAnswer)] = []
        model.run(until: .distantFuture) { model, notification in
            if case .dnsAnswered(_, _, let answer) = notification { answers.append((model.now, answer)) }
        }
        return answers
    }
}

@Suite struct DNSTests {
    static let names = [
        "d3.net", "D3.NET", "Mx.D05.Example.", "mx.d05.example.", "", ".", "[10.0.0.1]", "ÄRGER.example",
        "ärger.example.",
    ]

    @Test("a name's key is its lower-case form without a final dot", arguments: names)
    func key(name: String) {
        var expected = name.lowercased()
        if expected.hasSuffix(".") { expected.removeLast() }
        #expect(DNSZones.key(name) == expected)
    }

    @Test("an MX answer costs one round trip and carries the exchanges' A records, so their lookups are free")
    func mxWithAdditional() {
        var dns = DNSNet()
        let mx = dns.ask("DEST.ORG", .mx, at: .zero)
        #expect(mx.count == 1)
        #expect(mx[0].0 == SimTime.zero + .milliseconds(20))
        guard case .mailExchangers(let records, let additional) = mx[0].1 else {
            Issue.record("expected MX records, got \(mx[0].1)")
            return
        }
        #expect(
            records == [
                MXRecord(preference: 10, exchange: "MX1.DEST.ORG"), MXRecord(preference: 20, exchange: "MX2.DEST.ORG"),
            ])
        #expect(additional.map(\.name) == ["MX1.DEST.ORG", "MX2.DEST.ORG"])
        #expect(dns.model.statistics.dnsQueries == 1)

        let a = dns.ask("mx2.dest.org", .a, at: dns.model.now)
        #expect(a.map(\.0) == [SimTime.zero + .milliseconds(20)])
        #expect(a.first?.1 == .addresses([IPv4Address(10, 0, 1, 2)]))
        #expect(dns.model.statistics.dnsQueries == 1)
    }

    @Test("a cache hit costs no time and no query")
    func cacheHit() {
        var dns = DNSNet()
        _ = dns.ask("dest.org", .mx, at: .zero)
        let again = dns.ask("dest.org", .mx, at: SimTime.zero + .seconds(30))
        #expect(again.map(\.0) == [SimTime.zero + .seconds(30)])
        #expect(dns.model.statistics.dnsQueries == 1)
        #expect(dns.model.statistics.dnsCacheHits == 1)
    }

    @Test("an answer at once is the one a lookup would bring at once, and only when it needs no query")
    func answerAtOnce() {
        var dns = DNSNet(ttl: .seconds(60))
        #expect(dns.model.answerAtOnce("dest.org", .mx, from: dns.r) == nil)  // not cached yet: a query is needed
        let asked = dns.ask("dest.org", .mx, at: .zero)
        #expect(dns.model.answerAtOnce("DEST.ORG.", .mx, from: dns.r) == asked.first?.1)
        #expect(dns.model.answerAtOnce("mx1.dest.org", .a, from: dns.r) == .addresses([IPv4Address(10, 0, 1, 1)]))
        #expect(dns.model.statistics.dnsCacheHits == 2)
        #expect(dns.model.statistics.dnsQueries == 1)
        dns.model.run(until: SimTime.zero + .seconds(61))
        #expect(dns.model.answerAtOnce("dest.org", .mx, from: dns.r) == nil)  // expired
        // With DNS off, the host table answers A lookups and there is no MX.
        var off = DNSNet(enabled: false)
        #expect(off.model.answerAtOnce("dest.org", .mx, from: off.r) == .unavailable)
        #expect(off.model.answerAtOnce("MX1.DEST.ORG", .a, from: off.r) == .addresses([IPv4Address(10, 0, 1, 1)]))
        #expect(off.model.answerAtOnce("nowhere.org", .a, from: off.r) == .nameError)
    }

    @Test("after the TTL runs out the resolver asks again")
    func ttlExpiry() {
        var dns = DNSNet(ttl: .seconds(60))
        _ = dns.ask("dest.org", .mx, at: .zero)
        #expect(dns.model.cachedAnswer("dest.org", .mx, at: dns.r) != nil)
        let later = dns.ask("dest.org", .mx, at: SimTime.zero + .seconds(61))
        #expect(later.map(\.0) == [SimTime.zero + .seconds(61) + .milliseconds(20)])
        #expect(dns.model.statistics.dnsQueries == 2)
    }

    @Test("no MX records and no such domain are different answers")
    func negativeAnswers() {
        var dns = DNSNet()
        #expect(dns.ask("plain.org", .mx, at: .zero).first?.1 == .noRecords)
        #expect(dns.ask("nowhere.org", .mx, at: dns.model.now).first?.1 == .nameError)
        #expect(dns.ask("plain.org", .a, at: dns.model.now).first?.1 == .addresses([IPv4Address(10, 0, 1, 1)]))
    }

    @Test("DNS switched off: names come from the host table for free, and MX does not exist")
    func off() {
        var dns = DNSNet(enabled: false)
        let a = dns.ask("mx1.dest.org", .a, at: SimTime.zero + .seconds(1))
        #expect(a.map(\.0) == [SimTime.zero + .seconds(1)])
        #expect(a.first?.1 == .addresses([IPv4Address(10, 0, 1, 1)]))
        #expect(dns.ask("dest.org", .mx, at: dns.model.now).first?.1 == .unavailable)
        #expect(dns.ask("unknown", .a, at: dns.model.now).first?.1 == .nameError)
        #expect(dns.model.statistics.dnsQueries == 0)
    }

    @Test("inside an outage window lookups time out; after it they are answered")
    func outage() {
        let window = (SimTime.zero + .seconds(10))..<(SimTime.zero + .seconds(20))
        var dns = DNSNet(outages: [window])
        // Asked at 12 s: the query and its retry at 17 s both fall in the window (5 s timeout, 2 attempts).
        let during = dns.ask("dest.org", .mx, at: SimTime.zero + .seconds(12))
        #expect(during.map(\.0) == [SimTime.zero + .seconds(22)])
        #expect(during.first?.1 == .timedOut)
        #expect(dns.model.statistics.dnsTimeouts == 1)
        // Asked at 17 s: the first query is lost, the retry at 22 s is answered.
        let straddling = dns.ask("dest.org", .mx, at: SimTime.zero + .seconds(25) - .seconds(8))
        #expect(straddling.map(\.0) == [SimTime.zero + .seconds(22) + .milliseconds(20)])
        // Asked after the window: answered from the cache filled just now, free.
        let after = dns.ask("dest.org", .mx, at: SimTime.zero + .seconds(25))
        #expect(after.map(\.0) == [SimTime.zero + .seconds(25)])
    }
}

@Suite struct HostTableTests {
    @Test("a host table lists every host, answers nicknames and prints as HOSTS.TXT")
    func table() {
        var table = HostTable(entries: [
            HostTable.Entry(names: ["SRI-NIC", "NIC"], addresses: [IPv4Address(10, 0, 0, 73)], networks: ["ARPANET"])
        ])
        table.add(HostTable.Entry(names: ["UCB-VAX"], addresses: [IPv4Address(10, 2, 0, 78)], networks: ["ARPANET"]))
        #expect(table.entry(named: "nic")?.officialName == "SRI-NIC")
        #expect(table.entry(named: "MIT-AI") == nil)
        #expect(table.text == "HOST : 10.0.0.73 : SRI-NIC,NIC : ARPANET :\nHOST : 10.2.0.78 : UCB-VAX : ARPANET :\n")
    }

    @Test("addresses parse and print as dotted quads")
    func addresses() {
        #expect(IPv4Address("10.0.0.73") == IPv4Address(10, 0, 0, 73))
        #expect(IPv4Address("123.255.37.321") == nil)  // RFC 780's own example, 321 > 255
        #expect(IPv4Address("1.2.3") == nil)
        #expect(IPv4Address(192, 0, 2, 1).description == "192.0.2.1")
    }
}
