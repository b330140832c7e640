import SimKernel
import Testing

@testable import SimNetwork

/// The link model checked against queueing theory, an anchor nobody here wrote.
///
/// Links run at 8 Gbit/s, so a segment's service time in nanoseconds is its size in bytes.
/// Datagrams arrive as a Poisson stream; a datagram's wait is its arrival time less its send
/// time, its serialisation and the link's latency. The Pollaczek–Khinchine formula gives the
/// mean wait of an M/G/1 queue, W = λ·E[S²] / (2(1 − ρ)); M/D/1 and M/M/1 are its special cases.
/// Exponential sizes carry the 40-byte header on top (S = 40 + X, X exponential), and the
/// formula is used with that distribution's own moments. Runs are long enough that 2% is about
/// three standard deviations of the estimate at every load (at ρ = 0.9 successive waits are
/// strongly correlated, and it takes four million datagrams).
@Suite struct QueueingTheoryTests {
    /// Bytes per nanosecond: 8 Gbit/s.
    static let bandwidth: UInt64 = 8_000_000_000
    static let latency: Int64 = 1_000_000
    /// Mean service time in nanoseconds (= bytes on the wire).
    static let meanService: Double = 100_000

    enum Sizes {
        /// Every datagram `meanService` bytes on the wire.
        case fixed
        /// 40 header bytes plus an exponential payload, of mean `meanService` in all.
        case exponential

        func draw(_ random: inout RandomStream) -> Int64 {
            switch self {
            case .fixed: Int64(QueueingTheoryTests.meanService)
            case .exponential:
                40
                    + random.exponential(mean: SimDuration(nanoseconds: Int64(QueueingTheoryTests.meanService) - 40))
                    .nanoseconds
            }
        }

        /// E[S] and E[S²] of the service time.
        var moments: (Double, Double) {
            let mean = QueueingTheoryTests.meanService
            switch self {
            case .fixed: return (mean, mean * mean)
            case .exponential:
                let x = mean - 40  // S = 40 + X, X exponential with mean x
                return (mean, 2 * x * x + 80 * x + 1600)
            }
        }
    }

    /// Hosts in a chain, `A ─ R ─ B`, every link at `bandwidth` and `latency`.
    static func chain() -> NetworkModel {
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        let hosts = ["A", "R", "B"].enumerated().map { index, name in
            topology.addHost(name, addresses: [IPv4Address(10, 0, 0, UInt8(index + 1))], networks: [net])
        }
        topology.addLink(
            hosts[0], hosts[1], network: net, latency: SimDuration(nanoseconds: latency), bandwidth: bandwidth)
        topology.addLink(
            hosts[1], hosts[2], network: net, latency: SimDuration(nanoseconds: latency), bandwidth: bandwidth)
        return NetworkModel(topology: topology)
    }

    /// The Pollaczek–Khinchine mean wait of an M/G/1 queue at load `rho`.
    static func theoreticalWait(rho: Double, _ sizes: Sizes) -> Double {
        let (mean, square) = sizes.moments
        let lambda = rho / mean
        return lambda * square / (2 * (1 - rho))
    }

