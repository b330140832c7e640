import Testing

@testable import SimKernel

@Suite struct KernelTests {
    @Test("events run in time order, and same-time events first-in first-out")
    func ordering() {
        var kernel = Kernel<String>()
        kernel.schedule(at: SimTime(nanoseconds: 30), "c")
        kernel.schedule(at: SimTime(nanoseconds: 10), "a1")
        kernel.schedule(at: SimTime(nanoseconds: 20), "b")
        kernel.schedule(at: SimTime(nanoseconds: 10), "a2")
        kernel.schedule(at: SimTime(nanoseconds: 10), "a3")
        var seen: [(Int64, String)] = []
        kernel.run(until: .distantFuture) { kernel, event in seen.append((kernel.now.nanoseconds, event)) }
        #expect(seen.map(\.1) == ["a1", "a2", "a3", "b", "c"])
        #expect(seen.map(\.0) == [10, 10, 10, 20, 30])
        #expect(kernel.processedCount == 5)
    }

    @Test("FIFO ties hold for many events scheduled in scrambled order")
    func manyTies() {
        var kernel = Kernel<Int>()
        var generator = RandomStream(seed: 1, stream: "ties")
        var expected: [Int: [Int]] = [:]
        for index in 0..<5_000 {
            let time = Int64(generator.uniform(below: 20))
            kernel.schedule(at: SimTime(nanoseconds: time), index)
            expected[Int(time), default: []].append(index)
        }
        var order: [Int] = []
        kernel.run(until: .distantFuture) { _, event in order.append(event) }
        let wanted = expected.keys.sorted().flatMap { expected[$0]! }
        #expect(order == wanted)
    }

    @Test(
        "a copied kernel is a value: events scheduled or run on the copy leave the original as it was, through growth too"
    )
    func copiesAreIndependent() {
        var original = Kernel<[Int]>()  // events with storage, which the copy must retain
        for index in 0..<10 { original.schedule(at: SimTime(nanoseconds: Int64(10 - index)), [index]) }
        var copy = original
        // grows the copy's storage
        for index in 10..<100 { copy.schedule(at: SimTime(nanoseconds: Int64(index)), [index]) }
        var fromCopy: [[Int]] = []
        copy.run(until: .distantFuture) { _, event in fromCopy.append(event) }
        #expect(fromCopy.count == 100)
        #expect(original.pendingCount == 10)
        var snapshot = original
        var fromOriginal: [[Int]] = []
        original.run(until: .distantFuture) { _, event in fromOriginal.append(event) }
        #expect(fromOriginal == (0..<10).reversed().map { [$0] })
        #expect(snapshot.pendingCount == 10, "running the original left its earlier copy alone")
        #expect(snapshot.nextEventTime() == SimTime(nanoseconds: 1))
    }

    @Test("events scheduled while others run reuse the queue's slots and still come out in (time, order) order")
    func interleaved() {
        var kernel = Kernel<[Int]>()  // a payload with storage, to catch an event moved into the wrong slot
        var generator = RandomStream(seed: 7, stream: "interleaved")
        var sequence = 0
        for _ in 0..<200 {
            kernel.schedule(at: SimTime(nanoseconds: Int64(generator.uniform(below: 50))), [sequence])
            sequence += 1
        }
        var log: [(time: Int64, sequence: Int)] = []
        kernel.run(until: .distantFuture) { kernel, event in
            log.append((kernel.now.nanoseconds, event[0]))
            if sequence < 3_000 {
                for _ in 0..<Int(generator.uniform(below: 3)) {
                    kernel.schedule(after: .nanoseconds(Int64(generator.uniform(below: 40))), [sequence])
                    sequence += 1
                }
            }
        }
        // Every event ran once, in (time, scheduling order) order.
        #expect(log.count == sequence)
        #expect(Set(log.map(\.sequence)).count == sequence)
        #expect(zip(log, log.dropFirst()).allSatisfy { ($0.time, $0.sequence) < ($1.time, $1.sequence) })
        #expect(kernel.processedCount == UInt64(sequence))
    }

    /// Delays at every scale the queue treats differently: within one wheel window (65.5 µs), a
    /// few windows ahead, across the whole wheel (134 ms), and beyond it into the far heap.
    static let delayScales: [Int64] = [1_000, 65_536, 3_000_000, 140_000_000, 30_000_000_000]

