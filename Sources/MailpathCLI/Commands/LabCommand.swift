import Experiments
import Foundation
import MailCore
import MailDialects
import Reports

/// `mailpath lab list | start N [--into DIR] | check N ANSWERS`: the labs of Docs/labs, and a
/// checker that computes each answer by running the simulation (or the engines), as Kathará's lab
/// checker runs the lab, rather than from an answer key.
enum LabCommand: Subcommand {
    static let spec = CommandSpec(
        name: "lab", abstract: "Labs for a class: list them, start one, check a student's answers.",
        discussion: """
            'lab list' names the labs (Docs/labs). 'lab start N' copies lab N's scenario, \
            worksheet and an answers.txt to fill in into a folder (lab-N, or --into DIR). 'lab \
            check N ANSWERS' reads answers.txt (one 'QUESTION: ANSWER' a line) and checks each \
            answer against the outcome it computes by running the simulation, or the protocol \
            engines, then and there; an answer may be a modified scenario file, which is run. \
            Feedback for each question says how to find the answer. Exit 0 when every answer is \
            right, 1 otherwise. 'lab answers N' prints the computed answers, for the teacher.
            """,
        arguments: [
            ArgumentSpec(
                name: "action", help: "list, start N, check N ANSWERS or answers N.", isOptional: false,
                isVariadic: true)
        ],
        options: [
            .option("into", value: "DIR", help: "Where 'lab start' puts the lab (default: lab-N)."),
            .option(
                "labs", value: "DIR",
                help: "Where the labs are (default: Docs/labs, found from here or from mailpath's own folder)."),
        ],
        examples: [
            "mailpath lab list", "mailpath lab start 2", "mailpath lab check 2 lab-2/answers.txt",
            "mailpath lab answers 2",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let words = arguments.positionals
        let root = try labsFolder(arguments.value("labs"))
        switch words[0] {
        case "list":
            guard words.count == 1 else { throw CLIError.usage("'lab list' takes nothing more") }
            var text = ""
            for (number, lab) in try Lab.all(in: root).enumerated() {
                text += "\(number + 1)  \(lab.file.title)\n   \(lab.file.summary)\n"
            }
            context.console.out(text)
            return .success
        case "start":
            guard words.count == 2 else {
                throw CLIError.usage("'lab start' needs the lab's number, such as: mailpath lab start 2")
            }
            let lab = try Lab.numbered(words[1], in: root)
            let folder = arguments.value("into") ?? "lab-\(words[1])"
            try lab.start(into: folder)
            let files =
                lab.scenarioPath == nil ? "\(folder)/worksheet.md" : "\(folder)/worksheet.md, \(folder)/scenario.json"
            context.console.out(
                "lab \(words[1]), \(lab.file.title): \(files); write your answers in \(folder)/answers.txt, then: mailpath lab check \(words[1]) \(folder)/answers.txt\n"
            )
            return .success
        case "answers":
            guard words.count == 2 else {
                throw CLIError.usage("'lab answers' needs the lab's number, such as: mailpath lab answers 2")
            }
            let lab = try Lab.numbered(words[1], in: root)
            var text = "lab \(words[1]), \(lab.file.title): the answers, as computed now\n"
            for question in lab.file.questions {
                text += "\(question.id). \(question.ask)\n   \(try lab.answer(question))\n"
            }
            context.console.out(text)
            return .success
        case "check":
            guard words.count == 3 else {
                throw CLIError.usage(
                    "'lab check' needs the lab's number and the answers file, such as: mailpath lab check 2 lab-2/answers.txt"
                )
            }
            let lab = try Lab.numbered(words[1], in: root)
            let answers = try Answers(file: words[2])
            var text = "lab \(words[1]), \(lab.file.title)\n"
            var right = 0
            for question in lab.file.questions {
                let verdict = try lab.check(question, answers: answers)
                if verdict.right { right += 1 }
                text += "\(question.id). \(verdict.right ? "right" : "not yet"): \(verdict.feedback)\n"
            }
            text += "\(right) of \(lab.file.questions.count) right\n"
            context.console.out(text)
            return right == lab.file.questions.count ? .success : .failure
        default:
            throw CLIError.usage("'lab' expects list, start N, check N ANSWERS or answers N, got '\(words[0])'")
        }
    }

    /// Docs/labs: given, or found from the working folder upwards, or from the binary's folder
    /// upwards (a binary under .build/ in the package).
    static func labsFolder(_ given: String?) throws -> String {
        let manager = FileManager.default
        if let given {
            guard
                manager.fileExists(atPath: given + "/01")
                    || ((try? manager.contentsOfDirectory(atPath: given)) ?? []).contains(where: {
                        $0.first?.isNumber == true
                    })
            else {
                throw CLIError.usage("--labs \(given): no labs there (folders such as 01-ftp-mail)")
            }
            return given
        }
        let starts = [
            manager.currentDirectoryPath,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
        ]
        for start in starts {
            var folder = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("Docs/labs").path
                if manager.fileExists(atPath: candidate) { return candidate }
                if folder.path == "/" { break }
                folder.deleteLastPathComponent()
            }
        }
        throw CLIError.usage(
            "cannot find the labs (Docs/labs): run mailpath inside the Mailpath folder, or give --labs DIR")
    }
}

