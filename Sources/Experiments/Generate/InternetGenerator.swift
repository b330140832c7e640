import Reports
import SimKernel

/// Makes the scenario file of a seeded Internet of many domains, so that large experiments need
/// no hand-written topology (`mailpath generate internet`).
///
/// The shape, all of it drawn from `seed`:
/// - **Backbone**: √N/4 routers (at least 4) on a ring with a chord across every fourth, on
///   1 Gbit/s links; the name server hangs off the first.
/// - **Regions**: one regional router per 50 domains (at least 2), each homed to its two
///   nearest backbone routers over 100 Mbit/s links, so the core has cycles.
/// - **Domains**: a gateway router on a 10 Mbit/s link to its nearest regional router; the
///   primary mail host behind it, and for one domain in four a backup MX host whose MX record has
///   preference 20 (it relays for the domain). Users sit on client hosts, one user a host, behind
///   the gateway on access lines of 10 Mbit/s down and 1 Mbit/s up.
/// - **Users per domain** follow a Zipf-like law: the domain of rank k has about C/k users, C
///   chosen so that the mean is `meanUsers`, ranks dealt to domains at random.
/// - **Latency by distance**: every router and domain has a place in a unit square (domains near
///   their region, regions near the backbone); a link's latency is 0.2 ms plus 25 ms per unit of
///   distance, rounded to the microsecond. Links inside a domain take 0.2 ms.
/// - **Workload**: `messages` Poisson arrivals at `rate` a second from random users to 1–3 users
///   of other domains, sizes exponential with a mean of 4 KB.
public struct InternetGenerator: Sendable {
    public var domains: Int
    public var meanUsers: Int
    public var messages: Int
    public var rate: Int
    public var seed: UInt64
    public var era: String

    public init(
        domains: Int, meanUsers: Int = 8, messages: Int = 10_000, rate: Int = 100, seed: UInt64 = 1,
        era: String = "smtp-2001"
    ) {
        self.domains = domains
        self.meanUsers = meanUsers
        self.messages = messages
        self.rate = rate
        self.seed = seed
        self.era = era
    }

    /// Hosts the scenario will have (routers, name server, mail hosts and clients).
    public var hostCount: Int { structure().hosts }

    struct Place {
        var x: Double
        var y: Double
        func distance(_ other: Place) -> Double {
            let dx = x - other.x, dy = y - other.y
            return (dx * dx + dy * dy).squareRoot()
        }
    }

    /// The counts that fix the shape: routers of each level, users of each domain, backups.
    private func structure() -> (backbone: Int, regions: Int, users: [Int], backup: [Bool], hosts: Int) {
        var random = RandomStream(seed: seed, stream: "generate internet: users")
        let backbone = max(4, Int(Double(domains).squareRoot() / 4))
        let regions = max(2, domains / 50)
        // Zipf-like: rank k gets C/k users (at least one), C from the harmonic number.
        var harmonic = 0.0
        for rank in 1...max(1, domains) { harmonic += 1 / Double(rank) }
        let scale = Double(meanUsers * domains) / harmonic
        var users = (1...max(1, domains)).map { max(1, Int(scale / Double($0) + 0.5)) }
        random.shuffle(&users)
        let backup = (0..<domains).map { _ in random.uniform(below: 4) == 0 }
        let hosts =
            backbone + regions + 1 + domains * 2 + backup.filter { $0 }.count + users.prefix(domains).reduce(0, +)
        return (backbone, regions, Array(users.prefix(domains)), backup, hosts)
    }

