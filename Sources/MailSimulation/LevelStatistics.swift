import SimKernel

/// A count that rises and falls over a run — recipients waiting in queues, recipients in flight,
/// open connections — followed at every change: an exact step function of simulated time, not
/// samples of it. It keeps the peak, the time-weighted mean over the run, the final level, and
/// for each of `buckets` equal spans of the run its own peak and time-weighted mean (what
/// `queue.csv` shows for the queues).
public struct LevelStatistics: Sendable, Hashable {
    /// One span of the run.
    public struct Bucket: Sendable, Hashable {
        /// When the span ends.
        public var end: SimTime
        /// The most recipients waiting at any instant of the span.
        public var peak: Int
        /// Recipient-nanoseconds waited in the span (the integral of the level over it).
        var area: Double
        /// The span's time-weighted mean.
        public var mean: Double
    }

    public private(set) var level = 0
    public private(set) var peak = 0
    /// Recipient-nanoseconds waited over the run.
    private var area: Double = 0
    private var since = SimTime.zero
    public private(set) var buckets: [Bucket]
    private let span: Int64
    /// The time-weighted mean over the run (set by `finish`).
    public private(set) var mean: Double = 0

    /// `buckets` spans over `duration` (none when 0).
    init(duration: SimDuration, buckets: Int) {
        let count = max(0, buckets)
        let span = count > 0 ? max(1, (duration.nanoseconds + Int64(count) - 1) / Int64(count)) : 1
        self.span = span
        self.buckets = (0..<count).map { index in
            Bucket(
                end: SimTime(nanoseconds: min(duration.nanoseconds, Int64(index + 1) * span)), peak: 0, area: 0, mean: 0
            )
        }
    }

    /// The level becomes `level` at `time` (no earlier than the last change).
    mutating func change(to level: Int, at time: SimTime) {
        guard level != self.level else { return }
        advance(to: time)
        self.level = level
        peak = max(peak, level)
        if let index = bucketIndex(time) { buckets[index].peak = max(buckets[index].peak, level) }
    }

    /// Closes the books at the end of the run.
    mutating func finish(at end: SimTime) {
        advance(to: end)
        mean = end.nanoseconds > 0 ? area / Double(end.nanoseconds) : Double(level)
        var start: Int64 = 0
        for index in buckets.indices {
            let length = buckets[index].end.nanoseconds - start
            buckets[index].mean = length > 0 ? buckets[index].area / Double(length) : Double(buckets[index].peak)
            start = buckets[index].end.nanoseconds
        }
    }

    private func bucketIndex(_ time: SimTime) -> Int? {
        guard !buckets.isEmpty else { return nil }
        return min(buckets.count - 1, Int(time.nanoseconds / span))
    }

    /// Adds the current level's area from the last change to `time`, split over the buckets.
    private mutating func advance(to time: SimTime) {
        guard time > since else { return }
        area += Double(level) * Double(time.nanoseconds - since.nanoseconds)
        if level > 0, var index = bucketIndex(since) {
            var from = since.nanoseconds
            while from < time.nanoseconds && index < buckets.count {
                let until =
                    index == buckets.count - 1
                    ? time.nanoseconds : min(time.nanoseconds, buckets[index].end.nanoseconds)
                buckets[index].area += Double(level) * Double(until - from)
                from = until
                index += 1
            }
        }
        // A bucket entered while something waits has that level as its peak from its start.
        if level > 0, let first = bucketIndex(since), let last = bucketIndex(time), last > first {
            for index in (first + 1)...last { buckets[index].peak = max(buckets[index].peak, level) }
        }
        since = time
    }
}
