import SimKernel
import Testing

@testable import SimNetwork

/// NCP, the ARPANET's host-to-host protocol before 1 January 1983 (RFC 821 Appendix B: the
/// Initial Connection Protocol gives "a pair of simplex connections"), timed by hand on A—B with
/// a 10 ms link (`HostPair`) and no bandwidth limit unless given.
@Suite struct NCPTests {
    /// Runs a session: A connects to B:25, B sends `greeting` when it accepts, A sends `text`
    /// when connected and closes; B closes when A's close arrives. The log of what each hears.
    static func session(ncp: Bool, greeting: Int = 3, text: Int = 4, bandwidth: UInt64? = nil) -> (
        log: [String], bytes: Int
    ) {
        let pair = HostPair(bandwidth: bandwidth)
        let (a, b) = (pair.a, pair.b)
        var model = pair.model
        if ncp { model.ncpNetworks = [pair.network] }
        model.listen(b, port: 25)
        _ = model.connect(from: a, to: IPv4Address(10, 0, 0, 2), port: 25)
        var log: [String] = []
        model.run(until: .distantFuture) { model, notification in
            let us = model.now.nanoseconds / 1_000
            switch notification {
            case .accepted(let id, _, _):
                log.append("\(us) B accepted")
                model.send([UInt8](repeating: 0x32, count: greeting), on: id, from: .server)
            case .connected(let id, _):
                log.append("\(us) A connected")
                model.send([UInt8](repeating: 0x61, count: text), on: id, from: .client)
                model.close(id, from: .client)
            case .received(_, _, let side, let bytes):
                log.append("\(us) \(side == .client ? "A" : "B") got \(bytes.count)")
            case .peerClosed(let id, _, let side):
                log.append("\(us) \(side == .client ? "A" : "B") peer closed")
                if side == .server { model.close(id, from: .server) }
            default:
                log.append("\(us) \(notification)")
            }
        }
        #expect(model.liveConnectionCount == 0 && model.ncpLinks.isEmpty)
        return (log, model.statistics.bytes)
    }

    @Test(
        "the Initial Connection Protocol: B may send 2.5 round trips after A's RTS and A after 3, one round trip more than TCP"
    )
    func connectionSetUp() {
        let tcp = Self.session(ncp: false)
        #expect(tcp.log.prefix(3) == ["20000 A connected", "30000 B accepted", "30000 B got 4"])
        let ncp = Self.session(ncp: true)
        // RTS 0→10, STR →20, ALL →30, socket number with STR and RTS →40, the user's CLS, RTS,
        // STR and ALL →50 (B accepts and allocates), B's ALL →60 (A may send).
        // B's greeting leaves after its allocation, on the same path: A hears it connected first.
        #expect(ncp.log.prefix(4) == ["50000 B accepted", "60000 A connected", "60000 A got 3", "70000 B got 4"])
    }

    @Test("one message at a time: a 3,000-byte text is three messages, each sent when the last one's RFNM is back")
    func readyForNextMessage() {
        // Connected at 60 ms: messages of 1002, 1002 and 996 bytes arrive at 70, 90 and 110 ms,
        // each RFNM taking 10 ms back; the close follows the last message.
        let ncp = Self.session(ncp: true, greeting: 0, text: 3000)
        #expect(
            Array(ncp.log.dropFirst(2)) == [
                "70000 B got 1002", "90000 B got 1002", "110000 B got 996", "110000 B peer closed",
                "120000 A peer closed",
            ])
        // TCP here sends the whole text at once: it arrives in one pass.
        let tcp = Self.session(ncp: false, greeting: 0, text: 3000)
        #expect(tcp.log.filter { $0.contains(" got ") }.allSatisfy { $0.hasPrefix("30000 B got") })
    }

    @Test("NCP's own overheads: 9 bytes a message, 4 an RFNM, its control messages, on a 1 Mbit/s line")
    func overheadsAndSerialisation() {
        // ICP: RTS, STR (20 each), its four further steps (40 each); the text: 9 + 4 (and its
        // RFNM, 4); the closes: CLS each way (20 each).
        let ncp = Self.session(ncp: true, greeting: 0, text: 4, bandwidth: 1_000_000)
        #expect(ncp.bytes == 20 + 20 + 40 * 4 + (9 + 4) + 4 + 20 + 20)
        // Each control message of 20 bytes takes 160 µs on the line, a combined step 320 µs:
        // RTS 10.16, STR 20.32, ALL 30.64, number 40.96, answers 51.28 (B accepts), ALL 61.60.
        #expect(ncp.log.prefix(2) == ["51280 B accepted", "61600 A connected"])
    }
}
