import MailSimulation
import Reports
import SimKernel

/// A timeline file: milestones in the history of mail transfer, each running an era on one
/// reference scenario (Docs/timelines.md describes the format).
public struct Timeline: Sendable {
    public static let format = "mailpath-timeline/1"

    public struct Milestone: Sendable {
        /// `YYYY-MM`.
        public var date: String
        public var rfcs: [String]
        public var title: String
        public var text: String
        /// The era it runs, or `nil` for one told but not simulated.
        public var era: Era?
    }

    public var title: String
    public var summary: String
    /// The scenario file, as written (relative to the timeline file).
    public var scenarioPath: String
    /// The message whose journey each milestone draws.
    public var sampleMessage: Int
    public var milestones: [Milestone]

    /// Reads and checks a timeline file's text; errors name the file, the place and what was expected.
    public static func decode(_ text: String, file: String) throws(ScenarioError) -> Timeline {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ScenarioError(
                file: file, position: error.position, path: "", message: "invalid JSON: " + error.message)
        }
        let top = try JSONReader(file: file, node: root, path: "").object(allowing: [
            "format", "title", "summary", "scenario", "sampleMessage", "milestones",
        ])
        let format = try top.required("format", "the file format, \"\(Timeline.format)\"")
        guard try format.string() == Timeline.format else {
            throw format.error("expected \"\(Timeline.format)\", found \"\(try format.string())\"")
        }
        var timeline = Timeline(
            title: try top.required("title", "the report's title").string(),
            summary: try top.optional("summary")?.string() ?? "",
            scenarioPath: try top.required("scenario", "the scenario file every milestone runs, relative to this file")
                .string(),
            sampleMessage: try top.optional("sampleMessage")?.integer(in: 0...Int(Int32.max)) ?? 0, milestones: [])
        let milestones = try top.required("milestones", "the milestones, in date order").array()
        guard !milestones.isEmpty else {
            throw try top.required("milestones", "").error("needs at least one milestone")
        }
        var lastDate = ""
        for node in milestones {
            let fields = try node.object(allowing: ["date", "rfcs", "title", "text", "era"])
            let dateNode = try fields.required("date", "the date, \"YYYY-MM\"")
            let date = try dateNode.string()
            let parts = date.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 4, Int(parts[0]) != nil, let month = Int(parts[1]),
                parts[1].count == 2, (1...12).contains(month)
            else {
                throw dateNode.error("expected a date such as \"1981-05\", found \"\(date)\"")
            }
            guard date >= lastDate else {
                throw dateNode.error("milestones must be in date order; \(date) comes before \(lastDate)")
            }
            lastDate = date
            var era: Era?
            if let eraNode = fields.optional("era") {
                era = Era.named(try eraNode.choice(Era.all.map(\.name), what: "era"))
            }
            timeline.milestones.append(
                Milestone(
                    date: date,
                    rfcs: try fields.required("rfcs", "the RFCs, such as [\"RFC 780\"]").arrayOrSingle().map {
                        node throws(ScenarioError) in try node.string()
                    },
                    title: try fields.required("title", "a short title").string(),
                    text: try fields.required("text", "what changed and why it mattered").string(),
                    era: era))
        }
        return timeline
    }

    /// The scenario file's path, resolved against the timeline file's folder.
    public static func resolve(_ scenarioPath: String, from timelineFile: String) -> String {
        guard !scenarioPath.hasPrefix("/"), let slash = timelineFile.lastIndex(of: "/") else { return scenarioPath }
        return String(timelineFile[...slash]) + scenarioPath
    }

    /// Runs every simulated milestone on the one workload of `scenario` (each era once) and builds
    /// the report. `progress` hears (milestone index, count) before each run. With `attribute`,
    /// each change of era is also run one factor at a time (`Attribution`), and what changed
    /// names each factor's share.
    public func run(
        _ scenario: Scenario, scenarioFile: String, attribute: Bool = false, progress: ((Int, Int) -> Void)? = nil
    ) throws(ScenarioError) -> TimelineReport {
        let workload = scenario.makeWorkload()
        let sample = min(sampleMessage, max(0, workload.count - 1))
        var outcomes: [String: (RunMetrics, TimelineReport.Journey?)] = [:]
        var milestonesOut: [TimelineReport.Milestone] = []
        var previous: (metrics: RunMetrics, era: Era)?
        for (index, milestone) in milestones.enumerated() {
            progress?(index, milestones.count)
            guard let era = milestone.era else {
                milestonesOut.append(
                    TimelineReport.Milestone(
                        date: milestone.date, rfcs: milestone.rfcs, title: milestone.title, text: milestone.text,
                        era: nil, eraTitle: nil, figures: [],
                        changes: [], journey: nil))
                continue
            }
            if outcomes[era.name] == nil {
                let outcome = try Experiment.run(
                    scenario, era: era, workload: workload, options: RunOptions(tracing: true), file: scenarioFile)
                // The sample message, unless this era never got it to another host (FTP mail for
                // another network): then the first message that did, so the diagram shows the protocol.
                // The run's workload leaves out messages of networks not yet founded: its numbers.
                let accounting = outcome.result.accounting
                let ran = outcome.setup.workload
                let first = ran.index(ofMessageID: workload.messageID(sample)) ?? 0
                let shown =
                    accounting.crossedHosts(message: first)
                    ? first : (0..<ran.count).first(where: accounting.crossedHosts) ?? first
                let journey =
                    ran.count > 0
                    ? Self.journey(MessageTrace(messageID: ran.messageID(shown), era: era, trace: outcome.result.trace))
                    : nil
                outcomes[era.name] = (outcome.metrics, journey)
            }
            let (metrics, journey) = outcomes[era.name]!
            var changes: [String] = []
            if let previous {
                if previous.era.name == era.name {
                    changes = [
                        "runs the same era as the milestone before (\(era.name)): nothing this milestone changed shows in these figures"
                    ]
                } else {
                    let attribution =
                        attribute
                        ? try Attribution.measure(
                            scenario, workload: workload, from: previous.era, to: era, file: scenarioFile) : nil
                    let comparison = Comparison(
                        scenario: scenario.name, runs: [previous.metrics, metrics], eras: [previous.era, era],
                        attributions: [attribution])
                    changes = comparison.changes(at: 1)
                }
            }
            previous = (metrics, era)
            var out = TimelineReport.Milestone(
                date: milestone.date, rfcs: milestone.rfcs, title: milestone.title, text: milestone.text,
                era: era.name, eraTitle: era.title,
                figures: Self.figures(metrics), changes: changes, journey: journey)
            out.networks = metrics.networkNote
            milestonesOut.append(out)
        }
        return TimelineReport(
            title: title, summary: summary, scenario: scenario.name, scenarioSummary: scenario.description,
            milestones: milestonesOut)
    }

    static func figures(_ metrics: RunMetrics) -> [TimelineReport.Figure] {
        metrics.figures.map {
            TimelineReport.Figure(key: $0.key, label: $0.label, text: $0.value, value: Double($0.value))
        }
    }

    /// A message trace as a sequence diagram's participants and steps.
    static func journey(_ trace: MessageTrace) -> TimelineReport.Journey {
        var participants: [String] = []
        func index(_ name: String) -> Int {
            if let found = participants.firstIndex(of: name) { return found }
            participants.append(name)
            return participants.count - 1
        }
        var steps: [TimelineReport.Step] = []
        for entry in trace.entries {
            let time = Double(entry.time.nanoseconds) / 1e9
            let from = index(entry.host)
            switch entry.kind {
            case "C":
                steps.append(
                    .init(
                        time: time, kind: .command, from: from, to: entry.peer.map(index), text: entry.text,
                        connection: entry.connection))
            case "S":
                steps.append(
                    .init(
                        time: time, kind: .reply, from: from, to: entry.peer.map(index), text: entry.text,
                        connection: entry.connection))
            default:
                steps.append(.init(time: time, kind: .note, from: from, to: nil, text: "[\(entry.kind)] " + entry.text))
            }
        }
        return TimelineReport.Journey(
            messageID: trace.messageID, participants: participants, steps: steps,
            clientLabel: trace.era.dialect.notation.client, serverLabel: trace.era.dialect.notation.server)
    }
}