    @Test(
        "the queue gives the same order as sorting by (time, sequence), with delays at every scale, pops, peeks and copies interleaved"
    )
    func matchesSortedOrder() {
        var queue = EventQueue<[Int]>()
        var generator = RandomStream(seed: 11, stream: "wheel")
        var pending: [(time: Int64, sequence: Int)] = []  // the reference: kept sorted
        var now: Int64 = 0
        var sequence = 0
        var popped = 0
        for step in 0..<40_000 {
            if generator.uniform(below: 100) < 52 || pending.isEmpty {
                let scale = Self.delayScales[Int(generator.uniform(below: UInt64(Self.delayScales.count)))]
                // A burst now and then: several events at one time, which only the sequence orders.
                let time = now + Int64(generator.uniform(below: UInt64(scale)))
                for _ in 0..<(generator.uniform(below: 20) == 0 ? 4 : 1) {
                    let id = queue.insert([sequence], at: SimTime(nanoseconds: time))
                    #expect(id.sequence == UInt64(sequence))
                    let place = pending.firstIndex { ($0.time, $0.sequence) > (time, sequence) } ?? pending.count
                    pending.insert((time, sequence), at: place)
                    sequence += 1
                }
            } else {
                if step % 7 == 0 {
                    #expect(queue.earliestTime?.nanoseconds == pending[0].time)
                    #expect(queue.first()?.id.sequence == UInt64(pending[0].sequence))
                }
                if step % 1_001 == 0 {
                    // A copy taken now must not see what happens to the original next.
                    var copy = queue
                    _ = copy.popFirst()
                    _ = copy.insert([-1], at: SimTime(nanoseconds: now))
                }
                guard let next = queue.popFirst() else {
                    Issue.record("the queue ran dry with \(pending.count) events pending")
                    return
                }
                let expected = pending.removeFirst()
                #expect(
                    next.time.nanoseconds == expected.time && next.event == [expected.sequence]
                        && next.id.sequence == UInt64(expected.sequence))
                now = next.time.nanoseconds
                popped += 1
            }
            #expect(queue.count == pending.count)
        }
        while let next = queue.popFirst() {
            let expected = pending.removeFirst()
            #expect(next.time.nanoseconds == expected.time && next.event == [expected.sequence])
            popped += 1
        }
        #expect(pending.isEmpty && queue.isEmpty && popped == sequence)
    }

    @Test(
        "an event beyond the wheel is taken at its time, and the events it schedules soon after go around the wheel in order"
    )
    func farThenNear() {
        var kernel = Kernel<Int>()
        kernel.schedule(at: SimTime(nanoseconds: 5_000_000_000), 0)  // 5 s: far beyond the wheel's horizon
        kernel.schedule(at: SimTime(nanoseconds: 10), 1)
        var log: [(Int64, Int)] = []
        kernel.run(until: .distantFuture) { kernel, event in
            log.append((kernel.now.nanoseconds, event))
            if event == 0 {
                // After a long quiet spell: events a little later, on the wheel, and one far again.
                kernel.schedule(after: .milliseconds(20), 3)
                kernel.schedule(after: .microseconds(10), 2)
                kernel.schedule(after: .seconds(2), 5)
                kernel.schedule(after: .milliseconds(100), 4)
            }
        }
        #expect(log.map(\.1) == [1, 0, 2, 3, 4, 5])
        #expect(log.map(\.0) == [10, 5_000_000_000, 5_000_010_000, 5_020_000_000, 5_100_000_000, 7_000_000_000])
        #expect(kernel.queue.storage.bucketed == 0 && kernel.queue.storage.farCount == 0)
    }

    @Test("an event scheduled while running at the same time runs after those already queued")
    func scheduleDuringRun() {
        var kernel = Kernel<String>()
        kernel.schedule(at: SimTime(nanoseconds: 5), "first")
        kernel.schedule(at: SimTime(nanoseconds: 5), "second")
        var order: [String] = []
        kernel.run(until: .distantFuture) { kernel, event in
            order.append(event)
            if event == "first" { kernel.schedule(after: .zero, "spawned") }
        }
        #expect(order == ["first", "second", "spawned"])
    }

    @Test("a cancelled event never runs and others are unaffected")
    func cancel() {
        var kernel = Kernel<String>()
        kernel.schedule(at: SimTime(nanoseconds: 1), "keep")
        let doomed = kernel.schedule(at: SimTime(nanoseconds: 2), "drop")
        kernel.schedule(at: SimTime(nanoseconds: 3), "keep too")
        #expect(kernel.pendingCount == 3)
        kernel.cancel(doomed)
        #expect(kernel.pendingCount == 2)
        var order: [String] = []
        kernel.run(until: .distantFuture) { _, event in order.append(event) }
        #expect(order == ["keep", "keep too"])
        #expect(kernel.processedCount == 2)
        #expect(kernel.pendingCount == 0)
    }

    @Test("cancellation against a model: random schedules and cancels, near, bucketed and far, with slots reused")
    func cancelAgainstModel() {
        var random = RandomStream(seed: 11, stream: "cancel model")
        var kernel = Kernel<Int>()
        // The model: every event scheduled and not run, with whether it was cancelled.
        var model: [(time: Int64, sequence: Int, id: EventID, cancelled: Bool)] = []
        var ran: [Int] = []
        var expected: [Int] = []
        var sequence = 0
        for _ in 0..<20_000 {
            switch random.uniform(below: 10) {
            case 0..<5:
                // Near (same window), on the wheel, or beyond its horizon.
                let scale: [Int64] = [1_000, 10_000_000, 1_000_000_000]
                let delay = Int64(random.uniform(below: UInt64(scale[Int(random.uniform(below: 3))])))
                let time = kernel.now.nanoseconds + delay
                let id = kernel.schedule(at: SimTime(nanoseconds: time), sequence)
                model.append((time, sequence, id, false))
                sequence += 1
            case 5..<7:
                let live = model.indices.filter { !model[$0].cancelled }
                guard !live.isEmpty else { continue }
                let chosen = live[Int(random.uniform(below: UInt64(live.count)))]
                kernel.cancel(model[chosen].id)
                model[chosen].cancelled = true
            default:
                model.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
                while let first = model.first, first.cancelled { model.removeFirst() }
                guard let next = model.first else {
                    #expect(kernel.step() == nil)
                    continue
                }
                model.removeFirst()
                expected.append(next.sequence)
                if let event = kernel.step() { ran.append(event) }
                #expect(kernel.now.nanoseconds == next.time)
            }
            #expect(kernel.pendingCount == model.filter { !$0.cancelled }.count)
        }
        #expect(ran == expected)
        #expect(ran.count > 5_000)
    }

    @Test("an identifier of an event that already ran cancels nothing, though its slot holds another event")
    func staleIdentifier() {
        var queue = EventQueue<String>()
        let old = queue.insert("first", at: SimTime(nanoseconds: 1))
        #expect(queue.popFirst()?.event == "first")
        let reused = queue.insert("second", at: SimTime(nanoseconds: 2))  // the slot "first" left
        #expect(reused != old)
        queue.cancel(old)
        #expect(queue.cancelledCount == 0)
        queue.dropCancelled()
        #expect(queue.popFirst()?.event == "second")
        queue.cancel(reused)  // ran too: nothing to cancel
        #expect(queue.cancelledCount == 0)
    }

    @Test("cancelling the earliest event moves nextEventTime to the next one")
    func cancelEarliest() {
        var kernel = Kernel<Int>()
        let first = kernel.schedule(at: SimTime(nanoseconds: 10), 1)
        kernel.schedule(at: SimTime(nanoseconds: 20), 2)
        kernel.cancel(first)
        #expect(kernel.nextEventTime() == SimTime(nanoseconds: 20))
    }

    @Test("run(until:) stops at the limit, includes events at it, and leaves the clock there")
    func runUntil() {
        var kernel = Kernel<Int>()
        for time in [5, 10, 15, 20] { kernel.schedule(at: SimTime(nanoseconds: Int64(time)), time) }
        var seen: [Int] = []
        kernel.run(until: SimTime(nanoseconds: 15)) { _, event in seen.append(event) }
        #expect(seen == [5, 10, 15])
        #expect(kernel.now == SimTime(nanoseconds: 15))
        kernel.run(until: SimTime(nanoseconds: 17)) { _, event in seen.append(event) }
        #expect(seen == [5, 10, 15])
        #expect(kernel.now == SimTime(nanoseconds: 17))
        kernel.run(until: .distantFuture) { _, event in seen.append(event) }
        #expect(seen == [5, 10, 15, 20])
        #expect(kernel.now == SimTime(nanoseconds: 20))
    }

    @Test("step returns events one at a time and nil when empty")
    func step() {
        var kernel = Kernel<Int>()
        kernel.schedule(after: .milliseconds(2), 2)
        kernel.schedule(after: .milliseconds(1), 1)
        #expect(kernel.step() == 1)
        #expect(kernel.now == SimTime.zero + .milliseconds(1))
        #expect(kernel.step() == 2)
        #expect(kernel.step() == nil)
    }
}

