extension RandomNumberGenerator {
    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject method), `bound > 0`.
    @inlinable
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uniform(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// A uniform integer in the closed range.
    @inlinable
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the whole Int64 range
        return range.lowerBound &+ Int(truncatingIfNeeded: uniform(below: span))
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `true` with probability `p` (clamped to 0...1).
    @inlinable
    public mutating func bernoulli(_ p: Double) -> Bool {
        p >= 1 || unitInterval() < p
    }

    /// An exponentially distributed span with the given mean, rounded to the nanosecond.
    /// Uses `DeterministicMath.log`, so the value is the same on every platform.
    @inlinable
    public mutating func exponential(mean: SimDuration) -> SimDuration {
        let u = unitInterval()  // in [0, 1), so 1 - u is in (0, 1]
        let draw = -DeterministicMath.log(1 - u) * Double(mean.nanoseconds)
        // Int64(x + 0.5) rounds a non-negative value without calling the C maths library.
        return SimDuration(nanoseconds: draw >= 9.2e18 ? .max : Int64(draw + 0.5))
    }

    /// An index chosen with probability proportional to its integer weight.
    /// Weights are integers so the choice is exact; at least one weight must be positive.
    @inlinable
    public mutating func weightedChoice(_ weights: [UInt64]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "weightedChoice needs a positive total weight")
        var ticket = uniform(below: total)
        for (index, weight) in weights.enumerated() {
            if ticket < weight { return index }
            ticket -= weight
        }
        preconditionFailure("weightedChoice fell off the end: weights \(weights)")
    }

    /// Shuffles `elements` in place (Fisher–Yates with our own bounded draws).
    @inlinable
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = Int(uniform(below: UInt64(i + 1)))
            if i != j { elements.swapAt(i, j) }
        }
    }
}

/// Elementary functions computed only with IEEE +, −, ×, ÷ (each correctly rounded everywhere),
/// so results do not depend on the platform's maths library.
public enum DeterministicMath {
    /// ln 2 to double precision.
    public static let ln2 = 0.693_147_180_559_945_309_417_232_121_458

    /// The natural logarithm of a positive finite `x`, accurate to about one ulp.
    @inlinable
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a positive finite argument, got \(x)")
        var exponent = Double(Int(x.exponent))
        var mantissa = x.significand  // in [1, 2)
        if mantissa > 1.414_213_562_373_095_048_8 {
            mantissa /= 2
            exponent += 1
        }
        // ln(m) = 2·atanh(s) with s = (m−1)/(m+1), |s| ≤ 0.1716, so 14 terms reach double precision.
        let s = (mantissa - 1) / (mantissa + 1)
        let s2 = s * s
        var term = s
        var sum = 0.0
        var denominator = 1.0
        for _ in 0..<14 {
            sum += term / denominator
            term *= s2
            denominator += 2
        }
        return exponent * ln2 + 2 * sum
    }
}
