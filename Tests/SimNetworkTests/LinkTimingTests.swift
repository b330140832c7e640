import SimKernel
import Testing

@testable import SimNetwork

/// Sends probes (datagrams, or writes cut into segments) at chosen times and records when each
/// arrives: the way these tests look at link timing from outside the model.
struct Probes {
    struct Send {
        var at: SimTime
        var payload: Int
        var from: HostID
        var to: HostID
        /// A write of several segments (cut at the maximum segment size), not one datagram.
        var segmented = false
    }

    /// Runs `model` until every probe has arrived; the arrival times in nanoseconds, by probe.
    static func arrivals(_ sends: [Send], on model: inout NetworkModel) -> [Int64] {
        for (index, send) in sends.enumerated() {
            model.scheduleTimer(TimerToken(host: send.from, tag: 0, value: UInt64(index)), at: send.at)
        }
        var arrived = [Int64](repeating: -1, count: sends.count)
        model.run(until: .distantFuture) { model, notification in
            switch notification {
            case .timer(let token):
                let send = sends[Int(token.value)]
                if send.segmented {
                    let route = model.route(from: send.from, to: send.to)!
                    model.transmit(
                        payload: send.payload, over: route, reversed: false,
                        completion: .datagram(tag: token.value, to: send.to))
                } else {
                    let sent = model.sendDatagram(payload: send.payload, from: send.from, to: send.to, tag: token.value)
                    #expect(sent)
                }
            case .datagramArrived(let tag, _):
                arrived[Int(tag)] = model.now.nanoseconds
            default:
                Issue.record("unexpected \(notification)")
            }
        }
        #expect(!arrived.contains(-1), "every probe arrives")
        #expect(model.packets.count == 0, "no segment left between hops")
        return arrived
    }
}

/// Hand-computed timings. A segment is payload + 40 header bytes; serialisation is
/// ⌈bytes·8·10⁹/bandwidth⌉ ns; each hop adds its latency; links are FIFO per direction, and a
/// segment joins a link's queue when it arrives at that link (store-and-forward).
@Suite struct LinkTimingTests {
    static let megabit: UInt64 = 1_000_000
    static let a = HostID(0), b = HostID(1)

    func pair(latency: SimDuration, bandwidth: UInt64?, back: UInt64?? = .none) -> NetworkModel {
        HostPair(latency: latency, bandwidth: bandwidth, back: back).model
    }

    func send(_ payload: Int, at nanoseconds: Int64 = 0, _ from: HostID = a, _ to: HostID = b, segmented: Bool = false)
        -> Probes.Send
    {
        Probes.Send(at: SimTime(nanoseconds: nanoseconds), payload: payload, from: from, to: to, segmented: segmented)
    }

    @Test("100 bytes over 1 Mbit/s and 10 ms arrive after 1.12 ms + 10 ms")
    func singleSegment() {
        var model = pair(latency: .milliseconds(10), bandwidth: Self.megabit)
        #expect(Probes.arrivals([send(100)], on: &model) == [1_120_000 + 10_000_000])
        #expect(model.statistics.bytes == 140)
        #expect(model.statistics.segments == 1)
    }

    @Test(
        "serialisation is ⌈bytes·8·10⁹/bandwidth⌉ whether or not the bandwidth divides 8·10⁹",
        arguments: [
            1_000_000, 100_000_000, 8_000_000_000, 56_000, 9_600, 3, 1_544_000,
        ] as [UInt64])
    func serialisation(bandwidth: UInt64) {
        for payload in [0, 1, 59, 1000, 1460, 4000] {
            var model = pair(latency: .milliseconds(1), bandwidth: bandwidth)
            var expected: Int64 = 0
            var remaining = payload
            repeat {
                // Segments of one write are serialised back to back on the one link.
                let bytes = UInt64(min(remaining, 1460) + 40)
                expected += Int64((bytes * 8 * 1_000_000_000 + bandwidth - 1) / bandwidth)
                remaining -= min(remaining, 1460)
            } while remaining > 0
            let arrival = Probes.arrivals([send(payload, segmented: true)], on: &model)
            #expect(arrival == [expected + 1_000_000], "\(payload) bytes at \(bandwidth) bit/s")
        }
    }

