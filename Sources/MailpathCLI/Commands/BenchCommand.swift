import Dispatch
import Experiments
import Foundation
import MailCore
import MailDialects
import MailSockets
import Reports
import SimKernel

/// `mailpath bench`: performance figures, measured in the release build.
enum BenchCommand: Subcommand {
    static let spec = CommandSpec(
        name: "bench",
        abstract:
            "Measure performance: the simulation kernel, the reference workload, large Internets, or live sockets.",
        discussion: """
            Run it in the fast release build, which Scripts/fast-build.sh makes and names: \
            "$(Scripts/fast-build.sh)" bench --kernel (link-time optimisation, the runtime linked \
            statically, cross-module optimisation; a plain release build is some 15% slower). \
            Figures from a debug build are not meaningful. Each report ends with the command that \
            reproduces it.
            """,
        options: [
            .option("messages", value: "N", help: "Messages of the reference workload.", default: "100000"),
            .option("era", value: "era", help: "The era to run the reference workload in.", default: "smtp-2001"),
            .flag("details", help: "Also print the run's full summary table (latency, round trips, bytes, ...)."),
            .flag("kernel", help: "Benchmark the event kernel alone with the hold model."),
            .flag(
                "engines",
                help: "Benchmark the protocol engines alone: sessions between a sender and a receiver in memory."),
            .flag("live", help: "Benchmark the live mode: messages per second to mailpath serve over loopback."),
            .flag(
                "scale",
                help:
                    "Benchmark a generated Internet of --domains domains beside one of 10: load time, cost per message, memory."
            ),
            .option("domains", value: "N", help: "Domains of the generated Internet with --scale.", default: "10000"),
            .option(
                "delays", value: "kind", help: "Delays of the hold model with --kernel: uniform, exponential or mix.",
                default: "uniform"),
            .option("concurrency", value: "N", help: "Concurrent client sessions with --live.", default: "16"),
            .option(
                "store", value: "FORMAT", help: "The server's store with --live: maildir or mbox.", default: "maildir"),
            .option("events", value: "N", help: "Events to process with --kernel.", default: "20000000"),
            .option("pending", value: "N", help: "Events kept pending with --kernel.", default: "10000"),
            .option("seed", value: "N", help: "Seed of the random delays.", default: "1"),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "\(command) --messages 1000000", "\(command) --kernel",
            "\(command) --live --messages 5000 --concurrency 16",
            "mailpath bench --kernel --events 5000000 --pending 100000 --delays mix",
            "\(command) --scale --domains 10000",
        ]
    )

    /// How to run the benchmark as measured: the binary Scripts/fast-build.sh builds (see there
    /// for its options) and prints the path of.
    static let command = "\"$(Scripts/fast-build.sh)\" bench"

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        if arguments.flag("engines") { return try engines(arguments, context: context) }
        if arguments.flag("live") { return try live(arguments, context: context) }
        if arguments.flag("scale") { return try scale(arguments, context: context) }
        guard arguments.flag("kernel") else { return try reference(arguments, context: context) }
        let events = try arguments.integer("events", default: 20_000_000, in: 1...Int.max)
        let pending = try arguments.integer("pending", default: 10_000, in: 1...100_000_000)
        let seed = try arguments.integer("seed", default: 1, in: 0...Int.max)
        let clock = ContinuousClock()
        let start = clock.now
        let kinds: [(String, HoldModel.Delays)] = [
            ("uniform", .uniform(below: .milliseconds(2))), ("exponential", .exponential(mean: .milliseconds(1))),
            ("mix", .mix(short: .milliseconds(1), long: .minutes(30), longFraction: 0.01)),
        ]
        let kind = arguments.value("delays") ?? "uniform"
        guard let delays = kinds.first(where: { $0.0 == kind })?.1 else {
            throw CLIError.usage("bench: unknown --delays '\(kind)' (known: uniform, exponential, mix)")
        }
        let result = HoldModel.run(events: events, pending: pending, seed: UInt64(seed), delays: delays)
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(result.processed) / max(seconds, 1e-9)
        var text =
            "Kernel benchmark (hold model): \(Format.grouped(pending)) pending, \(Format.grouped(Int(result.processed))) events, delays \(delays)\n"
        text += "  wall time        \(Format.decimal(seconds, 3)) s\n"
        text += "  events/second    \(Format.decimal(rate / 1e6, 2)) million\n"
        if let peak = ProcessStatistics.peakResidentBytes() { text += "  peak memory      \(Format.mebibytes(peak))\n" }
        text += "  simulated time   \(result.finalTime)\n"
        text += "  checksum         \(result.checksum)\n"
        #if DEBUG
            text += "  warning          this is a debug build; use: \(command) --kernel\n"
        #endif
        text +=
            "  reproduce with   \(command) --kernel --events \(events) --pending \(pending) --seed \(seed) --delays \(kind)\n"
        context.console.out(text)
        return .success
    }
}

