/// The figures the charts and the summary table show, in order: (key, chart title, unit).
public enum TimelineCharts {
    /// The figures of the summary table; recipients first, as a milestone may run fewer (its
    /// networks not founded yet).
    static let summaryKeys = [
        "recipients", "latency_p50_s", "latency_p95_s", "hops_mean", "round_trips_per_message", "protocol_bytes",
        "connections",
        "dns_queries",
        "delivered", "bounced",
    ]

    /// Labels for chart axes: the era names of the simulated milestones.
    static func labels(_ report: TimelineReport) -> [String] { report.simulated.map { $0.rfcs.first ?? $0.date } }

    static func values(_ report: TimelineReport, _ key: String) -> [Double?] {
        report.simulated.map { $0.figure(key)?.value }
    }

    static func charts(_ report: TimelineReport) -> [String] {
        let labels = labels(report)
        return [
            SVGChart.lines(
                title: "End-to-end latency", unit: "seconds", labels: labels,
                series: [
                    .init(name: "p50", values: values(report, "latency_p50_s")),
                    .init(name: "p95", values: values(report, "latency_p95_s")),
                ]),
            SVGChart.bars(
                title: "Hops per recipient", unit: "hops", labels: labels,
                series: [.init(name: "mean hops", values: values(report, "hops_mean"))]),
            SVGChart.bars(
                title: "Round trips per message", unit: "waits for the server", labels: labels,
                series: [.init(name: "round trips", values: values(report, "round_trips_per_message"))]),
            // Commands and replies apart from the texts: beside the texts they would not show.
            SVGChart.bars(
                title: "Commands and replies on the wire", unit: "bytes", labels: labels,
                series: [.init(name: "command and reply bytes", values: values(report, "protocol_bytes"))]),
            SVGChart.bars(
                title: "Message text on the wire", unit: "bytes", labels: labels,
                series: [.init(name: "text bytes, every hop", values: values(report, "text_bytes"))]),
            SVGChart.bars(
                title: "Connections and DNS queries", unit: "count", labels: labels,
                series: [
                    .init(name: "TCP connections", values: values(report, "connections")),
                    .init(name: "DNS queries", values: values(report, "dns_queries")),
                ]),
            SVGChart.bars(
                title: "Recipients delivered and returned", unit: "recipients", labels: labels,
                series: [
                    .init(name: "delivered", values: values(report, "delivered")),
                    .init(name: "returned to sender", values: values(report, "bounced")),
                ]),
        ]
    }

    public static func summaryTable(_ report: TimelineReport) -> Table {
        let keys = summaryKeys.filter { key in report.figureKeys.contains { $0.key == key } }
        let labels = keys.map { key in report.figureKeys.first { $0.key == key }!.label }
        let rows = report.milestones.map { milestone in
            [milestone.date, rfcList(milestone.rfcs), milestone.era ?? "not simulated"]
                + keys.map { milestone.figure($0)?.text ?? "–" }
        }
        return Table(
            headers: ["date", "RFCs", "era"] + labels, rows: rows,
            alignments: [.left, .left, .left] + keys.map { _ in .right })
    }

    /// "RFC 1425, 1651, 1869": the word once, then the numbers.
    public static func rfcList(_ rfcs: [String]) -> String {
        guard let first = rfcs.first else { return "" }
        return ([first] + rfcs.dropFirst().map { $0.hasPrefix("RFC ") ? String($0.dropFirst(4)) : $0 }).joined(
            separator: ", ")
    }

    static func figureTable(_ milestone: TimelineReport.Milestone) -> Table {
        Table(
            headers: ["figure", "value"], rows: milestone.figures.map { [$0.label, $0.text] },
            alignments: [.left, .right])
    }
}

/// The report as Markdown, with Mermaid sequence diagrams.
public enum TimelineMarkdown {
    public static func render(_ report: TimelineReport) -> String {
        var text = "# \(report.title)\n\n\(report.summary)\n\n"
        text += "Every milestone runs the same scenario, **\(report.scenario)**: \(report.scenarioSummary)\n\n"
        text += "## At a glance\n\n" + TimelineCharts.summaryTable(report).markdown + "\n"
        for (index, milestone) in report.milestones.enumerated() {
            text += "## \(index + 1). \(milestone.date) — \(milestone.title)\n\n"
            text += "**\(milestone.rfcs.joined(separator: ", "))**"
            text +=
                milestone.era.map { " · runs era `\($0)`" + (milestone.eraTitle.map { " (\($0))" } ?? "") }
                ?? " · not simulated"
            text += "\n\n\(milestone.text)\n\n"
            if let networks = milestone.networks {
                text += "*\(networks.prefix(1).uppercased() + networks.dropFirst()).*\n\n"
            }
            if !milestone.changes.isEmpty {
                text += "What changed in the figures:\n\n" + milestone.changes.map { "- \($0)\n" }.joined() + "\n"
            }
            guard milestone.era != nil else { continue }
            text +=
                "<details><summary>All figures</summary>\n\n" + TimelineCharts.figureTable(milestone).markdown
                + "\n</details>\n\n"
            if let journey = milestone.journey {
                text += "The journey of \(journey.messageID):\n\n```mermaid\n" + mermaid(journey) + "```\n\n"
            }
        }
        return text
    }

