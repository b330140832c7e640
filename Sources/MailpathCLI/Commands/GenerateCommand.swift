import Experiments

/// `mailpath generate internet --domains N …`: a large seeded topology as a scenario file.
enum GenerateCommand: Subcommand {
    static let spec = CommandSpec(
        name: "generate",
        abstract: "Generate a large scenario: an Internet of many domains, seeded.",
        discussion: """
            Writes a normal scenario file (Docs/scenarios.md): backbone routers on a ring with chords, \
            regional routers homed to two of them, and per domain a gateway, a mail host, for one \
            domain in four a backup MX, and users on client hosts behind the gateway on asymmetric \
            access lines. Users per domain follow a Zipf-like law; latencies grow with distance. \
            The same options and seed give the same file, byte for byte. Docs/scenarios.md, \
            "Generated Internets", describes the shape.
            """,
        arguments: [.required("kind", help: "What to generate: internet.")],
        options: [
            .option("domains", value: "N", help: "Domains.", default: "100"),
            .option("users", value: "N", help: "Mean users (client hosts) per domain.", default: "8"),
            .option("messages", value: "N", help: "Messages of the workload.", default: "10000"),
            .option("rate", value: "N", help: "Messages a second (Poisson arrivals).", default: "100"),
            .option("seed", value: "N", help: "Seed of the shape and of the workload.", default: "1"),
            .option("era", value: "era", help: "The scenario's default era.", default: "smtp-2001"),
            .option("out", value: "FILE", help: "Write the scenario here instead of to standard output."),
        ],
        examples: [
            "mailpath generate internet --domains 1000 > internet-1000.json",
            "mailpath generate internet --domains 10000 --users 9 --seed 7 --out big.json",
        ])

    static func run(_ arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        guard arguments.positionals[0] == "internet" else {
            throw CLIError.usage("generate: unknown kind '\(arguments.positionals[0])'; the kind is: internet")
        }
        let era = try ExperimentSupport.era(named: arguments.value("era") ?? "smtp-2001")
        let generator = InternetGenerator(
            domains: try arguments.integer("domains", default: 100, in: 1...1_000_000),
            meanUsers: try arguments.integer("users", default: 8, in: 1...10_000),
            messages: try arguments.integer("messages", default: 10_000, in: 1...100_000_000),
            rate: try arguments.integer("rate", default: 100, in: 1...1_000_000_000),
            seed: UInt64(try arguments.integer("seed", default: 1, in: 0...Int.max)), era: era.name)
        let text = generator.scenarioText()
        if let path = arguments.value("out") {
            do {
                try FileText.write(text, to: path)
            } catch {
                throw CLIError.failure("cannot write \(path): \(error)")
            }
            context.console.err("mailpath: wrote \(path): \(generator.domains) domains, \(generator.hostCount) hosts\n")
        } else {
            context.console.out(text)
        }
        return .success
    }
}
