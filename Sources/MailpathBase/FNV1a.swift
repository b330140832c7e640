/// The 64-bit FNV-1a hash (Fowler, Noll and Vo; offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3): the digest of a delivered text, a random stream's name mixed into its seed,
/// a long mailbox name shortened for a file name. Not for security: it only needs to be the
/// same on every machine and in every run, as `Hasher` (seeded per process) is not.
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `bytes`, or of the bytes after those `hash` is already the hash of.
    @inlinable
    public static func hash(_ bytes: some Sequence<UInt8>, continuing hash: UInt64 = offsetBasis) -> UInt64 {
        var hash = hash
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    /// The hash of a string's UTF-8 bytes, read in place where the string holds them so.
    @inlinable
    public static func hash(utf8 string: String) -> UInt64 {
        string.utf8.withContiguousStorageIfAvailable { hash($0) } ?? hash(string.utf8)
    }
}
