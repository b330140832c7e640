import Foundation
import TestSupport
import Testing

@testable import Experiments
@testable import MailpathCLI

/// `viewer.html` (run --out, trace --viewer) loaded in a real browser: Debian's chromium,
/// headless, with the page's state set from the address's fragment and read back from its DOM.
@Suite(.serialized) struct ViewerTests {
    static func example(_ name: String) -> String {
        repositoryRoot().appendingPathComponent("Docs/examples/\(name)").path
    }

    /// The DOM after the page's script has run (chromium --dump-dom with a virtual time budget).
    static func dom(_ file: String, fragment: String, width: Int = 1280) throws -> String {
        let (status, output) = try TestEnvironment.run(
            "/usr/bin/env",
            [
                "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=\(width),900", "--virtual-time-budget=5000",
                "--dump-dom", "file://\(file)#\(fragment)",
            ])
        try #require(status == 0, "chromium failed (is Debian's chromium installed? .ci/run installs it)")
        return output
    }

    static func element(_ id: String, in dom: String) -> String? {
        for tag in ["output", "div", "span", "pre"] {
            if let start = dom.range(of: "<\(tag) id=\"\(id)\">"),
                let end = dom[start.upperBound...].range(of: "</\(tag)>")
            {
                return String(dom[start.upperBound..<end.lowerBound])
            }
        }
        return nil
    }

    @Test(
        "run --out writes viewer.html: one page with no outside resources; stepping to an event shows it, its session's transcript and its host"
    )
    func stepping() throws {
        let out = TemporaryFiles.path("viewer")
        #expect(
            mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code
                == .success)
        let page = try String(contentsOfFile: out + "/viewer.html", encoding: .utf8)
        #expect(!page.contains("https://") && !page.contains("<link") && !page.contains(" src="), "self-contained")
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        // The 12th record of the trace, as the page should show it.
        let dom = try Self.dom(out + "/viewer.html", fragment: "event=12")
        #expect(Self.element("position", in: dom) == "event 12 of \(trace.count)")
        let record = trace[11]
        let host = try #require(record.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first)
        #expect(
            Self.element("now", in: dom)?.hasPrefix(String(host) + " ") == true,
            "\(Self.element("now", in: dom) ?? "") vs \(record)")
        // conn1 is A's session with D: its transcript so far, in RFC 821's S:/R: notation.
        let transcript = try #require(Self.element("transcript", in: dom))
        #expect(transcript.hasPrefix("R: 220 D Simple Mail Transfer Service Ready\nS: HELO A\n"), "\(transcript)")
        #expect(dom.contains("Session transcript <span id=\"sessionName\">conn1 (A → D)</span>"))
        // The topology: D, P and U are gateways (two networks each, two rings), NS a router.
        for gateway in ["D", "P", "U"] {
            #expect(
                dom.contains("class=\"host gateway\" data-name=\"\(gateway)\"")
                    || dom.contains("class=\"host gateway active\" data-name=\"\(gateway)\""))
        }
        #expect(dom.contains("class=\"host router\" data-name=\"NS\""))
        #expect(
            dom.components(separatedBy: "class=\"legend\"").count - 1 == 4,
            "ARPANET, CSNET, BITNET and UUCP in the legend")
    }

    @Test("load, step ten events, seek to the message's delivery: the transcript is the session that delivered it")
    func stepAndSeek() throws {
        let out = TemporaryFiles.path("viewer")
        #expect(
            mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code
                == .success)
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let stepped = try Self.dom(out + "/viewer.html", fragment: "steps=10")
        #expect(
            Self.element("position", in: stepped) == "event 11 of \(trace.count)",
            "ten presses of the step button from the first event")
        // Seek: the first [deliver] of message 0, which Z delivers at the end of U's session.
        let delivered = try Self.dom(out + "/viewer.html", fragment: "kind=deliver&message=w0@")
        #expect(
            Self.element("now", in: delivered)?.hasPrefix("Z [deliver] &lt;w0@mailpath.invalid&gt; to &lt;joe@Z&gt;")
                == true, "\(Self.element("now", in: delivered) ?? "")")
        let transcript = try #require(Self.element("transcript", in: delivered))
        #expect(delivered.contains("Session transcript <span id=\"sessionName\">conn4 (U → Z)</span>"))
        #expect(transcript.contains("S: RCPT TO:&lt;joe@Z&gt;\nR: 250 OK\nS: DATA\n"), "\(transcript)")
    }

    @Test("a crashed host is drawn down from its crash to its restart")
    func hostsDown() throws {
        let out = TemporaryFiles.path("viewer")
        #expect(mailpath(["run", Self.example("fault-drill.json"), "--out", out, "--quiet"]).code == .success)
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let crash = try #require(trace.firstIndex { $0.contains("backup.c.org fault     crash") }) + 1
        let restart = try #require(trace.firstIndex { $0.contains("backup.c.org fault     restart") }) + 1
        func down(_ event: Int) throws -> Bool {
            let dom = try Self.dom(out + "/viewer.html", fragment: "event=\(event)")
            let tag = try #require(dom.range(of: "data-name=\"backup.c.org\"")).lowerBound
            return dom[dom.index(tag, offsetBy: -40)..<tag].contains("down")
        }
        #expect(try !down(crash - 1))
        #expect(try down(crash))
        #expect(try down(restart - 1))
        #expect(try !down(restart))
    }

    @Test("a run longer than the page's limit shows its first events and says how many there were")
    func limit() throws {
        let scenario = try ExperimentSupport.scenario(Self.example("relay-story.json"))
        let era = try ExperimentSupport.era(named: "smtp-1982")
        let outcome = try Experiment.run(
            scenario, era: era, workload: scenario.makeWorkload(), options: RunOptions(tracing: true))
        let run = ExperimentSupport.viewerRun(outcome, label: "smtp-1982", limit: 10)
        #expect(run.events.count == 10)
        #expect(run.label == "smtp-1982 (the first 10 of \(outcome.result.trace.count) events)")
        #expect(ExperimentSupport.viewerRun(outcome, label: "smtp-1982").events.count == outcome.result.trace.count)
    }

    @Test("filters from the fragment: a host's events only, counted as the trace counts them")
    func filters() throws {
        let out = TemporaryFiles.path("viewer")
        #expect(
            mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code
                == .success)
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let atZ = trace.filter { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "Z" }
            .count
        let dom = try Self.dom(out + "/viewer.html", fragment: "host=Z")
        #expect(Self.element("shown", in: dom) == "\(atZ) of \(trace.count)")
    }

    @Test("a run of some 10,000 events keeps only the rows in view in the page, on a 390-pixel phone too")
    func lazyRows() throws {
        let out = TemporaryFiles.path("viewer")
        #expect(mailpath(["run", Self.example("internet-2001.json"), "--out", out, "--quiet"]).code == .success)
        let records = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n").count
        #expect(records > 10_000, "\(records) events")
        for width in [1280, 390] {
            let dom = try Self.dom(out + "/viewer.html", fragment: "event=\(records / 2)", width: width)
            #expect(Self.element("position", in: dom) == "event \(records / 2) of \(records)")
            let rows = dom.components(separatedBy: "class=\"row").count - 1
            #expect(rows > 0 && rows < 100, "\(rows) rows in the page at \(width) px")
            #expect(dom.contains("data-event=\"\(records / 2)\""), "the current event's row is drawn")
        }
    }

    @Test("trace --viewer with --text: the message's header as the current hop's text carries it")
    func textPanel() throws {
        let file = TemporaryFiles.path("viewer", suffix: ".html")
        #expect(
            mailpath([
                "trace", Self.example("relay-story.json"), "--era", "smtp-1982", "--text", "--viewer", file, "--quiet",
            ]).code == .success)
        // The last header line D sends on conn2 (to P): its text carries A→D's Received line.
        let dom = try Self.dom(file, fragment: "conn=conn2&kind=text&message=Message-ID")
        let text = try #require(Self.element("text", in: dom))
        #expect(text.hasPrefix("Received: from A by D ; "), "\(text)")
    }
}

