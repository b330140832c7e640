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

    /// Processes `events` events while keeping `pending` in the queue. Delays are uniform in
    /// [0, 2 ms) from `RandomStream(seed:, stream: "hold")`.
    public static func run(events: Int, pending: Int, seed: UInt64) -> Result {
        precondition(events >= 0 && pending > 0, "hold model needs events >= 0 and pending > 0")
        var random = RandomStream(seed: seed, stream: "hold")
        var kernel = Kernel<UInt32>()
        for index in 0..<pending {
            kernel.schedule(at: SimTime(nanoseconds: Int64(random.uniform(below: 2_000_000))), UInt32(truncatingIfNeeded: index))
        }
        var checksum: UInt64 = 0
        var remaining = events
        while remaining > 0, let event = kernel.step() {
            remaining -= 1
            checksum = checksum &* 31 &+ UInt64(event)
            kernel.schedule(after: SimDuration(nanoseconds: Int64(random.uniform(below: 2_000_000))), event &+ 1)
        }
        return Result(processed: kernel.processedCount, finalTime: kernel.now, checksum: checksum)
    }
}