    @Test(
        "a second segment waits for the link: 1000 + 1000 bytes at 1 Mbit/s, 5 ms; the other direction is independent")
    func queueing() {
        var model = pair(latency: .milliseconds(5), bandwidth: Self.megabit)
        let arrivals = Probes.arrivals([send(1000), send(1000), send(1000, Self.b, Self.a)], on: &model)
        let expected: [Int64] = [13_320_000, 21_640_000, 13_320_000]  // 8.32 ms each, after 5 ms
        #expect(arrivals == expected)
    }

    @Test("a segment sent after the link went idle does not wait")
    func idleLink() {
        var model = pair(latency: .milliseconds(5), bandwidth: Self.megabit)
        let arrivals = Probes.arrivals([send(1000), send(0, at: 20_000_000)], on: &model)
        #expect(arrivals[1] == 20_000_000 + 320_000 + 5_000_000)
    }

    @Test("2000 bytes go as 1460 + 540 byte segments, arriving when the last one does")
    func segmentation() {
        var model = pair(latency: .zero, bandwidth: Self.megabit)
        #expect(Probes.arrivals([send(2000, segmented: true)], on: &model) == [12_000_000 + 4_640_000])
        #expect(model.statistics.segments == 2)
        #expect(model.statistics.bytes == 2080)
    }

    @Test("each direction of a link has its own bandwidth: 1 Mbit/s down, 64 kbit/s up")
    func asymmetricLink() {
        var model = pair(latency: .milliseconds(2), bandwidth: Self.megabit, back: 64_000)
        let arrivals = Probes.arrivals([send(460), send(460, Self.b, Self.a)], on: &model)
        // 500 bytes: 4 ms at 1 Mbit/s, 62.5 ms at 64 kbit/s.
        let expected: [Int64] = [6_000_000, 64_500_000]
        #expect(arrivals == expected)
        #expect(model.topology.links[0].bandwidth(forward: false) == 64_000)
    }

