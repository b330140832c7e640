#if canImport(Glibc)
import Glibc
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
        out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void, errIsTerminal: Bool = false,
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
            out: { writeAll(1, $0, failure: failure) }, err: { writeAll(2, $0, failure: nil) }, errIsTerminal: isatty(2) != 0,
            outFailure: { failure.reason })
    }
}

/// The first error met writing a descriptor, kept for the command's exit code.
final class WriteFailure: @unchecked Sendable {
    private let lock = PthreadMutex()
    private var first: String?
    var reason: String? { lock.locked { first } }
    func record(_ reason: String) { lock.locked { if first == nil { first = reason } } }
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
public final class CapturedConsole: @unchecked Sendable {
    private let lock = PthreadMutex()
    private var outText = ""
    private var errText = ""

    public init() {}

    public var console: Console {
        Console(
            out: { [self] text in lock.locked { outText += text } },
            err: { [self] text in lock.locked { errText += text } })
    }

    public var out: String { lock.locked { outText } }
    public var err: String { lock.locked { errText } }
}

/// A tiny mutex over pthread, so capturing needs no Foundation.
final class PthreadMutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
