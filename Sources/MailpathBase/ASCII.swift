/// Case folding of names: host and network names (RFC 952), domains and mailboxes' local parts
/// compare without regard to case, and nearly all of them are ASCII.
public enum ASCII {
    /// `text` in lower case: ASCII letters folded directly, in one pass over the bytes in place;
    /// text with any byte beyond ASCII by `lowercased()`. A text with nothing to fold is handed
    /// back as it is, without a copy.
    public static func lowercased(_ text: String) -> String {
        // `withUTF8` reads the bytes in place (stepping through `text.utf8` costs several times
        // more a byte).
        var text = text
        return text.withUTF8 { bytes in
            var nonASCII: UInt8 = 0
            var upper = false
            for byte in bytes {
                nonASCII |= byte & 0x80
                upper = upper || (byte >= 0x41 && byte <= 0x5a)
            }
            guard nonASCII == 0 else { return String(decoding: bytes, as: UTF8.self).lowercased() }
            guard upper else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for index in bytes.indices {
                    let byte = bytes[index]
                    buffer[index] = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
                }
                return bytes.count
            }
        } ?? text
    }
}