    /// A ─(1 Mbit/s, 10 ms)─ G ─(unlimited, 20 ms)─ B, and C ─(1 Mbit/s, 50 ms)─ G.
    func star() -> NetworkModel {
        var topology = Topology()
        let net = topology.addNetwork("ARPANET")
        let a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [net])
        let g = topology.addHost("G", addresses: [IPv4Address(10, 0, 0, 2)], networks: [net])
        let b = topology.addHost("B", addresses: [IPv4Address(10, 0, 0, 3)], networks: [net])
        let c = topology.addHost("C", addresses: [IPv4Address(10, 0, 0, 4)], networks: [net])
        topology.addLink(a, g, network: net, latency: .milliseconds(10), bandwidth: Self.megabit)
        topology.addLink(g, b, network: net, latency: .milliseconds(20), bandwidth: nil)
        topology.addLink(c, g, network: net, latency: .milliseconds(50), bandwidth: Self.megabit)
        return NetworkModel(topology: topology)
    }

    @Test("store and forward over two hops: 1 Mbit/s 10 ms, then unlimited 20 ms")
    func twoHops() {
        var model = star()
        #expect(model.route(from: HostID(0), to: HostID(2))!.hosts == [HostID(0), HostID(1), HostID(2)])
        let arrivals = Probes.arrivals([send(100, HostID(0), HostID(2)), send(100, HostID(2), HostID(0))], on: &model)
        let expected: [Int64] = [31_120_000, 31_120_000]  // 1.12 ms + 10 ms + 20 ms either way
        #expect(arrivals == expected)
        // Each segment has one event at the hop in the middle (and one where it arrives).
        #expect(model.statistics.segments == 2)
        #expect(model.statistics.hopEvents == 2)
    }

    @Test("a hop reached at the instant the segment left the last one is crossed at the same event")
    func instantHop() {
        // A ─(1 Mbit/s, 10 ms)─ G ─(unlimited, 0 ms)─ B.
        var topology = Topology()
        let net = topology.addNetwork("ARPANET")
        let hosts = ["A", "G", "B"].enumerated().map { index, name in
            topology.addHost(name, addresses: [IPv4Address(10, 0, 0, UInt8(index + 1))], networks: [net])
        }
        topology.addLink(hosts[0], hosts[1], network: net, latency: .milliseconds(10), bandwidth: Self.megabit)
        topology.addLink(hosts[1], hosts[2], network: net, latency: .zero, bandwidth: nil)
        var model = NetworkModel(topology: topology)
        // B to A reaches G as it leaves B: no event there. A to B, sent at 20 ms, reaches G
        // 11.12 ms later: one.
        #expect(Probes.arrivals([send(100, HostID(2), HostID(0))], on: &model) == [11_120_000])
        #expect(model.statistics.hopEvents == 0)
        #expect(Probes.arrivals([send(100, at: 20_000_000, HostID(0), HostID(2))], on: &model) == [31_120_000])
        #expect(model.statistics.hopEvents == 1)
    }

    /// A ─(10 ms)─ G ─(1 ms)─ B and C ─(50 ms)─ G, every link 1 Mbit/s: A's and C's traffic
    /// to B merge at G.
    func merging() -> NetworkModel {
        var topology = Topology()
        let net = topology.addNetwork("ARPANET")
        let hosts = ["A", "G", "B", "C"].enumerated().map { index, name in
            topology.addHost(name, addresses: [IPv4Address(10, 0, 0, UInt8(index + 1))], networks: [net])
        }
        topology.addLink(hosts[0], hosts[1], network: net, latency: .milliseconds(10), bandwidth: Self.megabit)
        topology.addLink(hosts[1], hosts[2], network: net, latency: .milliseconds(1), bandwidth: Self.megabit)
        topology.addLink(hosts[3], hosts[1], network: net, latency: .milliseconds(50), bandwidth: Self.megabit)
        return NetworkModel(topology: topology)
    }

    @Test("a segment does not wait at a hop for traffic that has not reached it yet")
    func noWaitForTrafficNotYetArrived() {
        // C sends 1000 bytes to B at 0 (at G from 58.32 ms) and A sends 1000 bytes to B at 1 ms
        // (at G at 19.32 ms). With G→B of 1 Mbit/s, A's segment finds G→B idle and goes first.
        var model = merging()
        let (a, b, c) = (HostID(0), HostID(2), HostID(3))
        let arrivals = Probes.arrivals([send(960, at: 0, c, b), send(960, at: 1_000_000, a, b)], on: &model)
        // C: 8 ms on C→G, 50 ms, 8 ms on G→B, 1 ms. A: 1 ms + 8 ms + 10 ms, 8 ms, 1 ms.
        let expected: [Int64] = [67_000_000, 28_000_000]
        #expect(arrivals == expected)
    }

    @Test("a segment queues behind those that reached the hop before it, in order of arrival there")
    func queueAtHopInArrivalOrder() {
        // C's 960 bytes reach G at 58 ms; A's two (sent at 45 ms) reach G at 63 and 71 ms. G→B
        // (1 Mbit/s, 8 ms a segment) is busy with C's until 66 ms, so A's first waits 3 ms and
        // leaves at 74 ms; the second waits 3 ms for it.
        var model = merging()
        let (a, b, c) = (HostID(0), HostID(2), HostID(3))
        let arrivals = Probes.arrivals(
            [send(960, at: 0, c, b), send(960, at: 45_000_000, a, b), send(960, at: 45_000_000, a, b)], on: &model)
        let expected: [Int64] = [67_000_000, 75_000_000, 83_000_000]
        #expect(arrivals == expected)
    }

    @Test("an idle path's round trip is unchanged to the nanosecond by heavy traffic on links it does not use")
    func idlePathUntouched() {
        // X ─ R ─ Y and W ─ R ─ Z share the router R but no link.
        func oneWayTimes(withTraffic: Bool) -> [Int64] {
            var topology = Topology()
            let net = topology.addNetwork("Internet")
            let hosts = ["X", "R", "Y", "W", "Z"].enumerated().map { index, name in
                topology.addHost(name, addresses: [IPv4Address(10, 0, 0, UInt8(index + 1))], networks: [net])
            }
            let (x, r, y, w, z) = (hosts[0], hosts[1], hosts[2], hosts[3], hosts[4])
            topology.addLink(x, r, network: net, latency: .milliseconds(3), bandwidth: 56_000)
            topology.addLink(r, y, network: net, latency: .milliseconds(7), bandwidth: 1_544_000)
            topology.addLink(w, r, network: net, latency: .milliseconds(1), bandwidth: 10_000_000)
            topology.addLink(r, z, network: net, latency: .milliseconds(2), bandwidth: 1_000_000)
            var model = NetworkModel(topology: topology)
            var sends = [send(64, at: 5_000_000, x, y), send(64, at: 5_000_000, y, x)]
            if withTraffic {
                // Both ways between W and Z, ten times what R→Z carries: long queues at R.
                for index in 0..<2_000 {
                    sends.append(send(1460, at: Int64(index) * 100_000, w, z))
                    sends.append(send(1460, at: Int64(index) * 100_000, z, w))
                }
            }
            return Probes.arrivals(sends, on: &model).prefix(2).map { $0 - 5_000_000 }
        }
        let quiet = oneWayTimes(withTraffic: false)
        // 104 bytes: ⌈14,857,142.9⌉ ns at 56 kbit/s and ⌈538,860.1⌉ ns at 1.544 Mbit/s.
        let oneWay: Int64 = 14_857_143 + 3_000_000 + 538_861 + 7_000_000
        #expect(quiet == [oneWay, oneWay])
        #expect(oneWayTimes(withTraffic: true) == quiet)
    }

    @Test("serialisation rounds up to the next nanosecond")
    func rounding() {
        #expect(NetworkModel.serialisationTime(bytes: 1, bandwidth: 3) == 2_666_666_667)
        #expect(NetworkModel.serialisationTime(bytes: 1, bandwidth: nil) == 0)
        #expect(NetworkModel.serialisationTime(bytes: 125, bandwidth: 1_000_000_000) == 1_000)
    }
}

