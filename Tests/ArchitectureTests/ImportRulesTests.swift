import Foundation
import Testing
import TestSupport

/// The import table of Docs/architecture.md, checked on the source text. Target dependencies in
/// Package.swift already stop a module importing a package module it does not depend on (CI builds
/// with --explicit-target-dependency-import-check error); this test covers what they cannot: the
/// toolchain modules Foundation, Glibc and Dispatch, which every target could otherwise import.
@Suite struct ImportRulesTests {
    static let allowed: [String: Set<String>] = [
        "SimKernel": [],
        "SimNetwork": ["SimKernel"],
        "MailCore": [],
        "MailDialects": ["MailCore"],
        "MailAgent": ["MailCore", "MailDialects"],
        "MailSimulation": ["SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent"],
        "MailSockets": ["MailCore", "MailDialects", "MailAgent", "Foundation", "Glibc", "Dispatch"],
        "Reports": [],
        "Experiments": ["SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "Reports", "Foundation"],
        "MailpathCLI": [
            "SimKernel", "SimNetwork", "MailCore", "MailDialects", "MailAgent", "MailSimulation", "MailSockets", "Reports",
            "Experiments", "Foundation", "Glibc", "Dispatch",
        ],
        "mailpath": ["MailpathCLI"],
    ]

    static func imports(of module: String) throws -> [(file: String, module: String)] {
        let directory = repositoryRoot().appendingPathComponent("Sources/\(module)")
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var found: [(String, String)] = []
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), words[..<index].allSatisfy({ $0.hasPrefix("@") || ["public", "internal"].contains($0) }),
                    index + 1 < words.count
                else { continue }
                found.append((file.lastPathComponent, String(words[index + 1])))
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
}
