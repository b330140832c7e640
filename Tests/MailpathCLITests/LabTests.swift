import Foundation
import MailDialects
import TestSupport
import Testing

@testable import MailpathCLI

/// `mailpath lab`: the labs of Docs/labs, started into a folder and checked against answers the
/// checker computes by running the simulation or the engines.
@Suite(.serialized) struct LabTests {
    static let labs = repositoryRoot().appendingPathComponent("Docs/labs").path

    static func scratch() -> String {
        TemporaryFiles.path("lab")
    }

    /// A figure of a run, read from `run --format json` (not from the checker).
    static func figure(_ scenario: String, era: String, _ key: String, set: [String] = []) throws -> String {
        let result = mailpath(
            [
                "run", repositoryRoot().appendingPathComponent("Docs/examples/\(scenario)").path, "--era", era,
                "--format", "json", "--quiet",
            ] + set.flatMap { ["--set", $0] })
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
        #expect(
            titles.first?.hasPrefix("1  FTP mail (1980)") == true && titles.last?.hasPrefix("6  SMTP smuggling") == true
        )
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
        #expect(
            mailpath(["lab", "start", "2", "--into", folder, "--labs", Self.labs]).code == .failure,
            "an existing folder is left alone")
        let engines = Self.scratch()
        #expect(mailpath(["lab", "start", "6", "--into", engines, "--labs", Self.labs]).code == .success)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: engines).sorted() == ["answers.txt", "worksheet.md"])
    }

    @Test("lab check: answers read from independent runs are right; a wrong one gets feedback with the command to run")
    func checkFigures() throws {
        let folder = Self.scratch()
        _ = mailpath(["lab", "start", "2", "--into", folder, "--labs", Self.labs])
        let hops = try Self.figure("relay-story.json", era: "smtp-1982", "hops_mean")
        let sessions = try Self.figure("relay-story.json", era: "smtp-1982", "sessions")
        let trips = try Self.figure("relay-story.json", era: "smtp-1982", "round_trips_per_message")
        let mtp = try Self.figure("relay-story.json", era: "mtp-1981", "round_trips_per_message")
        try "1: \(hops)\n2: \(sessions)\n3: \(trips)\n4: \(mtp)\n".write(
            toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let right = mailpath(["lab", "check", "2", folder + "/answers.txt", "--labs", Self.labs])
        #expect(right.code == .success, "\(right.out)")
        #expect(right.out.hasSuffix("4 of 4 right\n"))
        try "1: \(hops)\n2: 99\n3: \(trips)\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let wrong = mailpath(["lab", "check", "2", folder + "/answers.txt", "--labs", Self.labs])
        #expect(wrong.code == .failure)
        #expect(
            wrong.out.contains(
                "2. not yet: you wrote 99; run `mailpath run scenario.json --era smtp-1982` and read \"mail sessions\"\n"
            ))
        #expect(wrong.out.contains("4. not yet: no answer yet;"))
        #expect(wrong.out.hasSuffix("2 of 4 right\n"))
    }

    @Test(
        "lab check runs a student's modified scenario: the fault drill loses nothing once the backup MX's queue is on disk"
    )
    func checkScenario() throws {
        let folder = Self.scratch()
        _ = mailpath(["lab", "start", "5", "--into", folder, "--labs", Self.labs])
        let original = try String(contentsOfFile: folder + "/scenario.json", encoding: .utf8)
        try original.replacingOccurrences(of: "\"queue\": \"volatile\"", with: "\"queue\": \"persistent\"")
            .write(toFile: folder + "/fixed.json", atomically: true, encoding: .utf8)
        try "4: fixed.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let fixed = mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs])
        #expect(
            fixed.out.contains("4. right: in smtp-2001 your scenario gives lost = 0; the task asks for = 0\n"),
            "\(fixed.out)")
        try "4: scenario.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        let unchanged = mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs])
        let lost = try Self.figure("fault-drill.json", era: "smtp-2001", "lost")
        #expect(
            unchanged.out.contains("4. not yet: in smtp-2001 your scenario gives lost = \(lost);"), "\(unchanged.out)")
        try "4: broken.json\n".write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
        #expect(
            mailpath(["lab", "check", "5", folder + "/answers.txt", "--labs", Self.labs]).out.contains(
                "4. not yet: your scenario does not run:"))
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
        #expect(
            mailpath(["lab", "start", "9", "--labs", Self.labs]).err
                == "mailpath: error: no lab '9': give a number from 1 to 6 (see 'mailpath lab list')\n")
        #expect(
            mailpath(["lab", "check", "1", "/nonexistent/answers.txt", "--labs", Self.labs]).err
                == "mailpath: error: /nonexistent/answers.txt: no such file\n")
        #expect(mailpath(["lab", "grade", "1", "--labs", Self.labs]).code == .usage)
    }
}

