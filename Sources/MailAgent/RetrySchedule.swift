import MailCore

/// When a transfer agent tries a deferred message again, and when it gives up.
///
/// RFC 1123 §5.3.1.1 and RFC 2821 §4.5.4.1: the retry interval "SHOULD be at least 30 minutes",
/// "the give-up time generally needs to be at least 4-5 days", and "the parameters MUST be
/// configurable". The presets of real MTAs follow their documented defaults.
public struct RetrySchedule: Hashable, Sendable, CustomStringConvertible {
    public enum Shape: Hashable, Sendable {
        /// The same wait after every failure.
        case fixed(Duration)
        /// These waits in turn, then the last one repeated.
        case steps([Duration])
        /// A wait that doubles after each failure, from `minimum` up to `maximum`.
        case doubling(minimum: Duration, maximum: Duration)
        /// Attempt n (counting from 0) at `unit` × n² after the message arrived.
        case quadratic(unit: Duration)
    }

    public var name: String
    public var shape: Shape
    /// After this long in the queue, a message that still fails is returned to its sender.
    public var giveUpAfter: Duration

    public init(name: String, shape: Shape, giveUpAfter: Duration) {
        self.name = name
        self.shape = shape
        self.giveUpAfter = giveUpAfter
    }

    public var description: String { name }

    /// RFC 1123 §5.3.1.1 / RFC 2821 §4.5.4.1 at their plainest: every 30 minutes for 5 days.
    public static let rfc1123 = RetrySchedule(
        name: "rfc1123", shape: .fixed(.seconds(1800)), giveUpAfter: .seconds(5 * 86_400))
    /// RFC 2821 §4.5.4.1's suggestion: "two connection attempts in the first hour ..., and then
    /// backing off to one every two or three hours" (here: 30 min, 30 min, then every 2 hours); 5 days.
    public static let rfc2821 = RetrySchedule(
        name: "rfc2821", shape: .steps([.seconds(1800), .seconds(1800), .seconds(7200)]),
        giveUpAfter: .seconds(5 * 86_400))
    /// Sendmail run with the customary `-q30m` queue interval and its `Timeout.queuereturn=5d`.
    public static let sendmail = RetrySchedule(
        name: "sendmail", shape: .fixed(.seconds(1800)), giveUpAfter: .seconds(5 * 86_400))
    /// Postfix's qmgr: the wait doubles from `minimal_backoff_time` (300 s) to
    /// `maximal_backoff_time` (4000 s); `maximal_queue_lifetime` is 5 days.
    public static let postfix = RetrySchedule(
        name: "postfix", shape: .doubling(minimum: .seconds(300), maximum: .seconds(4000)),
        giveUpAfter: .seconds(5 * 86_400))
    /// qmail-send: remote delivery attempt n at 400·n² seconds after arrival (4 × its local 100·n²);
    /// `queuelifetime` 604800 s (7 days).
    public static let qmail = RetrySchedule(
        name: "qmail", shape: .quadratic(unit: .seconds(400)), giveUpAfter: .seconds(7 * 86_400))

    public static let presets: [RetrySchedule] = [.rfc1123, .rfc2821, .sendmail, .postfix, .qmail]

    /// When to try again after `failures` failed attempts (1 after the first), the last at `lastAttempt`;
    /// `nil` when the message has been queued for `giveUpAfter` and must be returned.
    public func nextAttempt(failures: Int, arrival: Timestamp, lastAttempt: Timestamp) -> Timestamp? {
        precondition(failures >= 1, "nextAttempt needs at least one failure")
        guard lastAttempt.nanoseconds - arrival.nanoseconds < giveUpAfter.nanoseconds else { return nil }
        let next: Timestamp
        switch shape {
        case .fixed(let wait):
            next = lastAttempt + wait
        case .steps(let waits):
            next = lastAttempt + waits[min(failures - 1, waits.count - 1)]
        case .doubling(let minimum, let maximum):
            var wait = minimum.nanoseconds
            for _ in 1..<failures where wait < maximum.nanoseconds { wait *= 2 }
            next = Timestamp(nanoseconds: lastAttempt.nanoseconds + min(wait, maximum.nanoseconds))
        case .quadratic(let unit):
            next = Timestamp(
                nanoseconds: max(
                    arrival.nanoseconds + unit.nanoseconds * Int64(failures * failures), lastAttempt.nanoseconds))
        }
        // The last try falls at the give-up time, not after it.
        return Timestamp(nanoseconds: min(next.nanoseconds, arrival.nanoseconds + giveUpAfter.nanoseconds))
    }
}