    /// Poisson sends at load `rho` from A; the mean wait on the A→R link and, when `relay`, the
    /// mean wait of a second datagram R sends on to B when each arrives, with a size drawn afresh.
    static func simulate(rho: Double, _ sizes: Sizes, count: Int, relay: Bool = false, seed: UInt64 = 1) -> (
        first: Double, second: Double
    ) {
        var model = chain()
        var random = RandomStream(seed: seed, stream: "queueing")
        var relaySizes = RandomStream(seed: seed, stream: "relay sizes")
        let meanGap = SimDuration(nanoseconds: Int64(meanService / rho))
        var sentAt = [Int64](repeating: 0, count: count)
        var size = [Int64](repeating: 0, count: count)
        var relayedAt = [Int64](repeating: 0, count: relay ? count : 0)
        var relaySize = [Int64](repeating: 0, count: relay ? count : 0)
        var totalWait = (0.0, 0.0)
        var time: Int64 = 0
        for index in 0..<count {
            time += random.exponential(mean: meanGap).nanoseconds
            sentAt[index] = time
            size[index] = sizes.draw(&random)
        }
        model.scheduleTimer(TimerToken(host: HostID(0), tag: 0, value: 0), at: SimTime(nanoseconds: sentAt[0]))
        model.run(until: .distantFuture) { model, notification in
            switch notification {
            case .timer(let token):
                let index = Int(token.value)
                model.sendDatagram(
                    payload: Int(size[index]) - NetworkModel.headerSize, from: HostID(0), to: HostID(1),
                    tag: token.value)
                if index + 1 < count {
                    model.scheduleTimer(
                        TimerToken(host: HostID(0), tag: 0, value: token.value + 1),
                        at: SimTime(nanoseconds: sentAt[index + 1]))
                }
            case .datagramArrived(let tag, let host) where host == HostID(1):
                let index = Int(tag)
                totalWait.0 += Double(model.now.nanoseconds - sentAt[index] - size[index] - latency)
                if relay {
                    relayedAt[index] = model.now.nanoseconds
                    relaySize[index] = sizes.draw(&relaySizes)
                    model.sendDatagram(
                        payload: Int(relaySize[index]) - NetworkModel.headerSize, from: HostID(1), to: HostID(2),
                        tag: tag)
                }
            case .datagramArrived(let tag, _):
                let index = Int(tag)
                totalWait.1 += Double(model.now.nanoseconds - relayedAt[index] - relaySize[index] - latency)
            default:
                Issue.record("unexpected \(notification)")
            }
        }
        return (totalWait.0 / Double(count), totalWait.1 / Double(count))
    }

    /// Datagrams a run: the relative standard deviation of the mean wait is then about 0.3–0.5%
    /// at ρ = 0.3 and 0.6 and 0.6–0.8% at ρ = 0.9 (measured over 40 seeds of the same recursion).
    static func datagrams(rho: Double) -> Int { rho < 0.8 ? 1_000_000 : 4_000_000 }

    @Test("fixed-size segments on one link wait as M/D/1 predicts, within 2%", arguments: [0.3, 0.6, 0.9])
    func mD1(rho: Double) {
        let measured = Self.simulate(rho: rho, .fixed, count: Self.datagrams(rho: rho)).first
        let expected = Self.theoreticalWait(rho: rho, .fixed)  // ρ·S / (2(1 − ρ))
        #expect(abs(measured / expected - 1) < 0.02, "ρ = \(rho): measured \(measured) ns, M/D/1 \(expected) ns")
    }

    @Test("exponential sizes on one link wait as M/M/1 predicts, within 2%", arguments: [0.3, 0.6, 0.9])
    func mM1(rho: Double) {
        let measured = Self.simulate(rho: rho, .exponential, count: Self.datagrams(rho: rho)).first
        let expected = Self.theoreticalWait(rho: rho, .exponential)  // ≈ ρ·E[S] / (1 − ρ)
        #expect(abs(measured / expected - 1) < 0.02, "ρ = \(rho): measured \(measured) ns, M/M/1 \(expected) ns")
    }

