/// A sequence diagram of a journey as inline SVG: one lifeline per host, commands as solid arrows,
/// replies as dashed ones, notes as boxes on a lifeline, the simulated time of each step on the left.
public enum SVGSequence {
    /// `id` names the arrowhead marker, so that several diagrams can share one page (an `id`
    /// must be unique in an HTML document).
    public static func render(_ journey: TimelineReport.Journey, title: String, id: String = "sequence") -> String {
        let columnWidth = 190.0
        let left = 96.0
        let top = 56.0
        let row = 22.0
        let width = left + columnWidth * Double(max(1, journey.participants.count)) + 16
        let height = top + row * Double(journey.steps.count) + 24
        func x(_ participant: Int) -> Double { left + columnWidth * (Double(participant) + 0.5) }
        let f = SVGChart.f
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" role=\"img\" aria-label=\"\(Markup.escape(title))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<title>\(Markup.escape(title))</title>\n"
        svg += "<defs><marker id=\"\(id)-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker></defs>\n"
        svg += "<text x=\"4\" y=\"\(f(top - 26))\" font-weight=\"bold\">time (s)</text>\n"
        for (index, name) in journey.participants.enumerated() {
            let center = x(index)
            svg += "<rect x=\"\(f(center - 80))\" y=\"8\" width=\"160\" height=\"26\" rx=\"4\" fill=\"#eef2f7\" stroke=\"#1f3a5f\"/>\n"
            svg += "<text x=\"\(f(center))\" y=\"25\" text-anchor=\"middle\" font-weight=\"bold\">\(Markup.escape(name))</text>\n"
            svg += "<line x1=\"\(f(center))\" y1=\"34\" x2=\"\(f(center))\" y2=\"\(f(height - 8))\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>\n"
        }
        for (index, step) in journey.steps.enumerated() {
            let y = top + row * Double(index)
            svg += "<text x=\"4\" y=\"\(f(y + 4))\" fill=\"#555\">\(Format.decimal(step.time, 3))</text>\n"
            let label = shortened(step.text, 48)
            switch step.kind {
            case .command, .reply:
                let from = x(step.from)
                let to = x(step.to ?? step.from)
                let speaker = step.kind == .command ? journey.clientLabel : journey.serverLabel
                svg += "<line x1=\"\(f(from))\" y1=\"\(f(y))\" x2=\"\(f(to))\" y2=\"\(f(y))\" stroke=\"#222\" stroke-width=\"1.3\""
                svg += step.kind == .reply ? " stroke-dasharray=\"5 3\"" : ""
                svg += " marker-end=\"url(#\(id)-arrow)\"/>\n"
                svg += "<text x=\"\(f((from + to) / 2))\" y=\"\(f(y - 4))\" text-anchor=\"middle\"\(step.kind == .reply ? " font-style=\"italic\"" : "")>"
                svg += "<title>\(Markup.escape(speaker + " " + step.text))</title>\(Markup.escape(speaker + " " + label))</text>\n"
            case .note:
                let center = x(step.from)
                svg += "<rect x=\"\(f(center - 88))\" y=\"\(f(y - 13))\" width=\"176\" height=\"17\" fill=\"#fff8dc\" stroke=\"#b8a060\"/>\n"
                svg += "<text x=\"\(f(center))\" y=\"\(f(y))\" text-anchor=\"middle\" font-size=\"10\"><title>\(Markup.escape(step.text))</title>\(Markup.escape(shortened(step.text, 34)))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func shortened(_ text: String, _ limit: Int) -> String { text.count > limit ? String(text.prefix(limit - 1)) + "…" : text }
}

/// The milestones on a time axis: a tick per year, a dot per milestone with its RFC.
public enum SVGTimeAxis {
    public static func render(_ milestones: [TimelineReport.Milestone], width: Int = 960) -> String {
        let f = SVGChart.f
        guard let first = milestones.map(\.decimalYear).min(), let last = milestones.map(\.decimalYear).max() else { return "" }
        let startYear = Int(first.rounded(.down))
        let endYear = Int(last.rounded(.down)) + 1
        let left = 30.0, right = 30.0
        let span = Double(max(1, endYear - startYear))
        func x(_ year: Double) -> Double { left + (Double(width) - left - right) * (year - Double(startYear)) / span }
        let height = 40 + 26 * milestones.count + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" role=\"img\" aria-label=\"Milestones on a time axis\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<title>Milestones on a time axis</title>\n"
        svg += "<line x1=\"\(f(left))\" y1=\"30\" x2=\"\(f(Double(width) - right))\" y2=\"30\" stroke=\"#333\" stroke-width=\"2\"/>\n"
        for year in startYear...endYear {
            let tick = x(Double(year))
            let major = year % 5 == 0
            svg += "<line x1=\"\(f(tick))\" y1=\"\(major ? 22 : 26)\" x2=\"\(f(tick))\" y2=\"\(major ? 38 : 34)\" stroke=\"#333\"/>\n"
            if major || year == startYear || year == endYear {
                svg += "<text x=\"\(f(tick))\" y=\"16\" text-anchor=\"middle\">\(year)</text>\n"
            }
        }
        for (index, milestone) in milestones.enumerated() {
            let at = x(milestone.decimalYear)
            let y = 56.0 + 26 * Double(index)
            let simulated = milestone.era != nil
            svg += "<line x1=\"\(f(at))\" y1=\"30\" x2=\"\(f(at))\" y2=\"\(f(y - 4))\" stroke=\"#999\" stroke-width=\"1\"/>\n"
            svg += simulated
                ? "<circle cx=\"\(f(at))\" cy=\"30\" r=\"5\" fill=\"#1f3a5f\"/>\n"
                : "<circle cx=\"\(f(at))\" cy=\"30\" r=\"5\" fill=\"white\" stroke=\"#1f3a5f\" stroke-width=\"2\"/>\n"
            let rfcs = milestone.rfcs.count > 2 ? "\(milestone.rfcs[0]) and \(milestone.rfcs.count - 1) more" : TimelineCharts.rfcList(milestone.rfcs)
            let label = SVGSequence.shortened("\(milestone.date) \(rfcs): \(milestone.title)", 72)
            // Text runs right of its date unless it would leave the picture (about 6.5 px a character).
            let anchorRight = at + 6 + Double(label.count) * 6.5 > Double(width) - right
            svg += "<a href=\"#m\(index + 1)\"><text x=\"\(f(anchorRight ? at - 6 : at + 6))\" y=\"\(f(y))\" text-anchor=\"\(anchorRight ? "end" : "start")\" fill=\"#1f3a5f\">\(Markup.escape(label))</text></a>\n"
        }
        return svg + "</svg>\n"
    }
}
