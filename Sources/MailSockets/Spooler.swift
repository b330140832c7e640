import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes received texts to disk and makes them durable, on a thread of its own, so that the
/// event loop never waits for a disk: the live server's sessions stay responsive while others'
/// mail is being flushed.
///
/// The event loop submits jobs in order per session: `begin` (the trace lines, before the text),
/// `append` (text as it arrives), then `commit` (the rest, and the Maildirs it goes to) or
/// `abandon`. The worker takes every job queued when it wakes as one batch and makes all the
/// batch's commits durable together (group commit): the files are flushed, linked into each
/// recipient's `new/` (see `Maildir`), and the links flushed, once for the whole batch (see
/// `commit`). Only then are the commits reported, and the server answers 250.
final class Spooler: @unchecked Sendable {
    enum Job {
        /// A text begins: the lines put in front of it, and (for an mbox store) its `From ` line.
        case begin(session: Int, header: [UInt8], separator: [UInt8])
        case append(session: Int, bytes: [UInt8])
        case commit(session: Int, rest: [UInt8], folders: [String])
        case abandon(session: Int)
        /// Whole texts, each to its folders, reported as one completion (the mail agent's local
        /// deliveries and queue files for one received message, written together).
        case store(session: Int, files: [(content: [UInt8], folders: [String])])
    }

    struct Completion {
        var session: Int
        /// Copies now on disk (one per Maildir), or `nil` if the text could not be stored.
        var copies: Int?
        /// Where the copies are.
        var paths: [String] = []
    }

    /// Figures for `bench --live`: how the commits were grouped.
    struct Statistics {
        var commits = 0
        var groups = 0
    }

    let root: String
    private let format: MailServer.StoreFormat
    private let naming: Maildir.Naming
    private let wake: Int32
    let condition = NSCondition()
    // Shared with the event loop, under `condition`.
    private var jobs: [Job] = []
    private var completions: [Completion] = []
    private var queued: [Int: Int] = [:]
    private var stopping = false
    var statistics = Statistics()
    private let finished = DispatchSemaphore(value: 0)
    // The worker's own.
    private var files: [Int: (descriptor: Int32, name: String)] = [:]
    private var failed: Set<Int> = []
    private var names = 0
    private var folders: Set<String> = []
    var mbox: MboxStore

    /// `wake` is written a byte whenever completions are ready (the event loop polls it).
    init(root: String, format: MailServer.StoreFormat = .maildir, naming: Maildir.Naming, wake: Int32) {
        self.root = root
        self.format = format
        self.naming = naming
        self.wake = wake
        mbox = MboxStore(root: root)
    }

    /// Creates `.incoming` (emptied of texts a stopped server left unfinished, never answered
    /// 250) and starts the worker.
    func start() throws {
        let incoming = root + "/" + Maildir.incoming
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? [] {
            unlink(incoming + "/" + name)
        }
        let thread = Thread { [self] in work() }
        thread.name = "mailpath spooler"
        thread.start()
    }

