import SimKernel
import Testing

@testable import SimNetwork

/// UUCP was a store-and-forward network of dial-up links: mail waited for the next call. A
/// polled network's connections start at its next call, at whole multiples of its interval.
@Suite struct DialUpTests {
    /// A and B on a network called every hour, 10 ms apart: when A hears `connected` for a
    /// connection opened at `second`.
    static func connected(openedAt second: Int64, polled: Bool = true) -> Int64 {
        let pair = HostPair(network: "UUCP")
        let (a, b) = (pair.a, pair.b)
        var model = pair.model
        if polled { model.pollIntervals = [pair.network: .hours(1)] }
        model.listen(b, port: 25)
        model.scheduleTimer(TimerToken(host: a, tag: 0, value: 0), at: SimTime.zero + .seconds(second))
        var at: Int64 = -1
        model.run(until: .distantFuture) { model, notification in
            switch notification {
            case .timer:
                let id = model.connect(from: a, to: IPv4Address(10, 0, 0, 2), port: 25)
                let call = model.nextCall(id)
                #expect(
                    call == (polled && second % 3600 != 0 ? SimTime.zero + .seconds((second / 3600 + 1) * 3600) : nil))
            case .connected: at = model.now.nanoseconds
            default: break
            }
        }
        return at
    }

    @Test("a connection waits for the next call, then takes its round trip; at a call's instant it goes at once")
    func waitsForTheCall() {
        let roundTrip: Int64 = 20_000_000
        #expect(Self.connected(openedAt: 10, polled: false) == 10_000_000_000 + roundTrip)
        #expect(Self.connected(openedAt: 10) == 3_600_000_000_000 + roundTrip)
        #expect(Self.connected(openedAt: 3600) == 3_600_000_000_000 + roundTrip)
        #expect(Self.connected(openedAt: 3601) == 7_200_000_000_000 + roundTrip)
    }
}
