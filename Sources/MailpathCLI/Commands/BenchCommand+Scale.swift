import Experiments
import MailSimulation
import Reports
import SimKernel

extension BenchCommand {
    /// A generated Internet of `--domains` domains (`mailpath generate internet`): how long it
    /// takes to load, what a message costs there, and the same per-message workload on a
    /// generated Internet of 10 domains (about 110 hosts) beside it.
    static func scale(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let domains = try arguments.integer("domains", default: 10_000, in: 10...1_000_000)
        let messages = try arguments.integer("messages", default: 20_000, in: 1...10_000_000)
        let seed = UInt64(try arguments.integer("seed", default: 1, in: 0...Int.max))
        let quiet = arguments.flag("quiet")
        let small = try measure(domains: 10, messages: messages, seed: seed, context: context, quiet: quiet)
        let large = try measure(domains: domains, messages: messages, seed: seed, context: context, quiet: quiet)
        var text =
            "Scale benchmark: generated Internets (mailpath generate internet --seed \(seed)), \(Format.grouped(messages)) messages each\n"
        text +=
            "  \("".padding(toLength: 24, withPad: " ", startingAt: 0))\(column("10 domains"))\(column("\(Format.grouped(domains)) domains"))\n"
        func row(_ label: String, _ a: String, _ b: String) {
            text += "  \(label.padding(toLength: 24, withPad: " ", startingAt: 0))\(column(a))\(column(b))\n"
        }
        row("hosts", Format.grouped(small.hosts), Format.grouped(large.hosts))
        row("scenario file", Format.mebibytes(UInt64(small.bytes)), Format.mebibytes(UInt64(large.bytes)))
        row("load (decode + set up)", "\(Format.decimal(small.load, 3)) s", "\(Format.decimal(large.load, 3)) s")
        row("simulate", "\(Format.decimal(small.run, 3)) s", "\(Format.decimal(large.run, 3)) s")
        row(
            "per message", "\(Format.decimal(small.run * 1e6 / Double(messages), 1)) us",
            "\(Format.decimal(large.run * 1e6 / Double(messages), 1)) us")
        row("events per message", Format.decimal(small.eventsPerMessage, 1), Format.decimal(large.eventsPerMessage, 1))
        row(
            "  of them hops", Format.decimal(small.hopEventsPerMessage, 1),
            Format.decimal(large.hopEventsPerMessage, 1))
        row(
            "per event", "\(Format.decimal(small.run * 1e9 / Double(messages) / small.eventsPerMessage, 0)) ns",
            "\(Format.decimal(large.run * 1e9 / Double(messages) / large.eventsPerMessage, 0)) ns")
        row("latency mean / p95", small.latency, large.latency)
        row(
            "delivered", "\(Format.grouped(small.delivered)) of \(Format.grouped(small.recipients))",
            "\(Format.grouped(large.delivered)) of \(Format.grouped(large.recipients))")
        // A message's cost is its events times an event's cost: the larger Internet asks for more
        // events (hops: its paths are longer), and the simulator's own growth with size is what
        // an event costs.
        let eventRatio = large.eventsPerMessage / max(small.eventsPerMessage, 1e-9)
        let hopRatio = large.hopEventsPerMessage / max(small.hopEventsPerMessage, 1e-9)
        let otherRatio =
            (large.eventsPerMessage - large.hopEventsPerMessage)
            / max(small.eventsPerMessage - small.hopEventsPerMessage, 1e-9)
        let costRatio = large.run / max(small.run, 1e-9)
        text +=
            "  per-message cost ratio  \(Format.decimal(costRatio, 2)) (events a message \(Format.decimal(eventRatio, 2)) times: hops \(Format.decimal(hopRatio, 2)) times, other events \(Format.decimal(otherRatio, 2)) times; an event costs \(Format.decimal(costRatio / max(eventRatio, 1e-9), 2)) times as much)\n"
        if let peak = ProcessStatistics.peakResidentBytes() {
            text += "  peak memory             \(Format.mebibytes(peak)) (the process, after both)\n"
        }
        #if DEBUG
            text += "  warning                 this is a debug build; use: \(command) --scale\n"
        #endif
        text +=
            "  reproduce with          \(command) --scale --domains \(domains) --messages \(messages) --seed \(seed)\n"
        context.console.out(text)
        return small.delivered == small.recipients && large.delivered == large.recipients ? .success : .failure
    }

    private static func column(_ text: String) -> String { text.padding(toLength: 20, withPad: " ", startingAt: 0) }

    private struct ScaleFigures {
        var hosts: Int
        var bytes: Int
        var load: Double
        var run: Double
        var eventsPerMessage: Double
        var hopEventsPerMessage: Double
        var latency: String
        var delivered: Int
        var recipients: Int
    }

    private static func measure(domains: Int, messages: Int, seed: UInt64, context: CommandContext, quiet: Bool) throws
        -> ScaleFigures
    {
        let generator = InternetGenerator(domains: domains, messages: messages, rate: 100, seed: seed)
        context.progress("bench --scale: generating \(Format.grouped(domains)) domains", quiet: quiet)
        let text = generator.scenarioText()
        let clock = ContinuousClock()
        let start = clock.now
        let simulation: MailSimulation
        let setup: SimulationSetup
        let scenario: Scenario
        let era = try ExperimentSupport.era(named: "smtp-2001")
        do {
            scenario = try Scenario.decode(text, file: "internet-\(domains).json")
            setup = try scenario.setup(
                era: era, workload: scenario.makeWorkload(),
                options: RunOptions(tracing: false, keepsMailboxes: false, keepsMailboxText: false, queueSamples: 0))
            simulation = MailSimulation(setup)
        } catch {
            throw CLIError.failure(error.description)
        }
        let loaded = clock.now
        simulation.progress = ExperimentSupport.progress(
            context, quiet: quiet, label: "bench --scale \(Format.grouped(domains)) domains")
        let result = simulation.run()
        ExperimentSupport.endProgress(context, quiet: quiet)
        let ran = clock.now
        let metrics = RunMetrics(scenario: scenario.name, era: era.name, seed: setup.seed, setup: setup, result: result)
        try ExperimentSupport.checkAccounting(metrics)
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let latency =
            metrics.latency.map {
                "\(Format.decimal(Double($0.mean.nanoseconds) / 1e9, 3)) / \(Format.decimal(Double($0.p95.nanoseconds) / 1e9, 3)) s"
            } ?? "none"
        return ScaleFigures(
            hosts: scenario.hosts.count, bytes: text.utf8.count, load: seconds(start.duration(to: loaded)),
            run: seconds(loaded.duration(to: ran)),
            eventsPerMessage: Double(metrics.events) / Double(messages),
            hopEventsPerMessage: Double(metrics.hopEvents) / Double(messages), latency: latency,
            delivered: metrics.totals.delivered,
            recipients: metrics.totals.recipients)
    }
}
