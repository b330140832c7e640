import MailAgent
import MailCore
import MailDialects
import SimKernel
import SimNetwork

/// Reading the `faults` of a scenario file (Docs/scenarios.md, "faults").
extension Scenario {
    static func decodeFault(_ node: JSONReader, scenario: Scenario) throws(ScenarioError) -> FaultSpec {
        let kinds = ["linkDown", "linkUp", "crash", "dnsOutage", "reply", "dropAfterDot"]
        guard case .object(let members) = node.node.value, let typeMember = members.first(where: { $0.key == "type" })
        else {
            throw node.error("expected an object with \"type\": one of \(kinds.joined(separator: ", "))")
        }
        let type = try node.child(typeMember.value, ".type").choice(kinds, what: "fault type")
        func host(_ fields: JSONObjectReader) throws(ScenarioError) -> String {
            let hostNode = try fields.required("host", "the host it happens to")
            let name = try hostNode.string()
            guard let host = scenario.host(named: name) else {
                throw hostNode.error(
                    "unknown host \"\(name)\"" + Suggestions.hint(name, among: scenario.hosts.map(\.name)))
            }
            return host.name
        }
        func window(_ fields: JSONObjectReader) throws(ScenarioError) -> (SimTime, SimTime) {
            let from = try fields.required("from", "when it starts").time()
            let untilNode = try fields.required("until", "when it ends")
            let until = try untilNode.time()
            guard until > from else { throw untilNode.error("ends before it starts") }
            return (from, until)
        }
        switch type {
        case "linkDown", "linkUp":
            let fields = try node.object(allowing: ["type", "link", "at"])
            let linkNode = try fields.required("link", "the two hosts the link joins")
            let ends = try linkNode.array()
            guard ends.count == 2 else { throw linkNode.error("expected two host names") }
            let a = try ends[0].string(), b = try ends[1].string()
            guard
                let link = scenario.links.first(where: {
                    Set([$0.between.0.lowercased(), $0.between.1.lowercased()])
                        == Set([a.lowercased(), b.lowercased()])
                })
            else {
                throw linkNode.error("no link joins \(a) and \(b)")
            }
            return .link(between: link.between, up: type == "linkUp", at: try fields.required("at", "when").time())
        case "crash":
            let fields = try node.object(allowing: ["type", "host", "at", "restart"])
            let at = try fields.required("at", "when").time()
            let restart = try fields.optional("restart")?.time()
            if let restart, restart <= at, let restartNode = fields.optional("restart") {
                throw restartNode.error("restarts before it crashes: give a time after \"at\"")
            }
            return .crash(host: try host(fields), at: at, restart: restart)
        case "dnsOutage":
            let fields = try node.object(allowing: ["type", "from", "until"])
            let (from, until) = try window(fields)
            return .dnsOutage(from: from, until: until)
        case "reply":
            let fields = try node.object(allowing: [
                "type", "host", "command", "code", "text", "from", "until", "probability",
            ])
            let target = try host(fields)
            let command = try fields.required("command", "the command to answer, such as \"RCPT\"").choice(
                ["HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "MRSQ", "MRCP"], what: "command")
            let code = try fields.required("code", "the reply code, from 400 to 599").integer(in: 400...599)
            let (from, until) = try window(fields)
            return .reply(
                host: target, command: command, code: code,
                text: try replyText(fields.optional("text")) ?? "Injected failure", from: from,
                until: until, probability: try fields.optional("probability")?.probability() ?? 1)
        default:
            let fields = try node.object(allowing: ["type", "host", "from", "until"])
            let target = try host(fields)
            let (from, until) = try window(fields)
            return .dropAfterDot(host: target, from: from, until: until)
        }
    }

    /// A reply text for an injected reply: one line (a CR or LF would inject a second reply).
    static func replyText(_ node: JSONReader?) throws(ScenarioError) -> String? {
        guard let node else { return nil }
        let text = try node.string()
        guard !text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            throw node.error("a reply text is one line: no CR or LF")
        }
        return text
    }
}
