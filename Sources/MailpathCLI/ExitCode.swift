#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process exit status, following the BSD `sysexits` convention for usage and data errors.
public struct ExitCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Everything worked.
    public static let success = ExitCode(rawValue: 0)
    /// The command ran but failed (a run whose accounting does not add up, a server that refused mail…).
    public static let failure = ExitCode(rawValue: 1)
    /// The command line was wrong: unknown subcommand or option, missing argument (EX_USAGE).
    public static let usage = ExitCode(rawValue: 64)
    /// An input file was wrong: malformed or inconsistent scenario or timeline (EX_DATAERR).
    public static let dataError = ExitCode(rawValue: 65)
    /// Output could not be written: a full disk, a closed descriptor (EX_IOERR).
    public static let ioError = ExitCode(rawValue: 74)
    /// A mail transfer failed temporarily (4yz): try again later (EX_TEMPFAIL).
    public static let temporaryFailure = ExitCode(rawValue: 75)

    public var description: String { String(rawValue) }

    /// Ends the process with this status. Output is written unbuffered, so nothing is pending.
    public func terminateProcess() -> Never {
        exit(rawValue)
    }
}

/// An error that ends a command with a message on standard error and an exit code.
public struct CLIError: Error, Equatable, CustomStringConvertible {
    public var code: ExitCode
    public var message: String

    public init(_ code: ExitCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    public static func data(_ message: String) -> CLIError { CLIError(.dataError, message) }
    public static func failure(_ message: String) -> CLIError { CLIError(.failure, message) }

    public var description: String { message }
}
