import Foundation

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