    func submit(_ job: Job) {
        condition.lock()
        if case .append(let session, let bytes) = job { queued[session, default: 0] += bytes.count }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Bytes of text submitted for `session` and not yet written (the server stops reading from a
    /// client that is far ahead of the disk).
    func queuedBytes(_ session: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return queued[session] ?? 0
    }

    func takeCompletions() -> [Completion] {
        condition.lock()
        defer { condition.unlock() }
        let taken = completions
        completions = []
        return taken
    }

    var figures: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    /// Finishes every job submitted so far, then ends the worker.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    // MARK: The worker

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                mbox.closeAll()
                finished.signal()
                return
            }
            let batch = jobs
            jobs = []
            condition.unlock()
            var commits: [(session: Int, descriptor: Int32, name: String, folders: [String])] = []
            var appends: [(session: Int, entry: [UInt8], folders: [String])] = []
            for job in batch {
                switch job {
                case .begin(let session, let header, let separator):
                    if format == .mbox {
                        failed.remove(session)
                        mbox.begin(session, separator: separator, header: header)
                    } else {
                        begin(session, header)
                    }
                case .append(let session, let bytes):
                    if format == .mbox {
                        if !failed.contains(session), !mbox.append(session, bytes, create: create, write: writeAll) {
                            failed.insert(session)
                        }
                    } else if !failed.contains(session), let file = files[session], !writeAll(file.descriptor, bytes) {
                        failed.insert(session)
                    }
                    condition.lock()
                    queued[session, default: 0] -= bytes.count
                    if queued[session] == 0 { queued[session] = nil }
                    condition.unlock()
                case .commit(let session, let rest, let folders) where format == .mbox:
                    if !failed.contains(session),
                        let (separator, text) = mbox.take(session, rest: rest, write: writeAll)
                    {
                        appends.append((session, separator + Mbox.entry(text), folders))
                    } else {
                        failed.remove(session)
                        mbox.discard(session)
                        report([Completion(session: session, copies: nil)])
                    }
                case .abandon(let session) where format == .mbox:
                    failed.remove(session)
                    mbox.discard(session)
                case .commit(let session, let rest, let folders):
                    if !failed.contains(session), let file = files[session], writeAll(file.descriptor, rest) {
                        commits.append((session, file.descriptor, file.name, folders))
                        files[session] = nil
                    } else {
                        discard(session)
                        report([Completion(session: session, copies: nil)])
                    }
                case .abandon(let session):
                    discard(session)
                case .store(let session, let stored):
                    for file in stored {
                        if let (descriptor, name) = create(), writeAll(descriptor, file.content) {
                            commits.append((session, descriptor, name, file.folders))
                        } else {
                            // fails in `commit`, and the session with it
                            commits.append((session, -1, "", file.folders))
                        }
                    }
                }
            }
            if !commits.isEmpty { commit(commits) }
            if !appends.isEmpty { append(appends) }
        }
    }

    private func begin(_ session: Int, _ header: [UInt8]) {
        discard(session)
        guard let (descriptor, name) = create() else {
            failed.insert(session)
            return
        }
        files[session] = (descriptor, name)
        if !writeAll(descriptor, header) { failed.insert(session) }
    }

    /// A new file in `.incoming` under a name of its own, open for writing (and reading).
    private func create() -> (Int32, String)? {
        let incoming = root + "/" + Maildir.incoming + "/"
        for _ in 0..<8 {
            let name = nextName()
            let descriptor = open(incoming + name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, name) }
            if errno != EEXIST { break }
        }
        return nil
    }

    private func discard(_ session: Int) {
        failed.remove(session)
        guard let file = files.removeValue(forKey: session) else { return }
        close(file.descriptor)
        unlink(root + "/" + Maildir.incoming + "/" + file.name)
    }

    /// Makes a batch of texts durable together, then links them into their Maildirs.
    ///
    /// On Linux the batch costs two flushes of the file system (`syncfs`), each one journal
    /// commit, however many texts and folders it has: one for the texts, one for their links.
    /// A flush per file, two threads at a time, was a journal commit each (some 6 ms a batch of
    /// eight here). Elsewhere each file and each folder is flushed (`fsync`).
    private func commit(_ commits: [(session: Int, descriptor: Int32, name: String, folders: [String])]) {
        // 1. The texts' bytes, made durable before any is linked where readers look.
        let descriptors = commits.map(\.descriptor)
        let flushed: [Bool]
        if let whole = descriptors.first(where: { $0 >= 0 }).flatMap(flushWholeFileSystem) {
            flushed = descriptors.map { $0 >= 0 && whole }
        } else {
            flushed = Self.inParallel(descriptors.count) { fsync(descriptors[$0]) == 0 }
        }
        // 2. Each text linked into `new/` of every recipient's Maildir, under a name of its own.
        var directories: Set<String> = []
        var results: [Completion] = []
        let incoming = root + "/" + Maildir.incoming + "/"
        for (index, item) in commits.enumerated() {
            if item.descriptor >= 0 { close(item.descriptor) }
            var linked: [String] = []
            var stored = flushed[index]
            for folder in Set(item.folders).sorted() where stored {
                guard prepare(folder, &directories) else {
                    stored = false
                    break
                }
                let target = root + "/" + folder + "/new/"
                var done = false
                for attempt in 0..<8 {
                    let name = attempt == 0 ? item.name : nextName()
                    if link(incoming + item.name, target + name) == 0 {
                        linked.append(target + name)
                        done = true
                        break
                    }
                    if errno != EEXIST { break }
                }
                if !done { stored = false }
                directories.insert(target)
            }
            if !item.name.isEmpty { unlink(incoming + item.name) }
            if !stored { for path in linked { unlink(path) } }
            results.append(
                Completion(session: item.session, copies: stored ? linked.count : nil, paths: stored ? linked : []))
        }
        // 3. Every directory whose entries changed, flushed once for the batch.
        let list = directories.sorted()
        let synced: [Bool]
        let rootDescriptor = list.isEmpty ? -1 : open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if rootDescriptor >= 0 { close(rootDescriptor) } }
        if rootDescriptor >= 0, let whole = flushWholeFileSystem(rootDescriptor) {
            synced = [whole]
        } else {
            synced = Self.inParallel(list.count) { index in
                let descriptor = open(list[index], O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                defer { if descriptor >= 0 { close(descriptor) } }
                return descriptor >= 0 && fsync(descriptor) == 0
            }
        }
        if synced.contains(false) {
            // A directory that could not be flushed: nothing in this batch is promised as stored.
            results = results.map { Completion(session: $0.session, copies: nil) }
        }
        condition.lock()
        statistics.commits += commits.count
        statistics.groups += 1
        condition.unlock()
        report(results)
    }

    /// Creates the Maildir `folder` (with `tmp`, `new`, `cur`) if this server has not seen it;
    /// the directories whose entries a creation changed are added to `directories`.
    private func prepare(_ folder: String, _ directories: inout Set<String>) -> Bool {
        guard !folders.contains(folder) else { return true }
        let base = root + "/" + folder
        for (path, parent) in [(base, root), (base + "/tmp", base), (base + "/new", base), (base + "/cur", base)] {
            if mkdir(path, 0o700) == 0 {
                directories.insert(parent)
            } else if errno != EEXIST {
                return false
            }
        }
        folders.insert(folder)
        return true
    }

    /// `body` for each index in `0..<count`, on parallel threads; the results in index order.
    private static func inParallel(_ count: Int, _ body: @Sendable (Int) -> Bool) -> [Bool] {
        struct Slots: @unchecked Sendable { let base: UnsafeMutablePointer<Bool> }  // each thread writes its own slot
        let slots = Slots(base: .allocate(capacity: max(count, 1)))
        defer { slots.base.deallocate() }
        DispatchQueue.concurrentPerform(iterations: count) { slots.base[$0] = body($0) }
        return (0..<count).map { slots.base[$0] }
    }

    func report(_ results: [Completion]) {
        guard !results.isEmpty else { return }
        condition.lock()
        completions += results
        condition.unlock()
        var byte: UInt8 = 1
        _ = write(wake, &byte, 1)
    }

    private func nextName() -> String {
        names += 1
        return naming.name(count: names)
    }

    func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
