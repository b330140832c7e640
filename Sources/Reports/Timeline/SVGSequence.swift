/// A sequence diagram of a journey as inline SVG: one lifeline per host, commands as solid arrows,
/// replies as dashed ones, notes as boxes on a lifeline, the simulated time of each step on the left.
///
/// Every label is shown whole (the source routes being taught are in them): an arrow's label
/// starts at its left end and may run past it, since each step has a row of its own; notes get a
/// box as wide as their text; the picture widens to hold the longest. When a journey uses more
/// than one connection, each line is prefixed with its connection's name, as in the trace. The
/// picture scales to its column, but never below 80% of its size (it scrolls instead).
public enum SVGSequence {
    /// Width of a character of the 11 px sans-serif labels, roughly (for sizing, not layout).
    static let characterWidth = 6.3

    /// `id` names the arrowhead marker, so that several diagrams can share one page (an `id`
    /// must be unique in an HTML document).
    public static func render(_ journey: TimelineReport.Journey, title: String, id: String = "sequence") -> String {
        let columnWidth = 190.0
        let left = 96.0
        let top = 56.0
        let row = 22.0
        func x(_ participant: Int) -> Double { left + columnWidth * (Double(participant) + 0.5) }
        let connections = Set(journey.steps.compactMap(\.connection))
        func label(_ step: TimelineReport.Step) -> (prefix: String, text: String) {
            let speaker = step.kind == .command ? journey.clientLabel : journey.serverLabel
            let prefix = connections.count > 1 ? (step.connection ?? "") + " " : ""
            return (prefix, speaker + " " + step.text)
        }
        // The picture is as wide as its lifelines, or as its widest label.
        var width = left + columnWidth * Double(max(1, journey.participants.count)) + 16
        for step in journey.steps {
            switch step.kind {
            case .command, .reply:
                let (prefix, text) = label(step)
                let start = min(x(step.from), x(step.to ?? step.from)) + 8
                width = max(width, start + Double(prefix.count + text.count) * characterWidth + 16)
            case .note:
                let box = noteBox(step, center: x(step.from), left: left)
                width = max(width, box.start + box.width + 8)
            }
        }
        let height = top + row * Double(journey.steps.count) + 24
        let f = SVGChart.f
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"100%\""
        svg += " style=\"min-width: \(f(width * 0.8))px; max-width: \(f(width))px\""
        svg += " role=\"img\" aria-label=\"\(Markup.escape(title))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<title>\(Markup.escape(title))</title>\n"
        svg +=
            "<defs><marker id=\"\(id)-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker></defs>\n"
        svg += "<text x=\"4\" y=\"\(f(top - 26))\" font-weight=\"bold\">time (s)</text>\n"
        for (index, name) in journey.participants.enumerated() {
            let center = x(index)
            svg +=
                "<rect x=\"\(f(center - 80))\" y=\"8\" width=\"160\" height=\"26\" rx=\"4\" fill=\"#eef2f7\" stroke=\"#1f3a5f\"/>\n"
            svg +=
                "<text x=\"\(f(center))\" y=\"25\" text-anchor=\"middle\" font-weight=\"bold\">\(Markup.escape(name))</text>\n"
            svg +=
                "<line x1=\"\(f(center))\" y1=\"34\" x2=\"\(f(center))\" y2=\"\(f(height - 8))\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>\n"
        }
        for (index, step) in journey.steps.enumerated() {
            let y = top + row * Double(index)
            svg += "<text x=\"4\" y=\"\(f(y + 4))\" fill=\"#555\">\(Format.decimal(step.time, 3))</text>\n"
            switch step.kind {
            case .command, .reply:
                let from = x(step.from)
                let to = x(step.to ?? step.from)
                let (prefix, text) = label(step)
                svg +=
                    "<line x1=\"\(f(from))\" y1=\"\(f(y))\" x2=\"\(f(to))\" y2=\"\(f(y))\" stroke=\"#222\" stroke-width=\"1.3\""
                svg += step.kind == .reply ? " stroke-dasharray=\"5 3\"" : ""
                svg += " marker-end=\"url(#\(id)-arrow)\"/>\n"
                svg +=
                    "<text x=\"\(f(min(from, to) + 8))\" y=\"\(f(y - 4))\"\(step.kind == .reply ? " font-style=\"italic\"" : "")>"
                if !prefix.isEmpty {
                    svg += "<tspan fill=\"#7a6a2a\" font-style=\"normal\">\(Markup.escape(prefix))</tspan>"
                }
                svg += "\(Markup.escape(text))</text>\n"
            case .note:
                let box = noteBox(step, center: x(step.from), left: left)
                svg +=
                    "<rect x=\"\(f(box.start))\" y=\"\(f(y - 13))\" width=\"\(f(box.width))\" height=\"17\" fill=\"#fff8dc\" stroke=\"#b8a060\"/>\n"
                svg +=
                    "<text x=\"\(f(box.start + box.width / 2))\" y=\"\(f(y))\" text-anchor=\"middle\" font-size=\"10\">\(Markup.escape(step.text))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// A note's box: as wide as its text, centred on the lifeline, but never over the times.
    static func noteBox(_ step: TimelineReport.Step, center: Double, left: Double) -> (start: Double, width: Double) {
        let width = Double(step.text.count) * 5.8 + 14
        return (max(left - 8, center - width / 2), width)
    }

    static func shortened(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}

/// The milestones on a time axis: a tick per year, a dot per milestone with its RFC.
public enum SVGTimeAxis {
    public static func render(_ milestones: [TimelineReport.Milestone], width: Int = 960) -> String {
        let f = SVGChart.f
        guard let first = milestones.map(\.decimalYear).min(), let last = milestones.map(\.decimalYear).max() else {
            return ""
        }
        let startYear = Int(first.rounded(.down))
        let endYear = Int(last.rounded(.down)) + 1
        let left = 30.0, right = 30.0
        let span = Double(max(1, endYear - startYear))
        func x(_ year: Double) -> Double { left + (Double(width) - left - right) * (year - Double(startYear)) / span }
        let height = 40 + 26 * milestones.count + 20
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" role=\"img\" aria-label=\"Milestones on a time axis\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<title>Milestones on a time axis</title>\n"
        svg +=
            "<line x1=\"\(f(left))\" y1=\"30\" x2=\"\(f(Double(width) - right))\" y2=\"30\" stroke=\"#333\" stroke-width=\"2\"/>\n"
        for year in startYear...endYear {
            let tick = x(Double(year))
            let major = year % 5 == 0
            svg +=
                "<line x1=\"\(f(tick))\" y1=\"\(major ? 22 : 26)\" x2=\"\(f(tick))\" y2=\"\(major ? 38 : 34)\" stroke=\"#333\"/>\n"
            if major || year == startYear || year == endYear {
                svg += "<text x=\"\(f(tick))\" y=\"16\" text-anchor=\"middle\">\(year)</text>\n"
            }
        }
        for (index, milestone) in milestones.enumerated() {
            let at = x(milestone.decimalYear)
            let y = 56.0 + 26 * Double(index)
            let simulated = milestone.era != nil
            svg +=
                "<line x1=\"\(f(at))\" y1=\"30\" x2=\"\(f(at))\" y2=\"\(f(y - 4))\" stroke=\"#999\" stroke-width=\"1\"/>\n"
            svg +=
                simulated
                ? "<circle cx=\"\(f(at))\" cy=\"30\" r=\"5\" fill=\"#1f3a5f\"/>\n"
                : "<circle cx=\"\(f(at))\" cy=\"30\" r=\"5\" fill=\"white\" stroke=\"#1f3a5f\" stroke-width=\"2\"/>\n"
            let rfcs =
                milestone.rfcs.count > 2
                ? "\(milestone.rfcs[0]) and \(milestone.rfcs.count - 1) more" : TimelineCharts.rfcList(milestone.rfcs)
            let label = SVGSequence.shortened("\(milestone.date) \(rfcs): \(milestone.title)", 72)
            // Text runs right of its date unless it would leave the picture (about 6.5 px a character).
            let anchorRight = at + 6 + Double(label.count) * 6.5 > Double(width) - right
            svg +=
                "<a href=\"#m\(index + 1)\"><text x=\"\(f(anchorRight ? at - 6 : at + 6))\" y=\"\(f(y))\" text-anchor=\"\(anchorRight ? "end" : "start")\" fill=\"#1f3a5f\">\(Markup.escape(label))</text></a>\n"
        }
        return svg + "</svg>\n"
    }
}