/// One lab: a folder with lab.json, worksheet.md, teacher.md and its scenario.
struct Lab {
    struct File: Decodable {
        var title: String
        var summary: String
        /// The scenario, relative to the lab's folder (none for a lab on the engines alone).
        var scenario: String?
        var questions: [Question]
    }

    /// A question whose answer the checker computes.
    struct Question: Decodable {
        var id: String
        var ask: String
        /// `figure`: a figure of the lab's scenario in `era` (with `set`); `scenario`: the answer
        /// is a scenario file, run in `era` and held to `expect`; `engine`: `input` fed to a
        /// `dialect` receiver, the answer being `measure` (`last-reply` or `deliveries`).
        var kind: String
        var era: String?
        var set: [String]?
        var figure: String?
        var tolerance: Double?
        var expect: Expectation?
        var dialect: String?
        var input: String?
        var measure: String?
    }

    struct Expectation: Decodable {
        var figure: String
        /// `=`, `<`, `<=`, `>`, `>=`.
        var op: String
        var value: Double
    }

    let folder: String
    let file: File

    static func all(in root: String) throws -> [Lab] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
            $0.first?.isNumber == true
        }.sorted()
        return try names.map { try Lab(folder: root + "/" + $0) }
    }

    static func numbered(_ text: String, in root: String) throws -> Lab {
        let labs = try all(in: root)
        guard let number = Int(text), number >= 1, number <= labs.count else {
            throw CLIError.usage("no lab '\(text)': give a number from 1 to \(labs.count) (see 'mailpath lab list')")
        }
        return labs[number - 1]
    }

    init(folder: String) throws {
        self.folder = folder
        guard let data = FileManager.default.contents(atPath: folder + "/lab.json") else {
            throw CLIError.data("\(folder)/lab.json: cannot read the file")
        }
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw CLIError.data("\(folder)/lab.json: not a lab file (\(error))")
        }
    }

    var scenarioPath: String? { file.scenario.map { folder + "/" + $0 } }

    /// Copies what a student needs (not the teacher's notes) into `target`.
    func start(into target: String) throws {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: target) else {
            throw CLIError.failure("\(target) exists already: give another folder with --into")
        }
        let template = file.questions.map { "# \($0.id). \($0.ask)\n\($0.id): \n" }.joined(separator: "\n")
        do {
            try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
            if let scenarioPath { try manager.copyItem(atPath: scenarioPath, toPath: target + "/scenario.json") }
            try manager.copyItem(atPath: folder + "/worksheet.md", toPath: target + "/worksheet.md")
            try FileText.write("# Answers: one 'QUESTION: ANSWER' a line.\n\n" + template, to: target + "/answers.txt")
        } catch {
            throw CLIError.failure("cannot start the lab in \(target): \(OutputFolder.reason(error))")
        }
    }

    struct Verdict {
        var right: Bool
        var feedback: String
    }

    func check(_ question: Question, answers: Answers) throws -> Verdict {
        let given = answers.values[question.id]
        switch question.kind {
        case "figure":
            guard let era = question.era, let key = question.figure, let scenarioPath else {
                throw CLIError.data(
                    "\(folder)/lab.json: question \(question.id) needs era, figure and the lab's scenario")
            }
            let (value, label) = try figure(key, scenario: scenarioPath, era: era, settings: question.set ?? [])
            let how =
                "run `mailpath run scenario.json --era \(era)\(question.set.map { $0.map { " --set \($0)" }.joined() } ?? "")` and read \"\(label)\""
            guard let given, !given.isEmpty else { return Verdict(right: false, feedback: "no answer yet; \(how)") }
            guard let number = Double(given.replacingOccurrences(of: ",", with: "")) else {
                return Verdict(right: false, feedback: "'\(given)' is not a number; \(how)")
            }
            guard let value else {
                return Verdict(right: false, feedback: "the run has no \(label) (nothing to measure); \(how)")
            }
            let right = abs(number - value) <= (question.tolerance ?? 0) + 1e-9
            return Verdict(
                right: right, feedback: right ? "\(label) is \(Lab.shown(value))" : "you wrote \(given); \(how)")
        case "scenario":
            guard let era = question.era, let expect = question.expect else {
                throw CLIError.data("\(folder)/lab.json: question \(question.id) needs era and expect")
            }
            guard let given, !given.isEmpty else {
                return Verdict(right: false, feedback: "no answer yet: give the file of your modified scenario")
            }
            let path = given.hasPrefix("/") ? given : answers.folder + "/" + given
            let (value, label): (Double?, String)
            do {
                (value, label) = try figure(expect.figure, scenario: path, era: era, settings: question.set ?? [])
            } catch let error as CLIError {
                return Verdict(right: false, feedback: "your scenario does not run: \(error.message)")
            }
            let holds = value.map { compare($0, expect.op, expect.value) } ?? false
            let shown = value.map(Lab.shown) ?? "none"
            return Verdict(
                right: holds,
                feedback:
                    "in \(era) your scenario gives \(label) = \(shown); the task asks for \(expect.op) \(Lab.shown(expect.value))"
            )
        case "engine":
            guard let name = question.dialect, let dialect = Dialects.named(name), let input = question.input,
                let measure = question.measure
            else {
                throw CLIError.data("\(folder)/lab.json: question \(question.id) needs dialect, input and measure")
            }
            let (replies, deliveries) = Self.feed(input, to: dialect)
            let value = measure == "deliveries" ? deliveries : (replies.last ?? 0)
            let what = measure == "deliveries" ? "messages the server would store" : "the server's last reply code"
            let how = "send the same bytes to `mailpath serve --dialect \(name)` and watch the replies"
            guard let given, !given.isEmpty else { return Verdict(right: false, feedback: "no answer yet; \(how)") }
            let right = Int(given) == value
            return Verdict(right: right, feedback: right ? "\(what): \(value)" : "you wrote \(given); \(how)")
        default:
            throw CLIError.data("\(folder)/lab.json: question \(question.id) has an unknown kind '\(question.kind)'")
        }
    }

    /// The answer the checker expects, in words (for `lab answers`).
    func answer(_ question: Question) throws -> String {
        switch question.kind {
        case "figure":
            guard let era = question.era, let key = question.figure, let scenarioPath else {
                throw CLIError.data("\(folder)/lab.json: question \(question.id) is incomplete")
            }
            let (value, label) = try figure(key, scenario: scenarioPath, era: era, settings: question.set ?? [])
            let tolerance = question.tolerance.map { " (± \(Lab.shown($0)))" } ?? ""
            return "\(label): \(value.map(Lab.shown) ?? "none")\(tolerance)"
        case "scenario":
            guard let expect = question.expect else {
                throw CLIError.data("\(folder)/lab.json: question \(question.id) is incomplete")
            }
            return
                "a scenario whose \(expect.figure) is \(expect.op) \(Lab.shown(expect.value)) in \(question.era ?? "its era")"
        default:
            guard let name = question.dialect, let dialect = Dialects.named(name), let input = question.input else {
                throw CLIError.data("\(folder)/lab.json: question \(question.id) is incomplete")
            }
            let (replies, deliveries) = Self.feed(input, to: dialect)
            return question.measure == "deliveries"
                ? "\(deliveries) stored"
                : "reply \(replies.last ?? 0) (all replies: \(replies.map(String.init).joined(separator: " ")))"
        }
    }

    /// One figure of a run: its value (nil when the run has none, such as hops with nothing
    /// delivered) and its label.
    private func figure(_ key: String, scenario path: String, era name: String, settings: [String]) throws -> (
        Double?, String
    ) {
        let scenario = try ExperimentSupport.scenario(path)
        var era = try ExperimentSupport.era(named: name)
        let parsed = try settings.map { text -> FactorSetting in
            switch FactorSetting.parse(text) {
            case .success(let setting): return setting
            case .failure(let error): throw CLIError.data("\(folder)/lab.json: \(error.message)")
            }
        }
        era = era.setting(parsed)
        let outcome: RunOutcome
        do {
            outcome = try Experiment.run(
                scenario, era: era, workload: scenario.makeWorkload(), options: RunOptions(tracing: false), file: path)
        } catch {
            throw CLIError.data(error.description)
        }
        guard let found = outcome.metrics.figures.first(where: { $0.key == key }) else {
            throw CLIError.data("\(folder)/lab.json: no figure '\(key)'")
        }
        return (Double(found.value), found.label)
    }

    /// A figure as a student writes it: whole numbers without decimals.
    static func shown(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : Format.decimal(value, 2)
    }

    private func compare(_ value: Double, _ op: String, _ target: Double) -> Bool {
        switch op {
        case "<": value < target
        case "<=": value <= target
        case ">": value > target
        case ">=": value >= target
        default: abs(value - target) < 1e-9
        }
    }

    /// Feeds `input` to a receiver of `dialect` (for the domain b.org, users joe and eve): the
    /// reply codes in order, and the messages it would store.
    static func feed(_ input: String, to dialect: DialectID) -> (replies: [Int], deliveries: Int) {
        var driver = Feed(
            receiver: .make(dialect: dialect, policy: ReceiverPolicy(hostName: "b.org", users: ["joe", "eve"])))
        driver.carryOut(driver.receiver.connectionOpened(now: .zero))
        driver.carryOut(driver.receiver.bytesReceived(Array(input.utf8), now: .zero))
        return (driver.replies, driver.deliveries)
    }

    /// A receiver fed by hand: its reply codes are noted, and every message is accepted.
    struct Feed: ReceiverDriver {
        var receiver: ReceiverEngine
        var replies: [Int] = []
        var deliveries = 0

        mutating func send(_ replies: consuming ReplyBatch) { self.replies += replies.map { $0.code.rawValue } }
        mutating func deliver(_ message: consuming ReceivedMessage) {
            deliveries += 1
            carryOut(receiver.deliveryFinished(.accepted, now: .zero))
        }
        func close() {}
        func turn() {}
        mutating func recycle(_ spent: inout [ReceiverAction]) { receiver.recycle(&spent) }
    }
}

/// A student's answers: `QUESTION: ANSWER` lines; `#` starts a comment.
struct Answers {
    var values: [String: String] = [:]
    /// The file's folder, against which a scenario answer's path is read.
    var folder: String

    init(file: String) throws {
        let text: String
        switch FileText.readText(file) {
        case .success(let read): text = read
        case .failure(let failure): throw CLIError.data("\(file): \(failure.reason)")
        }
        folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        for line in text.split(separator: "\n") {
            let content = line.prefix { $0 != "#" }
            guard let colon = content.firstIndex(of: ":") else { continue }
            let id = content[..<colon].trimmingCharacters(in: .whitespaces)
            let answer = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty { values[id] = answer }
        }
    }
}
