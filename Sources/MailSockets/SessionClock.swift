import MailCore

/// A live session's clock: the engines' `now` is the wall clock's time since the driver started
/// (they need only differences; the simulator's drivers give simulated time the same way).
struct SessionClock: Sendable {
    let started = ContinuousClock.now

    var now: Timestamp {
        let elapsed = started.duration(to: .now)
        return Timestamp(
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
