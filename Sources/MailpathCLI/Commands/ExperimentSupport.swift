import Experiments
import MailDialects
import Reports
import SimKernel
import SimNetwork

/// What the experiment subcommands share: loading scenarios, choosing eras, showing progress.
enum ExperimentSupport {
    /// Loads a scenario; a bad file is exit 65 with the decoder's one-line message.
    /// A scenario file, with `--seed` (when given) in place of the file's own seed, so that the
    /// workload and every random stream of the run derive from it.
    static func scenario(_ path: String, _ arguments: ParsedArguments? = nil) throws -> Scenario {
        var scenario: Scenario
        do {
            scenario = try Scenario.load(path: path)
        } catch {
            throw CLIError.data(error.description)
        }
        if let arguments, let seed = try seed(arguments) { scenario.seed = seed }
        return scenario
    }

    /// An era by name, or a usage error with a suggestion.
    static func era(named name: String) throws -> Era {
        if let era = Era.named(name) { return era }
        let names = Era.all.map(\.name)
        throw CLIError.usage(
            "unknown era '\(name)'"
                + (Suggestions.closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? "")
                + " (see 'mailpath eras')")
    }

    /// `--era`, else the scenario's own era, else the newest.
    static func era(for scenario: Scenario, _ arguments: ParsedArguments) throws -> Era {
        var era = try era(named: arguments.value("era") ?? scenario.era ?? "smtp-2001")
        if let dialect = arguments.value("dialect") {
            era = Experiment.era(era, speaking: try DialectsCommand.dialect(named: dialect))
        }
        return era.setting(try settings(arguments))
    }

    /// The `--set FACTOR=VALUE` options, in order (a later one for the same factor wins).
    static func settings(_ arguments: ParsedArguments) throws -> [FactorSetting] {
        try arguments.values("set").map { text in
            switch FactorSetting.parse(text) {
            case .success(let setting): return setting
            case .failure(let error): throw CLIError.usage("--set: \(error.message) (see 'mailpath eras --factors')")
            }
        }
    }

    /// `--replications R`: 1 (a plain run) unless given.
    static func replications(_ arguments: ParsedArguments) throws -> Int {
        try arguments.integer("replications", default: 1, in: 1...10_000)
    }

    static let replicationsOption = OptionSpec.option(
        "replications", value: "R",
        help: "Run R seeds derived from the seed and give each figure's mean with a 95% interval (Student t).")

    /// Runs `eras` on R replications and writes the report: text (each figure's mean ± the 95%
    /// interval's half-width, and for neighbouring eras the paired difference), JSON or CSV; with
    /// `out`, replications.json, estimates.csv and differences.csv.
    static func runReplicated(
        _ scenario: Scenario, eras: [Era], replications: Int, format: String, out: String?, path: String, quiet: Bool,
        context: CommandContext
    ) throws {
        let comparison: ReplicatedComparison
        do {
            comparison = try ReplicatedComparison.run(scenario, eras: eras, replications: replications, file: path) {
                index, count in
                context.progress(
                    "run \(index + 1) of \(count) (\(eras.count) eras × \(replications) replications)", quiet: quiet)
            }
        } catch {
            throw CLIError.data(error.description)
        }
        endProgress(context, quiet: quiet)
        switch format {
        case "json": context.console.out(comparison.json.rendered())
        case "csv": context.console.out(CSV.render(headers: ReplicatedComparison.csvHeaders, rows: comparison.csvRows))
        default:
            var text =
                "\(scenario.name): \(replications) replications (seeds \(comparison.seeds.prefix(3).map(String.init).joined(separator: ", "))"
            text += replications > 3 ? ", …)" : ")"
            text += eras.count > 1 ? "; every era runs the same seeds\n\n" : " in \(eras[0].name)\n\n"
            text +=
                "Each figure: mean ± half-width of its 95% confidence interval (Student t, \(replications - 1) degrees of freedom).\n\n"
            text += comparison.table.text
            for index in eras.indices.dropFirst() {
                text += "\nPaired differences, seed by seed (figures that differ in some replication):\n"
                text += comparison.differenceTable(at: index).text
            }
            context.console.out(text)
        }
        if let out {
            let folder = try OutputFolder(out)
            try folder.write(comparison.json.rendered(), "replications.json")
            try folder.write(
                CSV.render(headers: ReplicatedComparison.csvHeaders, rows: comparison.csvRows), "estimates.csv")
            if eras.count > 1 {
                try folder.write(
                    CSV.render(headers: ReplicatedComparison.differenceHeaders, rows: comparison.differenceRows),
                    "differences.csv")
            }
            try folder.commit()
        }
        for runs in comparison.runs { for run in runs { try checkAccounting(run) } }
    }

    /// The option every experiment subcommand takes to change a factor of its eras.
    static let pcapOption = OptionSpec.option(
        "pcap", value: "FILE",
        help: "Also write every segment and DNS message of the run as pcapng, for Wireshark or tshark.")

    /// Refuses `--pcap` for an era that runs a network over NCP: pcapng shows TCP/IP frames, and
    /// an NCP connection has none.
    static func checkCapturable(_ scenario: Scenario, _ era: Era) throws {
        let ncp = scenario.ncpNetworks(in: era)
        guard ncp.isEmpty else {
            throw CLIError.usage(
                "--pcap: \(era.name) runs \(ncp.joined(separator: ", ")) over NCP (before the flag day of 1 January 1983), which pcapng cannot show; add --set transport=tcp for a TCP/IP capture of the same run"
            )
        }
    }

