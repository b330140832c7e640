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
        if options.capturesPackets { try ExperimentSupport.checkCapturable(scenario, era) }
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
            "\(scenario.name) in \(era.name) (\(era.title), \(era.rfcs.joined(separator: ", "))), seed \(metrics.seed)\n"
        if let note = metrics.networkNote { text += note + "\n" }
        text += "\n"
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
