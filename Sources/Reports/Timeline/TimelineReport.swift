/// A timeline report as a value: milestones in date order, each with its figures, what changed
/// since the one before, and one sample message's journey. The renderers (`TimelineMarkdown`,
/// `TimelineHTML`, `csv`, `json`) are pure functions of it.
public struct TimelineReport: Hashable, Sendable {
    public var title: String
    public var summary: String
    /// The scenario every milestone runs, and what it is.
    public var scenario: String
    public var scenarioSummary: String
    public var milestones: [Milestone]

    public init(title: String, summary: String, scenario: String, scenarioSummary: String, milestones: [Milestone]) {
        self.title = title
        self.summary = summary
        self.scenario = scenario
        self.scenarioSummary = scenarioSummary
        self.milestones = milestones
    }

    public struct Figure: Hashable, Sendable {
        /// A stable machine name, such as `latency_p50_s`.
        public var key: String
        public var label: String
        /// The value as printed (fixed decimals), and as a number for charts.
        public var text: String
        public var value: Double?

        public init(key: String, label: String, text: String, value: Double?) {
            self.key = key
            self.label = label
            self.text = text
            self.value = value
        }
    }

    public struct Milestone: Hashable, Sendable {
        /// `YYYY-MM`.
        public var date: String
        public var rfcs: [String]
        public var title: String
        public var text: String
        /// The era it runs, or `nil` for a milestone told but not simulated.
        public var era: String?
        public var eraTitle: String?
        public var figures: [Figure]
        /// What changed from the previous simulated milestone, with the reasons.
        public var changes: [String]
        public var journey: Journey?
        /// Which networks ran, where that is not all of the scenario's in their own time (networks
        /// not yet founded, or a counterfactual), in a line.
        public var networks: String? = nil

        public init(
            date: String, rfcs: [String], title: String, text: String, era: String?, eraTitle: String?,
            figures: [Figure],
            changes: [String], journey: Journey?
        ) {
            self.date = date
            self.rfcs = rfcs
            self.title = title
            self.text = text
            self.era = era
            self.eraTitle = eraTitle
            self.figures = figures
            self.changes = changes
            self.journey = journey
        }

        /// The year with the month as a fraction, for the time axis.
        public var decimalYear: Double {
            let parts = date.split(separator: "-")
            let year = Double(parts.first.flatMap { Int($0) } ?? 0)
            let month = parts.count > 1 ? Double(Int(parts[1]) ?? 1) : 1
            return year + (month - 1) / 12
        }

        public func figure(_ key: String) -> Figure? { figures.first { $0.key == key } }
    }

    /// One message's way through a run, as a sequence diagram draws it.
    public struct Journey: Hashable, Sendable {
        public var messageID: String
        /// Hosts, left to right, in the order they first appear.
        public var participants: [String]
        public var steps: [Step]
        /// The letters before command and reply lines in the era's RFC: "U:"/"S:" (RFC 765),
        /// "S:"/"R:" (RFC 772 to 821) or "C:"/"S:" (RFC 1869 on).
        public var clientLabel: String
        public var serverLabel: String

        public init(messageID: String, participants: [String], steps: [Step], clientLabel: String, serverLabel: String)
        {
            self.messageID = messageID
            self.participants = participants
            self.steps = steps
            self.clientLabel = clientLabel
            self.serverLabel = serverLabel
        }
    }

    public struct Step: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            /// A command line from client to server.
            case command
            /// A reply line from server to client.
            case reply
            /// Something that happened at one host (submission, DNS, connection, hand-off).
            case note
        }

        /// Seconds of simulated time.
        public var time: Double
        public var kind: Kind
        /// Index into `participants` of the host it happens at (the writer of a line).
        public var from: Int
        /// For lines: the index of the host at the other end.
        public var to: Int?
        public var text: String
        /// For lines: the connection they travel on, as the trace names it (`conn1`).
        public var connection: String?

        public init(time: Double, kind: Kind, from: Int, to: Int?, text: String, connection: String? = nil) {
            self.time = time
            self.kind = kind
            self.from = from
            self.to = to
            self.text = text
            self.connection = connection
        }
    }

    /// The milestones that were simulated.
    public var simulated: [Milestone] { milestones.filter { $0.era != nil } }

    /// The figure keys in the order of the first simulated milestone.
    public var figureKeys: [(key: String, label: String)] { simulated.first?.figures.map { ($0.key, $0.label) } ?? [] }
}

extension TimelineReport {
    /// One row per milestone: date, RFCs, title, era, then every figure (empty for milestones not simulated).
    public var csv: String {
        let keys = figureKeys
        let rows = milestones.map { milestone in
            [milestone.date, milestone.rfcs.joined(separator: " "), milestone.title, milestone.era ?? ""]
                // no value: empty
                + keys.map { key in milestone.figure(key.key).flatMap { $0.value != nil ? $0.text : nil } ?? "" }
        }
        return CSV.render(headers: ["date", "rfcs", "title", "era"] + keys.map(\.key), rows: rows)
    }

    /// Every figure of every milestone, with the story and the sample journeys.
    public var json: JSON {
        .object([
            ("title", .string(title)), ("summary", .string(summary)), ("scenario", .string(scenario)),
            (
                "milestones",
                .array(
                    milestones.map { milestone in
                        var members: [(String, JSON)] = [
                            ("date", .string(milestone.date)), ("rfcs", .array(milestone.rfcs.map { .string($0) })),
                            ("title", .string(milestone.title)), ("text", .string(milestone.text)),
                            ("era", milestone.era.map { .string($0) } ?? .null),
                        ]
                        members.append(
                            (
                                "figures",
                                .object(milestone.figures.map { ($0.key, $0.value != nil ? .number($0.text) : .null) })
                            ))
                        members.append(("changes", .array(milestone.changes.map { .string($0) })))
                        if let networks = milestone.networks { members.append(("networks", .string(networks))) }
                        if let journey = milestone.journey {
                            members.append(("sample_message", .string(journey.messageID)))
                            members.append(("sample_steps", .int(journey.steps.count)))
                        }
                        return .object(members)
                    })
            ),
        ])
    }
}
