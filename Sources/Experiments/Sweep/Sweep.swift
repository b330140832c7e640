import Foundation
import Reports

/// Running a sweep into a results folder, resumably, in shards, and merging shards.
///
/// The folder holds `plan.json` (the plan's text: a folder belongs to one plan), one pair of files
/// per finished run (`runs/NNNNNN.jsonl`, then `runs/NNNNNN.csv`, each written whole under a
/// temporary name and renamed, so a run is finished exactly when its CSV exists), and the
/// results assembled from every finished run in run order: `results.csv` and `results.jsonl`,
/// one row per run and figure. A run already finished in the folder is not run again, so an
/// interrupted sweep resumes where it stopped; shards write disjoint runs, so merging their
/// folders gives the files of the unsharded sweep byte for byte.
public struct Sweep: Sendable {
    public var plan: SweepPlan
    public var folder: String

    /// Every `count`-th run, starting at `index` (from 0): `--shard K/N` is index K−1 of N.
    public struct Shard: Hashable, Sendable {
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
        public func contains(_ run: Int) -> Bool { run % count == index }

        /// `K/N` with 1 ≤ K ≤ N.
        public static func parse(_ text: String) -> Shard? {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
                return nil
            }
            return Shard(index: k - 1, count: n)
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Opens (or starts) the results folder of `plan`; a folder of another plan is refused.
    public init(plan: SweepPlan, folder: String) throws(Failure) {
        self.plan = plan
        self.folder = folder
        let planFile = folder + "/plan.json"
        if let existing = FileText.read(planFile) {
            guard existing == plan.text else {
                throw Failure(
                    description:
                        "\(folder) holds the results of another plan (\(planFile) differs from \(plan.file)): give another --out, or remove it"
                )
            }
        } else {
            do {
                try FileText.write(plan.text, to: planFile)
            } catch {
                throw Failure(description: "cannot write \(planFile): \(error)")
            }
        }
    }

    func runFile(_ run: Int, _ suffix: String) -> String {
        let number = String(run)
        return folder + "/runs/" + String(repeating: "0", count: max(0, 6 - number.count)) + number + "." + suffix
    }

    /// Whether run `run` has finished in the folder.
    public func isFinished(_ run: Int) -> Bool { FileManager.default.fileExists(atPath: runFile(run, "csv")) }

    /// The runs of `shard` not yet finished, in order.
    public func pending(in shard: Shard = Shard(index: 0, count: 1)) -> [Int] {
        (0..<plan.runCount).filter { shard.contains($0) && !isFinished($0) }
    }

    /// The columns of the results: the run, its point and replication and seed, each parameter
    /// (`era` first, always), then the figure and its value.
    public var headers: [String] {
        ["run", "point", "replication", "seed", "era"] + plan.parameters.map(\.name).filter { $0 != "era" } + [
            "figure", "value",
        ]
    }

    /// Runs run `run` and writes its rows. Safe to call from several threads for different runs.
    public func execute(_ run: Int) throws(Failure) {
        let point = run / plan.replications
        let replication = run % plan.replications
        let metrics: RunMetrics
        var setup: (scenario: Scenario, era: Era)
        do {
            setup = try plan.setup(point: point)
            setup.scenario.seed = Replications.seed(setup.scenario.seed, replication: replication)
            metrics = try Experiment.run(
                setup.scenario, era: setup.era, workload: setup.scenario.makeWorkload(),
                options: RunOptions(tracing: false, keepsMailboxText: false),
                file: plan.scenarioFile
            ).metrics
        } catch {
            throw Failure(description: error.description)
        }
        if let reason = metrics.stopReason {
            throw Failure(description: "run \(run) (point \(point)) was stopped: \(reason)")
        }
        guard metrics.accountingAddsUp else {
            throw Failure(description: "run \(run): the accounting does not add up; this is a bug in Mailpath")
        }
        let values = plan.values(point: point)
        let eraValue = plan.parameters.firstIndex { $0.name == "era" }.map { values[$0] } ?? plan.era.name
        let parameterValues = zip(plan.parameters, values).filter { $0.0.name != "era" }.map(\.1)
        let fixed = [String(run), String(point), String(replication), String(metrics.seed), eraValue] + parameterValues
        var csvRows: [[String]] = []
        var lines = ""
        for figure in metrics.figures {
            let number = Double(figure.value) != nil ? figure.value : ""
            csvRows.append(fixed + [figure.key, number])
            var fields: [(String, JSON)] = [
                ("run", .int(run)), ("point", .int(point)), ("replication", .int(replication)),
                ("seed", .number(String(metrics.seed))),
                ("era", .string(eraValue)),
            ]
            for (parameter, value) in zip(plan.parameters, values) where parameter.name != "era" {
                fields.append((parameter.name, .string(value)))
            }
            fields.append(("figure", .string(figure.key)))
            fields.append(("value", number.isEmpty ? .null : .number(number)))
            lines += JSON.object(fields).compact + "\n"
        }
        let csv = CSV.render(rows: csvRows)  // no header: results.csv has the one
        do {
            try FileText.write(lines, to: runFile(run, "jsonl"))
            try FileText.write(csv, to: runFile(run, "csv"))  // last: the run is finished once this exists
        } catch {
            throw Failure(description: "cannot write run \(run) into \(folder)/runs: \(error)")
        }
    }

    /// Writes results.csv and results.jsonl from every finished run, in run order; returns how
    /// many runs they hold.
    @discardableResult
    public func assemble() throws(Failure) -> Int {
        var csv = CSV.render(headers: headers, rows: [])
        var lines = ""
        var count = 0
        for run in 0..<plan.runCount where isFinished(run) {
            guard let rows = FileText.read(runFile(run, "csv")), let json = FileText.read(runFile(run, "jsonl")) else {
                throw Failure(description: "run \(run)'s files in \(folder)/runs cannot be read")
            }
            csv += rows
            lines += json
            count += 1
        }
        do {
            try FileText.write(csv, to: folder + "/results.csv")
            try FileText.write(lines, to: folder + "/results.jsonl")
        } catch {
            throw Failure(description: "cannot write the results into \(folder): \(error)")
        }
        return count
    }

    /// Copies the finished runs of shard folders into this one (all of one plan), then assembles.
    /// A run finished in two folders must have the same rows in both.
    @discardableResult
    public func merge(_ shards: [String]) throws(Failure) -> Int {
        for shard in shards {
            guard let text = FileText.read(shard + "/plan.json") else {
                throw Failure(description: "\(shard) is not a sweep's results folder: it has no plan.json")
            }
            guard text == plan.text else {
                throw Failure(description: "\(shard) holds the results of another plan than \(plan.file)")
            }
            let source = try Sweep(plan: plan, folder: shard)
            for run in 0..<plan.runCount where source.isFinished(run) {
                let csv = FileText.read(source.runFile(run, "csv"))
                let json = FileText.read(source.runFile(run, "jsonl"))
                guard let csv, let json else {
                    throw Failure(description: "run \(run)'s files in \(shard)/runs cannot be read")
                }
                if isFinished(run) {
                    guard FileText.read(runFile(run, "csv")) == csv else {
                        throw Failure(
                            description:
                                "run \(run) differs between \(shard) and another folder: were they made by the same build?"
                        )
                    }
                    continue
                }
                do {
                    try FileText.write(json, to: runFile(run, "jsonl"))
                    try FileText.write(csv, to: runFile(run, "csv"))
                } catch {
                    throw Failure(description: "cannot write run \(run) into \(folder)/runs: \(error)")
                }
            }
        }
        return try assemble()
    }
}
