import Reports

/// A sweep plan (Docs/experiments.md, "Sweeps"): one scenario, the parameters to vary — values in
/// the scenario addressed by path, the era, factors of the era — as a grid (every combination)
/// or a list of points, and replications of each point. Each (point, replication) is one run,
/// numbered `point × replications + replication`; runs of the same replication share a seed
/// (common random numbers).
public struct SweepPlan: Sendable {
    public static let format = "mailpath-sweep/1"

    /// One varied parameter: its name as written in the plan (a column of the results).
    public struct Parameter: Sendable {
        public enum Kind: Sendable {
            case era
            case factor(Factor)
            /// A value in the scenario document, such as `links[0].latency`.
            case path([JSONPath.Component])
        }
        public var name: String
        public var kind: Kind
    }

    public var file: String
    /// The scenario file, resolved against the plan's folder.
    public var scenarioFile: String
    public var scenarioDocument: JSONNode
    public var parameters: [Parameter]
    /// Each point's value of each parameter, in `parameters` order.
    public var points: [[JSONNode]]
    public var replications: Int
    /// The era of points that do not set one.
    public var era: Era
    /// The plan's text: a results folder belongs to one plan.
    public var text: String

    public var runCount: Int { points.count * replications }

    /// Reads a plan and checks every point's scenario, so that a bad value is reported before
    /// anything runs: errors name the plan (or scenario) file, line, column and path.
    public static func decode(_ text: String, file: String) throws(ScenarioError) -> SweepPlan {
        let root: JSONNode
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ScenarioError(
                file: file, position: error.position, path: "", message: "invalid JSON: " + error.message)
        }
        let top = try JSONReader(file: file, node: root, path: "").object(allowing: [
            "format", "scenario", "era", "replications", "grid", "points",
        ])
        let format = try top.required("format", "the file format, \"\(format)\"")
        guard try format.string() == Self.format else {
            throw format.error("expected \"\(Self.format)\", found \"\(try format.string())\"")
        }
        let scenarioFile = Timeline.resolve(
            try top.required("scenario", "the scenario file, relative to this plan").string(), from: file)
        let scenarioText: String
        switch FileText.readText(scenarioFile) {
        case .success(let read): scenarioText = read
        case .failure(let failure):
            throw try top.required("scenario", "").error("cannot read \(scenarioFile): \(failure.reason)")
        }
        let document: JSONNode
        do {
            document = try JSONParser.parse(scenarioText)
        } catch {
            throw ScenarioError(
                file: scenarioFile, position: error.position, path: "", message: "invalid JSON: " + error.message)
        }
        let base = try Scenario.decode(root: document, file: scenarioFile)
        let era = try Era.named(
            top.optional("era")?.choice(Era.all.map(\.name), what: "era") ?? base.era ?? "smtp-2001")!
        let replications = try top.optional("replications")?.integer(in: 1...10_000) ?? 1

