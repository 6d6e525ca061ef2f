/// Money arithmetic for settlement: Int64 minor units, every operation checked, and the one
/// place where rounding happens (half-even, exact, on integers only).
public enum CommissionMath {
    /// Basis points in one whole: a rate of 10 000 bps is 100 %.
    public static let basisPointsPerUnit: Int64 = 10_000

    /// `round_half_even(amount × rateBps / 10 000)`, exactly, for any Int64 amount (negative
    /// amounts round symmetrically: −2.5 → −2, −3.5 → −4). The product is formed in 128 bits
    /// (`multipliedFullWidth`), so it never overflows; with `rateBps` in 0…10 000 the result's
    /// magnitude never exceeds the amount's.
    public static func commission(on amount: Int64, rateBps: Int) throws -> Int64 {
        guard (0...Int(basisPointsPerUnit)).contains(rateBps) else {
            throw SettlementMathError.rateOutOfRange(rateBps)
        }
        let product = amount.multipliedFullWidth(by: Int64(rateBps))
        let (quotient, remainder) = basisPointsPerUnit.dividingFullWidth(product)
        return roundHalfEven(quotient: quotient, remainder: remainder, divisor: basisPointsPerUnit)
    }

    /// Rounds the exact value `quotient + remainder / divisor` (a truncating division: the
    /// remainder has the dividend's sign and `|remainder| < |divisor|`) to the nearest integer,
    /// ties to the even neighbour. `divisor` must be positive.
    public static func roundHalfEven(quotient: Int64, remainder: Int64, divisor: Int64) -> Int64 {
        precondition(divisor > 0, "divisor must be positive")
        guard remainder != 0 else { return quotient }
        // |remainder| < divisor ≤ Int64.max, so twice it fits in UInt64.
        let twice = remainder.magnitude * 2
        let away = remainder > 0 ? quotient + 1 : quotient - 1
        if twice < divisor.magnitude { return quotient }
        if twice > divisor.magnitude { return away }
        return quotient.isMultiple(of: 2) ? quotient : away
    }

    /// `unitPrice × quantity`, refusing to overflow.
    public static func lineAmount(unitPrice: Int64, quantity: Int) throws -> Int64 {
        let (value, overflow) = unitPrice.multipliedReportingOverflow(by: Int64(quantity))
        guard !overflow else { throw SettlementMathError.overflow("unit_price × quantity") }
        return value
    }

    /// `a + b`, refusing to overflow.
    public static func add(_ a: Int64, _ b: Int64, _ what: String) throws -> Int64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw SettlementMathError.overflow(what) }
        return value
    }

    /// `a − b`, refusing to overflow.
    public static func subtract(_ a: Int64, _ b: Int64, _ what: String) throws -> Int64 {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw SettlementMathError.overflow(what) }
        return value
    }

    /// `−a`, refusing to overflow (`Int64.min` has no negation).
    public static func negate(_ a: Int64, _ what: String) throws -> Int64 {
        guard a != .min else { throw SettlementMathError.overflow(what) }
        return -a
    }
}

/// A settlement computation that cannot be represented exactly: never rounded, never clamped.
public enum SettlementMathError: Error, Sendable, Equatable, CustomStringConvertible {
    case overflow(String)
    case rateOutOfRange(Int)
    case unbalanced(String)

    public var description: String {
        switch self {
        case .overflow(let what): "settlement arithmetic overflowed Int64 (\(what))"
        case .rateOutOfRange(let rate): "commission rate \(rate) bps is outside 0…10000"
        case .unbalanced(let detail): "ledger postings do not balance: \(detail)"
        }
    }
}