@Suite struct RouteTableTests {
    @Test("the route table answers what was stored, in any order of hosts, and forgets everything at once")
    func storeAndForget() {
        var table = RouteTable()
        let route = Route(network: NetworkID(0), hops: [], hosts: [HostID(7), HostID(2)], latency: .zero, timings: [])
        #expect(isUnknown(table[HostID(7), HostID(2)]))
        table[HostID(7), HostID(2)] = .route(route)
        table[HostID(7), HostID(0)] = .unreachable
        table[HostID(1), HostID(9)] = .unreachable
        // Rows and columns past those stored are unknown, not out of bounds.
        #expect(isUnknown(table[HostID(7), HostID(30)]))
        #expect(isUnknown(table[HostID(40), HostID(2)]))
        #expect(isUnknown(table[HostID(3), HostID(2)]))
        if case .route(let found) = table[HostID(7), HostID(2)] {
            #expect(found === route)
        } else {
            Issue.record("route lost")
        }
        if case .unreachable = table[HostID(7), HostID(0)] {} else { Issue.record("unreachable lost") }
        if case .unreachable = table[HostID(1), HostID(9)] {} else { Issue.record("unreachable lost") }
        table.removeAll()
        #expect(isUnknown(table[HostID(7), HostID(2)]))
        #expect(isUnknown(table[HostID(1), HostID(9)]))
    }

    private func isUnknown(_ entry: RouteTable.Entry) -> Bool {
        if case .unknown = entry { return true }
        return false
    }
}

@Suite struct PendingLookupsTests {
    static func lookup(_ host: Int) -> PendingLookup {
        PendingLookup(host: HostID(host), name: "d\(host).net", type: .mx, attempt: 1)
    }