/// `compare --viewer`: two eras side by side, stepped in lockstep.
@Suite(.serialized) struct LockstepViewerTests {
    /// The event times embedded for run `suffix` ("" or "-2").
    static func times(_ page: String, _ suffix: String) throws -> [Double] {
        let open =
            "<script id=\"data\(suffix)\" class=\"run-data\" data-suffix=\"\(suffix)\" type=\"application/json\">"
        let start = try #require(page.range(of: open))
        let end = try #require(page[start.upperBound...].range(of: "</script>"))
        let json =
            try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as? [String: Any]
        let events = try #require(json?["events"] as? [[Any]])
        return events.map { ($0[0] as? Double) ?? Double("\($0[0])")! }
    }

    @Test(
        "two eras side by side: each lockstep step goes to the next moment either run has an event, each run at its last event by then"
    )
    func lockstep() throws {
        let file = TemporaryFiles.path("both", suffix: ".html")
        let result = mailpath([
            "compare", ViewerTests.example("relay-story.json"), "--eras", "smtp-1982,mx-1986", "--viewer", file,
            "--quiet",
        ])
        #expect(result.code == .success, "\(result.err)")
        let page = try String(contentsOfFile: file, encoding: .utf8)
        let (left, right) = (try Self.times(page, ""), try Self.times(page, "-2"))
        // The lockstep, worked out here: from each run's first event, a step takes the earlier of
        // the two runs' next events' times, and each run goes to its last event at or before it.
        func walk(_ steps: Int) -> (moment: Double, left: Int, right: Int) {
            var (l, r, moment) = (0, 0, 0.0)
            for _ in 0..<steps {
                moment = min(
                    l + 1 < left.count ? left[l + 1] : .infinity, r + 1 < right.count ? right[r + 1] : .infinity)
                l = left.lastIndex { $0 <= moment }!
                r = right.lastIndex { $0 <= moment }!
            }
            return (moment, l + 1, r + 1)
        }
        for steps in [5, 30] {
            let dom = try ViewerTests.dom(file, fragment: "steps=\(steps)")
            let expected = walk(steps)
            #expect(
                ViewerTests.element("lockClock", in: dom) == "both at \(String(format: "%.6f", expected.moment)) s",
                "\(steps) steps")
            #expect(ViewerTests.element("position", in: dom) == "event \(expected.left) of \(left.count)")
            #expect(ViewerTests.element("position-2", in: dom) == "event \(expected.right) of \(right.count)")
            #expect(expected.left > 1 && expected.right > 1, "both runs moved")
        }
        let three = mailpath([
            "compare", ViewerTests.example("relay-story.json"), "--eras", "smtp-1982,mx-1986,smtp-2001", "--viewer",
            file,
        ])
        #expect(three.code == .usage)
    }
}
