import Foundation
import TestSupport
import Testing

/// The import table of Docs/architecture.md, checked three ways: on the source text (every
/// `import`, whatever its access level or attributes), against the table in the document, and
/// against the target dependencies in Package.swift. Target dependencies already stop a module
/// importing a package module it does not depend on (CI builds with
/// --explicit-target-dependency-import-check error); the source check covers what they cannot:
/// the toolchain modules Foundation, Glibc, Darwin, Dispatch and Synchronization, which every target could import.
@Suite struct ImportRulesTests {
    static let toolchain: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch", "Synchronization"]

    static let allowed: [String: Set<String>] = [
        "MailpathBase": [],
        "SimKernel": ["MailpathBase"],
        "SimNetwork": ["MailpathBase", "SimKernel"],
        "MailCore": ["MailpathBase"],
        "MailDialects": ["MailpathBase", "MailCore"],
        "MailAgent": ["MailpathBase", "MailCore", "MailDialects"],
        "MailSimulation": ["MailpathBase", "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent"],
        "MailSockets": [
            "MailpathBase", "MailCore", "MailDialects", "MailAgent", "Foundation", "Glibc", "Darwin", "Dispatch",
        ],
        "Reports": [],
        "Experiments": [
            "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "Reports",
            "Foundation",
        ],
        "MailpathCLI": [
            "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "MailSockets",
            "Reports",
            "Experiments", "Foundation", "Glibc", "Darwin", "Dispatch", "Synchronization",
        ],
        "mailpath": ["MailpathCLI"],
    ]

    /// The module a line of Swift imports, or nil when it is not an import declaration. Any
    /// attributes (`@_implementationOnly`, `@preconcurrency`, `@testable`) and access level
    /// (`private`, `fileprivate`, `internal`, `package`, `public`) may come first, and a kind
    /// (`struct`, `func`, …) may name one declaration of the module: `import struct Glibc.stat`.
    static func importedModule(_ line: Substring) -> String? {
        let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let index = words.firstIndex(of: "import") else { return nil }
        let modifiers: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
        guard words[..<index].allSatisfy({ $0.hasPrefix("@") || modifiers.contains($0) }) else { return nil }
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        var next = index + 1
        if next < words.count, kinds.contains(words[next]) { next += 1 }
        guard next < words.count else { return nil }
        return String(words[next].split(separator: ".").first ?? words[next])
    }

    @Test("the import scanner sees every form of import")
    func scanner() {
        let cases: [(Substring, String?)] = [
            ("import Foundation", "Foundation"),
            ("private import Foundation", "Foundation"),
            ("fileprivate import Glibc", "Glibc"),
            ("package import Dispatch", "Dispatch"),
            ("@_implementationOnly import Foundation", "Foundation"),
            ("@preconcurrency internal import Dispatch", "Dispatch"),
            ("    import Glibc // inside #if canImport(Glibc)", "Glibc"),
            ("import struct Foundation.Date", "Foundation"),
            ("import Foundation.NSString", "Foundation"),
            ("// import Foundation", nil),
            ("let x = y // import Foundation", nil),
            ("    /// an import of", nil),
        ]
        for (line, module) in cases { #expect(Self.importedModule(line) == module, "\(line)") }
    }

    static func imports(of module: String) throws -> [(file: String, module: String)] {
        let directory = repositoryRoot().appendingPathComponent("Sources/\(module)")
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var found: [(String, String)] = []
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                if let imported = importedModule(line) { found.append((file.lastPathComponent, imported)) }
            }
        }
        return found
    }

    @Test("each module imports only what the architecture allows", arguments: allowed.keys.sorted())
    func rules(module: String) throws {
        for (file, imported) in try Self.imports(of: module) {
            #expect(Self.allowed[module]!.contains(imported), "\(module)/\(file) imports \(imported)")
        }
    }

    @Test("every source module is in the table")
    func complete() throws {
        let sources = repositoryRoot().appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(modules) == Set(Self.allowed.keys))
    }

    /// Docs/architecture.md's table: `| module | holds | may import |`, the last column a list of
    /// module names separated by commas (`stdlib` for none).
    @Test("Docs/architecture.md's module table is the table checked here")
    func documentTable() throws {
        let text = try String(
            contentsOf: repositoryRoot().appendingPathComponent("Docs/architecture.md"), encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, Self.allowed[cells[0]] != nil else { continue }
            let names = cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0]] = Set(names.filter { $0 != "stdlib" })
        }
        #expect(documented == Self.allowed)
    }

    /// Package.swift's target dependencies are the package modules of the table: a module may
    /// depend on no more than it may import, and the table allows nothing the package does not.
    @Test("Package.swift's target dependencies match the table")
    func packageDependencies() throws {
        let manifest = try String(contentsOf: repositoryRoot().appendingPathComponent("Package.swift"), encoding: .utf8)
        var declared: [String: Set<String>] = [:]
        // Each `name: "X"` opens a declaration (products first, then targets, so a target's entry
        // wins over a product of the same name); its dependencies are the list that follows it.
        for chunk in manifest.components(separatedBy: "name: \"").dropFirst() {
            let name = String(chunk.prefix(while: { $0 != "\"" }))
            var dependencies: Set<String> = []
            if let list = chunk.range(of: "dependencies: [") {
                let body = chunk[list.upperBound...].prefix(while: { $0 != "]" })
                for part in body.split(separator: ",") {
                    let word = part.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(["\""]))
                    if !word.isEmpty { dependencies.insert(word) }
                }
            }
            declared[name] = dependencies
        }
        for (module, allowed) in Self.allowed {
            #expect(declared[module] == allowed.subtracting(Self.toolchain), "\(module) in Package.swift")
        }
    }
}
