import MailCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mbox store (`serve --store mbox`): one file per recipient, `ROOT/joe`, each message
/// appended after a `From ` separator line, in the form known as mboxrd: lines end with LF, and a
/// line of the text that begins with `From ` after any number of `>` gets one more `>` (readers
/// remove one). The sources are silent on mailbox formats; mbox is the traditional Unix one
/// (Dovecot, mutt and Python's `mailbox.mbox` read it). Its point here is speed: a message is
/// an append to files that exist, not a new file, and a batch of appends is made durable with
/// one flush (see `Spooler`).
///
/// Each file is locked with `fcntl` while a batch is appended and flushed, so a reader that locks
/// (Dovecot does) sees whole, durable messages only. What the format cannot do: a reader that
/// takes no lock may see a message being appended; a crash in the middle of an append leaves
/// part of a message, never answered 250, at the end of the file (Maildir has neither problem,
/// which is why it is the default). The server must be the files' only writer: a failed append
/// is cut off by size, which assumes nobody else wrote (no dot-lock files are made).
public enum Mbox {
    /// `From ann@a.org Sat Dec  5 10:37:14 2026` and LF: the sender (`MAILER-DAEMON` for the null
    /// path, blanks left out) and the time of delivery in UTC, as `asctime` writes it.
    public static func separator(sender: String, seconds: Int) -> [UInt8] {
        let name = sender.isEmpty ? "MAILER-DAEMON" : String(sender.filter { !$0.isWhitespace })
        return Array(("From " + name + " " + CivilTime(unixSeconds: Int64(seconds)).asctime + "\n").utf8)
    }

    /// The text (CR LF lines) as it is stored: LF line ends, `>` added to `>*From ` lines, an
    /// LF at the end if it had none, and the empty line that ends an mbox message.
    public static func entry(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 16)
        var lineStart = 0
        while lineStart < text.count {
            var end = lineStart
            while end < text.count && text[end] != 0x0a { end += 1 }
            var contentEnd = end
            if contentEnd > lineStart && text[contentEnd - 1] == 0x0d { contentEnd -= 1 }
            if quotes(text[lineStart..<contentEnd]) { out.append(UInt8(ascii: ">")) }
            out.append(contentsOf: text[lineStart..<contentEnd])
            out.append(0x0a)
            lineStart = end + 1
        }
        out.append(0x0a)
        return out
    }

    /// Whether a line is `From ` after zero or more `>`.
    static func quotes(_ line: ArraySlice<UInt8>) -> Bool {
        var index = line.startIndex
        while index < line.endIndex && line[index] == UInt8(ascii: ">") { index += 1 }
        return line[index...].starts(with: "From ".utf8)
    }
}

/// The spooler's mbox side: texts being received (in memory, or in a file of `.incoming` once
/// past `spillAt` bytes, so a session's memory stays bounded) and the open mbox files.
struct MboxStore {
    enum Text {
        case memory([UInt8])
        case file(descriptor: Int32, name: String)
    }

    let root: String
    /// Texts past this size are written to a file as they arrive.
    var spillAt = 256 * 1024
    var texts: [Int: (separator: [UInt8], text: Text)] = [:]
    /// Open mbox files, by folder name.
    var files: [String: Int32] = [:]

    init(root: String) { self.root = root }

    mutating func begin(_ session: Int, separator: [UInt8], header: [UInt8]) {
        discard(session)
        texts[session] = (separator, .memory(header))
    }

    /// Adds text; false when a file for a long text could not be written.
    mutating func append(
        _ session: Int, _ bytes: [UInt8], create: () -> (Int32, String)?, write: (Int32, [UInt8]) -> Bool
    ) -> Bool {
        guard let (separator, text) = texts[session] else { return false }
        switch text {
        case .memory(var held):
            texts[session] = nil  // the bytes have one owner while they grow
            held += bytes
            guard held.count > spillAt else {
                texts[session] = (separator, .memory(held))
                return true
            }
            guard let (descriptor, name) = create() else { return false }
            texts[session] = (separator, .file(descriptor: descriptor, name: name))
            return write(descriptor, held)
        case .file(let descriptor, _):
            return write(descriptor, bytes)
        }
    }

