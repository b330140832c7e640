import Dispatch
import Experiments
import Foundation

/// `mailpath sweep PLAN --out DIR [--jobs N] [--shard K/N]` and `mailpath sweep merge PLAN --out DIR SHARD…`.
enum SweepCommand: Subcommand {
    static let spec = CommandSpec(
        name: "sweep",
        abstract: "Run a plan of many runs (a grid of parameters, eras, factors, replications) into tidy results.",
        discussion: """
            A plan (Docs/experiments.md, "Sweeps") names a scenario and the parameters to vary: \
            values in the scenario by path (links[0].latency, workload.generate[0].rate), the era, \
            and factors (factor.dns), as a grid or a list of points, each run on R replications. \
            Every point is checked before anything runs. Runs go to DIR/runs as they finish; \
            DIR/results.csv and DIR/results.jsonl hold one row per run and figure, every parameter \
            a column. Run it again and finished runs are not run again: an interrupted sweep \
            resumes. --shard K/N runs every N-th run from the K-th (for a job array); 'mailpath \
            sweep merge PLAN --out DIR SHARD_DIR…' joins shard folders into the results of the \
            whole sweep, the same byte for byte (Docs/cluster.md).
            """,
        arguments: [
            ArgumentSpec(
                name: "plan", help: "A sweep plan (JSON); or 'merge PLAN SHARD_DIR…'.", isOptional: false,
                isVariadic: true)
        ],
        options: [
            .option("out", value: "DIR", help: "The results folder (required)."),
            .option("jobs", value: "N", help: "Runs at once (default: every core)."),
            .option("shard", value: "K/N", help: "Run only shard K of N: runs K−1, K−1+N, K−1+2N, …"),
            .flag("quiet", short: "q", help: "No progress on standard error."),
        ],
        examples: [
            "mailpath sweep Docs/examples/load-sweep.json --out sweep/",
            "mailpath sweep Docs/examples/load-sweep.json --out shard1/ --shard 1/2",
            "mailpath sweep merge Docs/examples/load-sweep.json --out sweep/ shard1/ shard2/",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        guard let out = arguments.value("out") else {
            throw CLIError.usage("sweep needs --out DIR, the folder its results go to")
        }
        let positionals = arguments.positionals
        if positionals[0] == "merge" {
            guard positionals.count >= 3 else {
                throw CLIError.usage(
                    "sweep merge needs the plan and at least one shard folder: sweep merge PLAN --out DIR SHARD_DIR…")
            }
            let sweep = try open(positionals[1], out: out)
            let count: Int
            do {
                count = try sweep.merge(Array(positionals.dropFirst(2)))
            } catch {
                throw CLIError.failure(error.description)
            }
            context.console.out(
                "merged \(positionals.count - 2) folders: \(count) of \(sweep.plan.runCount) runs in \(out)/results.csv and \(out)/results.jsonl\n"
            )
            return .success
        }
        guard positionals.count == 1 else {
            throw CLIError.usage("unexpected argument '\(positionals[1])' for 'sweep' (see 'mailpath sweep --help')")
        }
        let shard: Sweep.Shard
        if let text = arguments.value("shard") {
            guard let parsed = Sweep.Shard.parse(text) else {
                throw CLIError.usage("--shard expects K/N with 1 ≤ K ≤ N, such as 2/8, got '\(text)'")
            }
            shard = parsed
        } else {
            shard = Sweep.Shard(index: 0, count: 1)
        }
        let jobs = try arguments.integer("jobs", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...1024)
        let quiet = arguments.flag("quiet")
        let sweep = try open(positionals[0], out: out)
        let share = (0..<sweep.plan.runCount).filter(shard.contains).count
        let pending = sweep.pending(in: shard)
        if !quiet {
            context.console.err(
                "sweep: \(share) runs\(shard.count > 1 ? " in shard \(shard.index + 1)/\(shard.count)" : ""), \(share - pending.count) already finished, \(min(jobs, max(1, pending.count))) at once\n"
            )
        }
        // On a terminal a line that updates; in a log (a batch job's), a line each tenth of the way.
        let total = pending.count
        let failure = execute(sweep, pending, jobs: jobs) { done in
            guard !quiet else { return }
            if context.console.errIsTerminal {
                context.progress("sweep: \(done) of \(total) runs done", quiet: false)
            } else if done * 10 / total != (done - 1) * 10 / total {
                context.console.err("sweep: \(done) of \(total) runs done\n")
            }
        }
        ExperimentSupport.endProgress(context, quiet: quiet)
        if let failure { throw CLIError.failure(failure) }
        let count: Int
        do {
            count = try sweep.assemble()
        } catch {
            throw CLIError.failure(error.description)
        }
        context.console.out("\(count) of \(sweep.plan.runCount) runs in \(out)/results.csv and \(out)/results.jsonl\n")
        return .success
    }

    static func open(_ path: String, out: String) throws -> Sweep {
        let text: String
        switch FileText.readText(path) {
        case .success(let read): text = read
        case .failure(let failure): throw CLIError.data("\(path): \(failure.reason)")
        }
        let plan: SweepPlan
        do {
            plan = try SweepPlan.decode(text, file: path)
        } catch {
            throw CLIError.data(error.description)
        }
        do {
            return try Sweep(plan: plan, folder: out)
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    /// Runs `runs` on `jobs` threads, each taking the next run when it is free; returns the first
    /// failure. Each run writes its own files, so the order they finish in does not matter.
    static func execute(_ sweep: Sweep, _ runs: [Int], jobs: Int, progress: @escaping @Sendable (Int) -> Void)
        -> String?
    {
        final class Work: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var done = 0
            var failure: String?
        }
        let work = Work()
        DispatchQueue.concurrentPerform(iterations: min(jobs, max(1, runs.count))) { _ in
            while true {
                work.lock.lock()
                guard work.failure == nil, work.next < runs.count else {
                    work.lock.unlock()
                    return
                }
                let run = runs[work.next]
                work.next += 1
                work.lock.unlock()
                do {
                    try sweep.execute(run)
                    work.lock.lock()
                    work.done += 1
                    let done = work.done
                    progress(done)
                    work.lock.unlock()
                } catch {
                    work.lock.lock()
                    if work.failure == nil { work.failure = "\(error)" }
                    work.lock.unlock()
                }
            }
        }
        return work.failure
    }
}