        var parameters: [Parameter] = []
        var points: [[JSONNode]] = []
        var parameterNodes: [JSONReader] = []
        func parameter(_ name: String, _ node: JSONReader) throws(ScenarioError) -> Parameter {
            if name == "era" { return Parameter(name: name, kind: .era) }
            if name.hasPrefix("factor.") {
                guard let factor = Factor(rawValue: String(name.dropFirst("factor.".count))) else {
                    throw node.error(
                        "unknown factor \"\(name.dropFirst("factor.".count))\"; the factors are \(Factor.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return Parameter(name: name, kind: .factor(factor))
            }
            guard let path = JSONPath.parse(name) else {
                throw node.error(
                    "\"\(name)\" is not a parameter: write era, factor.NAME, or a path in the scenario such as links[0].latency"
                )
            }
            return Parameter(name: name, kind: .path(path))
        }
        switch (top.optional("grid"), top.optional("points")) {
        case (let grid?, nil):
            guard case .object(let members) = grid.node.value else {
                throw grid.error("expected an object of parameters and their values")
            }
            guard !members.isEmpty else { throw grid.error("needs at least one parameter") }
            var axes: [[JSONNode]] = []
            for member in members {
                let reader = grid.child(member.value, ".\"\(member.key)\"")
                guard !parameters.contains(where: { $0.name == member.key }) else {
                    throw reader.error("parameter named twice")
                }
                parameters.append(try parameter(member.key, reader))
                parameterNodes.append(reader)
                let values = try reader.array()
                guard !values.isEmpty else { throw reader.error("needs at least one value") }
                axes.append(values.map(\.node))
            }
            // Every combination, the last parameter changing fastest.
            points = [[]]
            for axis in axes { points = points.flatMap { point in axis.map { point + [$0] } } }
        case (nil, let list?):
            let nodes = try list.array()
            guard !nodes.isEmpty else { throw list.error("needs at least one point") }
            for (index, node) in nodes.enumerated() {
                guard case .object(let members) = node.node.value else {
                    throw node.error("expected an object of parameters and values")
                }
                if index == 0 {
                    for member in members {
                        let reader = node.child(member.value, ".\"\(member.key)\"")
                        guard !parameters.contains(where: { $0.name == member.key }) else {
                            throw reader.error("parameter named twice")
                        }
                        parameters.append(try parameter(member.key, reader))
                        parameterNodes.append(reader)
                    }
                }
                let keys = members.map(\.key)
                guard Set(keys) == Set(parameters.map(\.name)), keys.count == parameters.count else {
                    throw node.error(
                        "every point sets the same parameters as the first: \(parameters.map(\.name).joined(separator: ", "))"
                    )
                }
                points.append(parameters.map { parameter in members.first { $0.key == parameter.name }!.value })
            }
        case (nil, nil):
            throw top.reader.error("needs \"grid\" (every combination of values) or \"points\" (a list of settings)")
        case (_?, _?):
            throw try top.required("points", "").error("give \"grid\" or \"points\", not both")
        }
        let plan = SweepPlan(
            file: file, scenarioFile: scenarioFile, scenarioDocument: document, parameters: parameters, points: points,
            replications: replications,
            era: era, text: text)
        // Every point must make a valid scenario and era.
        for index in plan.points.indices { _ = try plan.setup(point: index) }
        return plan
    }

    /// The scenario and era of point `index`. A bad value is reported at its place in the plan.
    public func setup(point index: Int) throws(ScenarioError) -> (scenario: Scenario, era: Era) {
        var document = scenarioDocument
        var era = self.era
        var settings: [FactorSetting] = []
        for (parameter, value) in zip(parameters, points[index]) {
            let place = { (message: String) in
                ScenarioError(
                    file: self.file, position: value.position, path: "\(parameter.name) (point \(index))",
                    message: message)
            }
            switch parameter.kind {
            case .era:
                guard case .string(let name) = value.value, let named = Era.named(name) else {
                    throw place("expected an era name: \(Era.all.map(\.name).joined(separator: ", "))")
                }
                era = named
            case .factor(let factor):
                let text = JSONPath.text(value)
                guard case .success(let setting) = FactorSetting.parse("\(factor.rawValue)=\(text)") else {
                    throw place("factor \(factor.rawValue) takes \(factor.values.joined(separator: ", ")), not \(text)")
                }
                settings.append(setting)
            case .path(let path):
                switch JSONPath.set(value, at: path, in: document) {
                case .success(let changed): document = changed
                case .failure(let failure): throw place("\(failure.message) in \(scenarioFile)")
                }
            }
        }
        let scenario: Scenario
        do {
            scenario = try Scenario.decode(root: document, file: scenarioFile)
        } catch {
            // A value set from the plan carries the plan's position: an error there, on its path or
            // its parent's (a field the scenario does not know), is reported in the plan.
            for (parameter, value) in zip(parameters, points[index]) {
                guard case .path = parameter.kind, error.position == value.position else { continue }
                let path = JSONPath.canonical(parameter.name)
                if error.path.hasPrefix(path) || path.hasPrefix(error.path) {
                    throw ScenarioError(
                        file: file, position: error.position, path: "\(parameter.name) (point \(index))",
                        message: error.message)
                }
            }
            throw error
        }
        return (scenario, era.setting(settings))
    }

    /// The text of point `index`'s value of each parameter, for the results' columns.
    public func values(point index: Int) -> [String] { points[index].map(JSONPath.text) }
}

/// Paths into a JSON document, such as `links[0].latency`, as the scenario decoder writes them.
public enum JSONPath {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public struct Failure: Error, Sendable {
        public var message: String
    }

