import Foundation
import TestSupport
import Testing

@testable import Reports

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses text as XML; `nil` when it is well formed, else the parser's complaint.
func xmlProblem(_ text: String) -> String? {
    // HTML5's doctype is not XML; everything after it must be.
    let body = text.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
    let parser = XMLParser(data: Data(body.utf8))
    return parser.parse()
        ? nil
        : "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "unknown")"
}

/// A small report: two simulated milestones and one told but not simulated.
let sampleReport: TimelineReport = {
    func figures(_ p50: Double, _ hops: Double, _ trips: Double) -> [TimelineReport.Figure] {
        [
            .init(key: "latency_p50_s", label: "latency p50 (s)", text: String(format: "%.3f", p50), value: p50),
            .init(
                key: "latency_p95_s", label: "latency p95 (s)", text: String(format: "%.3f", p50 * 2), value: p50 * 2),
            .init(key: "hops_mean", label: "hops per recipient", text: String(format: "%.2f", hops), value: hops),
            .init(
                key: "round_trips_per_message", label: "round trips per message", text: String(format: "%.2f", trips),
                value: trips),
            .init(key: "protocol_bytes", label: "protocol bytes", text: "1824", value: 1824),
            .init(key: "text_bytes", label: "message text bytes", text: "4896", value: 4896),
            .init(key: "connections", label: "TCP connections", text: "8", value: 8),
            .init(key: "dns_queries", label: "DNS queries", text: "0", value: 0),
        ]
    }
    let journey = TimelineReport.Journey(
        messageID: "<w0@mailpath.invalid>", participants: ["A", "D"],
        steps: [
            .init(
                time: 0, kind: .note, from: 0, to: nil, text: "[submit] <w0@mailpath.invalid> from <ann@A> to <joe@Z>"),
            .init(time: 0.154, kind: .reply, from: 1, to: 0, text: "220 D Simple Mail Transfer Service Ready"),
            .init(time: 0.218, kind: .command, from: 0, to: 1, text: "HELO A"),
            .init(time: 0.435, kind: .command, from: 0, to: 1, text: "RCPT TO:<@D,@P,@U:joe@Z>"),
            .init(time: 0.601, kind: .reply, from: 1, to: 0, text: "354 Start mail input; end with <CRLF>.<CRLF>"),
        ], clientLabel: "S:", serverLabel: "R:")
    var smtp = TimelineReport.Milestone(
        date: "1982-08", rfcs: ["RFC 821"], title: "SMTP", text: "Source routes.", era: "smtp-1982",
        eraTitle: "SMTP with source routes",
        figures: figures(23.026, 4, 28), changes: [], journey: journey)
    smtp.networks = "networks: ARPANET & <UUCP>; not yet founded, left out: CSNET (1981)"
    return TimelineReport(
        title: "A & B: <small> timeline", summary: "Two eras \"side by side\".", scenario: "relay-story",
        scenarioSummary: "A writes to Z.",
        milestones: [
            .init(
                date: "1980-06", rfcs: ["RFC 765"], title: "FTP mail", text: "Told, not run.", era: nil, eraTitle: nil,
                figures: [], changes: [], journey: nil),
            smtp,
            .init(
                date: "1986-01", rfcs: ["RFC 974"], title: "MX", text: "One hop.", era: "mx-1986",
                eraTitle: "MX routing", figures: figures(8.264, 1, 7),
                changes: [
                    "factors changed: routing source-routes → mx", "hops per recipient 4.00 → 1.00 (routing -3)",
                ],
                journey: journey),
        ])
}()

@Suite struct TimelineRendererTests {
    @Test("the Markdown renderer (golden)")
    func markdown() {
        let text = TimelineMarkdown.render(sampleReport)
        #expect(text.contains("```mermaid\nsequenceDiagram\n"))
        #expect(text.contains("H1->>H2: 0.218 HELO A"))
        #expect(text.contains("RCPT TO#58;#lt;@D,@P,@U#58;joe@Z#gt;"), "Mermaid's reserved characters are escaped")
        // A milestone that ran only some of the scenario's networks says which, in italics.
        #expect(text.contains("\n*Networks: ARPANET & <UUCP>; not yet founded, left out: CSNET (1981).*\n"))
        Golden.check(text, matches: "timeline.md")
    }

    @Test("the CSV and JSON renderers (golden)")
    func csvAndJSON() {
        let csv = sampleReport.csv
        #expect(csv.hasPrefix("date,rfcs,title,era,latency_p50_s,"))
        #expect(csv.split(separator: "\r\n").count == 4)
        Golden.check(csv, matches: "timeline.csv")
        Golden.check(sampleReport.json.rendered(), matches: "timeline.json")
    }