    /// Jackson's theorem needs each queue's service times independent of everything else; a
    /// segment keeps its size from link to link, so a two-hop route is not a Jackson network
    /// (the second queue waits less). A relay that sends on a message of its own, as a mail
    /// relay does, is one: by Burke's theorem the first link's departures are Poisson, and the
    /// second link is another M/M/1 queue, so each link's mean wait is ρ·E[S]/(1 − ρ).
    @Test(
        "two links in tandem through a relay wait as the Jackson network predicts, within 2%",
        arguments: [0.3, 0.6, 0.9])
    func jacksonTandem(rho: Double) {
        let (first, second) = Self.simulate(rho: rho, .exponential, count: Self.datagrams(rho: rho), relay: true)
        let expected = Self.theoreticalWait(rho: rho, .exponential)
        #expect(abs(first / expected - 1) < 0.02, "ρ = \(rho): first link \(first) ns, expected \(expected) ns")
        #expect(abs(second / expected - 1) < 0.02, "ρ = \(rho): second link \(second) ns, expected \(expected) ns")
        #expect(abs((first + second) / (2 * expected) - 1) < 0.02, "ρ = \(rho): total \(first + second) ns")
    }

    /// Every datagram's arrival, to the nanosecond, is what Lindley's recursion gives when each
    /// link serves its segments in order of arrival at that link: two flows of random sizes
    /// merge at R, one from A over a fast link, one from C over a slow and long one.
    @Test("two flows merging at a router arrive exactly when a FIFO recursion per link says")
    func mergingFlowsMatchRecursion() {
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        let hosts = ["A", "R", "B", "C"].enumerated().map { index, name in
            topology.addHost(name, addresses: [IPv4Address(10, 0, 0, UInt8(index + 1))], networks: [net])
        }
        // (latency, bandwidth) of A→R, R→B and C→R.
        let links: [(Int64, UInt64)] = [(2_000_000, 10_000_000), (1_000_000, 1_544_000), (30_000_000, 2_000_000)]
        topology.addLink(
            hosts[0], hosts[1], network: net, latency: SimDuration(nanoseconds: links[0].0), bandwidth: links[0].1)
        topology.addLink(
            hosts[1], hosts[2], network: net, latency: SimDuration(nanoseconds: links[1].0), bandwidth: links[1].1)
        topology.addLink(
            hosts[3], hosts[1], network: net, latency: SimDuration(nanoseconds: links[2].0), bandwidth: links[2].1)
        var model = NetworkModel(topology: topology)
        var random = RandomStream(seed: 5, stream: "merging flows")
        var sends: [Probes.Send] = []
        var time: Int64 = 0
        for _ in 0..<3_000 {
            time += random.exponential(mean: .microseconds(900)).nanoseconds
            let from = random.bernoulli(0.7) ? hosts[0] : hosts[3]
            sends.append(
                Probes.Send(
                    at: SimTime(nanoseconds: time), payload: random.uniform(in: 0...1460), from: from, to: hosts[2]))
        }
        let arrivals = Probes.arrivals(sends, on: &model)

        // The recursion: each link's departures in order of arrival at it.
        func service(_ bytes: Int, _ link: Int) -> Int64 {
            NetworkModel.serialisationTime(bytes: bytes + 40, bandwidth: links[link].1)
        }
        var free = [Int64](repeating: 0, count: 3)
        var atRouter: [(time: Int64, index: Int)] = []
        for (index, send) in sends.enumerated() {
            let link = send.from == hosts[0] ? 0 : 2
            free[link] = max(send.at.nanoseconds, free[link]) + service(send.payload, link)
            atRouter.append((free[link] + links[link].0, index))
        }
        atRouter.sort { ($0.time, $0.index) < ($1.time, $1.index) }
        #expect(
            Set(atRouter.map(\.time)).count == atRouter.count,
            "no two datagrams reach R at once (their order would be a tie)")
        var expected = [Int64](repeating: 0, count: sends.count)
        for (arrived, index) in atRouter {
            free[1] = max(arrived, free[1]) + service(sends[index].payload, 1)
            expected[index] = free[1] + links[1].0
        }
        #expect(arrivals == expected)
        // The load on R→B is high enough that the merge matters: many datagrams waited there.
        let waited = atRouter.indices.filter {
            expected[atRouter[$0].index] - atRouter[$0].time > service(sends[atRouter[$0].index].payload, 1)
                + links[1].0
        }
        #expect(waited.count > sends.count / 10)
    }
}