    /// The scenario file's text: one host, link or MX entry a line, byte-identical for one seed.
    public func scenarioText() -> String {
        let shape = structure()
        var random = RandomStream(seed: seed, stream: "generate internet: places")
        func place() -> Place { Place(x: random.unitInterval(), y: random.unitInterval()) }
        func near(_ center: Place, _ spread: Double) -> Place {
            Place(
                x: center.x + (random.unitInterval() - 0.5) * spread,
                y: center.y + (random.unitInterval() - 0.5) * spread)
        }
        func latency(_ a: Place, _ b: Place) -> String {
            "\(200 + Int((a.distance(b) * 25_000).rounded()))us"
        }
        var hosts: [String] = []
        var links: [String] = []
        var mx: [String] = []
        func host(_ name: String, _ fields: String) {
            hosts.append("{\"name\": \(JSON.quote(name)), \"networks\": [\"Internet\"]\(fields)}")
        }
        func link(_ a: String, _ b: String, _ latency: String, _ bandwidth: String) {
            links.append(
                "{\"between\": [\(JSON.quote(a)), \(JSON.quote(b))], \"latency\": \"\(latency)\", \"bandwidth\": \(bandwidth)}"
            )
        }

        // Backbone: a ring of routers around the centre, with chords.
        var backbone: [Place] = []
        for index in 0..<shape.backbone {
            let angle = 2 * Double.pi * Double(index) / Double(shape.backbone)
            backbone.append(Place(x: 0.5 + 0.4 * Self.cosine(angle), y: 0.5 + 0.4 * Self.sine(angle)))
            host("bb\(index)", ", \"role\": \"router\"")
        }
        for index in 0..<shape.backbone {
            let next = (index + 1) % shape.backbone
            link("bb\(index)", "bb\(next)", latency(backbone[index], backbone[next]), "\"1Gbit/s\"")
            if index % 4 == 0 && shape.backbone >= 6 {
                let across = (index + shape.backbone / 2) % shape.backbone
                if across != next && (across + 1) % shape.backbone != index {
                    link("bb\(index)", "bb\(across)", latency(backbone[index], backbone[across]), "\"1Gbit/s\"")
                }
            }
        }
        host("ns", ", \"role\": \"router\"")
        link("ns", "bb0", "200us", "\"1Gbit/s\"")

        // Regions, each homed to its two nearest backbone routers.
        var regions: [Place] = []
        for index in 0..<shape.regions {
            let spot = place()
            regions.append(spot)
            host("r\(index)", ", \"role\": \"router\"")
            let nearest = backbone.indices.sorted {
                (spot.distance(backbone[$0]), $0) < (spot.distance(backbone[$1]), $1)
            }.prefix(2)
            for router in nearest { link("r\(index)", "bb\(router)", latency(spot, backbone[router]), "\"100Mbit/s\"") }
        }

        // Domains.
        for index in 0..<domains {
            let domain = "d\(index).example"
            let region = Int(random.uniform(below: UInt64(shape.regions)))
            let spot = near(regions[region], 0.1)
            let gateway = "gw.\(domain)"
            host(gateway, ", \"role\": \"router\"")
            link(gateway, "r\(region)", latency(spot, regions[region]), "\"10Mbit/s\"")
            host("mx.\(domain)", ", \"domains\": [\(JSON.quote(domain))]")
            link(gateway, "mx.\(domain)", "200us", "\"10Mbit/s\"")
            if shape.backup[index] {
                host("mx2.\(domain)", "")
                link(gateway, "mx2.\(domain)", "200us", "\"10Mbit/s\"")
                mx.append(
                    "\(JSON.quote(domain)): [{\"preference\": 10, \"host\": \(JSON.quote("mx.\(domain)"))}, {\"preference\": 20, \"host\": \(JSON.quote("mx2.\(domain)"))}]"
                )
            }
            for user in 0..<shape.users[index] {
                let name = "h\(user).\(domain)"
                host(
                    name, ", \"role\": \"client\", \"users\": [\"u\(user)\"], \"server\": \(JSON.quote("mx.\(domain)"))"
                )
                link(gateway, name, "200us", "[\"10Mbit/s\", \"1Mbit/s\"]")
            }
        }

        var text = "{\n"
        text += "  \"format\": \"mailpath-scenario/1\",\n"
        text += "  \"name\": \"internet-\(domains)\",\n"
        text +=
            "  \"description\": \(JSON.quote("Generated: \(domains) domains, \(shape.hosts) hosts, seed \(seed) (mailpath generate internet --domains \(domains) --users \(meanUsers) --messages \(messages) --rate \(rate) --seed \(seed))")),\n"
        text += "  \"seed\": \(seed),\n"
        text += "  \"era\": \(JSON.quote(era)),\n"
        text += "  \"duration\": \"\(max(2, messages / max(1, rate) / 3600 + 2))h\",\n"
        text += "  \"networks\": [\"Internet\"],\n"
        text += "  \"hosts\": [\n    " + hosts.joined(separator: ",\n    ") + "\n  ],\n"
        text += "  \"links\": [\n    " + links.joined(separator: ",\n    ") + "\n  ],\n"
        text += "  \"dns\": {\"server\": \"ns\", \"mx\": {\n    " + mx.joined(separator: ",\n    ") + "\n  }},\n"
        text += "  \"workload\": {\"generate\": [{\"count\": \(messages), \"rate\": \"\(rate)/s\", "
        text += "\"to\": {\"min\": 1, \"max\": 3, \"otherDomains\": true}, \"size\": {\"exponential\": \"4KB\"}}]}\n"
        text += "}\n"
        return text
    }

    /// cos and sin from their Taylor series after reducing to [−π, π]: the same on every
    /// platform (the C library's may differ in the last bit), which is all a layout needs.
    static func cosine(_ x: Double) -> Double { sine(x + Double.pi / 2) }

    static func sine(_ x: Double) -> Double {
        var x = x
        while x > Double.pi { x -= 2 * Double.pi }
        while x < -Double.pi { x += 2 * Double.pi }
        var term = x, sum = x
        for n in 1..<12 {
            term *= -x * x / Double((2 * n) * (2 * n + 1))
            sum += term
        }
        return sum
    }
}
