import Reports
import SimKernel

/// `mailpath bench`: performance figures, measured in the release build.
enum BenchCommand: Subcommand {
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Measure performance: the simulation kernel, the reference workload, or live sockets.",
        discussion: """
            Run it in the release build: swift run -c release mailpath bench --kernel. \
            Figures from a debug build are not meaningful. Each report ends with the command \
            that reproduces it.
            """,
        options: [
            .flag("kernel", help: "Benchmark the event kernel alone with the hold model."),
            .option("events", value: "N", help: "Events to process with --kernel.", default: "20000000"),
            .option("pending", value: "N", help: "Events kept pending with --kernel.", default: "10000"),
            .option("seed", value: "N", help: "Seed of the random delays.", default: "1"),
        ],
        examples: ["swift run -c release mailpath bench --kernel", "mailpath bench --kernel --events 5000000 --pending 100000"]
    )

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        guard arguments.flag("kernel") else {
            throw CLIError.failure("only 'mailpath bench --kernel' is available in this build; the reference mail workload comes with the comparison experiments")
        }
        let events = try arguments.integer("events", default: 20_000_000, in: 1...Int.max)
        let pending = try arguments.integer("pending", default: 10_000, in: 1...100_000_000)
        let seed = try arguments.integer("seed", default: 1, in: 0...Int.max)
        let clock = ContinuousClock()
        let start = clock.now
        let result = HoldModel.run(events: events, pending: pending, seed: UInt64(seed))
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(result.processed) / max(seconds, 1e-9)
        var text = "Kernel benchmark (hold model): \(Format.grouped(pending)) pending, \(Format.grouped(Int(result.processed))) events\n"
        text += "  wall time        \(Format.decimal(seconds, 3)) s\n"
        text += "  events/second    \(Format.decimal(rate / 1e6, 2)) million\n"
        if let peak = ProcessStatistics.peakResidentBytes() { text += "  peak memory      \(Format.mebibytes(peak))\n" }
        text += "  simulated time   \(result.finalTime)\n"
        text += "  checksum         \(result.checksum)\n"
        #if DEBUG
        text += "  warning          this is a debug build; use: swift run -c release mailpath bench --kernel\n"
        #endif
        text += "  reproduce with   swift run -c release mailpath bench --kernel --events \(events) --pending \(pending) --seed \(seed)\n"
        context.console.out(text)
        return .success
    }
}
