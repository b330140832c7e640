import Foundation
import Testing

/// Golden-file comparison. Expected output lives in a `Golden/` folder beside the calling test
/// file. To re-record after an intended change, run the tests with `MAILPATH_RECORD_GOLDEN=1`:
/// the files are rewritten and each rewrite is reported as a test issue, so a recording run
/// never passes silently. Review the diff with `git diff` and commit it.
public enum Golden {
    public static let recordVariable = "MAILPATH_RECORD_GOLDEN"

    public static func check(
        _ actual: String, matches name: String, filePath: String = #filePath,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        let url = directory.appendingPathComponent(name)
        if TestEnvironment.variables[recordVariable] == "1" {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                try actual.write(to: url, atomically: true, encoding: .utf8)
                Issue.record(
                    "recorded golden file \(name); run again without \(recordVariable) to check it",
                    sourceLocation: sourceLocation)
            } catch {
                Issue.record("could not record golden file \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record(
                "missing golden file \(url.path); record it with \(recordVariable)=1", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record(
                "output differs from golden file \(name):\n\(firstDifference(expected, actual))",
                sourceLocation: sourceLocation)
        }
    }

    /// The first line where two texts differ, for a readable failure.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? String(a[index]) : "<end>"
            let right = index < b.count ? String(b[index]) : "<end>"
            if left != right { return "line \(index + 1):\n  expected: \(left)\n  actual:   \(right)" }
        }
        return "(texts differ only in line endings)"
    }
}

/// The repository root, found from a test file's path (for example to read Docs/examples/).
public func repositoryRoot(filePath: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url.deleteLastPathComponent()
    }
    fatalError("no Package.swift above \(filePath)")
}
