import SimKernel
import Testing

@testable import SimNetwork

/// A line per notification, with the time in microseconds, so expectations read like a log.
func describe(_ notification: NetworkNotification, at time: SimTime, in model: NetworkModel) -> String {
    let us = time.nanoseconds / 1_000
    func name(_ host: HostID) -> String { model.topology.hosts[host.index].name }
    switch notification {
    case .connected(_, let host): return "\(us) \(name(host)) connected"
    case .connectFailed(_, let host, let failure): return "\(us) \(name(host)) \(failure)"
    case .accepted(_, let host, let port): return "\(us) \(name(host)) accepted :\(port)"
    case .received(_, let host, _, let bytes):
        return "\(us) \(name(host)) received \(String(decoding: bytes, as: UTF8.self))"
    case .peerClosed(_, let host, _): return "\(us) \(name(host)) peer closed"
    case .reset(_, let host, _): return "\(us) \(name(host)) reset"
    case .dnsAnswered(_, let host, let answer): return "\(us) \(name(host)) dns \(answer)"
    case .timer(let token): return "\(us) \(name(token.host)) timer \(token.value)"
    case .datagramArrived(let tag, let host): return "\(us) \(name(host)) datagram \(tag)"
    }
}

/// Two or three hosts on one network with 10 ms links and unlimited bandwidth.
struct SmallNet {
    var model: NetworkModel
    let a: HostID, b: HostID, g: HostID
    let ab: LinkID

    init(gatewayOnly: Bool = false) {
        var topology = Topology()
        let arpanet = topology.addNetwork("ARPANET")
        a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [arpanet])
        b = topology.addHost("B", addresses: [IPv4Address(10, 0, 0, 2)], networks: [arpanet])
        g = topology.addHost("G", addresses: [IPv4Address(10, 0, 0, 3)], networks: [arpanet])
        ab = topology.addLink(a, b, network: arpanet, latency: .milliseconds(10), bandwidth: nil)
        topology.addLink(a, g, network: arpanet, latency: .milliseconds(10), bandwidth: nil)
        topology.addLink(g, b, network: arpanet, latency: .milliseconds(15), bandwidth: nil)
        model = NetworkModel(topology: topology)
    }
}

/// A (10.0.0.1) and B (10.0.0.2) on one network, joined by one link: the pair the timing, NCP
/// and dial-up tests time by hand.
struct HostPair {
    var model: NetworkModel
    let a: HostID, b: HostID
    let network: NetworkID

    /// `back` is B→A's bandwidth when it differs from A→B's.
    init(
        network name: String = "ARPANET", latency: SimDuration = .milliseconds(10), bandwidth: UInt64? = nil,
        back: UInt64?? = .none
    ) {
        var topology = Topology()
        network = topology.addNetwork(name)
        a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [network])
        b = topology.addHost("B", addresses: [IPv4Address(10, 0, 0, 2)], networks: [network])
        topology.addLink(
            a, b, network: network, latency: latency, bandwidth: bandwidth, bandwidthBack: back ?? bandwidth)
        model = NetworkModel(topology: topology)
    }
}