    /// A Mermaid sequence diagram; characters Mermaid reserves are written as its entity codes.
    public static func mermaid(_ journey: TimelineReport.Journey) -> String {
        var text = "sequenceDiagram\n"
        for (index, name) in journey.participants.enumerated() {
            text += "    participant H\(index + 1) as \(Markup.mermaid(name))\n"
        }
        for step in journey.steps {
            let time = Format.decimal(step.time, 3)
            switch step.kind {
            case .command:
                text += "    H\(step.from + 1)->>H\((step.to ?? step.from) + 1): \(time) \(Markup.mermaid(step.text))\n"
            case .reply:
                text +=
                    "    H\(step.from + 1)-->>H\((step.to ?? step.from) + 1): \(time) \(Markup.mermaid(step.text))\n"
            case .note:
                text +=
                    "    Note over H\(step.from + 1): \(time) \(Markup.mermaid(SVGSequence.shortened(step.text, 80)))\n"
            }
        }
        return text
    }
}

/// The report as one self-contained HTML page: styles inline, charts and diagrams as inline SVG,
/// no scripts, no fonts or images from anywhere. It prints, and it reads on a phone.
public enum TimelineHTML {
    public static func render(_ report: TimelineReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(Markup.escape(report.title))</title>
            <style>
            body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 980px; padding: 0 16px 48px; line-height: 1.5; }
            h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; color: #1f3a5f; }
            h1 { margin-top: 28px; }
            .lead { font-size: 1.1em; }
            .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
            table { border-collapse: collapse; font-family: Helvetica, Arial, sans-serif; font-size: 0.85em; margin: 8px 0 16px; }
            th, td { border-bottom: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            td:first-child { white-space: nowrap; }
            .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
            @media (max-width: 520px) { .charts { grid-template-columns: 1fr; } }
            .axis svg { min-width: 760px; }
            .chart { border: 1px solid #ddd; padding: 4px; overflow-x: auto; -webkit-overflow-scrolling: touch; }
            .milestone { border-top: 3px solid #1f3a5f; margin-top: 32px; padding-top: 4px; }
            .meta { font-family: Helvetica, Arial, sans-serif; font-size: 0.9em; color: #444; }
            .changes li { margin-bottom: 4px; }
            .networks { font-style: italic; color: #444; }
            .unsimulated { color: #666; font-style: italic; }
            details summary { cursor: pointer; font-family: Helvetica, Arial, sans-serif; }
            @media print { .milestone { break-inside: avoid-page; } a { color: inherit; text-decoration: none; } }
            </style>
            </head>
            <body>

            """
        html += "<h1>\(Markup.escape(report.title))</h1>\n<p class=\"lead\">\(Markup.escape(report.summary))</p>\n"
        html +=
            "<p>Every milestone runs the same scenario, <strong>\(Markup.escape(report.scenario))</strong>: \(Markup.escape(report.scenarioSummary))</p>\n"
        html +=
            "<h2>The milestones</h2>\n<div class=\"scroll axis\">\n" + SVGTimeAxis.render(report.milestones)
            + "</div>\n"
        html +=
            "<h2>At a glance</h2>\n<div class=\"scroll\">\n" + table(TimelineCharts.summaryTable(report)) + "</div>\n"
        html +=
            "<div class=\"charts\">\n"
            + TimelineCharts.charts(report).map { "<div class=\"chart\">\n\($0)</div>\n" }.joined() + "</div>\n"
        for (index, milestone) in report.milestones.enumerated() {
            html += "<section class=\"milestone\" id=\"m\(index + 1)\">\n"
            html += "<h2>\(index + 1). \(Markup.escape(milestone.title))</h2>\n"
            html +=
                "<p class=\"meta\">\(Markup.escape(milestone.date)) · \(Markup.escape(milestone.rfcs.joined(separator: ", ")))"
            html +=
                milestone.era.map {
                    " · runs era <code>\(Markup.escape($0))</code>"
                        + (milestone.eraTitle.map { " (\(Markup.escape($0)))" } ?? "")
                }
                ?? " · <span class=\"unsimulated\">not simulated</span>"
            html += "</p>\n<p>\(Markup.escape(milestone.text))</p>\n"
            if let networks = milestone.networks {
                html +=
                    "<p class=\"networks\">\(Markup.escape(networks.prefix(1).uppercased() + networks.dropFirst())).</p>\n"
            }
            if !milestone.changes.isEmpty {
                html += "<h3>What changed in the figures</h3>\n<ul class=\"changes\">\n"
                html += milestone.changes.map { "<li>\(Markup.escape($0))</li>\n" }.joined() + "</ul>\n"
            }
            guard milestone.era != nil else {
                html += "</section>\n"
                continue
            }
            if let journey = milestone.journey {
                html += "<h3>The journey of \(Markup.escape(journey.messageID))</h3>\n<div class=\"scroll\">\n"
                html += SVGSequence.render(
                    journey, title: "The journey of \(journey.messageID) in \(milestone.era ?? "")", id: "m\(index + 1)"
                )
                html += "</div>\n"
            }
            html +=
                "<details><summary>All figures</summary>\n<div class=\"scroll\">\n"
                + table(TimelineCharts.figureTable(milestone)) + "</div>\n</details>\n"
            html += "</section>\n"
        }
        html +=
            "<p class=\"meta\">Made by mailpath timeline. Same timeline, same scenario, same seed: the same page, byte for byte.</p>\n"
        return html + "</body>\n</html>\n"
    }

    static func table(_ table: Table) -> String {
        var html = "<table>\n<thead><tr>"
        for (index, header) in table.headers.enumerated() {
            html += table.alignments[index] == .right ? "<th class=\"num\">" : "<th>"
            html += Markup.escape(header) + "</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                html += table.alignments[index] == .right ? "<td class=\"num\">" : "<td>"
                html += Markup.escape(cell) + "</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
