import Foundation

/// File reading and writing for the experiments and the command line (the only I/O here).
public enum FileText {
    /// The UTF-8 text of a file, or `nil` when it cannot be read.
    public static func read(_ path: String) -> String? {
        if case .success(let text) = readText(path) { return text }
        return nil
    }

    /// The UTF-8 text of a file, or why it cannot be had, in words for an error line: no such
    /// file, a directory, no permission, not UTF-8 (with the offset of the first bad byte).
    public static func readText(_ path: String) -> Result<String, ReadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ReadFailure(reason: "no such file"))
        }
        if isDirectory.boolValue { return .failure(ReadFailure(reason: "it is a directory, not a file")) }
        let unreadable = ReadFailure(reason: "cannot read the file (permission denied?)")
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            return .failure(unreadable)
        }
        // Read straight into the string's storage and checked there: the file is in memory once
        // (reading it as data first and then making a string of that held it twice). A file whose
        // size is not known in advance (or that grows meanwhile) is read as data instead.
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
        stream.open()
        defer { stream.close() }
        var outcome: ReadFailure?? = .some(nil)
        let text = String(unsafeUninitializedCapacity: max(size, 1)) { buffer in
            var count = 0
            var read = 0
            while count < size {
                read = stream.read(buffer.baseAddress! + count, maxLength: size - count)
                guard read > 0 else { break }
                count += read
            }
            var probe: UInt8 = 0
            if read >= 0 && count == size { read = stream.read(&probe, maxLength: 1) }
            guard read <= 0 else {
                outcome = nil  // more than its size: read it as data
                return 0
            }
            guard read == 0 else {
                outcome = .some(unreadable)
                return 0
            }
            outcome = .some(utf8Problem(UnsafeBufferPointer(rebasing: buffer[..<count])))
            return outcome! == nil ? count : 0
        }
        switch outcome {
        case .some(nil): return .success(text)
        case .some(let failure?): return .failure(failure)
        case nil:
            guard let data = FileManager.default.contents(atPath: path) else { return .failure(unreadable) }
            if let failure = data.withUnsafeBytes({ utf8Problem($0.bindMemory(to: UInt8.self)) }) {
                return .failure(failure)
            }
            return .success(String(decoding: data, as: UTF8.self))
        }
    }

    /// Why `bytes` are not UTF-8 text, or nil when they are.
    private static func utf8Problem(_ bytes: UnsafeBufferPointer<UInt8>) -> ReadFailure? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return ReadFailure(reason: "the file is UTF-16; save it as UTF-8")
        }
        // ASCII, most files, needs no decoding; from the first other byte on, decode to find the
        // offset of the first byte that does not.
        guard let start = bytes.firstIndex(where: { $0 >= 0x80 }) else { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes[start...].makeIterator()
        var offset = start
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return ReadFailure(reason: "not UTF-8 text: an invalid byte at offset \(offset)")
            }
        }
    }

    /// Why a file could not be read.
    public struct ReadFailure: Error, Sendable {
        public var reason: String
    }

    /// Writes text to a file, creating its directory; throws a readable error.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// Writes bytes to a file as they are, creating its directory.
    public static func write(bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
