import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

/// The workload part of the scenario decoder: messages, generators and their mailboxes.
extension Scenario {
    static func decodeWorkload(_ node: JSONReader, scenario: Scenario, index: ScenarioIndex) throws(ScenarioError)
        -> WorkloadSpec
    {
        let object = try node.object(allowing: ["messages", "generate"])
        var workload = WorkloadSpec(messages: [], generators: [])
        for message in try object.optional("messages")?.array() ?? [] {
            let fields = try message.object(allowing: ["at", "from", "to", "size", "subject"])
            let from = try fields.required("from", "the sender, a user of the scenario such as \"ann@A\"")
            let recipients = try fields.required("to", "one or more recipients").arrayOrSingle()
            guard !recipients.isEmpty else { throw try fields.required("to", "").error("needs at least one recipient") }
            let sender = try knownUser(from, in: index)
            let to = try recipients.map { node throws(ScenarioError) in try mailbox(node) }
            try checkDistinct(to, recipients)
            let origin = index.user(sender)!.submitsAt
            for (address, node) in zip(to, recipients) {
                // A route through nowhere: no chain of links, over any networks, leads there.
                guard let destination = index.mailHost(of: address), !index.joined(origin, destination) else {
                    continue
                }
                throw node.error(
                    "no links lead from \(origin) to \(destination), where <\(address)> lives: add links, or a gateway joining their networks"
                )
            }
            let at = try fields.optional("at")?.time() ?? .zero
            if at >= SimTime.zero + scenario.duration, let atNode = fields.optional("at") {
                throw atNode.error(
                    "sent after the run ends (its duration is \(scenario.duration)): it would never be sent")
            }
            workload.messages.append(
                MessageSpec(
                    at: at, from: sender, to: to,
                    size: try fields.optional("size")?.size(limit: Units.largestMessage, limitText: "100MB") ?? 1000,
                    subject: try fields.optional("subject")?.string()))
        }
        for generator in try object.optional("generate")?.array() ?? [] {
            let fields = try generator.object(allowing: ["count", "rate", "start", "from", "to", "size"])
            var spec = GeneratorSpec(
                count: try fields.required("count", "how many messages").integer(in: 1...100_000_000),
                meanInterval: try fields.required("rate", "the mean rate of Poisson arrivals, such as \"10/s\"").rate(),
                start: try fields.optional("start")?.time() ?? .zero, from: [], among: [], recipients: 1...1,
                otherDomains: false,
                size: .fixed(1000))
            if let from = fields.optional("from"), (try? from.string()) != "any" {
                spec.from = try from.array().map { node throws(ScenarioError) in try knownUser(node, in: index) }
            }
            if let to = fields.optional("to") {
                let recipientFields = try to.object(allowing: ["min", "max", "otherDomains", "among"])
                let minimum = try recipientFields.optional("min")?.integer(in: 1...100) ?? 1
                let maximum = try recipientFields.optional("max")?.integer(in: minimum...100) ?? minimum
                spec.recipients = minimum...maximum
                spec.otherDomains = try recipientFields.optional("otherDomains")?.bool() ?? false
                if let among = recipientFields.optional("among") {
                    let nodes = try among.array()
                    spec.among = try nodes.map { node throws(ScenarioError) in try mailbox(node) }
                    try checkDistinct(spec.among, nodes)
                }
            }
            // Arrivals past the run's end would never be sent: the mean span must fit in the run.
            let span = Double(spec.start.nanoseconds) + Double(spec.count) * Double(spec.meanInterval.nanoseconds)
            if span > Double(scenario.duration.nanoseconds) {
                // whole seconds
                let needed = SimDuration(nanoseconds: Int64(min((span / 1e9).rounded(.up), 9e9)) * 1_000_000_000)
                throw try fields.required("count", "").error(
                    "\(spec.count) messages at this rate take about \(needed) on average, past the run's end at \(scenario.duration): lengthen \"duration\", raise \"rate\" or lower \"count\""
                )
            }
            if let size = fields.optional("size") { spec.size = try sizeDistribution(size) }
            if index.users.isEmpty { throw generator.error("no host has users to send or receive") }
            let ends = index.users.flatMap { [$0.submitsAt, $0.mailHost] }
            if let first = ends.first, let apart = ends.first(where: { !index.joined(first, $0) }) {
                throw generator.error(
                    "no links lead from \(first) to \(apart), and the generator may send between their users: add links, or a gateway joining their networks"
                )
            }
            workload.generators.append(spec)
        }
        guard !workload.messages.isEmpty || !workload.generators.isEmpty else {
            throw node.error("needs \"messages\" or \"generate\": a workload with no mail has nothing to compare")
        }
        return workload
    }

    static func sizeDistribution(_ node: JSONReader) throws(ScenarioError) -> SizeDistribution {
        if node.node.kind == .object {
            let fields = try node.object(allowing: ["uniform", "exponential"])
            if let uniform = fields.optional("uniform") {
                let bounds = try uniform.array()
                guard bounds.count == 2 else { throw uniform.error("expected two sizes, [smallest, largest]") }
                let low = try bounds[0].size(limit: Units.largestMessage, limitText: "100MB")
                let high = try bounds[1].size(limit: Units.largestMessage, limitText: "100MB")
                guard low <= high else { throw uniform.error("the smallest size is larger than the largest") }
                return .uniform(low, high)
            }
            if let exponential = fields.optional("exponential") {
                return .exponential(mean: try exponential.size(limit: Units.largestMessage, limitText: "100MB"))
            }
            throw node.error("expected \"uniform\": [low, high] or \"exponential\": mean")
        }
        return .fixed(try node.size(limit: Units.largestMessage, limitText: "100MB"))
    }

    static func mailbox(_ node: JSONReader) throws(ScenarioError) -> String {
        let text = try node.string()
        guard
            case .success(let path) = Path.parse(
                Substring("<\(text)>"), style: .colon, limits: PathLimits(path: 256, domain: 255, localPart: 64)),
            path.route.isEmpty
        else { throw node.error("\"\(text)\" is not a mailbox such as \"joe@example.org\"") }
        return text
    }

    /// A mailbox named twice (in any case) among recipients would get the message twice.
    static func checkDistinct(_ addresses: [String], _ nodes: [JSONReader]) throws(ScenarioError) {
        var seen: Set<String> = []
        for (address, node) in zip(addresses, nodes) where !seen.insert(Topology.key(address)).inserted {
            throw node.error("<\(address)> is named twice: each recipient once")
        }
    }

    static func knownUser(_ node: JSONReader, in index: ScenarioIndex) throws(ScenarioError) -> String {
        let text = try mailbox(node)
        guard index.user(text) != nil else {
            throw node.error(
                "\"\(text)\" is not a user of this scenario" + Suggestions.hint(text, among: index.users.map(\.address))
            )
        }
        return text
    }
}
