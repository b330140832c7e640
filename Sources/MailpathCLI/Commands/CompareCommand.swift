import Experiments
import MailAgent
import Reports

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
                "\(scenario.name): the same \(workload.count) messages in \(eras.count) eras\n"
                + runs.compactMap { run in run.networkNote.map { "\(run.era): \($0)\n" } }.joined() + "\n"
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
