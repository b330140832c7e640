import Experiments
import Reports

/// `mailpath timeline TIMELINE [--out DIR]`: every milestone of a timeline on its reference
/// scenario, written as a web page, Markdown, CSV and JSON.
enum TimelineCommand: Subcommand {
    static let spec = CommandSpec(
        name: "timeline", abstract: "Run every milestone of a timeline and write the report.",
        discussion: """
            Each milestone runs its era on the timeline's one scenario, so every milestone sees the \
            identical workload. With --out, DIR gets index.html (one self-contained page: time axis, \
            charts and sequence diagrams as inline SVG, no scripts), report.md (with Mermaid \
            diagrams), results.csv and results.json. A summary goes to standard output.
            """,
        arguments: [
            .required("timeline", help: "A timeline file, such as Timelines/mtp-to-esmtp.json (see Docs/timelines.md).")
        ],
        options: [
            .option("out", value: "DIR", help: "Directory for index.html, report.md, results.csv and results.json."),
            .flag(
                "attribute", help: "Run each change of era one factor at a time and say which factor moved each figure."
            ),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "mailpath timeline Timelines/mtp-to-esmtp.json --out report/",
            "mailpath timeline Timelines/mtp-to-esmtp.json --attribute",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let path = arguments.positionals[0]
        let text: String
        switch FileText.readText(path) {
        case .success(let read): text = read
        case .failure(let failure): throw CLIError.data("\(path): \(failure.reason)")
        }
        let timeline: Timeline
        do {
            timeline = try Timeline.decode(text, file: path)
        } catch {
            throw CLIError.data(error.description)
        }
        let scenarioFile = Timeline.resolve(timeline.scenarioPath, from: path)
        let scenario = try ExperimentSupport.scenario(scenarioFile)
        let quiet = arguments.flag("quiet")
        let report: TimelineReport
        do {
            report = try timeline.run(scenario, scenarioFile: scenarioFile, attribute: arguments.flag("attribute")) {
                index, count in
                context.progress("timeline: milestone \(index + 1) of \(count)", quiet: quiet)
            }
        } catch {
            throw CLIError.data(error.description)
        }
        ExperimentSupport.endProgress(context, quiet: quiet)
        if let directory = arguments.value("out") {
            let folder = try OutputFolder(directory)
            try folder.write(TimelineHTML.render(report), "index.html")
            try folder.write(TimelineMarkdown.render(report), "report.md")
            try folder.write(report.csv, "results.csv")
            try folder.write(report.json.rendered(), "results.json")
            try folder.commit()
        }
        context.console.out(summary(report, out: arguments.value("out")))
        return .success
    }

    static func summary(_ report: TimelineReport, out: String?) -> String {
        var text =
            "\(report.title): \(report.milestones.count) milestones, \(report.simulated.count) simulated on \(report.scenario)\n\n"
        text += TimelineCharts.summaryTable(report).text
        if let out {
            let folder = out.hasSuffix("/") ? String(out.dropLast()) : out
            text +=
                "\nWrote \(folder)/index.html, \(folder)/report.md, \(folder)/results.csv and \(folder)/results.json\n"
        }
        return text
    }
}
