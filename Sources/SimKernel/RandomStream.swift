import MailpathBase

/// A seeded pseudo-random generator with named, independent streams: xoshiro256** seeded by SplitMix64.
///
/// Every random choice in a simulation comes from a stream derived from (run seed, stream name),
/// for example `RandomStream(seed: 7, stream: "workload")`. Drawing from one stream never shifts
/// another, so adding a random fault does not change the workload. The bounded draws in
/// `RandomStream+Draws.swift` are our own, because the standard library's `random(in:using:)`
/// algorithm "may change" between releases and so could change results.
@frozen
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// The stream named `stream` of the run seeded with `seed`.
    public init(seed: UInt64, stream: String) {
        let nameHash = FNV1a.hash(stream.utf8)
        var mixer = SplitMix64(state: seed)
        mixer = SplitMix64(state: mixer.next() ^ nameHash)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is the one xoshiro cannot leave
    }

    /// A generator with the given raw xoshiro state (for checking against reference vectors).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// A child stream named `name` under this one, derived without drawing from this stream.
    public func substream(_ name: String) -> RandomStream {
        RandomStream(seed: s0 ^ s2, stream: name)
    }

    /// The next 64 random bits (xoshiro256**, Blackman & Vigna 2018).
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inlinable @inline(__always)
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
