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
        // The edits made, in order, so that a place in the edited text can be traced back to the
        // scenario file or to the plan.
        var edits: [(edit: JSONPath.Edit, value: JSONNode, parameter: String)] = []
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
                case .success(let edit):
                    var text = Array(document.document.text.utf8)
                    text.replaceSubrange(edit.range, with: edit.replacement.utf8)
                    do {
                        document = try JSONParser.parse(String(decoding: text, as: UTF8.self))
                    } catch {
                        throw place("the value does not fit at \(parameter.name) in \(scenarioFile): \(error.message)")
                    }
                    edits.append((edit, value, parameter.name))
                case .failure(let failure): throw place("\(failure.message) in \(scenarioFile)")
                }
            }
        }
        do {
            return (try Scenario.decode(root: document, file: scenarioFile), era.setting(settings))
        } catch {
            throw traced(error, in: document.document, through: edits, point: index)
        }
    }

    /// An error found in the edited scenario, at its place in the scenario file, or in the plan
    /// when it lies in a value the plan set (a field the scenario does not know included).
    private func traced(
        _ error: ScenarioError, in edited: JSONDocument,
        through edits: [(edit: JSONPath.Edit, value: JSONNode, parameter: String)],
        point index: Int
    ) -> ScenarioError {
        guard edits.count > 0, let position = error.position, var offset = edited.offset(of: position) else {
            return error
        }
        // Undo the edits last first: a place after an edit moves back by what it added; a place
        // inside one is in the plan's value.
        for (edit, value, parameter) in edits.reversed() {
            let inserted = edit.replacement.utf8.count
            if offset >= edit.range.lowerBound + inserted {
                offset += edit.range.count - inserted
            } else if offset >= edit.range.lowerBound {
                let into = max(0, offset - edit.range.lowerBound - edit.valueStart)
                // The error's own path when it lies deeper in the value (links[0].latency of links[0]).
                let canonical = JSONPath.canonical(parameter)
                let path = error.path.hasPrefix(canonical) ? error.path : parameter
                return ScenarioError(
                    file: file, position: value.document.position(of: value.offset + into),
                    path: "\(path) (point \(index))", message: error.message)
            }
        }
        return ScenarioError(
            file: error.file, position: scenarioDocument.document.position(of: offset), path: error.path,
            message: error.message)
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

    /// An edit of a document's text that sets one value: `replacement` in place of the bytes
    /// `range`, the value's own text starting `valueStart` bytes into the replacement.
    public struct Edit: Sendable {
        public var range: Range<Int>
        public var replacement: String
        public var valueStart: Int
    }

    /// The edit of `root`'s text that replaces the value at `path` with `value`'s text (or, for
    /// the last key of an object, adds it); a failure names the path as far as it exists.
    public static func set(_ value: JSONNode, at path: [Component], in root: JSONNode) -> Result<Edit, Failure> {
        var node = root
        var walked = ""
        for (step, component) in path.enumerated() {
            switch component {
            case .key(let key):
                walked += walked.isEmpty ? key : "." + key
                guard case .object(let members) = node.value else {
                    return .failure(Failure(message: "\(walked): not in an object (found \(node.kindName))"))
                }
                if let member = members.first(where: { $0.key == key }) {
                    node = member.value
                } else if step == path.count - 1 {
                    // Added first, so that the object's own text around it stays as it was.
                    let added = JSON.quote(key) + ":"
                    return .success(
                        Edit(
                            range: (node.offset + 1)..<(node.offset + 1),
                            replacement: added + value.source + (members.isEmpty ? "" : ","),
                            valueStart: added.utf8.count))
                } else {
                    return .failure(Failure(message: "\(walked): no such field"))
                }
            case .index(let index):
                walked += "[\(index)]"
                guard case .array(let elements) = node.value else {
                    return .failure(Failure(message: "\(walked): not in an array (found \(node.kindName))"))
                }
                guard index < elements.count else {
                    return .failure(Failure(message: "\(walked): the array has \(elements.count) elements"))
                }
                node = elements[index]
            }
        }
        return .success(
            Edit(
                range: node.offset..<node.document.end(ofValueAt: node.offset), replacement: value.source, valueStart: 0
            ))
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