@Suite struct ConnectionTests {
    @Test("handshake, data both ways, orderly close: the client may send after one round trip")
    func lifecycle() {
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
            switch notification {
            case .connected(let id, _): model.send(Array("HELO".utf8), on: id, from: .client)
            case .received(let id, _, .server, _): model.send(Array("250".utf8), on: id, from: .server)
            case .received(let id, _, .client, _): model.close(id, from: .client)
            case .peerClosed(let id, _, .server): model.close(id, from: .server)
            default: break
            }
        }
        #expect(
            log == [
                "20000 A connected",
                "30000 B accepted :25",
                "30000 B received HELO",
                "40000 A received 250",
                "50000 B peer closed",
                "60000 A peer closed",
            ])
        #expect(net.model.liveConnectionCount == 0)
        #expect(net.model.statistics.connectionsOpened == 1)
    }

    @Test("a link going down resets the connections routed over it, at both ends")
    func resetOnLinkDown() {
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        let id = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        net.model.scheduleLinkChange(net.ab, up: false, at: SimTime.zero + .milliseconds(35))
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
            if case .connected(let id, _) = notification {
                model.send(Array("early".utf8), on: id, from: .client)  // arrives at 30 ms, before the failure
            }
        }
        #expect(
            log == [
                "20000 A connected", "30000 B accepted :25", "30000 B received early", "35000 A reset", "35000 B reset",
            ])
        #expect(net.model.statistics.connectionsReset == 1)
        #expect(net.model.info(id) == nil)
        // Writing on a connection that was reset does nothing.
        net.model.send(Array("lost".utf8), on: id, from: .server)
        net.model.run(until: .distantFuture) { _, notification in Issue.record("unexpected \(notification)") }
    }

    @Test("nothing listening: the host answers with a reset, one round trip later")
    func refused() {
        var net = SmallNet()
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 57)
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        #expect(log == ["20000 A connection refused"])
        #expect(net.model.statistics.connectionsRefused == 1)
    }

    @Test("a host that is down, or an address nobody has, gives a connect time-out")
    func unreachable() {
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        var ignored: [NetworkNotification] = []
        net.model.crash(net.b, into: &ignored)
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        _ = net.model.connect(from: net.a, to: IPv4Address(192, 0, 2, 1), port: 25)
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        #expect(log == ["75000000 A connection timed out", "75000000 A connection timed out"])
    }

    @Test("a crash resets the peer's connection; the host listens again only when told to")
    func crash() {
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        var log: [String] = []
        net.model.run(until: SimTime.zero + .milliseconds(40)) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        var notifications: [NetworkNotification] = []
        net.model.crash(net.b, into: &notifications)
        #expect(notifications.count == 1)
        if case .reset(_, let host, .client) = notifications.first {
            #expect(host == net.a)
        } else {
            Issue.record("expected a reset at A")
        }
        net.model.restart(net.b)
        #expect(!net.model.isListening(net.b, port: 25))
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        #expect(log == ["20000 A connected", "30000 B accepted :25", "60000 A connection refused"])
    }

    @Test("the in-flight store hands back each value once, reuses freed slots and counts what waits")
    func inFlightStore() {
        var store = InFlightStore<[Int]>()
        let slots = (0..<5).map { store.put([$0]) }
        #expect(store.count == 5)
        #expect(store.take(slots[3]) == [3])
        #expect(store.take(slots[1]) == [1])
        let reused = [store.put([10]), store.put([11]), store.put([12])]
        #expect(
            reused.map(\.index) == [slots[1].index, slots[3].index, 5], "the slot freed last first, then a new one")
        #expect(store.count == 6)
        #expect([slots[0], slots[2], slots[4]].map { store.take($0) } == [[0], [2], [4]])
        #expect(reused.map { store.take($0) } == [[10], [11], [12]])
        #expect(store.count == 0)
    }

    @Test("bytes in flight to a host that crashes are dropped, and the network keeps none of them")
    func inFlightDataIsReleased() {
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        let id = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        net.model.run(until: SimTime.zero + .milliseconds(30)) { _, _ in }
        net.model.send(Array("HELO A".utf8), on: id, from: .client)
        net.model.send(Array("MAIL FROM:<a@A>".utf8), on: id, from: .client)
        #expect(net.model.segmentData.count == 2)
        var resets: [NetworkNotification] = []
        net.model.crash(net.b, into: &resets)
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        #expect(log.isEmpty)
        #expect(net.model.segmentData.count == 0)
        #expect(net.model.answersInFlight.count == 0)
    }
}

@Suite struct RoutingTests {
    @Test("a route crosses a gateway host when that is shortest, and reroutes when a link fails")
    func multiHop() {
        var net = SmallNet()
        let direct = net.model.route(from: net.a, to: net.b)!
        #expect(direct.hosts == [net.a, net.b])
        var ignored: [NetworkNotification] = []
        net.model.setLink(net.ab, up: false, into: &ignored)
        let around = net.model.route(from: net.a, to: net.b)!
        #expect(around.hosts == [net.a, net.g, net.b])
        #expect(around.latency == .milliseconds(25))
        net.model.listen(net.b, port: 25)
        _ = net.model.connect(from: net.a, to: IPv4Address(10, 0, 0, 2), port: 25)
        var log: [String] = []
        net.model.run(until: .distantFuture) { model, notification in
            log.append(describe(notification, at: model.now, in: model))
        }
        #expect(log == ["50000 A connected", "75000 B accepted :25"])
    }

    @Test("a crashed gateway does not forward")
    func crashedGateway() {
        var net = SmallNet()
        var ignored: [NetworkNotification] = []
        net.model.setLink(net.ab, up: false, into: &ignored)
        net.model.crash(net.g, into: &ignored)
        #expect(net.model.route(from: net.a, to: net.b) == nil)
    }

