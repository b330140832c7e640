import Foundation
import Testing
import TestSupport

@testable import MailpathCLI

/// `viewer.html` (run --out, trace --viewer) loaded in a real browser: Debian's chromium,
/// headless, with the page's state set from the address's fragment and read back from its DOM.
@Suite(.serialized) struct ViewerTests {
    static func example(_ name: String) -> String { repositoryRoot().appendingPathComponent("Docs/examples/\(name)").path }

    /// The DOM after the page's script has run (chromium --dump-dom with a virtual time budget).
    static func dom(_ file: String, fragment: String, width: Int = 1280) throws -> String {
        let process = TestEnvironment.process(
            "/usr/bin/env",
            [
                "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=\(width),900", "--virtual-time-budget=5000",
                "--dump-dom", "file://\(file)#\(fragment)",
            ])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "chromium failed (is Debian's chromium installed? .ci/run installs it)")
        return String(decoding: data, as: UTF8.self)
    }

    static func element(_ id: String, in dom: String) -> String? {
        for tag in ["output", "div", "span", "pre"] {
            if let start = dom.range(of: "<\(tag) id=\"\(id)\">"), let end = dom[start.upperBound...].range(of: "</\(tag)>") {
                return String(dom[start.upperBound..<end.lowerBound])
            }
        }
        return nil
    }

    @Test("run --out writes viewer.html: one page with no outside resources; stepping to an event shows it, its session's transcript and its host")
    func stepping() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-viewer-\(UUID().uuidString)").path
        #expect(mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code == .success)
        let page = try String(contentsOfFile: out + "/viewer.html", encoding: .utf8)
        #expect(!page.contains("https://") && !page.contains("<link") && !page.contains(" src="), "self-contained")
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        // The 12th record of the trace, as the page should show it.
        let dom = try Self.dom(out + "/viewer.html", fragment: "event=12")
        #expect(Self.element("position", in: dom) == "event 12 of \(trace.count)")
        let record = trace[11]
        let host = try #require(record.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first)
        #expect(Self.element("now", in: dom)?.hasPrefix(String(host) + " ") == true, "\(Self.element("now", in: dom) ?? "") vs \(record)")
        // conn1 is A's session with D: its transcript so far, in RFC 821's S:/R: notation.
        let transcript = try #require(Self.element("transcript", in: dom))
        #expect(transcript.hasPrefix("R: 220 D Simple Mail Transfer Service Ready\nS: HELO A\n"), "\(transcript)")
        #expect(dom.contains("Session transcript <span id=\"sessionName\">conn1 (A → D)</span>"))
    }

    @Test("load, step ten events, seek to the message's delivery: the transcript is the session that delivered it")
    func stepAndSeek() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-viewer-\(UUID().uuidString)").path
        #expect(mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code == .success)
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let stepped = try Self.dom(out + "/viewer.html", fragment: "steps=10")
        #expect(Self.element("position", in: stepped) == "event 11 of \(trace.count)", "ten presses of the step button from the first event")
        // Seek: the first [deliver] of message 0, which Z delivers at the end of U's session.
        let delivered = try Self.dom(out + "/viewer.html", fragment: "kind=deliver&message=w0@")
        #expect(Self.element("now", in: delivered)?.hasPrefix("Z [deliver] &lt;w0@mailpath.invalid&gt; to &lt;joe@Z&gt;") == true, "\(Self.element("now", in: delivered) ?? "")")
        let transcript = try #require(Self.element("transcript", in: delivered))
        #expect(delivered.contains("Session transcript <span id=\"sessionName\">conn4 (U → Z)</span>"))
        #expect(transcript.contains("S: RCPT TO:&lt;joe@Z&gt;\nR: 250 OK\nS: DATA\n"), "\(transcript)")
    }

    @Test("filters from the fragment: a host's events only, counted as the trace counts them")
    func filters() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-viewer-\(UUID().uuidString)").path
        #expect(mailpath(["run", Self.example("relay-story.json"), "--era", "smtp-1982", "--out", out, "--quiet"]).code == .success)
        let trace = try String(contentsOfFile: out + "/trace.txt", encoding: .utf8).split(separator: "\n")
        let atZ = trace.filter { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "Z" }.count
        let dom = try Self.dom(out + "/viewer.html", fragment: "host=Z")
        #expect(Self.element("shown", in: dom) == "\(atZ) of \(trace.count)")
    }

    @Test("a run of some 10,000 events keeps only the rows in view in the page, on a 390-pixel phone too")
    func lazyRows() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-viewer-\(UUID().uuidString)").path
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
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-viewer-\(UUID().uuidString).html").path
        #expect(mailpath(["trace", Self.example("relay-story.json"), "--era", "smtp-1982", "--text", "--viewer", file, "--quiet"]).code == .success)
        // The last header line D sends on conn2 (to P): its text carries A→D's Received line.
        let dom = try Self.dom(file, fragment: "conn=conn2&kind=text&message=Message-ID")
        let text = try #require(Self.element("text", in: dom))
        #expect(text.hasPrefix("Received: from A by D ; "), "\(text)")
    }
}
