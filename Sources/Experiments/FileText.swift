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
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path)
        else {
            return .failure(ReadFailure(reason: "cannot read the file (permission denied?)"))
        }
        // Validated straight from the data: one copy of the file (the string's), not two.
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            return .failure(ReadFailure(reason: "the file is UTF-16; save it as UTF-8"))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            // The offset of the first byte that does not decode.
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = data.makeIterator()
            var offset = 0
            decoding: while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let scalar): offset += scalar.count
                case .error, .emptyInput: break decoding
                }
            }
            return .failure(ReadFailure(reason: "not UTF-8 text: an invalid byte at offset \(offset)"))
        }
        return .success(text)
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
