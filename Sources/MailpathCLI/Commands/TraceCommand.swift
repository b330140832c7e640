import Experiments
import MailAgent
import Reports

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
        if options.capturesPackets { try ExperimentSupport.checkCapturable(scenario, era) }
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
        guard outcome.setup.workload.index(ofMessageID: workload.messageID(index)) != nil else {
            throw CLIError.data(
                "\(path): message \(workload.messageID(index)) is not in \(era.name)'s run: it has a sender or recipient on a network not founded by then (\(outcome.metrics.networks?.note ?? "")); pick another message, or --set networks=all for a counterfactual"
            )
        }
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
