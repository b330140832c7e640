import Experiments
import MailAgent
import Reports

/// `mailpath run SCENARIO [--era E] [--dialect D] [--seed N] [--format F] [--out DIR]`.
enum RunCommand: Subcommand {
    static let spec = CommandSpec(
        name: "run", abstract: "Run one scenario under one era and summarise the results.",
        discussion: """
            The era is --era, else the scenario's own "era", else smtp-2001. The summary goes to \
            standard output; with --out, the full results too: summary.json, summary.csv, \
            recipients.csv (one row per recipient), mailboxes.csv (every delivered message's size \
            and digest), queue.csv, trace.txt and viewer.html (a page that replays the run: open \
            it in a browser). The texts of delivered messages are kept only \
            with --keep-text, which writes each to DIR/mailboxes/HOST/USER/N.eml. With \
            --replications R, the run is repeated on R seeds derived from the seed (the first is \
            the seed itself) and each figure is given as a mean with its 95% confidence interval; \
            --out then writes replications.json and estimates.csv.
            """,
        arguments: [.required("scenario", help: "A scenario file (JSON); see Docs/scenarios.md.")],
        options: [
            .option("era", value: "era", help: "The era to run (see 'mailpath eras')."),
            .option("dialect", value: "dialect", help: "Have every host speak this dialect instead of the era's."),
            ExperimentSupport.setOption,
            .option("seed", value: "N", help: "Seed for every random choice (default: the scenario's)."),
            ExperimentSupport.replicationsOption,
            .option("out", value: "DIR", help: "Write full results to DIR."),
            ExperimentSupport.pcapOption,
            .flag(
                "keep-text", help: "Keep every delivered message's text and write it under DIR/mailboxes (needs --out)."
            ),
            .option("format", value: "format", help: "text, json or csv.", default: "text"),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "mailpath run Docs/examples/relay-story.json --era smtp-1982",
            "mailpath run Docs/examples/internet-2001.json --format json",
            "mailpath run Docs/examples/relay-story.json --out results/ --keep-text",
            "mailpath run Docs/examples/relay-story.json --era mx-1986 --set internet=off",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let path = arguments.positionals[0]
        let format = try format(arguments)
        let scenario = try ExperimentSupport.scenario(path, arguments)
        let era = try ExperimentSupport.era(for: scenario, arguments)
        let quiet = arguments.flag("quiet")
        let keepText = arguments.flag("keep-text")
        guard !keepText || arguments.value("out") != nil else {
            throw CLIError.usage("--keep-text writes the delivered texts under --out DIR: give --out too")
        }
        let replications = try ExperimentSupport.replications(arguments)
        if replications > 1 {
            guard !keepText else {
                throw CLIError.usage("--keep-text keeps the texts of one run: leave it out with --replications")
            }
            guard arguments.value("pcap") == nil else {
                throw CLIError.usage("--pcap captures one run: leave it out with --replications")
            }
            try ExperimentSupport.runReplicated(
                scenario, eras: [era], replications: replications, format: format, out: arguments.value("out"),
                path: path, quiet: quiet, context: context)
            return .success
        }
        // A packet trace names each frame's trace event, so --pcap traces too.
        var options = RunOptions(
            seed: try ExperimentSupport.seed(arguments),
            tracing: arguments.value("out") != nil || arguments.value("pcap") != nil, keepsMailboxText: keepText)
        options.capturesPackets = arguments.value("pcap") != nil
        // The viewer in --out shows each text's header as the hops add their trace lines.
        options.tracesText = arguments.value("out") != nil
        let outcome: RunOutcome
        do {
            outcome = try Experiment.run(
                scenario, era: era, workload: scenario.makeWorkload(), options: options, file: path,
                progress: ExperimentSupport.progress(context, quiet: quiet, label: era.name))
        } catch {
            throw CLIError.data(error.description)
        }
        ExperimentSupport.endProgress(context, quiet: quiet)
        let metrics = outcome.metrics
        switch format {
        case "json": context.console.out(metrics.json.rendered())
        case "csv": context.console.out(CSV.render(headers: metrics.figures.map(\.key), rows: [metrics.csvValues]))
        default: context.console.out(summary(scenario, era, metrics))
        }
        if let directory = arguments.value("out") { try writeResults(outcome, to: directory) }
        if let pcap = arguments.value("pcap") { try ExperimentSupport.writePcap(outcome, to: pcap) }
        try ExperimentSupport.checkAccounting(metrics)
        return .success
    }

    static func format(_ arguments: ParsedArguments) throws -> String {
        let format = arguments.value("format") ?? "text"
        guard ["text", "json", "csv"].contains(format) else {
            throw CLIError.usage("--format expects text, json or csv, got '\(format)'")
        }
        return format
    }

    static func summary(_ scenario: Scenario, _ era: Era, _ metrics: RunMetrics) -> String {
        var text =
            "\(scenario.name) in \(era.name) (\(era.title), \(era.rfcs.joined(separator: ", "))), seed \(metrics.seed)\n\n"
        text +=
            Table(
                headers: ["figure", "value"], rows: metrics.figures.map { [$0.label, $0.value] },
                alignments: [.left, .right]
            ).text
        let totals = metrics.totals
        text +=
            "\naccounting: \(totals.recipients) recipients = \(totals.delivered) delivered + \(totals.bounced) bounced + \(totals.queued) queued + \(totals.lost) lost"
        if totals.neverSubmitted > 0 { text += " + \(totals.neverSubmitted) never submitted" }
        text += metrics.accountingAddsUp ? " (adds up)\n" : " (DOES NOT ADD UP)\n"
        return text
    }

    static func writeResults(_ outcome: RunOutcome, to directory: String) throws {
        let metrics = outcome.metrics
        let folder = try OutputFolder(directory)
        try folder.write(metrics.json.rendered(), "summary.json")
        try folder.write(CSV.render(headers: metrics.figures.map(\.key), rows: [metrics.csvValues]), "summary.csv")
        let records = outcome.result.accounting.records
        try folder.write(
            CSV.render(
                headers: [
                    "message_id", "recipient", "outcome", "submitted_s", "delivered_s", "latency_s", "transfers",
                    "duplicates", "bounce_reason",
                ],
                rows: records.map { record in
                    [
                        record.messageID, record.mailbox.description, record.outcome?.rawValue ?? "unaccounted",
                        Format.decimal(Double(record.submittedAt.nanoseconds) / 1e9, 6),
                        record.deliveries.first.map { Format.decimal(Double($0.nanoseconds) / 1e9, 6) } ?? "",
                        record.latency.map { Format.decimal($0.seconds, 6) } ?? "", String(record.transfers),
                        String(record.duplicates),
                        record.bounceReason ?? "",
                    ]
                }), "recipients.csv")
        try folder.write(
            CSV.render(
                headers: ["until_s", "peak_queued_recipients", "mean_queued_recipients"],
                rows: metrics.queue.buckets.map {
                    [Format.decimal(Double($0.end.nanoseconds) / 1e9, 3), String($0.peak), Format.decimal($0.mean, 6)]
                }),
            "queue.csv")
        try folder.write(outcome.result.traceText, "trace.txt")
        try folder.write(
            ExperimentSupport.viewer(outcome, title: "\(metrics.scenario) in \(metrics.era), seed \(metrics.seed)"),
            "viewer.html")
        try writeMailboxes(outcome.result.mailboxes, to: folder)
        try folder.commit()
    }

    /// mailboxes.csv, a row per delivered message in host, user and arrival order; and each kept
    /// text as mailboxes/HOST/USER/N.eml (names with characters other than letters, digits,
    /// '.', '-' and '_' written with %XX escapes).
    static func writeMailboxes(_ mailboxes: [String: [String: [StoredMessage]]], to folder: OutputFolder) throws {
        func safe(_ name: String) -> String {
            var result = ""
            for byte in name.utf8 {
                let plain =
                    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E
                    || byte == 0x2D || byte == 0x5F
                result +=
                    plain && !(result.isEmpty && byte == 0x2E)
                    ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
            return result
        }
        var rows: [[String]] = []
        for host in mailboxes.keys.sorted() {
            let users = mailboxes[host]!
            for user in users.keys.sorted() {
                for (index, message) in users[user]!.enumerated() {
                    let digest = String(message.digest, radix: 16).leftPadded(16)
                    rows.append([
                        host, user, message.messageID, Format.decimal(Double(message.deliveredAt.nanoseconds) / 1e9, 6),
                        String(message.size), digest,
                    ])
                    if !message.content.isEmpty {
                        try folder.write(
                            bytes: message.content, "mailboxes/\(safe(host))/\(safe(user))/\(index + 1).eml")
                    }
                }
            }
        }
        try folder.write(
            CSV.render(headers: ["host", "user", "message_id", "delivered_s", "size", "fnv1a64"], rows: rows),
            "mailboxes.csv")
    }
}

extension String {
    /// Zeros in front up to `width` characters.
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// `mailpath compare SCENARIO [--eras E1,E2,…] [--set F=V] [--attribute]`.
enum CompareCommand: Subcommand {
    static let spec = CommandSpec(
        name: "compare", abstract: "Run the same workload under several eras, side by side.",
        discussion: """
            The workload is drawn once from the scenario's seed, so every era runs exactly the same \
            messages at the same times. The table shows every figure per era; below it, what changed \
            from each era to the next: the factors whose settings differ and the figures that moved. \
            With --attribute, each pair of neighbouring eras is also run one factor at a time, and \
            every figure's change is split among the differing factors (Shapley values over every \
            subset of them when there are at most 6, else the factors changed one after another in \
            the order of 'mailpath eras --factors'). With --replications R, every era runs the same R \
            seeds (common random numbers), each figure is a mean with its 95% interval, and \
            neighbouring eras are compared seed by seed: a difference whose interval holds 0 is \
            marked not significant. See Docs/experiments.md.
            """,
        arguments: [.required("scenario", help: "A scenario file (JSON).")],
        options: [
            .option("eras", value: "E1,E2,...", help: "The eras to compare, in order.", default: "all"),
            ExperimentSupport.setOption,
            .flag("attribute", help: "Split each change between neighbouring eras among the factors that differ."),
            .option("seed", value: "N", help: "Seed for every random choice (default: the scenario's)."),
            ExperimentSupport.replicationsOption,
            .option("out", value: "DIR", help: "Write comparison.json, comparison.csv (and attribution.csv) to DIR."),
            .option(
                "viewer", value: "FILE", help: "With two eras: a page that replays both runs side by side, in lockstep."
            ),
            .option("format", value: "format", help: "text, json or csv.", default: "text"),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "mailpath compare Docs/examples/internet-2001.json --eras mx-1986,esmtp-1995,smtp-2001",
            "mailpath compare Docs/examples/relay-story.json --eras smtp-1982,mx-1986 --viewer both.html",
            "mailpath compare Docs/examples/relay-story.json --eras smtp-1982,mx-1986 --attribute",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let path = arguments.positionals[0]
        let format = try RunCommand.format(arguments)
        let scenario = try ExperimentSupport.scenario(path, arguments)
        let names =
            arguments.value("eras").map {
                $0 == "all" ? Era.all.map(\.name) : $0.split(separator: ",").map(String.init)
            } ?? Era.all.map(\.name)
        let settings = try ExperimentSupport.settings(arguments)
        let eras = try names.map { try ExperimentSupport.era(named: $0).setting(settings) }
        let quiet = arguments.flag("quiet")
        let replications = try ExperimentSupport.replications(arguments)
        if replications > 1 {
            guard !arguments.flag("attribute") else {
                throw CLIError.usage(
                    "--attribute splits the changes of one seed: run it without --replications (or once per seed)")
            }
            try ExperimentSupport.runReplicated(
                scenario, eras: eras, replications: replications, format: format, out: arguments.value("out"),
                path: path, quiet: quiet, context: context)
            return .success
        }
        let viewer = arguments.value("viewer")
        guard viewer == nil || eras.count == 2 else {
            throw CLIError.usage(
                "--viewer shows two runs side by side: give exactly two eras, such as --eras smtp-1982,mx-1986")
        }
        let workload = scenario.makeWorkload()
        let options = RunOptions(
            seed: try ExperimentSupport.seed(arguments), tracing: viewer != nil, keepsMailboxText: false)
        var runs: [RunMetrics] = []
        var outcomes: [RunOutcome] = []
        var attributions: [Attribution?] = []
        do {
            for era in eras {
                let outcome = try Experiment.run(
                    scenario, era: era, workload: workload, options: options, file: path,
                    progress: ExperimentSupport.progress(context, quiet: quiet, label: era.name))
                runs.append(outcome.metrics)
                if viewer != nil { outcomes.append(outcome) }
            }
            if arguments.flag("attribute") {
                for (a, b) in zip(eras, eras.dropFirst()) {
                    attributions.append(
                        try Attribution.measure(
                            scenario, workload: workload, from: a, to: b, options: options, file: path
                        ) { index, count in
                            context.progress(
                                "attributing \(a.name) → \(b.name): run \(index + 1) of \(count)", quiet: quiet)
                        })
                }
            }
        } catch {
            throw CLIError.data(error.description)
        }
        ExperimentSupport.endProgress(context, quiet: quiet)
        if let viewer {
            let page = ViewerHTML.renderComparison(
                title: "\(scenario.name): \(eras[0].name) beside \(eras[1].name)",
                runs: outcomes.map { ExperimentSupport.viewerRun($0, label: $0.era.name) })
            do {
                try FileText.write(page, to: viewer)
            } catch {
                throw CLIError.failure("cannot write \(viewer): \(OutputFolder.reason(error))")
            }
        }
        let comparison = Comparison(scenario: scenario.name, runs: runs, eras: eras, attributions: attributions)
        switch format {
        case "json": context.console.out(comparison.json.rendered())
        case "csv": context.console.out(comparison.csv)
        default:
            var text =
                "\(scenario.name): the same \(workload.count) messages in \(eras.count) eras\n\n"
                + comparison.table.text
            text += "\nWhat changed:\n"
            for index in runs.indices.dropFirst() {
                let changes = comparison.changes(at: index)
                text +=
                    "- \(runs[index - 1].era) → \(runs[index].era): \(changes[0])\n"
                    + changes.dropFirst().map { "    \($0)\n" }.joined()
            }
            for case let attribution? in attributions {
                text += "\nEach factor's share of the change from \(attribution.from.name) to \(attribution.to.name)"
                text +=
                    attribution.method == .shapley
                    ? " (Shapley values over \(attribution.runs.count) runs):\n"
                    : " (the factors changed one after another in the order shown, \(attribution.runs.count) runs):\n"
                text += attribution.factors.isEmpty ? "no factor differs\n" : attribution.table.text
            }
            context.console.out(text)
        }
        if let directory = arguments.value("out") {
            let folder = try OutputFolder(directory)
            try folder.write(comparison.json.rendered(), "comparison.json")
            try folder.write(comparison.csv, "comparison.csv")
            let measured = attributions.compactMap { $0 }
            if !measured.isEmpty {
                let rows = measured.flatMap { attribution in
                    attribution.csvRows.map { [attribution.from.name, attribution.to.name] + $0 }
                }
                try folder.write(
                    CSV.render(headers: ["from_era", "to_era"] + Attribution.csvHeaders, rows: rows), "attribution.csv")
            }
            try folder.commit()
        }
        for run in runs { try ExperimentSupport.checkAccounting(run) }
        return .success
    }
}

/// `mailpath eras [--factors]`.
enum ErasCommand: Subcommand {
    static let spec = CommandSpec(
        name: "eras", abstract: "List the eras with their RFCs; --factors shows the settings each is made of.",
        discussion: """
            An era is a named set of factor settings. Any factor can be set otherwise for a run \
            (--set FACTOR=VALUE on run, compare and trace), and 'compare A B --attribute' measures \
            each differing factor's share of every change between two eras.
            """,
        options: [.flag("factors", help: "Show each era's factor settings, and what each factor changes.")],
        examples: ["mailpath eras", "mailpath eras --factors"])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        if arguments.flag("factors") {
            context.console.out(factorTable())
            return .success
        }
        let rows = Era.all.map { era in
            [
                era.name, String(era.year), era.dialect.rawValue, routing(era), era.dns ? "on" : "off", era.retry.name,
                era.rfcs.joined(separator: ", "),
            ]
        }
        var text =
            Table(headers: ["era", "year", "dialect", "routing", "DNS", "retries", "RFCs"], rows: rows).text + "\n"
        for era in Era.all { text += "\(era.name): \(era.summary)\n" }
        context.console.out(text)
        return .success
    }

    /// Eras down, factors across; then each factor's values and meaning.
    static func factorTable() -> String {
        let rows = Era.all.map { era in [era.name] + Factor.allCases.map { $0.value(in: era.factors) } }
        var text = Table(headers: ["era"] + Factor.allCases.map(\.rawValue), rows: rows).text + "\n"
        for factor in Factor.allCases {
            text += "\(factor.rawValue): \(factor.help)\n    values: \(factor.values.joined(separator: ", "))\n"
        }
        return text
    }

    static func routing(_ era: Era) -> String {
        switch era.routing {
        case .directOnly: "direct only (host table)"
        case .sourceRoutes: "host table, source routes"
        case .mx(let rules):
            rules.shufflesEqualPreferences || !rules.followsSourceRoutes ? "MX direct (RFC 2821)" : "MX (RFC 974)"
        case .smartHost(let host): "smart host \(host)"
        case .gatewayForOthers(let host): "via gateway \(host)"
        }
    }
}

/// `mailpath trace SCENARIO --message ID`.
enum TraceCommand: Subcommand {
    static let spec = CommandSpec(
        name: "trace", abstract: "Show one message's whole journey: hops, DNS, commands and replies.",
        discussion: """
            The message is a number (its place in the workload, from 0), or its Message-ID such as \
            <w3@mailpath.invalid>. Lines use the RFC's own notation: U:/S: for RFC 765 FTP mail, \
            S:/R: for the RFC 772 to 821 eras, C:/S: from RFC 1869 on. --format mermaid prints a sequence diagram. \
            --text also shows the header of the text each time it is sent and when it is \
            delivered: the Received: or Mail-From: lines each relay adds, and the Return-Path: \
            of final delivery.
            """,
        arguments: [.required("scenario", help: "A scenario file (JSON).")],
        options: [
            .option("message", value: "ID", help: "The message to follow.", default: "0"),
            .option("era", value: "era", help: "The era to run (default: the scenario's, else smtp-2001)."),
            ExperimentSupport.setOption,
            .option("seed", value: "N", help: "Seed for every random choice."),
            .option("format", value: "format", help: "text or mermaid.", default: "text"),
            .flag("text", help: "Show the text's header at every hop (trace lines as they are added)."),
            .option("viewer", value: "FILE", help: "Also write the whole run as a page that replays it (viewer.html)."),
            ExperimentSupport.pcapOption,
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "mailpath trace Docs/examples/relay-story.json --message 0 --era smtp-1982",
            "mailpath trace Docs/examples/relay-story.json --era smtp-1982 --text",
            "mailpath trace Docs/examples/relay-story.json --era mx-1986 --pcap relay.pcapng   # then: wireshark relay.pcapng",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let path = arguments.positionals[0]
        let scenario = try ExperimentSupport.scenario(path, arguments)
        let era = try ExperimentSupport.era(for: scenario, arguments)
        let format = arguments.value("format") ?? "text"
        guard ["text", "mermaid"].contains(format) else {
            throw CLIError.usage("--format expects text or mermaid, got '\(format)'")
        }
        let workload = scenario.makeWorkload()
        let wanted = arguments.value("message") ?? "0"
        let index: Int
        if let number = Int(wanted), number >= 0, number < workload.count {
            index = number
        } else if let found = workload.index(ofMessageID: wanted)
            ?? workload.index(ofMessageID: "<\(wanted)@mailpath.invalid>")
        {
            index = found
        } else {
            throw CLIError.usage(
                "no message '\(wanted)' in this workload: give a number from 0 to \(workload.count - 1) or a Message-ID such as \(workload.messageID(0))"
            )
        }
        let withText = arguments.flag("text")
        var options = RunOptions(seed: try ExperimentSupport.seed(arguments), tracing: true, keepsMailboxText: withText)
        options.capturesPackets = arguments.value("pcap") != nil
        options.tracesText = withText
        let outcome: RunOutcome
        do {
            outcome = try Experiment.run(
                scenario, era: era, workload: workload, options: options, file: path,
                progress: ExperimentSupport.progress(
                    context, quiet: arguments.flag("quiet"), label: "trace \(era.name)"))
        } catch {
            throw CLIError.data(error.description)
        }
        ExperimentSupport.endProgress(context, quiet: arguments.flag("quiet"))
        let journey = MessageTrace(messageID: workload.messageID(index), era: era, trace: outcome.result.trace)
        context.console.out(format == "mermaid" ? journey.mermaid : journey.text)
        if let pcap = arguments.value("pcap") { try ExperimentSupport.writePcap(outcome, to: pcap) }
        if let viewer = arguments.value("viewer") {
            do {
                try FileText.write(
                    ExperimentSupport.viewer(outcome, title: "\(journey.messageID) in \(era.name)"), to: viewer)
            } catch {
                throw CLIError.failure("cannot write \(viewer): \(OutputFolder.reason(error))")
            }
        }
        return .success
    }
}
