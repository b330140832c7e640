import MailpathBase

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The layout of the live server's mail store: one Maildir per recipient under the store's root,
/// the format Dovecot, mutt and Python's `mailbox.Maildir` read (D. J. Bernstein's maildir(5)).
///
///     ROOT/joe/{tmp,new,cur}/          one Maildir per local part
///     ROOT/.incoming/                   texts being received and not yet answered 250
///
/// A text is written to `.incoming` as it arrives; once the final dot has been read the file is
/// flushed to disk, then hard-linked into `new/` of each recipient's Maildir under a name no other
/// delivery can have, and the directories are flushed before the 250 (see `Spooler`). `link(2)`
/// never replaces a file, so mail already accepted cannot be overwritten, whatever the process
/// id or clock. The sources are silent on mailbox formats (RFC 821 §4.2.2 only says the receiver
/// "accepts responsibility"); Maildir is the choice of this implementation.
public enum Maildir {
    /// The folder under the root where texts are received; never a recipient's folder, since
    /// `folderName(for:)` never begins a name with a dot.
    public static let incoming = ".incoming"

    /// The folder of a recipient's Maildir under the root: the local part with every byte that is
    /// not a letter, digit, `+`, `-`, `_`, `=` or an inner `.` written as `%XX`, so no name can
    /// be hidden (`.hidden`), climb out (`..`, `/`) or clash with another recipient's. A name that
    /// would pass 200 bytes keeps its first 150 and a hash of the whole (file names end at 255).
    /// A quoted local part is the mailbox it quotes (`"joe"` is `joe`, RFC 5321 §4.1.2).
    public static func folderName(for localPart: String) -> String {
        var name = ""
        for (index, byte) in unquoted(localPart).utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="):
                name.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: ".") where index > 0:
                name.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                name += "%" + hex(byte)
            }
        }
        if name.isEmpty { return "%00" }
        guard name.utf8.count > 200 else { return name }
        return String(name.prefix(150)) + "~" + String(FNV1a.hash(localPart.utf8), radix: 16)
    }

    /// A file name in the Maildir convention, `SECONDS.MmicrosPpidQcountRrandom.host`: unique
    /// across processes (pid), restarts (time, random), deliveries of one process (count) and
    /// hosts (host). `/` and `:` in the host name are written `\057` and `\072`, as maildir(5) asks.
    public static func uniqueName(seconds: Int, microseconds: Int, pid: Int32, count: Int, random: UInt64, host: String)
        -> String
    {
        var safeHost = ""
        for character in host {
            switch character {
            case "/": safeHost += "\\057"
            case ":": safeHost += "\\072"
            default: safeHost.append(character)
            }
        }
        return
            "\(seconds).M\(microseconds)P\(pid)Q\(count)R\(String(random, radix: 16)).\(safeHost.isEmpty ? "localhost" : safeHost)"
    }

    /// Where the parts of a unique name come from: the wall clock, the process, the system's
    /// random generator and the host name, or fixed values in a test that plays a restarted
    /// server with the same process id and clock.
    public struct Naming: Sendable {
        public var clock: @Sendable () -> (seconds: Int, microseconds: Int)
        public var pid: Int32
        public var random: @Sendable () -> UInt64
        public var host: String

        public init(
            clock: @escaping @Sendable () -> (seconds: Int, microseconds: Int), pid: Int32,
            random: @escaping @Sendable () -> UInt64,
            host: String
        ) {
            self.clock = clock
            self.pid = pid
            self.random = random
            self.host = host
        }

        public static var system: Naming {
            Naming(
                clock: {
                    var time = timespec()
                    clock_gettime(CLOCK_REALTIME, &time)
                    return (time.tv_sec, time.tv_nsec / 1000)
                }, pid: getpid(), random: { UInt64.random(in: .min ... .max) }, host: Maildir.hostName)
        }

        /// The name of the `count`th file this process names.
        func name(count: Int) -> String {
            let time = clock()
            return uniqueName(
                seconds: time.seconds, microseconds: time.microseconds, pid: pid, count: count, random: random(),
                host: host)
        }
    }

    /// This machine's host name, for `uniqueName`.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `"a\"b"` → `a"b`; an unquoted local part is returned as it is.
    static func unquoted(_ localPart: String) -> String {
        guard localPart.count >= 2, localPart.hasPrefix("\""), localPart.hasSuffix("\"") else { return localPart }
        var result = ""
        var escaped = false
        for character in localPart.dropFirst().dropLast() {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0f)])
    }

}
