import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The test process's environment, read once. Reading `ProcessInfo.processInfo.environment` from
/// several test threads at once (each `Process.run()` without an explicit environment does) has
/// crashed inside Foundation here (a bad pointer in its environment getter); a `static let` is
/// evaluated once, under the runtime's lock, and every later read is a copy of a dictionary.
public enum TestEnvironment {
    public static let variables: [String: String] = ProcessInfo.processInfo.environment

    /// A process for `executable` with `arguments`, given the environment above explicitly.
    public static func process(_ executable: String, _ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = variables
        return process
    }

    /// Runs `executable` with `arguments` to its end: its exit status and its standard output
    /// (with standard error too when `withErrors`; otherwise standard error is dropped).
    public static func run(_ executable: String, _ arguments: [String], withErrors: Bool = false) throws -> (
        status: Int32, output: String
    ) {
        let process = process(executable, arguments)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = withErrors ? pipe : FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A child process's peak memory, measured by the kernel for that child alone.
public enum PeakMemory {
    /// Runs `executable` with `arguments` (output dropped) to its end: its exit status and its
    /// peak resident size in KiB (`wait4`'s `ru_maxrss`), or nil when it could not be started.
    public static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, kibibytes: Int)? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { return nil }
        }
        #if os(Linux)
            let kibibytes = usage.ru_maxrss  // KiB on Linux
        #else
            let kibibytes = usage.ru_maxrss / 1024  // bytes on macOS
        #endif
        return ((status >> 8) & 0xff, Int(kibibytes))
    }
}

/// The `mailpath` binary `swift test` builds beside the tests, for tests that need a process of
/// its own (signals, peak memory, environment); a missing binary fails the test that asks.
public enum BuiltBinary {
    public struct Missing: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "swift test builds mailpath beside the tests, but \(path) is not there" }
    }

    public static func mailpath() throws -> String {
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "mailpath"
        ).path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing(path: path) }
        return path
    }
}