/// Every lab, end to end: reference answers found independently of the checker (a run's figures
/// read from `run --format json`, the teacher's reference scenarios in each lab's `reference/`,
/// the engines fed here) are all right; each one made wrong is rejected with feedback that says
/// how to find the answer.
@Suite(.serialized) struct EveryLabTests {
    struct Question: Decodable {
        var id: String
        var kind: String
        var era: String?
        var set: [String]?
        var figure: String?
        var dialect: String?
        var input: String?
        var measure: String?
    }

    struct File: Decodable {
        var scenario: String?
        var questions: [Question]
    }

    static func reference(_ lab: String, _ question: Question, file: File) throws -> String {
        let folder = LabTests.labs + "/" + lab
        switch question.kind {
        case "figure":
            let result = mailpath(
                ["run", folder + "/" + file.scenario!, "--era", question.era!, "--format", "json", "--quiet"]
                    + (question.set ?? []).flatMap { ["--set", $0] })
            let json = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
            return "\((json?["figures"] as? [String: Any])?[question.figure!] ?? "missing")"
        case "scenario":
            return folder + "/reference/q\(question.id).json"
        default:
            var receiver = ReceiverEngine.make(
                dialect: Dialects.named(question.dialect!)!,
                policy: ReceiverPolicy(hostName: "b.org", users: ["joe", "eve"]))
            var codes: [Int] = []
            var stored = 0
            var pending =
                receiver.connectionOpened(now: .zero) + receiver.bytesReceived(Array(question.input!.utf8), now: .zero)
            while !pending.isEmpty {
                let action = pending.removeFirst()
                if case .send(let batch) = action { codes += batch.map { $0.code.rawValue } }
                if case .deliver = action {
                    stored += 1
                    pending += receiver.deliveryFinished(.accepted, now: .zero)
                }
            }
            return question.measure == "deliveries" ? String(stored) : String(codes.last ?? 0)
        }
    }

    @Test(
        "reference answers pass; wrong ones are rejected with a way to the answer",
        arguments: [
            "01-ftp-mail", "02-source-routes", "03-mx-dns", "04-pipelining", "05-faults", "06-smuggling",
        ])
    func lab(name: String) throws {
        let file = try JSONDecoder().decode(
            File.self, from: Data(contentsOf: URL(fileURLWithPath: LabTests.labs + "/" + name + "/lab.json")))
        let number = String(Int(name.prefix(2))!)
        var answers: [String: String] = [:]
        for question in file.questions { answers[question.id] = try Self.reference(name, question, file: file) }
        let path = LabTests.scratch() + ".txt"
        func check(_ answers: [String: String]) throws -> (code: ExitCode, out: String) {
            try answers.keys.sorted().map { "\($0): \(answers[$0]!)" }.joined(separator: "\n").write(
                toFile: path, atomically: true, encoding: .utf8)
            let result = mailpath(["lab", "check", number, path, "--labs", LabTests.labs])
            return (result.code, result.out)
        }
        let right = try check(answers)
        #expect(right.code == .success, "\(name): \(right.out)")
        for question in file.questions {
            var wrong = answers
            switch question.kind {
            case "figure": wrong[question.id] = String((Double(answers[question.id]!) ?? 0) + 1000)
            case "scenario": wrong[question.id] = LabTests.labs + "/" + name + "/" + file.scenario!
            default: wrong[question.id] = "999"
            }
            let result = try check(wrong)
            #expect(result.code == .failure, "\(name) question \(question.id)")
            let feedback = result.out.split(separator: "\n").first { $0.hasPrefix("\(question.id). ") } ?? ""
            #expect(feedback.hasPrefix("\(question.id). not yet: "), "\(feedback)")
            let hint = [
                "figure": "run `mailpath run scenario.json", "scenario": "your scenario gives",
                "engine": "send the same bytes to `mailpath serve",
            ][question.kind]!
            #expect(feedback.contains(hint), "\(name) \(question.id): \(feedback)")
        }
    }
}