    @Test(
        "pending lookups are found by id in any order of answers, keep their ids, and the list is reused once all are answered"
    )
    func orderAndReuse() {
        var lookups = PendingLookups()
        var ids: [LookupID] = []
        for host in 0..<200 {
            ids.append(LookupID(lookups.nextID))
            lookups.add(Self.lookup(host))
        }
        #expect(ids.first == LookupID(1) && ids.last == LookupID(200))
        // Answer every other one, then the rest from the back: each is still found under its id.
        for (index, id) in ids.enumerated() where index % 2 == 1 {
            #expect(lookups.removeValue(forKey: id)?.host == HostID(index))
        }
        #expect(lookups.ids == ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        lookups[ids[10]]?.attempt = 2
        #expect(lookups[ids[10]]?.attempt == 2)
        #expect(lookups[ids[11]] == nil, "answered")
        for (index, id) in ids.enumerated().reversed() where index % 2 == 0 {
            #expect(lookups[id]?.host == HostID(index))
            lookups[id] = nil
        }
        #expect(lookups.ids.isEmpty)
        #expect(lookups[LookupID(0)] == nil && lookups[LookupID(201)] == nil)
        #expect(lookups.nextID == 201, "ids keep counting")
        lookups.add(Self.lookup(7))
        #expect(lookups[LookupID(201)]?.host == HostID(7))
    }

    @Test("a lookup left unanswered at the front does not lose the ones after it while the list is compacted")
    func stuckFront() {
        var lookups = PendingLookups()
        for host in 0..<1000 {
            let id = LookupID(lookups.nextID)
            lookups.add(Self.lookup(host))
            if host > 0 { #expect(lookups.removeValue(forKey: id)?.host == HostID(host)) }
        }
        #expect(lookups.ids == [LookupID(1)])
        #expect(lookups.removeValue(forKey: LookupID(1))?.host == HostID(0))
        #expect(lookups.ids.isEmpty)
    }
}

@Suite struct HostByAddressTests {
    @Test(
        "the network finds the host at an address as the topology does, for hosts of one to three addresses in any order"
    )
    func sameAsTopology() {
        var topology = Topology()
        let net = topology.addNetwork("NET")
        var generator = RandomStream(seed: 3, stream: "addresses")
        // Every address once, shuffled, dealt out to hosts one to three at a time.
        var free = (0..<200).map { IPv4Address(10, 0, UInt8($0 / 100), UInt8($0 % 100)) }
        for index in free.indices.reversed() { free.swapAt(index, Int(generator.uniform(below: UInt64(index + 1)))) }
        var index = 0
        while free.count >= 3 {
            let count = 1 + Int(generator.uniform(below: 3))
            _ = topology.addHost("H\(index)", addresses: Array(free.suffix(count)), networks: [net])
            free.removeLast(count)
            index += 1
        }
        let network = NetworkModel(topology: topology)
        for octet in 0..<200 {
            let address = IPv4Address(10, 0, UInt8(octet / 100), UInt8(octet % 100))
            #expect(network.host(at: address) == topology.host(at: address), "\(address)")
        }
        #expect(network.host(at: IPv4Address(10, 0, 3, 0)) == nil)
        #expect(network.host(at: IPv4Address(9, 255, 255, 255)) == nil)
    }
}

@Suite struct RouteSearchTests {
    /// The rule of `route(from:to:)`, written the plain way: settle the unsettled host of least
    /// (distance, hops), the lowest index among equals, by scanning every host.
    static func reference(
        _ topology: Topology, down: Set<Int>, linksDown: Set<Int> = [], from source: Int, to destination: Int
    ) -> [Int]? {
        let count = topology.hosts.count
        var distance = [Int64](repeating: .max, count: count), hops = [Int](repeating: .max, count: count)
        var previous = [Int?](repeating: nil, count: count), settled = [Bool](repeating: false, count: count)
        distance[source] = 0
        hops[source] = 0
        while true {
            var current = -1
            for host in 0..<count where !settled[host] && distance[host] != .max {
                if current < 0 || (distance[host], hops[host]) < (distance[current], hops[current]) { current = host }
            }
            guard current >= 0 else { return nil }
            if current == destination { break }
            settled[current] = true
            if current != source && down.contains(current) { continue }
            for (index, link) in topology.links.enumerated() where !linksDown.contains(index) {
                let ends = (link.endpoints.0.index, link.endpoints.1.index)
                guard ends.0 == current || ends.1 == current else { continue }
                let next = ends.0 == current ? ends.1 : ends.0
                guard !settled[next] else { continue }
                let candidate = (distance[current] + link.latency.nanoseconds, hops[current] + 1)
                if candidate < (distance[next], hops[next]) {
                    (distance[next], hops[next], previous[next]) = (candidate.0, candidate.1, current)
                }
            }
        }
        var path = [destination]
        while let step = previous[path.last!] { path.append(step) }
        return path.reversed()
    }

