import SimKernel
import Testing

@testable import SimNetwork

/// Hand-computed timings. A segment is payload + 40 header bytes; serialisation is
/// ⌈bytes·8·10⁹/bandwidth⌉ ns; each hop adds its latency; links are FIFO per direction.
@Suite struct LinkTimingTests {
    static let megabit: UInt64 = 1_000_000

    func pair(latency: SimDuration, bandwidth: UInt64?) -> (NetworkModel, Route) {
        var topology = Topology()
        let net = topology.addNetwork("ARPANET")
        let a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [net])
        let b = topology.addHost("B", addresses: [IPv4Address(10, 0, 0, 2)], networks: [net])
        topology.addLink(a, b, network: net, latency: latency, bandwidth: bandwidth)
        var model = NetworkModel(topology: topology)
        let route = model.route(from: a, to: b)!
        return (model, route)
    }

    @Test("100 bytes over 1 Mbit/s and 10 ms arrive after 1.12 ms + 10 ms")
    func singleSegment() {
        var (model, route) = pair(latency: .milliseconds(10), bandwidth: Self.megabit)
        let arrival = model.transmit(payload: 100, over: route, reversed: false, at: .zero)
        #expect(arrival.nanoseconds == 1_120_000 + 10_000_000)
        #expect(model.statistics.bytes == 140)
        #expect(model.statistics.segments == 1)
    }

    @Test("serialisation is ⌈bytes·8·10⁹/bandwidth⌉ whether or not the bandwidth divides 8·10⁹", arguments: [
        1_000_000, 100_000_000, 8_000_000_000, 56_000, 9_600, 3, 1_544_000,
    ] as [UInt64])
    func serialisation(bandwidth: UInt64) {
        for payload in [0, 1, 59, 1000, 1460, 4000] {
            var (model, route) = pair(latency: .milliseconds(1), bandwidth: bandwidth)
            let arrival = model.transmit(payload: payload, over: route, reversed: false, at: .zero)
            var expected: Int64 = 0
            var remaining = payload
            repeat {
                // Segments of one write are serialised back to back on the one link.
                let bytes = UInt64(min(remaining, 1460) + 40)
                expected += Int64((bytes * 8 * 1_000_000_000 + bandwidth - 1) / bandwidth)
                remaining -= min(remaining, 1460)
            } while remaining > 0
            #expect(arrival.nanoseconds == expected + 1_000_000, "\(payload) bytes at \(bandwidth) bit/s")
        }
    }

    @Test("a second segment waits for the link: 1000 + 1000 bytes at 1 Mbit/s, 5 ms")
    func queueing() {
        var (model, route) = pair(latency: .milliseconds(5), bandwidth: Self.megabit)
        let first = model.transmit(payload: 1000, over: route, reversed: false, at: .zero)
        let second = model.transmit(payload: 1000, over: route, reversed: false, at: .zero)
        #expect(first.nanoseconds == 8_320_000 + 5_000_000)
        #expect(second.nanoseconds == 16_640_000 + 5_000_000)
        // The other direction is independent.
        let back = model.transmit(payload: 1000, over: route, reversed: true, at: .zero)
        #expect(back == first)
    }

    @Test("a segment sent after the link went idle does not wait")
    func idleLink() {
        var (model, route) = pair(latency: .milliseconds(5), bandwidth: Self.megabit)
        _ = model.transmit(payload: 1000, over: route, reversed: false, at: .zero)
        let later = model.transmit(payload: 0, over: route, reversed: false, at: SimTime(nanoseconds: 20_000_000))
        #expect(later.nanoseconds == 20_000_000 + 320_000 + 5_000_000)
    }

    @Test("2000 bytes go as 1460 + 540 byte segments, arriving when the last one does")
    func segmentation() {
        var (model, route) = pair(latency: .zero, bandwidth: Self.megabit)
        let arrival = model.transmit(payload: 2000, over: route, reversed: false, at: .zero)
        #expect(arrival.nanoseconds == 12_000_000 + 4_640_000)
        #expect(model.statistics.segments == 2)
        #expect(model.statistics.bytes == 2080)
    }

    @Test("store and forward over two hops: 1 Mbit/s 10 ms, then unlimited 20 ms")
    func twoHops() {
        var topology = Topology()
        let net = topology.addNetwork("ARPANET")
        let a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [net])
        let g = topology.addHost("G", addresses: [IPv4Address(10, 0, 0, 2)], networks: [net])
        let b = topology.addHost("B", addresses: [IPv4Address(10, 0, 0, 3)], networks: [net])
        topology.addLink(a, g, network: net, latency: .milliseconds(10), bandwidth: Self.megabit)
        topology.addLink(g, b, network: net, latency: .milliseconds(20), bandwidth: nil)
        var model = NetworkModel(topology: topology)
        let route = model.route(from: a, to: b)!
        #expect(route.hosts == [a, g, b])
        let arrival = model.transmit(payload: 100, over: route, reversed: false, at: .zero)
        #expect(arrival.nanoseconds == 1_120_000 + 10_000_000 + 20_000_000)
        let back = model.transmit(payload: 100, over: route, reversed: true, at: .zero)
        #expect(back.nanoseconds == 20_000_000 + 1_120_000 + 10_000_000)
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
        if case .route(let found) = table[HostID(7), HostID(2)] { #expect(found === route) } else { Issue.record("route lost") }
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
    static func lookup(_ host: Int) -> PendingLookup { PendingLookup(host: HostID(host), name: "d\(host).net", type: .mx, attempt: 1) }

    @Test("pending lookups are found by id in any order of answers, keep their ids, and the list is reused once all are answered")
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
    @Test("the network finds the host at an address as the topology does, for hosts of one to three addresses in any order")
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
