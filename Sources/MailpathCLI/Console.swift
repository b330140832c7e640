import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a command's output goes. Results go to `out`, diagnostics and progress to `err`.
/// Tests capture both; `main.swift` uses `Console.standard`.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void
    /// Whether standard error is a terminal: progress lines are shown only then.
    public var errIsTerminal: Bool
    /// Why writing `out` failed, if it did (a full disk, a closed descriptor): the command then
    /// exits 74 rather than 0 with an empty or cut result.
    public var outFailure: @Sendable () -> String?

    public init(
        out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void,
        errIsTerminal: Bool = false,
        outFailure: @escaping @Sendable () -> String? = { nil }
    ) {
        self.out = out
        self.err = err
        self.errIsTerminal = errIsTerminal
        self.outFailure = outFailure
    }

    /// The process's standard output and standard error.
    public static var standard: Console {
        let failure = WriteFailure()
        return Console(
            out: { writeAll(1, $0, failure: failure) }, err: { writeAll(2, $0, failure: nil) },
            errIsTerminal: isatty(2) != 0,
            outFailure: { failure.reason })
    }
}

/// The first error met writing a descriptor, kept for the command's exit code.
final class WriteFailure: Sendable {
    private let first = Mutex<String?>(nil)
    var reason: String? { first.withLock { $0 } }
    func record(_ reason: String) { first.withLock { if $0 == nil { $0 = reason } } }
}

/// Writes all of `text` to a file descriptor, retrying short writes and interruptions. An error
/// is recorded in `failure`, except a reader that went away (EPIPE), which is nobody's failure.
func writeAll(_ descriptor: Int32, _ text: String, failure: WriteFailure?) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written > 0 {
            offset += written
        } else if written < 0 && errno == EINTR {
            continue
        } else {
            if written < 0 && errno != EPIPE { failure?.record(String(cString: strerror(errno))) }
            return
        }
    }
}

/// A console that records what was written, for tests and for capturing output in memory.
public final class CapturedConsole: Sendable {
    private let texts = Mutex<(out: String, err: String)>(("", ""))

    public init() {}

    public var console: Console {
        Console(
            out: { [self] text in texts.withLock { $0.out += text } },
            err: { [self] text in texts.withLock { $0.err += text } })
    }

    public var out: String { texts.withLock { $0.out } }
    public var err: String { texts.withLock { $0.err } }
}
