import Foundation
import TestSupport
import Testing

@testable import Experiments
@testable import MailpathCLI

/// A temporary folder for one test, removed afterwards.
final class Scratch {
    let path: String
    init(_ name: String) {
        path = TemporaryFiles.path(name)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String, _ name: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path + "/" + name, encoding: .utf8) }
}

@Suite struct SweepTests {
    static let relayStory = repositoryRoot().appendingPathComponent("Docs/examples/relay-story.json").path

    /// Eras × a link's latency × replications: 2 × 3 × 2 = 12 runs of the relay story.
    static func plan(in scratch: Scratch) throws -> String {
        try scratch.write(
            """
            {
              "format": "mailpath-sweep/1",
              "scenario": "\(relayStory)",
              "replications": 2,
              "grid": {
                "era": ["smtp-1982", "mx-1986"],
                "links[1].latency": ["30ms", "300ms", "3s"]
              }
            }
            """, "plan.json")
    }

    @Test("a sweep runs every point and replication into tidy results, every parameter a column")
    func tidyResults() throws {
        let scratch = Scratch("sweep")
        let plan = try Self.plan(in: scratch)
        let result = mailpath("sweep", plan, "--out", scratch.path + "/all", "--quiet")
        #expect(result.code == .success, "\(result.err)")
        #expect(
            result.out == "12 of 12 runs in \(scratch.path)/all/results.csv and \(scratch.path)/all/results.jsonl\n")
        let csv = try scratch.read("all/results.csv")
        #expect(csv.hasPrefix("run,point,replication,seed,era,links[1].latency,figure,value\r\n"))
        // A slower link between D and P delays the mail that crosses it: read from the rows themselves.
        func value(_ era: String, _ latency: String, _ figure: String) -> Double? {
            let rows = csv.split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            return rows.first { $0.count == 8 && $0[4] == era && $0[5] == latency && $0[6] == figure && $0[2] == "0" }
                .flatMap { Double($0[7]) }
        }
        let slow = try #require(value("smtp-1982", "3s", "latency_mean_s"))
        let fast = try #require(value("smtp-1982", "30ms", "latency_mean_s"))
        #expect(slow > fast + 5)
        #expect(
            try #require(value("mx-1986", "3s", "latency_mean_s")) > #require(
                value("mx-1986", "30ms", "latency_mean_s")))
        // Python's csv module reads it as it is: a header and one row per run and figure.
        let figures = mailpath("run", Self.relayStory, "--format", "csv", "--quiet").out.split(separator: "\r\n")[0]
            .split(separator: ",").count
        let check = try scratch.write(
            """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            lines = [json.loads(line) for line in open(sys.argv[2])]
            assert len(rows) == len(lines), (len(rows), len(lines))
            assert all(set(row) == {"run", "point", "replication", "seed", "era", "links[1].latency", "figure", "value"} for row in rows)
            assert {row["run"] for row in rows} == {str(n) for n in range(12)}
            assert all(row["value"] == "" or float(row["value"]) == float(row["value"]) for row in rows)
            assert [row["figure"] for row in rows] == [line["figure"] for line in lines]
            print(len(rows))
            """, "check.py")
        let python = TestEnvironment.process(
            "/usr/bin/env", ["python3", check, scratch.path + "/all/results.csv", scratch.path + "/all/results.jsonl"])
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(output == "\(12 * figures)\n")
    }

    @Test(
        "an interrupted sweep resumes without running finished runs again, and ends as an uninterrupted one; one job or two, the same"
    )
    func resume() throws {
        let scratch = Scratch("resume")
        let plan = try Self.plan(in: scratch)
        #expect(mailpath("sweep", plan, "--out", scratch.path + "/whole", "--quiet", "--jobs", "1").code == .success)
        // The interrupted sweep: runs 5 and 9 had not finished (their files are missing), and
        // the results were not written yet.
        #expect(mailpath("sweep", plan, "--out", scratch.path + "/resumed", "--quiet", "--jobs", "2").code == .success)
        for run in ["000005", "000009"] {
            try FileManager.default.removeItem(atPath: scratch.path + "/resumed/runs/\(run).csv")
        }
        try FileManager.default.removeItem(atPath: scratch.path + "/resumed/runs/000009.jsonl")
        try FileManager.default.removeItem(atPath: scratch.path + "/resumed/results.csv")
        // A finished run is not run again: its file is kept as it is, even if changed.
        let marker = scratch.path + "/resumed/runs/000003.csv"
        let original = try String(contentsOfFile: marker, encoding: .utf8)
        try (original + "marker\r\n").write(toFile: marker, atomically: true, encoding: .utf8)
        let again = mailpath("sweep", plan, "--out", scratch.path + "/resumed", "--jobs", "2")
        #expect(again.code == .success)
        #expect(again.err.contains("sweep: 12 runs, 10 already finished, 2 at once\n"))
        #expect(try scratch.read("resumed/results.csv").contains("marker\r\n"))
        try original.write(toFile: marker, atomically: true, encoding: .utf8)
        #expect(mailpath("sweep", plan, "--out", scratch.path + "/resumed", "--quiet").code == .success)
        #expect(try scratch.read("resumed/results.csv") == scratch.read("whole/results.csv"))
        #expect(try scratch.read("resumed/results.jsonl") == scratch.read("whole/results.jsonl"))
    }

    @Test("shards run disjoint shares, and merging them gives the unsharded results byte for byte")
    func shards() throws {
        let scratch = Scratch("shards")
        let plan = try Self.plan(in: scratch)
        #expect(mailpath("sweep", plan, "--out", scratch.path + "/whole", "--quiet").code == .success)
        var folders: [String] = []
        for k in 1...5 {
            let folder = scratch.path + "/shard\(k)"
            let result = mailpath("sweep", plan, "--out", folder, "--quiet", "--shard", "\(k)/5")
            #expect(result.code == .success)
            #expect(result.out.hasPrefix("\(k <= 2 ? 3 : 2) of 12 runs"))
            folders.append(folder)
        }
        let merged = mailpath(["sweep", "merge", plan, "--out", scratch.path + "/merged"] + folders)
        #expect(merged.code == .success, "\(merged.err)")
        #expect(merged.out.hasPrefix("merged 5 folders: 12 of 12 runs"))
        #expect(try scratch.read("merged/results.csv") == scratch.read("whole/results.csv"))
        #expect(try scratch.read("merged/results.jsonl") == scratch.read("whole/results.jsonl"))
        // A folder of another plan is refused, for running and for merging.
        let other = try scratch.write(
            try String(contentsOfFile: plan, encoding: .utf8).replacingOccurrences(of: "\"3s\"", with: "\"4s\""),
            "other.json")
        let refused = mailpath("sweep", other, "--out", scratch.path + "/whole", "--quiet")
        #expect(refused.code != .success && refused.err.contains("holds the results of another plan"))
        #expect(mailpath("sweep", "merge", other, "--out", scratch.path + "/merged2", folders[0]).code != .success)
    }

    @Test("the shipped plan (Docs/examples/load-sweep.json) is valid: 2 eras × 3 rates × 2 settings × 3 replications")
    func shippedPlan() throws {
        let path = repositoryRoot().appendingPathComponent("Docs/examples/load-sweep.json").path
        let plan = try SweepPlan.decode(try String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(plan.points.count == 12 && plan.replications == 3 && plan.runCount == 36)
        #expect(plan.parameters.map(\.name) == ["era", "workload.generate[0].rate", "factor.pipelining"])
        let (scenario, era) = try plan.setup(point: 11)
        #expect(era.name == "esmtp-1995" && era.factors.pipelining)
        #expect(plan.values(point: 11) == ["esmtp-1995", "80/s", "on"])
        #expect(scenario.name == "internet-2001")
        #expect(try plan.setup(point: 0).era.name == "mx-1986")  // pipelining off is mx-1986's own
    }

    @Test("a bad plan is refused before anything runs, with the file, line, column and parameter")
    func badPlans() throws {
        let scratch = Scratch("bad")
        func error(_ grid: String) throws -> String {
            let plan = try scratch.write(
                "{\"format\": \"mailpath-sweep/1\", \"scenario\": \"\(Self.relayStory)\",\n \"grid\": \(grid)}",
                "bad.json")
            let result = mailpath("sweep", plan, "--out", scratch.path + "/out", "--quiet")
            #expect(result.code == .dataError)
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out/runs"))
            return result.err.replacingOccurrences(of: scratch.path + "/", with: "")
        }
        #expect(
            try error(#"{"links[1].latency": ["1s", "slow"]}"#)
                == "mailpath: error: bad.json:2:38: links[1].latency (point 1): expected a duration such as \"20ms\", \"1.5s\", \"30m\", \"2h\" or \"5d\", found \"slow\"\n"
        )
        #expect(
            try error(#"{"links[9].latency": ["1s"]}"#).contains(
                "bad.json:2:32: links[9].latency (point 0): links[9]: the array has 6 elements in "))
        #expect(
            try error(#"{"factor.dns": ["maybe"]}"#)
                == "mailpath: error: bad.json:2:26: factor.dns (point 0): factor dns takes off, on, not maybe\n")
        #expect(
            try error(#"{"factor.colour": ["red"]}"#).contains(
                "bad.json:2:28: grid.\"factor.colour\": unknown factor \"colour\""))
        #expect(try error(#"{"era": ["mx-1999"]}"#).contains("bad.json:2:19: era (point 0): expected an era name"))
        #expect(
            try error(#"{"colour": ["red"]}"#).contains("bad.json:2:22: colour (point 0): unknown field \"colour\""))
        #expect(try error(#"{"era": []}"#).contains("needs at least one value"))
        #expect(
            mailpath("sweep", try Self.plan(in: scratch), "--out", scratch.path + "/o", "--shard", "3/2").code == .usage
        )
        #expect(mailpath("sweep", try Self.plan(in: scratch)).code == .usage)
    }
}

