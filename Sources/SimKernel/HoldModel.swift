/// The classic "hold" benchmark for event queues: the queue is filled with `pending` events, then
/// each event processed schedules one more at a random delay, so the queue size stays constant.
/// It measures the kernel alone; `mailpath bench --kernel` times it.
public enum HoldModel {
    /// What a run did, so a caller can check the work really happened.
    public struct Result: Equatable, Sendable {
        public var processed: UInt64
        public var finalTime: SimTime
        /// Sum of event payloads, a checksum that depends on the order events ran in.
        public var checksum: UInt64
    }

    /// How far ahead each event schedules the next.
    public enum Delays: Sendable, Equatable, CustomStringConvertible {
        /// Uniform in [0, bound): the easy case for a timing wheel, every event near.
        case uniform(below: SimDuration)
        case exponential(mean: SimDuration)
        /// Two scales at once, as in a mail run: exponential delays of mean `short` (the network),
        /// and with probability `longFraction` a timer of `long` plus up to a millisecond (retries).
        case mix(short: SimDuration, long: SimDuration, longFraction: Double)

        func draw(_ random: inout RandomStream) -> SimDuration {
            switch self {
            case .uniform(let bound): SimDuration(nanoseconds: Int64(random.uniform(below: UInt64(bound.nanoseconds))))
            case .exponential(let mean): random.exponential(mean: mean)
            case .mix(let short, let long, let fraction):
                random.bernoulli(fraction)
                    ? long + SimDuration(nanoseconds: Int64(random.uniform(below: 1_000_000)))
                    : random.exponential(mean: short)
            }
        }

        public var description: String {
            switch self {
            case .uniform(let bound): "uniform in [0, \(bound))"
            case .exponential(let mean): "exponential, mean \(mean)"
            case .mix(let short, let long, let fraction):
                "exponential of mean \(short), and \(long) for \(fraction * 100)%"
            }
        }
    }

    /// Processes `events` events while keeping `pending` in the queue, each event scheduling the
    /// next at a delay drawn from `delays` (stream `"hold"` of `seed`).
    public static func run(events: Int, pending: Int, seed: UInt64, delays: Delays = .uniform(below: .milliseconds(2)))
        -> Result
    {
        precondition(events >= 0 && pending > 0, "hold model needs events >= 0 and pending > 0")
        var random = RandomStream(seed: seed, stream: "hold")
        var kernel = Kernel<UInt32>()
        for index in 0..<pending {
            kernel.schedule(at: SimTime.zero + delays.draw(&random), UInt32(truncatingIfNeeded: index))
        }
        var checksum: UInt64 = 0
        var remaining = events
        while remaining > 0, let event = kernel.step() {
            remaining -= 1
            checksum = checksum &* 31 &+ UInt64(event)
            kernel.schedule(after: delays.draw(&random), event &+ 1)
        }
        return Result(processed: kernel.processedCount, finalTime: kernel.now, checksum: checksum)
    }
}