    @Test(
        "the heap search finds the route the plain rule gives, ties and crashed hosts included",
        arguments: [1, 2, 3] as [UInt64])
    func sameAsPlainRule(seed: UInt64) {
        var random = RandomStream(seed: seed, stream: "route search")
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        for index in 0..<40 {
            topology.addHost("H\(index)", addresses: [IPv4Address(UInt32(0x0a00_0001 + index))], networks: [net])
        }
        for _ in 0..<70 {
            let a = Int(random.uniform(below: 40)), b = Int(random.uniform(below: 40))
            guard a != b else { continue }
            // Few distinct latencies, so that many paths tie.
            topology.addLink(
                HostID(a), HostID(b), network: net, latency: .milliseconds(Int64(1 + random.uniform(below: 3))),
                bandwidth: nil)
        }
        var model = NetworkModel(topology: topology)
        var down: Set<Int> = []
        var ignored: [NetworkNotification] = []
        for _ in 0..<4 {
            let host = Int(random.uniform(below: 40))
            down.insert(host)
            model.crash(HostID(host), into: &ignored)
        }
        var found = 0
        for source in 0..<40 where !down.contains(source) {
            for destination in 0..<40 {
                let route = model.route(from: HostID(source), to: HostID(destination))?.hosts.map(\.index)
                #expect(
                    route == Self.reference(topology, down: down, from: source, to: destination),
                    "H\(source) to H\(destination)")
                if route != nil { found += 1 }
            }
        }
        #expect(found > 500, "most pairs are connected")
    }

