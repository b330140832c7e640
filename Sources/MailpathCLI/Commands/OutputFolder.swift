import Experiments
import Foundation

/// A command's `--out` folder, written all or nothing: files go to a staging folder beside it,
/// which replaces it (or, when it exists already, whose files move into it) only once every
/// file is written. A command that fails part-way leaves the folder as it was and says so,
/// rather than a partial folder that looks complete.
struct OutputFolder {
    let target: String
    private let staging: String

    /// Checks that `target` can be a folder (no file has its name, nor any folder above it).
    init(_ target: String) throws {
        let target = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
        var isDirectory: ObjCBool = false
        var path = URL(fileURLWithPath: target).standardizedFileURL
        while path.path != "/" {
            if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw CLIError.failure("cannot write to \(target): \(path.path) is a file, not a folder")
                }
                break
            }
            path.deleteLastPathComponent()
        }
        self.target = target
        let url = URL(fileURLWithPath: target).standardizedFileURL
        staging =
            url.deletingLastPathComponent().appendingPathComponent(
                ".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)"
            ).path
        do {
            try? FileManager.default.removeItem(atPath: staging)
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw CLIError.failure("cannot write to \(target): \(Self.reason(error))")
        }
    }

    /// Writes one file (a path relative to the folder; its folders are made).
    func write(_ text: String, _ name: String) throws { try write(bytes: Array(text.utf8), name) }

    func write(bytes: [UInt8], _ name: String) throws {
        do {
            try FileText.write(bytes: bytes, to: staging + "/" + name)
        } catch {
            discard()
            throw CLIError.failure("cannot write \(target)/\(name): \(Self.reason(error)); \(target) is left as it was")
        }
    }

    /// Puts every file in place.
    func commit() throws {
        let manager = FileManager.default
        do {
            if !manager.fileExists(atPath: target) {
                try manager.createDirectory(
                    at: URL(fileURLWithPath: target).standardizedFileURL.deletingLastPathComponent(),
                    withIntermediateDirectories: true)
                try manager.moveItem(atPath: staging, toPath: target)
                return
            }
            // The folder exists: each file replaces its namesake, others in it stay.
            let files = (manager.enumerator(atPath: staging)?.allObjects as? [String] ?? []).sorted()
            for file in files {
                var isDirectory: ObjCBool = false
                _ = manager.fileExists(atPath: staging + "/" + file, isDirectory: &isDirectory)
                let destination = target + "/" + file
                if isDirectory.boolValue {
                    try manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
                    continue
                }
                _ = try? manager.removeItem(atPath: destination)
                try manager.moveItem(atPath: staging + "/" + file, toPath: destination)
            }
            try manager.removeItem(atPath: staging)
        } catch {
            discard()
            throw CLIError.failure("cannot put the results in \(target): \(Self.reason(error))")
        }
    }

    /// Removes the staging folder.
    func discard() { try? FileManager.default.removeItem(atPath: staging) }

    /// An error in words: the POSIX reason where there is one, not "NSCocoaErrorDomain error 512".
    static func reason(_ error: Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}