extension BenchCommand {
    /// The reference mail workload (see `ReferenceWorkload`), timed on the wall clock.
    static func reference(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let messages = try arguments.integer("messages", default: 100_000, in: 1...50_000_000)
        let era = try ExperimentSupport.era(named: arguments.value("era") ?? "smtp-2001")
        let scenario = ReferenceWorkload.scenario(messages: messages)
        let clock = ContinuousClock()
        let start = clock.now
        let workload = scenario.makeWorkload()
        let options = RunOptions(tracing: false, keepsMailboxes: false, keepsMailboxText: false, queueSamples: 0)
        let outcome: RunOutcome
        do {
            outcome = try Experiment.run(
                scenario, era: era, workload: workload, options: options, file: "reference",
                progress: ExperimentSupport.progress(
                    context, quiet: arguments.flag("quiet"), label: "bench \(era.name)"))
        } catch {
            throw CLIError.failure(error.description)
        }
        ExperimentSupport.endProgress(context, quiet: arguments.flag("quiet"))
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let metrics = outcome.metrics
        let complete = countFullyDelivered(outcome)
        var text =
            "Reference workload: \(Format.grouped(messages)) messages, \(ReferenceWorkload.domains) domains x (1 server + \(ReferenceWorkload.usersPerDomain) user hosts), era \(era.name)\n"
        text += "  wall time              \(Format.decimal(seconds, 3)) s\n"
        text += "  simulated time         \(Format.decimal(metrics.simulatedTime.seconds, 0)) s\n"
        text +=
            "  messages/second        \(Format.grouped(Int(Double(complete) / max(seconds, 1e-9)))) (delivered to all their recipients, per second of wall time)\n"
        text +=
            "  events/second          \(Format.decimal(Double(metrics.events) / max(seconds, 1e-9) / 1e6, 2)) million (\(Format.grouped(Int(metrics.events))) events, \(Format.decimal(Double(metrics.events) / Double(max(1, messages)), 1)) a message, \(Format.decimal(Double(metrics.hopEvents) / Double(max(1, messages)), 1)) of them hops)\n"
        if let latency = metrics.latency {
            text +=
                "  latency simulated      mean \(Format.decimal(Double(latency.mean.nanoseconds) / 1e9, 3)) s, p95 \(Format.decimal(Double(latency.p95.nanoseconds) / 1e9, 3)) s\n"
        }
        if let peak = ProcessStatistics.peakResidentBytes() {
            text += "  peak memory            \(Format.mebibytes(peak))\n"
        }
        text +=
            "  delivered              \(Format.grouped(complete)) of \(Format.grouped(metrics.totals.messages)) messages, \(Format.grouped(metrics.totals.delivered)) of \(Format.grouped(metrics.totals.recipients)) recipients\n"
        text +=
            "  sessions               \(Format.grouped(metrics.sessions)), DNS queries \(Format.grouped(metrics.dnsQueries))\n"
        text += "  accounting             \(metrics.accountingAddsUp ? "adds up" : "DOES NOT ADD UP")\n"
        #if DEBUG
            text += "  warning                this is a debug build; use: \(command) --messages \(messages)\n"
        #endif
        text += "  reproduce with         \(command) --messages \(messages) --era \(era.name)\n"
        if arguments.flag("details") { text += "\n" + RunCommand.summary(scenario, era, metrics) }
        context.console.out(text)
        try ExperimentSupport.checkAccounting(metrics)
        return .success
    }

    /// Messages whose every recipient was delivered.
    static func countFullyDelivered(_ outcome: RunOutcome) -> Int { outcome.result.accounting.fullyDeliveredMessages }
}