    /// `links[0].latency` → key links, index 0, key latency; `nil` if it is not a path.
    public static func parse(_ text: String) -> [Component]? {
        var components: [Component] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"),
                    let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
                else { return nil }
                components.append(.index(index))
                rest = rest[rest.index(after: close)...]
                if rest.first == "." { rest = rest.dropFirst() }
            } else {
                let key = rest.prefix { $0 != "." && $0 != "[" }
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                    return nil
                }
                components.append(.key(String(key)))
                rest = rest.dropFirst(key.count)
                if rest.first == "." { rest = rest.dropFirst() }
            }
        }
        return components.isEmpty ? nil : components
    }

    /// The path as the scenario decoder writes it in errors (`links[0].latency`).
    public static func canonical(_ text: String) -> String {
        guard let components = parse(text) else { return text }
        var result = ""
        for component in components {
            switch component {
            case .key(let key): result += result.isEmpty ? key : "." + key
            case .index(let index): result += "[\(index)]"
            }
        }
        return result
    }

    /// `root` with the value at `path` replaced (or, for the last key of an object, added).
    public static func set(_ value: JSONNode, at path: [Component], in root: JSONNode) -> Result<JSONNode, Failure> {
        guard let first = path.first else { return .success(value) }
        let rest = Array(path.dropFirst())
        var node = root
        switch (first, root.value) {
        case (.key(let key), .object(var members)):
            if let index = members.firstIndex(where: { $0.key == key }) {
                switch set(value, at: rest, in: members[index].value) {
                case .success(let changed): members[index].value = changed
                case .failure(let failure):
                    return .failure(
                        Failure(message: "\(key)\(failure.message.hasPrefix("[") ? "" : ".")\(failure.message)"))
                }
            } else if rest.isEmpty {
                members.append(JSONNode.Member(key: key, keyPosition: value.position, value: value))
            } else {
                return .failure(Failure(message: "\(key): no such field"))
            }
            node.value = .object(members)
        case (.index(let index), .array(var elements)):
            guard index < elements.count else {
                return .failure(Failure(message: "[\(index)]: the array has \(elements.count) elements"))
            }
            switch set(value, at: rest, in: elements[index]) {
            case .success(let changed): elements[index] = changed
            case .failure(let failure):
                return .failure(
                    Failure(message: "[\(index)]\(failure.message.hasPrefix("[") ? "" : ".")\(failure.message)"))
            }
            node.value = .array(elements)
        case (.key(let key), _):
            return .failure(Failure(message: "\(key): not in an object (found \(root.kindName))"))
        case (.index(let index), _):
            return .failure(Failure(message: "[\(index)]: not in an array (found \(root.kindName))"))
        }
        return .success(node)
    }

    /// A value as a results column shows it: a string without quotes, anything else as JSON.
    public static func text(_ node: JSONNode) -> String {
        switch node.value {
        case .string(let text): text
        case .number(let text): text
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .array(let elements):
            "["
                + elements.map { element in
                    if case .string(let text) = element.value { return JSON.quote(text) }
                    return text(element)
                }.joined(separator: ",") + "]"
        case .object(let members):
            "{"
                + members.map { member in
                    let value: String
                    if case .string(let text) = member.value.value {
                        value = JSON.quote(text)
                    } else {
                        value = text(member.value)
                    }
                    return JSON.quote(member.key) + ":" + value
                }.joined(separator: ",") + "}"
        }
    }
}