    /// The whole text of `session` with `rest` added, and its separator; nil if it was lost.
    mutating func take(_ session: Int, rest: [UInt8], write: (Int32, [UInt8]) -> Bool) -> ([UInt8], [UInt8])? {
        guard let (separator, text) = texts.removeValue(forKey: session) else { return nil }
        switch text {
        case .memory(let held): return (separator, held + rest)
        case .file(let descriptor, let name):
            defer {
                close(descriptor)
                unlink(root + "/" + Maildir.incoming + "/" + name)
            }
            guard write(descriptor, rest) else { return nil }
            let size = Int(lseek(descriptor, 0, SEEK_END))
            guard size >= 0 else { return nil }
            var whole = [UInt8](repeating: 0, count: size)
            var offset = 0
            while offset < size {
                let count = whole.withUnsafeMutableBytes {
                    pread(descriptor, $0.baseAddress! + offset, size - offset, off_t(offset))
                }
                guard count > 0 else { return nil }
                offset += count
            }
            return (separator, whole)
        }
    }

    mutating func discard(_ session: Int) {
        guard let (_, text) = texts.removeValue(forKey: session) else { return }
        if case .file(let descriptor, let name) = text {
            close(descriptor)
            unlink(root + "/" + Maildir.incoming + "/" + name)
        }
    }

    /// The open mbox file of `folder`, created if need be (`created` then says so).
    mutating func file(_ folder: String, created: inout Bool) -> Int32? {
        if let descriptor = files[folder] { return descriptor }
        let path = root + "/" + folder
        var descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            created = descriptor >= 0
        }
        guard descriptor >= 0 else { return nil }
        files[folder] = descriptor
        return descriptor
    }

    mutating func closeAll() {
        for descriptor in files.values { close(descriptor) }
        files = [:]
        for session in Array(texts.keys) { discard(session) }
    }
}

// The spooler's batch for an mbox store (its Maildir side is in Spooler.swift).
extension Spooler {
    /// Appends a batch of texts to their mbox files and makes them durable together: one flush
    /// of the file system on Linux (`syncfs`), each file touched (and the root, if a file was
    /// made) elsewhere. A text that cannot be written whole, or a flush that fails, is cut off
    /// again (`ftruncate` to the size before it) and reported as not stored. Each file is locked
    /// (`fcntl`) from its first append to the end of the batch, so a reader that locks sees
    /// whole, durable messages only.
    func append(_ appends: [(session: Int, entry: [UInt8], folders: [String])]) {
        var sizeBefore: [Int32: off_t] = [:]  // each file's size before the batch
        var created = false
        var results: [Completion] = []
        for item in appends {
            var written: [(Int32, off_t)] = []
            var stored = true
            for folder in Set(item.folders).sorted() {
                guard let descriptor = mbox.file(folder, created: &created),
                    sizeBefore[descriptor] != nil || lockWholeFile(descriptor, true)
                else {
                    stored = false
                    break
                }
                let size = lseek(descriptor, 0, SEEK_END)
                if sizeBefore[descriptor] == nil { sizeBefore[descriptor] = size }
                guard size >= 0, writeAll(descriptor, item.entry) else {
                    if size >= 0 { _ = ftruncate(descriptor, size) }
                    stored = false
                    break
                }
                written.append((descriptor, size))
            }
            if !stored { for (descriptor, size) in written { _ = ftruncate(descriptor, size) } }
            results.append(Completion(session: item.session, copies: stored ? written.count : nil))
        }
        let touched = sizeBefore.keys.sorted()
        var durable: Bool
        if let first = touched.first, let whole = flushWholeFileSystem(first) {
            durable = whole
        } else {
            durable = touched.allSatisfy { fsync($0) == 0 }
            if created {
                let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                durable = durable && descriptor >= 0 && fsync(descriptor) == 0
                if descriptor >= 0 { close(descriptor) }
            }
        }
        if !durable {
            // Nothing of this batch is promised: take it all back out.
            for (descriptor, size) in sizeBefore { _ = ftruncate(descriptor, size) }
            results = results.map { Completion(session: $0.session, copies: nil) }
        }
        for descriptor in touched { lockWholeFile(descriptor, false) }
        condition.lock()
        statistics.commits += appends.count
        statistics.groups += 1
        condition.unlock()
        report(results)
    }
}
