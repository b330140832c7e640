/// The discrete-event simulation kernel: a clock and a queue of value-type events.
///
/// The kernel is deliberately small (SimPy's core is a few hundred lines): `now`, `schedule`,
/// `cancel`, `step` and `run(until:)`. It is single-threaded and owns no behaviour; the driver
/// that owns the kernel decides what each event means. Parallelism belongs across independent runs.
///
/// ```swift
/// var kernel = Kernel<Int>()
/// kernel.schedule(after: .milliseconds(5), 42)
/// kernel.run(until: .distantFuture) { kernel, event in print(kernel.now, event) }
/// ```
@frozen
public struct Kernel<Event> {
    /// The pending events; cancelled ones stay in, marked, and are skipped when they come first.
    @usableFromInline var queue = EventQueue<Event>()

    @usableFromInline var clock: SimTime = .zero
    @usableFromInline var processed: UInt64 = 0

    /// The current simulated time: the time of the event being processed, or of the last one.
    @inlinable
    public var now: SimTime { clock }

    /// How many events have been processed (cancelled ones are not counted).
    @inlinable
    public var processedCount: UInt64 { processed }

    @inlinable
    public init() {}

    /// Number of events waiting, excluding cancelled ones.
    @inlinable
    public var pendingCount: Int { queue.count - queue.cancelledCount }

    /// Schedules `event` at the absolute time `time`, which must not be in the past.
    @inlinable
    @discardableResult
    public mutating func schedule(at time: SimTime, _ event: consuming Event) -> EventID {
        precondition(time >= now, "scheduled an event at \(time), before now (\(now))")
        return queue.insert(event, at: time)
    }

    /// Schedules `event` after `delay` (zero or more) from now.
    @inlinable
    @discardableResult
    public mutating func schedule(after delay: SimDuration, _ event: consuming Event) -> EventID {
        precondition(delay >= .zero, "scheduled an event with a negative delay \(delay)")
        return queue.insert(event, at: now + delay)
    }

    /// Cancels a pending event: it stays in the queue, marked, and the loop skips it.
    ///
    /// `id` must name an event that has not run yet; the caller forgets an id once its event
    /// runs (debug builds check this by searching the queue).
    @inlinable
    public mutating func cancel(_ id: EventID) {
        assert(queue.contains(id), "cancelled event \(id.sequence), which is not pending")
        queue.cancel(id)
    }

    /// The time of the next event that will run, if any.
    @inlinable
    public mutating func nextEventTime() -> SimTime? {
        queue.dropCancelled()
        return queue.first()?.time
    }

    /// Runs the clock forward to the next event and returns it; `nil` when the queue is empty
    /// or the next event is later than `limit`.
    @inlinable
    public mutating func step(until limit: SimTime = .distantFuture) -> Event? {
        guard let next = queue.popFirst(notAfter: limit) else { return nil }
        clock = next.time
        processed &+= 1
        return next.event
    }

    /// Processes every event up to and including `limit`, in order, then leaves the clock at
    /// `limit` (unless `limit` is `distantFuture`, when the clock stays at the last event).
    @inlinable
    public mutating func run(until limit: SimTime, _ handle: (inout Kernel, Event) -> Void) {
        while let event = step(until: limit) {
            handle(&self, event)
        }
        if limit != .distantFuture, limit > clock { clock = limit }
    }

    /// Advances the clock to `time` without processing anything; no event may be pending before it.
    @inlinable
    public mutating func advance(to time: SimTime) {
        precondition(time >= now, "advanced the clock backwards to \(time) from \(now)")
        if let next = nextEventTime() { precondition(next >= time, "advanced past a pending event at \(next)") }
        clock = time
    }
}
