import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Paths for the files a test writes: all in one folder for the test process
/// (`$TMPDIR/mailpath-tests-PID`), removed when the process exits, so a test run leaves nothing
/// behind in the temporary directory however its tests end.
public enum TemporaryFiles {
    static var rootPath: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailpath-tests-\(getpid())").path
    }

    private static let root: String = {
        let root = rootPath
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TemporaryFiles.rootPath) }
        return root
    }()

    /// A new path (nothing is created there) whose last component starts with `name` and ends
    /// with `suffix` (an extension such as `.html`, or nothing).
    public static func path(_ name: String, suffix: String = "") -> String {
        root + "/" + name + "-" + UUID().uuidString + suffix
    }

    /// `path(_:suffix:)` as a file URL.
    public static func url(_ name: String, suffix: String = "") -> URL {
        URL(fileURLWithPath: path(name, suffix: suffix))
    }
}