@Suite struct SimTimeTests {
    @Test(
        "durations parse from human units",
        arguments: [
            ("20ms", 20_000_000), ("30m", 1_800_000_000_000), ("5d", 432_000_000_000_000), ("1.5s", 1_500_000_000),
            ("250us", 250_000), ("40ns", 40), ("2h", 7_200_000_000_000), ("0s", 0), ("0.001ms", 1_000),
        ] as [(String, Int64)])
    func parse(text: String, nanoseconds: Int64) {
        #expect(SimDuration(parsing: text)?.nanoseconds == nanoseconds)
    }

    @Test(
        "malformed durations are rejected",
        arguments: ["", "ms", "20", "-5s", "1.s", ".5s", "5 s", "1e3s", "1.5ns", "99999999999d"])
    func reject(text: String) {
        #expect(SimDuration(parsing: text) == nil)
    }

    @Test("durations print in their shortest exact unit")
    func describe() {
        #expect(SimDuration.milliseconds(20).description == "20ms")
        #expect(SimDuration.minutes(30).description == "30m")
        #expect(SimDuration.nanoseconds(1_500_000_000).description == "1500ms")
        #expect(SimDuration.days(5).description == "5d")
        #expect(SimDuration.zero.description == "0s")
    }

    @Test("seconds text is fixed-point and rounds half away from zero")
    func secondsText() {
        #expect(SimDuration(nanoseconds: 1_234_567_890).secondsText(decimals: 3) == "1.235")
        #expect(SimDuration(nanoseconds: 5_000_000).secondsText(decimals: 2) == "0.01")
        #expect(SimDuration(nanoseconds: 0).secondsText(decimals: 6) == "0.000000")
        #expect(SimDuration(nanoseconds: -1_500_000_000).secondsText(decimals: 1) == "-1.5")
        #expect(SimTime(nanoseconds: 12_345_678_901).description == "t=12.346s")
    }
}