@Suite struct SweepPlaceTests {
    /// "line:column" of the `occurrence`th (from 1) appearance of `needle` in `text`, counted here
    /// from the text itself.
    func place(of needle: String, in text: String, occurrence: Int = 1) -> String {
        let bytes = Array(text.utf8)
        let wanted = Array(needle.utf8)
        let offsets = bytes.indices.filter { bytes[$0...].starts(with: wanted) }
        let offset = offsets[occurrence - 1]
        let line = bytes[..<offset].filter { $0 == 0x0a }.count + 1
        let column = offset - (bytes[..<offset].lastIndex(of: 0x0a).map { $0 + 1 } ?? 0) + 1
        return "\(line):\(column)"
    }

    @Test(
        "an error in a scenario a sweep has edited is placed where it stands: in the scenario file as written, or in the plan's value"
    )
    func errorsInEditedScenarios() throws {
        let scratch = Scratch("sweep-places")
        let scenario = """
            {"format": "mailpath-scenario/1", "networks": ["N"],
             "hosts": [{"name": "A", "networks": "N", "users": "ann"}, {"name": "B", "networks": "N", "users": "bob"}], "links": [{"between": ["A", "B"], "network": "N", "latency": "10ms"}],
             "workload": {"messages": [{"at": "0s", "from": "ann@A", "to": "bob@B"}]}}
            """
        _ = try scratch.write(scenario, "s.json")
        func error(_ grid: String) throws -> String {
            let plan = try scratch.write(
                "{\"format\": \"mailpath-sweep/1\", \"scenario\": \"s.json\",\n \"grid\": \(grid)}", "p.json")
            let result = mailpath("sweep", plan, "--out", scratch.path + "/out", "--quiet")
            #expect(result.code == .dataError)
            return result.err.replacingOccurrences(of: scratch.path + "/", with: "")
        }
        // A longer name for A, earlier on the line: the link that still names A is reported at its
        // column in s.json, not at the column the edited text has.
        #expect(
            try error(#"{"hosts[0].name": ["QQQQQQQQ"]}"#)
                == "mailpath: error: s.json:\(place(of: "\"A\"", in: scenario, occurrence: 2)): links[0].between[0]: unknown host \"A\"\n"
        )
        // A whole link from the plan, over two lines, with a bad latency inside it: the plan's place of "slow".
        let grid = "{\"links[0]\": [{\"between\": [\"A\", \"B\"],\n    \"network\": \"N\", \"latency\": \"slow\"}]}"
        let planText = "{\"format\": \"mailpath-sweep/1\", \"scenario\": \"s.json\",\n \"grid\": \(grid)}"
        #expect(
            try error(grid)
                == "mailpath: error: p.json:\(place(of: "\"slow\"", in: planText)): links[0].latency (point 0): expected a duration such as \"20ms\", \"1.5s\", \"30m\", \"2h\" or \"5d\", found \"slow\"\n"
        )
        // Two edits: the error after both is traced back through each.
        #expect(
            try error(#"{"hosts[1].users": ["bobby-the-second"], "hosts[0].name": ["Q"]}"#)
                == "mailpath: error: s.json:\(place(of: "\"A\"", in: scenario, occurrence: 2)): links[0].between[0]: unknown host \"A\"\n"
        )
    }
}
