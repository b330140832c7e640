/// `viewer.html`: one self-contained page (no network loads) that replays a run's trace — the
/// topology drawn (hosts that have crashed and links that are down greyed out as the run
/// reaches them), each command and reply moving along its connection as the run plays,
/// play/pause/step/step back and seek to an event or a time, an event list filterable by host,
/// message, connection and kind (rendered lazily: only the rows in view exist), the selected
/// session's transcript in the RFC's own notation, and the message text's header as each hop
/// adds its trace line (when the trace has them, `trace --text`).
///
/// The page reads its state from the address's fragment too (`#event=25`, `#time=3.5`,
/// `#host=Z`, `#kind=C`, `#conn=conn2`, `#message=TEXT`, `#steps=10` (the step button pressed ten
/// times), joined with `&`; with filters and no
/// event or time it shows the first event they let through), so a link can point at a moment of
/// a run, and a test can load it in headless Chromium and read the DOM.
public enum ViewerHTML {
    public struct Host: Sendable {
        public var name: String
        public var networks: [String]
        /// A router forwards packets only (no mail server); drawn as a diamond.
        public var isRouter: Bool
        public init(name: String, networks: [String], isRouter: Bool = false) {
            self.name = name
            self.networks = networks
            self.isRouter = isRouter
        }
    }

    public struct Event: Sendable {
        /// Seconds of simulated time.
        public var time: Double
        public var host: String
        /// "C" (a command line), "S" (a reply line), "text" (a header line), or an event kind.
        public var kind: String
        public var detail: String
        public init(time: Double, host: String, kind: String, detail: String) {
            self.time = time
            self.host = host
            self.kind = kind
            self.detail = detail
        }
    }

    /// One run, as `render` and `renderComparison` take it.
    public struct Run: Sendable {
        public var label: String
        public var hosts: [Host]
        public var links: [(String, String)]
        public var events: [Event]
        public var notation: (client: String, server: String)
        public init(
            label: String, hosts: [Host], links: [(String, String)], events: [Event],
            notation: (client: String, server: String)
        ) {
            self.label = label
            self.hosts = hosts
            self.links = links
            self.events = events
            self.notation = notation
        }
    }

    /// The page. `links` are pairs of host names; `notation` the letters before command and reply
    /// lines in the era's RFC (`S:`/`R:`, `C:`/`S:`…).
    public static func render(
        title: String, hosts: [Host], links: [(String, String)], events: [Event],
        notation: (client: String, server: String)
    ) -> String {
        page(title: title, runs: [Run(label: "", hosts: hosts, links: links, events: events, notation: notation)])
    }

    /// Two runs (two eras of one workload) side by side, each with its own controls, and a bar
    /// that steps both in lockstep: to the next moment either has an event, each showing its
    /// last event at or before it.
    public static func renderComparison(title: String, runs: [Run]) -> String { page(title: title, runs: runs) }

    static func page(title: String, runs: [Run]) -> String {
        var panes = ""
        var data = ""
        for (index, run) in runs.enumerated() {
            let suffix = index == 0 ? "" : "-\(index + 1)"
            let json = JSON.object([
                ("label", .string(run.label)),
                ("client", .string(run.notation.client)),
                ("server", .string(run.notation.server)),
                (
                    "hosts",
                    .array(
                        layout(run.hosts).map { host in
                            .object([
                                ("name", .string(host.name)), ("networks", .array(host.networks.map(JSON.string))),
                                ("router", .bool(host.isRouter)),
                                ("x", .decimal(host.x, 1)), ("y", .decimal(host.y, 1)),
                            ])
                        })
                ),
                ("links", .array(run.links.map { .array([.string($0.0), .string($0.1)]) })),
                (
                    "events",
                    .array(
                        run.events.map {
                            .array([.decimal($0.time, 6), .string($0.host), .string($0.kind), .string($0.detail)])
                        })
                ),
            ]).compact
            // "</" cannot end the script element early: JSON allows "<\/".
            data +=
                "<script id=\"data\(suffix)\" class=\"run-data\" data-suffix=\"\(suffix)\" type=\"application/json\">\(json.replacing("</", with: "<\\/"))</script>\n"
            panes += pane.replacing("@S@", with: suffix).replacing("@LABEL@", with: Markup.escape(run.label))
        }
        let lockstep = runs.count > 1 ? lockstepBar : ""
        return shell.replacing("@TITLE@", with: Markup.escape(title)).replacing("@LOCKSTEP@", with: lockstep)
            .replacing("@PANES@", with: panes).replacing("@DATA@", with: data).replacing(
                "@COLUMNS@", with: String(runs.count))
    }

    /// Hosts on a grid in a 600 × 400 picture, row by row, grouped by the networks they are on
    /// (so a network's hosts sit together and its gateways between it and the next).
    static func layout(_ hosts: [Host]) -> [(name: String, networks: [String], isRouter: Bool, x: Double, y: Double)] {
        let ordered = hosts.sorted {
            ($0.networks.joined(separator: ","), $0.name) < ($1.networks.joined(separator: ","), $1.name)
        }
        var columns = 1
        while columns * columns * 2 < ordered.count * 3 { columns += 1 }  // about 1.5 columns a row
        let rows = max(1, (ordered.count + columns - 1) / columns)
        return ordered.enumerated().map { index, host in
            let (row, column) = (index / columns, index % columns)
            let x = columns == 1 ? 300 : 40 + 520 * Double(column) / Double(columns - 1)
            let y = rows == 1 ? 200 : 40 + 310 * Double(row) / Double(rows - 1)
            return (host.name, host.networks, host.isRouter, x, y)
        }
    }
}