@Suite struct HoldModelTests {
    @Test("the hold model processes exactly the events asked for, keeps the queue size, and is reproducible")
    func hold() {
        let first = HoldModel.run(events: 10_000, pending: 100, seed: 3)
        let second = HoldModel.run(events: 10_000, pending: 100, seed: 3)
        let other = HoldModel.run(events: 10_000, pending: 100, seed: 4)
        #expect(first.processed == 10_000)
        #expect(first == second)
        #expect(first.checksum != other.checksum)
        // 10,000 events with mean delay 1 ms spread over 100 pending: about 100 ms of simulated time.
        #expect(
            first.finalTime > SimTime.zero + .milliseconds(80) && first.finalTime < SimTime.zero + .milliseconds(120))
    }
}

@Suite struct HoldModelDelayTests {
    @Test("each delay distribution runs the events asked for, reproducibly, over the time its mean predicts")
    func distributions() {
        // With p pending and mean delay d, n events take about n·d/p of simulated time.
        let exponential = HoldModel.run(
            events: 20_000, pending: 100, seed: 1, delays: .exponential(mean: .milliseconds(1)))
        #expect(exponential.processed == 20_000)
        #expect(
            exponential
                == HoldModel.run(events: 20_000, pending: 100, seed: 1, delays: .exponential(mean: .milliseconds(1))))
        #expect(
            exponential.finalTime > SimTime.zero + .milliseconds(170)
                && exponential.finalTime < SimTime.zero + .milliseconds(230))
        // One delay in ten is a 30-minute timer: the queue fills with far events and the clock
        // reaches the first timers' time.
        let mix = HoldModel.run(
            events: 20_000, pending: 100, seed: 1,
            delays: .mix(short: .milliseconds(1), long: .minutes(30), longFraction: 0.1))
        #expect(mix.processed == 20_000)
        #expect(mix.finalTime > SimTime.zero + .minutes(30))
        #expect(mix.checksum != exponential.checksum)
    }
}