    /// Writes the run's packet trace (`--pcap FILE`): one Ethernet/IPv4 frame a segment, stamped
    /// with the era's date plus the simulated time, each frame's comment naming its trace event.
    static func writePcap(_ outcome: RunOutcome, to path: String) throws {
        guard let capture = outcome.result.packets else { return }
        let event = eventNumbers(outcome.result.trace)
        do {
            try FileText.write(bytes: PcapNG.file(capture, epochSeconds: outcome.setup.epoch, event: event), to: path)
        } catch {
            throw CLIError.failure("cannot write \(path): \(OutputFolder.reason(error))")
        }
    }

    /// The trace event a frame belongs to, numbered from 1 as trace.txt's lines and the viewer
    /// number them: for a command or reply, the first line its sender traced on that connection
    /// at that instant (a write of several lines is their first); for any other frame (a
    /// handshake, a FIN, DNS), the last event at or before its instant.
    static func eventNumbers(_ trace: [TraceRecord]) -> (PacketCapture.Packet) -> Int? {
        var lines: [String: Int] = [:]
        for (index, record) in trace.enumerated() where record.kind.rawValue == "C" || record.kind.rawValue == "S" {
            let label = record.detail.prefix { $0 != " " }
            let key = "\(record.time.nanoseconds) \(record.host) \(label)"
            if lines[key] == nil { lines[key] = index + 1 }
        }
        let times = trace.map(\.time.nanoseconds)
        return { packet in
            if packet.connection > 0, !packet.payload.isEmpty,
                let number = lines["\(packet.time.nanoseconds) \(packet.sender) conn\(packet.connection)"]
            {
                return number
            }
            // The number of events at or before the frame's instant (binary search).
            var (low, high) = (0, times.count)
            while low < high {
                let middle = (low + high) / 2
                if times[middle] <= packet.time.nanoseconds { low = middle + 1 } else { high = middle }
            }
            return low > 0 ? low : nil
        }
    }

    /// The run replayed in a page (`viewer.html`): the topology, every trace record.
    static func viewer(_ outcome: RunOutcome, title: String) -> String {
        let run = viewerRun(outcome, label: "")
        return ViewerHTML.render(
            title: title + run.label, hosts: run.hosts, links: run.links, events: run.events, notation: run.notation)
    }

    /// The most events a viewer page holds.
    static let viewerEventLimit = 100_000

    /// A run as the viewer takes it: hosts with their networks, links, its trace records (up to
    /// `viewerEventLimit`, the label saying so when there are more).
    static func viewerRun(_ outcome: RunOutcome, label: String, limit: Int = viewerEventLimit) -> ViewerHTML.Run {
        let topology = outcome.setup.topology
        let hosts = topology.hosts.enumerated().map { index, host in
            ViewerHTML.Host(
                name: host.name, networks: host.networks.map { topology.networks[$0.index].name },
                isRouter: outcome.setup.agents[index] == nil)
        }
        let links = topology.links.map {
            (topology.hosts[$0.endpoints.0.index].name, topology.hosts[$0.endpoints.1.index].name)
        }
        // A page stays usable up to some hundred thousand events; a longer run shows its start.
        let trace = outcome.result.trace
        let events = trace.prefix(limit).map {
            ViewerHTML.Event(
                time: Double($0.time.nanoseconds) / 1e9, host: $0.host, kind: $0.kind.rawValue, detail: $0.detail)
        }
        let shown =
            trace.count > limit ? " (the first \(Format.grouped(limit)) of \(Format.grouped(trace.count)) events)" : ""
        return ViewerHTML.Run(
            label: label + shown, hosts: hosts, links: links, events: events, notation: outcome.era.dialect.notation)
    }

    static let setOption = OptionSpec.option(
        "set", value: "FACTOR=VALUE",
        help: "Set a factor of the era otherwise, such as dns=off (repeatable; see 'mailpath eras --factors').",
        repeatable: true)

    static func seed(_ arguments: ParsedArguments) throws -> UInt64? {
        guard arguments.value("seed") != nil else { return nil }
        return UInt64(try arguments.integer("seed", default: 0, in: 0...Int.max))
    }

    /// A progress callback that writes "era: 42% of 6d simulated" to a terminal.
    static func progress(_ context: CommandContext, quiet: Bool, label: String) -> ((SimTime, SimTime) -> Void)? {
        guard context.console.errIsTerminal, !quiet else { return nil }
        return { now, end in
            let percent = Int(Double(now.nanoseconds) / Double(max(1, end.nanoseconds)) * 100)
            context.progress(
                "\(label): \(percent)% of \(SimDuration(nanoseconds: end.nanoseconds)) simulated", quiet: quiet)
        }
    }

    static func endProgress(_ context: CommandContext, quiet: Bool) {
        if context.console.errIsTerminal && !quiet { context.console.err("\r\u{1B}[K") }
    }

    /// Fails the command when the run's accounting does not add up ("nothing is lost silently").
    static func checkAccounting(_ metrics: RunMetrics) throws {
        if let reason = metrics.stopReason {
            throw CLIError.failure(
                "the run in era \(metrics.era) was stopped after \(Format.decimal(Double(metrics.simulatedTime.nanoseconds) / 1e9, 3)) s of simulated time: \(reason)"
            )
        }
        guard metrics.accountingAddsUp else {
            let missing = metrics.missing.prefix(5).joined(separator: ", ")
            throw CLIError.failure(
                "accounting does not add up in era \(metrics.era): \(metrics.missing.count) recipients are neither delivered, bounced, queued nor lost (\(missing)); this is a bug in Mailpath"
            )
        }
    }
}