    @Test("changing the joined networks changes the routes across them, asked before and after")
    func joinedNetworksChange() {
        var topology = Topology()
        let east = topology.addNetwork("East"), west = topology.addNetwork("West")
        let north = topology.addNetwork("North")
        let a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [east])
        let gateway = topology.addHost(
            "G", addresses: [IPv4Address(10, 0, 0, 2), IPv4Address(10, 1, 0, 2), IPv4Address(10, 2, 0, 2)],
            networks: [east, west, north])
        let b = topology.addHost("B", addresses: [IPv4Address(10, 1, 0, 1)], networks: [west])
        let c = topology.addHost("C", addresses: [IPv4Address(10, 2, 0, 1)], networks: [north])
        topology.addLink(a, gateway, network: east, latency: .milliseconds(1), bandwidth: nil)
        topology.addLink(gateway, b, network: west, latency: .milliseconds(1), bandwidth: nil)
        topology.addLink(gateway, c, network: north, latency: .milliseconds(1), bandwidth: nil)
        var model = NetworkModel(topology: topology)
        #expect(model.route(from: a, to: b) == nil)
        model.joinedNetworks = [east, west]
        #expect(model.route(from: a, to: b)?.hosts == [a, gateway, b])
        #expect(model.route(from: a, to: c) == nil)
        #expect(model.route(from: a, to: gateway)?.network == east)
        // Another pair of networks joined: the links of the first pair no longer carry A to B.
        model.joinedNetworks = [east, north]
        #expect(model.route(from: a, to: b) == nil)
        #expect(model.route(from: a, to: c)?.hosts == [a, gateway, c])
        model.joinedNetworks = [east]
        #expect(model.route(from: a, to: c) == nil)
        #expect(model.route(from: a, to: gateway)?.hosts == [a, gateway])
    }

    @Test("one network joined to no other routes as the network alone, from one shape of it")
    func singleJoinedNetwork() {
        var random = RandomStream(seed: 9, stream: "single joined")
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        for index in 0..<30 {
            topology.addHost("H\(index)", addresses: [IPv4Address(UInt32(0x0a00_0001 + index))], networks: [net])
        }
        for index in 1..<30 {
            topology.addLink(
                HostID(index), HostID(Int(random.uniform(below: UInt64(index)))), network: net,
                latency: .milliseconds(1 + Int64(random.uniform(below: 3))), bandwidth: nil)
        }
        for _ in 0..<6 {
            let a = Int(random.uniform(below: 30)), b = Int(random.uniform(below: 30))
            if a != b {
                topology.addLink(HostID(a), HostID(b), network: net, latency: .milliseconds(2), bandwidth: nil)
            }
        }
        var alone = NetworkModel(topology: topology)
        var joined = NetworkModel(topology: topology)
        joined.joinedNetworks = [net]
        for source in 0..<30 {
            for destination in 0..<30 where source != destination {
                let expected = alone.route(from: HostID(source), to: HostID(destination))
                let route = joined.route(from: HostID(source), to: HostID(destination))
                #expect(route == expected, "H\(source) to H\(destination)")
                #expect(route?.network == net)
            }
        }
        #expect(joined.structures.compactMap { $0 }.count == 1)
        #expect(joined.keptRoutes.count == alone.keptRoutes.count)
    }

    @Test(
        "routes read from the network's shape are the plain rule's: trees hanging off a core, links down",
        arguments: [4, 5, 6, 7] as [UInt64])
    func shapeSameAsPlainRule(seed: UInt64) {
        var random = RandomStream(seed: seed, stream: "route shape")
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        let count = 60
        for index in 0..<count {
            topology.addHost("H\(index)", addresses: [IPv4Address(UInt32(0x0a00_0001 + index))], networks: [net])
        }
        // A core of eight hosts with a few cycles, every other host hung from an earlier one
        // (trees several levels deep), and a second component that is a tree of its own.
        func link(_ a: Int, _ b: Int) {
            topology.addLink(
                HostID(a), HostID(b), network: net, latency: .milliseconds(Int64(1 + random.uniform(below: 3))),
                bandwidth: nil)
        }
        for index in 1..<8 { link(index - 1, index) }
        for _ in 0..<5 {
            let a = Int(random.uniform(below: 8)), b = Int(random.uniform(below: 8))
            if a != b { link(a, b) }
        }
        for index in 8..<50 { link(index, Int(random.uniform(below: UInt64(index)))) }
        for index in 51..<count { link(index, 50 + Int(random.uniform(below: UInt64(index - 50)))) }
        var model = NetworkModel(topology: topology)
        var linksDown: Set<Int> = []
        var ignored: [NetworkNotification] = []
        for round in 0..<2 {
            var found = 0
            for source in 0..<count {
                for destination in 0..<count {
                    let route = model.route(from: HostID(source), to: HostID(destination))?.hosts.map(\.index)
                    let expected = Self.reference(
                        topology, down: [], linksDown: linksDown, from: source, to: destination)
                    #expect(route == expected, "round \(round): H\(source) to H\(destination)")
                    if route != nil { found += 1 }
                }
            }
            #expect(found > count * count / 3)
            // Then take three links down: some trees fall off, some cycles open.
            for _ in 0..<3 {
                let link = Int(random.uniform(below: UInt64(topology.links.count)))
                linksDown.insert(link)
                model.setLink(LinkID(link), up: false, into: &ignored)
            }
        }
    }
}