    @Test("the SVG charts and the sequence diagram (golden), each well-formed XML")
    func svg() throws {
        let chart = SVGChart.bars(
            title: "Hops per recipient", unit: "hops", labels: ["RFC 821", "RFC 974"],
            series: [.init(name: "mean", values: [4, 1])])
        let lines = SVGChart.lines(
            title: "Latency", unit: "seconds", labels: ["RFC 821", "RFC 974", "RFC 2821"],
            series: [.init(name: "p50", values: [23, 8.2, nil]), .init(name: "p95", values: [46, 16.5, 12])])
        let sequence = SVGSequence.render(sampleReport.milestones[1].journey!, title: "journey")
        let axis = SVGTimeAxis.render(sampleReport.milestones)
        for (name, svg) in [
            ("chart-bars.svg", chart), ("chart-lines.svg", lines), ("sequence.svg", sequence), ("time-axis.svg", axis),
        ] {
            #expect(xmlProblem(svg) == nil, "\(name): \(xmlProblem(svg) ?? "")")
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            Golden.check(svg, matches: name)
        }
        #expect(sequence.contains("S: HELO A"), "RFC 821's notation")
        #expect(sequence.contains("stroke-dasharray=\"5 3\""), "replies are dashed")
        #expect(lines.contains("stroke-dasharray=\"6 4\""), "the second series differs in dash, not only in shade")
    }

    @Test("the HTML page is one well-formed document with no scripts or outside resources")
    func html() {
        let html = TimelineHTML.render(sampleReport)
        #expect(xmlProblem(html) == nil, "\(xmlProblem(html) ?? "")")
        #expect(html.contains("A &amp; B: &lt;small&gt; timeline"), "titles are escaped")
        #expect(!html.contains("<script"))
        #expect(
            !html.contains("http://")
                || html.components(separatedBy: "http://").dropFirst().allSatisfy {
                    $0.hasPrefix("www.w3.org/2000/svg")
                })
        #expect(!html.contains("https://"))
        #expect(html.contains("not simulated"))
        #expect(
            html.components(separatedBy: "<svg ").count - 1 == 1 + 7 + 2,
            "a time axis, seven charts, two sequence diagrams")
        // Every id is unique on the page (each sequence diagram names its own arrowhead).
        let ids = html.components(separatedBy: " id=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(ids.count > 2)
        #expect(Set(ids).count == ids.count, "duplicate ids: \(ids)")
        #expect(
            html.contains(
                "<p class=\"networks\">Networks: ARPANET &amp; &lt;UUCP&gt;; not yet founded, left out: CSNET (1981).</p>"
            ))
        Golden.check(html, matches: "timeline.html")
    }

    @Test(
        "sequence diagrams show every label whole, name the connection when there are several, and widen to hold the longest"
    )
    func sequenceLabels() {
        let route = "MAIL FROM:<jqp@MIT-AI> TO:<@CSNET-RELAY,farber@UDEL>"
        let journey = TimelineReport.Journey(
            messageID: "<w0@x>", participants: ["MIT-AI", "WISCVM", "CSNET-RELAY"],
            steps: [
                .init(
                    time: 0, kind: .note, from: 0, to: nil,
                    text: "[submit] <w0@mailpath.invalid> from <jqp@MIT-AI> to <farber@UDEL>, <fuchs@CUNYVM>"),
                .init(time: 0.5, kind: .command, from: 0, to: 2, text: route, connection: "conn1"),
                .init(
                    time: 0.6, kind: .command, from: 0, to: 1, text: "MAIL FROM:<jqp@MIT-AI> TO:<@WISCVM,fuchs@CUNYVM>",
                    connection: "conn2"),
                .init(
                    time: 0.7, kind: .reply, from: 2, to: 0, text: "354 Start mail input; end with <CRLF>.<CRLF>",
                    connection: "conn1"),
            ], clientLabel: "S:", serverLabel: "R:")
        let svg = SVGSequence.render(journey, title: "t")
        #expect(svg.contains(Markup.escape("S: " + route)), "the source route is shown whole")
        #expect(
            svg.contains(
                "[submit] &lt;w0@mailpath.invalid&gt; from &lt;jqp@MIT-AI&gt; to &lt;farber@UDEL&gt;, &lt;fuchs@CUNYVM&gt;"
            ))
        #expect(!svg.contains("…"), "nothing is cut short")
        #expect(svg.components(separatedBy: "<tspan").count - 1 == 3, "each line names its connection")
        let single = TimelineReport.Journey(
            messageID: "<w0@x>", participants: ["A", "B"],
            steps: [.init(time: 0, kind: .command, from: 0, to: 1, text: "HELO A", connection: "conn1")],
            clientLabel: "S:", serverLabel: "R:")
        #expect(!SVGSequence.render(single, title: "t").contains("<tspan"), "one connection needs no name")
    }

    @Test(
        "axis ticks fall on round steps (1, 2 or 5 times a power of ten), three to seven of them, up to the data's maximum"
    )
    func scale() {
        func ticks(_ maximum: Double) -> [String] { SVGChart.Scale(maximum).labels }
        #expect(ticks(0) == ["0", "0.250", "0.500", "0.750", "1"])
        #expect(ticks(4) == ["0", "1", "2", "3", "4"])
        #expect(ticks(28) == ["0", "5", "10", "15", "20", "25", "30"])
        #expect(ticks(50) == ["0", "10", "20", "30", "40", "50"])
        #expect(ticks(76202) == ["0", "20,000", "40,000", "60,000", "80,000"])
        #expect(ticks(1_000_000) == ["0", "200,000", "400,000", "600,000", "800,000", "1,000,000"])
        for maximum in [0.3, 7.0, 13.0, 99.0, 101.0, 123_456.0] {
            let scale = SVGChart.Scale(maximum)
            #expect((3...7).contains(scale.ticks) && scale.maximum >= maximum, "\(maximum)")
        }
    }
}
