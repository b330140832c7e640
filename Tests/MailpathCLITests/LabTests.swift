import Foundation
import Testing
import TestSupport

@testable import MailpathCLI

/// `mailpath lab`: the labs of Docs/labs, started into a folder and checked against answers the
/// checker computes by running the simulation or the engines.
@Suite(.serialized) struct LabTests {
    static let labs = repositoryRoot().appendingPathComponent("Docs/labs").path

    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-lab-\(UUID().uuidString)").path
    }

    /// A figure of a run, read from `run --format json` (not from the checker).
    static func figure(_ scenario: String, era: String, _ key: String, set: [String] = []) throws -> String {
        let result = mailpath(["run", repositoryRoot().appendingPathComponent("Docs/examples/\(scenario)").path, "--era", era, "--format", "json", "--quiet"] + set.flatMap { ["--set", $0] })
        let json = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let figures = try #require(json?["figures"] as? [String: Any])
        return try #require(figures[key].map { "\($0)" })
    }

    @Test("lab list names six labs, from FTP mail to SMTP smuggling")
    func list() {
        let result = mailpath(["lab", "list", "--labs", Self.labs])
        #expect(result.code == .success)
        let titles = result.out.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(titles.count == 6, "\(result.out)")
        #expect(titles.first?.hasPrefix("1  FTP mail (1980)") == true && titles.last?.hasPrefix("6  SMTP smuggling") == true)
    }

    @Test("lab start copies the worksheet, the scenario and an answers template, not the teacher's notes")
    func start() throws {
        let folder = Self.scratch()
        let result = mailpath(["lab", "start", "2", "--into", folder, "--labs", Self.labs])
        #expect(result.code == .success, "\(result.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["answers.txt", "scenario.json", "worksheet.md"])
        let template = try String(contentsOfFile: folder + "/answers.txt", encoding: .utf8)
        #expect(template.contains("# 1. In smtp-1982, how many hops does each message take?\n1: \n"))
        #expect(mailpath(["lab", "start", "2", "--into", folder, "--labs", Self.labs]).code == .failure, "an existing folder is left alone")
        let engines = Self.scratch()
        #expect(mailpath(["lab", "start", "6", "--into", engines, "--labs", Self.labs]).code == .success)
        #expect(try FileManager.default.contentsOfDirectory(atPath: engines).sorted() == ["answers.txt", "worksheet.md"])
    }

    @Test("lab check: answers read from independent runs are right; a wrong one gets feedback with the command to run")
    func checkFigures() throws {
        let folder = Self.scratch()
        _ = mailpath(["lab", "start", "2", "--into", folder, "--labs", Self.labs])
        let hops = try Self.figure("relay-story.json", era: "smtp-1982", "hops_mean")
        let sessions = try Self.figure("relay-story.json", era: "smtp-1982", "sessions")
        let trips = try Self.figure("relay-story.json", era: "smtp-1982", "round_trips_per_message")
        let mtp = try Self.figure("relay-story.json", era: "mtp-1981", "round_trips_per_message")
        try "1: \(hops)\n2: \(sessions)\n3: \(trips)\n4: \(mtp)\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let right = mailpath(["lab", "check", "2", folder + "/answers.txt", "--labs", Self.labs])
        #expect(right.code == .success, "\(right.out)")
        #expect(right.out.hasSuffix("4 of 4 right\n"))
        try "1: \(hops)\n2: 99\n3: \(trips)\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let wrong = mailpath(["lab", "check", "2", folder + "/answers.txt", "--labs", Self.labs])
        #expect(wrong.code == .failure)
        #expect(wrong.out.contains("2. not yet: you wrote 99; run `mailpath run scenario.json --era smtp-1982` and read \"mail sessions\"\n"))
        #expect(wrong.out.contains("4. not yet: no answer yet;"))
        #expect(wrong.out.hasSuffix("2 of 4 right\n"))
    }

    @Test("lab check runs a student's modified scenario: the fault drill loses nothing once the backup MX's queue is on disk")
    func checkScenario() throws {
        let folder = Self.scratch()
        _ = mailpath(["lab", "start", "5", "--into", folder, "--labs", Self.labs])
        let original = try String(contentsOfFile: folder + "/scenario.json", encoding: .utf8)
        try original.replacingOccurrences(of: "\"queue\": \"volatile\"", with: "\"queue\": \"persistent\"")
            .write(toFile: folder + "/fixed.json", atomically: true, encoding: .utf8)
        try "4: fixed.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let fixed = mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs])
        #expect(fixed.out.contains("4. right: in smtp-2001 your scenario gives lost = 0; the task asks for = 0\n"), "\(fixed.out)")
        try "4: scenario.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let unchanged = mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs])
        let lost = try Self.figure("fault-drill.json", era: "smtp-2001", "lost")
        #expect(unchanged.out.contains("4. not yet: in smtp-2001 your scenario gives lost = \(lost);"), "\(unchanged.out)")
        try "4: broken.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        #expect(mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs]).out.contains("4. not yet: your scenario does not run:"))
    }

    @Test("lab check feeds the smuggling bytes to the engines: 554 in RFC 821, 552 in RFC 780 MTP, nothing stored")
    func checkEngines() throws {
        let file = Self.scratch() + ".txt"
        try "1: 554\n2: 0\n3: 2\n4: 552\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = mailpath(["lab", "check", "6", file, "--labs", Self.labs])
        #expect(result.code == .success, "\(result.out)")
    }

    @Test("every lab's answers can be computed, and bad requests get one-line errors")
    func answersAndErrors() {
        for number in 1...6 {
            let result = mailpath(["lab", "answers", String(number), "--labs", Self.labs])
            #expect(result.code == .success, "lab \(number): \(result.err)")
            #expect(result.out.split(separator: "\n").count == 9, "lab \(number): four questions and their answers")
        }
        #expect(mailpath(["lab", "start", "9", "--labs", Self.labs]).err == "mailpath: error: no lab '9': give a number from 1 to 6 (see 'mailpath lab list')\n")
        #expect(mailpath(["lab", "check", "1", "/nonexistent/answers.txt", "--labs", Self.labs]).err == "mailpath: error: /nonexistent/answers.txt: no such file\n")
        #expect(mailpath(["lab", "grade", "1", "--labs", Self.labs]).code == .usage)
    }
}