    @Test("hosts on different networks cannot connect, even through a host on both")
    func islands() {
        var topology = Topology()
        let arpanet = topology.addNetwork("ARPANET")
        let bitnet = topology.addNetwork("BITNET")
        let a = topology.addHost("A", addresses: [IPv4Address(10, 0, 0, 1)], networks: [arpanet])
        let g = topology.addHost("G", addresses: [IPv4Address(10, 0, 0, 2)], networks: [arpanet, bitnet])
        let z = topology.addHost("Z", addresses: [IPv4Address(192, 168, 0, 1)], networks: [bitnet])
        topology.addLink(a, g, network: arpanet, latency: .milliseconds(5), bandwidth: nil)
        topology.addLink(g, z, network: bitnet, latency: .milliseconds(5), bandwidth: nil)
        var model = NetworkModel(topology: topology)
        #expect(model.route(from: a, to: g) != nil)
        #expect(model.route(from: g, to: z) != nil)
        #expect(model.route(from: a, to: z) == nil)
        #expect(!topology.shareNetwork(a, z))
    }

    @Test("equal-latency routes are chosen the same way every time: fewer hops first")
    func deterministicTies() {
        var topology = Topology()
        let net = topology.addNetwork("Internet")
        let hosts = (0..<4).map {
            topology.addHost("H\($0)", addresses: [IPv4Address(10, 0, 0, UInt8($0 + 1))], networks: [net])
        }
        topology.addLink(hosts[0], hosts[1], network: net, latency: .milliseconds(5), bandwidth: nil)
        topology.addLink(hosts[1], hosts[3], network: net, latency: .milliseconds(5), bandwidth: nil)
        topology.addLink(hosts[0], hosts[2], network: net, latency: .milliseconds(5), bandwidth: nil)
        topology.addLink(hosts[2], hosts[3], network: net, latency: .milliseconds(5), bandwidth: nil)
        var first = NetworkModel(topology: topology)
        var second = NetworkModel(topology: topology)
        let route = first.route(from: hosts[0], to: hosts[3])!
        #expect(route == second.route(from: hosts[0], to: hosts[3]))
        #expect(route.hosts == [hosts[0], hosts[1], hosts[3]])
    }

    @Test("the count of live connections follows every way a connection begins and ends")
    func liveConnectionCountFollowsSlots() {
        // The count is the slots ever taken less the free list: checked against the slots in use
        // after every notification of a random run of connects (some refused), closes, aborts, a
        // link going down and a host crashing and coming back.
        var net = SmallNet()
        net.model.listen(net.b, port: 25)
        net.model.listen(net.g, port: 25)
        var random = RandomStream(seed: 7, stream: "connections")
        let targets = [IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)]
        for index in 0..<200 {
            let host = index % 3 == 0 ? net.g : net.a
            let port: UInt16 = random.bernoulli(0.1) ? 26 : 25  // nothing listens on 26: refused
            _ = net.model.connect(from: host, to: targets[index % 2], port: port)
            var steps = random.uniform(in: 0...6)
            var mismatches = 0
            net.model.run(until: net.model.now + .milliseconds(Int64(random.uniform(in: 1...30)))) { model, note in
                if model.liveConnectionCount != model.connections.filter(\.inUse).count { mismatches += 1 }
                steps -= 1
                switch note {
                case .connected(let id, _) where steps < 2: model.abort(id, from: .client)
                case .connected(let id, _): model.send(Array("HELO".utf8), on: id, from: .client)
                case .received(let id, _, .server, _): model.close(id, from: .server)
                case .peerClosed(let id, _, let side): model.close(id, from: side)
                default: break
                }
            }
            #expect(mismatches == 0)
            var notes: [NetworkNotification] = []
            if index == 60 { net.model.setLink(net.ab, up: false, into: &notes) }
            if index == 90 { net.model.setLink(net.ab, up: true, into: &notes) }
            if index == 120 { net.model.crash(net.b, into: &notes) }
            if index == 150 { net.model.restart(net.b) }
            #expect(net.model.liveConnectionCount == net.model.connections.filter(\.inUse).count)
        }
        net.model.run(until: .distantFuture) { model, note in
            if case .peerClosed(let id, _, let side) = note { model.close(id, from: side) }
        }
        #expect(net.model.liveConnectionCount == net.model.connections.filter(\.inUse).count)
        #expect(net.model.statistics.connectionsOpened > 100)
    }
}