extension BenchCommand {
    /// Sessions per second between a sender and a receiver of each dialect, back to back in memory:
    /// what the engines cost without the network model or the agents.
    static func engines(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let sessions = try arguments.integer("messages", default: 20_000, in: 1...10_000_000)
        let line: [UInt8] = Array(repeating: UInt8(ascii: "x"), count: 70) + [0x0d, 0x0a]
        var content = Array("Subject: bench\r\nMessage-ID: <b@bench>\r\n\r\n".utf8)
        for _ in 0..<28 { content += line }
        var text =
            "Engine benchmark: \(Format.grouped(sessions)) sessions per dialect, 2 recipients, \(content.count)-byte message\n"
        let clock = ContinuousClock()
        for dialect in DialectID.allCases {
            let transaction = OutboundTransaction(
                id: 1, reversePath: Path(Mailbox("ann@ALPHA.ARPA")),
                recipients: [Path(Mailbox("joe@BETA.ARPA")), Path(Mailbox("bob@BETA.ARPA"))],
                content: content)
            let policy = ReceiverPolicy(hostName: "BETA.ARPA")
            var delivered = 0
            let start = clock.now
            for _ in 0..<sessions {
                let conversation = Conversation.run(
                    sender: .make(dialect: dialect, clientName: "ALPHA.ARPA", transactions: [transaction]),
                    receiver: .make(dialect: dialect, policy: policy), recordTranscript: false)
                if conversation.report?.transactions.first?.recipients.allSatisfy(\.status.isDelivered) == true {
                    delivered += 1
                }
            }
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            text +=
                "  \(dialect.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Format.grouped(Int(Double(sessions) / seconds))) sessions/s (\(Format.decimal(seconds * 1e6 / Double(sessions), 1)) us each)\n"
            guard delivered == sessions else {
                throw CLIError.failure("\(dialect): only \(delivered) of \(sessions) sessions delivered")
            }
        }
        text += "  reproduce with  \(command) --engines --messages \(sessions)\n"
        context.console.out(text)
        return .success
    }
}

extension BenchCommand {
    /// Messages per second over loopback: `concurrency` clients, each delivering its share of the
    /// messages one session at a time to one `MailServer` (ESMTP, 2 recipients, 2,000-byte body),
    /// every message flushed to disk before its 250.
    static func live(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let messages = try arguments.integer("messages", default: 5000, in: 1...10_000_000)
        let concurrency = try arguments.integer("concurrency", default: 16, in: 1...1000)
        let storeName = arguments.value("store") ?? "maildir"
        guard let store = MailServer.StoreFormat(rawValue: storeName) else {
            throw CLIError.usage("--store takes maildir or mbox, not \(storeName)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mailpath-bench-\(ProcessInfo.processInfo.processIdentifier)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = MailServer.Configuration(dialect: .esmtp, mailboxDirectory: directory)
        configuration.port = 0
        configuration.domain = "example.org"
        configuration.maxConnections = concurrency + 16
        configuration.store = store
        let server = MailServer(configuration)
        do { try server.bind() } catch { throw CLIError.failure("\(error)") }
        let serverThread = Thread { server.run() }
        serverThread.start()
        let body = Array(
            ("Subject: bench\r\n\r\n" + String(repeating: String(repeating: "x", count: 70) + "\r\n", count: 28)).utf8)
        let transaction = OutboundTransaction(
            id: 1, reversePath: Path(Mailbox("ann@a.org")),
            recipients: [Path(Mailbox("joe@example.org")), Path(Mailbox("bob@example.org"))],
            content: body)
        let port = server.boundPort
        let failures = Counter()
        let clock = ContinuousClock()
        let start = clock.now
        // One thread per client, so that `concurrency` sessions really are open at once
        // (`concurrentPerform` would run only as many as there are processors).
        let done = DispatchGroup()
        for worker in 0..<concurrency {
            done.enter()
            let thread = Thread {
                let share = messages / concurrency + (worker < messages % concurrency ? 1 : 0)
                for _ in 0..<share {
                    let report = try? MailClient.send(
                        dialect: .esmtp, host: "127.0.0.1", port: port, clientName: "bench", transaction: transaction)
                    if report?.transactions.first?.recipients.allSatisfy({ $0.status.isDelivered }) != true {
                        failures.add()
                    }
                }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        let elapsed = start.duration(to: clock.now)
        server.stop()
        while !serverThread.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let figures = server.figures
        var text =
            "Live benchmark: \(Format.grouped(messages)) messages to mailpath serve (esmtp) over loopback, \(concurrency) client threads\n"
        text += "  sessions open    \(figures.peakSessions) at most at once\n"
        text += "  wall time        \(Format.decimal(seconds, 3)) s\n"
        text +=
            "  messages/second  \(Format.grouped(Int(Double(messages - failures.value) / max(seconds, 1e-9)))) durable: each 250 sent after the text was flushed to disk\n"
        text +=
            "  group commit     \(Format.grouped(figures.commits)) messages in \(Format.grouped(figures.groups)) flushes (\(Format.decimal(Double(figures.commits) / Double(max(figures.groups, 1)), 1)) a flush)\n"
        text += "  failed           \(failures.value)\n"
        text +=
            "  stored copies    \(server.deliveredCount) (2 recipients a message, \(store == .mbox ? "one mbox file" : "one Maildir") each)\n"
        #if DEBUG
            text += "  warning          this is a debug build; use: \(command) --live\n"
        #endif
        text +=
            "  reproduce with   \(command) --live --messages \(messages) --concurrency \(concurrency)\(store == .mbox ? " --store mbox" : "")\n"
        context.console.out(text)
        return failures.value == 0 ? .success : .failure
    }
}

/// A counter shared by the benchmark's client threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
