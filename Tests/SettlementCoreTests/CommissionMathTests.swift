import Foundation
import Testing

@testable import SettlementCore

@Suite("Commission math: exact half-even rounding on Int64 minor units")
struct CommissionMathTests {
    @Test(
        "ties go to the even neighbour, both ways",
        arguments: [
            // amount, rate_bps, expected. amount × rate / 10 000 is exactly x.5 in each tie.
            (Int64(25), 2000, Int64(5)),  // 5.0, no rounding
            (Int64(5), 1000, Int64(0)),  // 0.5 → 0 (even)
            (Int64(15), 1000, Int64(2)),  // 1.5 → 2 (even)
            (Int64(25), 1000, Int64(2)),  // 2.5 → 2 (even)
            (Int64(35), 1000, Int64(4)),  // 3.5 → 4 (even)
            (Int64(45), 1000, Int64(4)),  // 4.5 → 4
            (Int64(1), 5000, Int64(0)),  // 0.5 → 0
            (Int64(3), 5000, Int64(2)),  // 1.5 → 2
            (Int64(125), 200, Int64(2)),  // 2.5 → 2
            (Int64(175), 200, Int64(4)),  // 3.5 → 4
        ])
    func ties(amount: Int64, rate: Int, expected: Int64) throws {
        #expect(try CommissionMath.commission(on: amount, rateBps: rate) == expected)
    }

    @Test(
        "below and above the half round to the nearest",
        arguments: [
            (Int64(24), 1000, Int64(2)),  // 2.4
            (Int64(26), 1000, Int64(3)),  // 2.6
            (Int64(14), 1000, Int64(1)),  // 1.4
            (Int64(16), 1000, Int64(2)),  // 1.6
            (Int64(2499), 1, Int64(0)),  // 0.2499
            (Int64(5001), 1, Int64(1)),  // 0.5001: just above the half
            (Int64(4999), 1, Int64(0)),  // 0.4999: just below
            (Int64(15001), 1, Int64(2)),  // 1.5001
            (Int64(14999), 1, Int64(1)),  // 1.4999
            (Int64(1999), 1250, Int64(250)),  // 249.875
            (Int64(12345), 1234, Int64(1523)),  // 1523.373
        ])
    func nearest(amount: Int64, rate: Int, expected: Int64) throws {
        #expect(try CommissionMath.commission(on: amount, rateBps: rate) == expected)
    }

    @Test(
        "negative amounts round symmetrically (ties to even, away from nothing)",
        arguments: [
            (Int64(-5), 1000, Int64(0)),  // −0.5 → 0
            (Int64(-15), 1000, Int64(-2)),  // −1.5 → −2
            (Int64(-25), 1000, Int64(-2)),  // −2.5 → −2
            (Int64(-35), 1000, Int64(-4)),  // −3.5 → −4
            (Int64(-24), 1000, Int64(-2)),  // −2.4
            (Int64(-26), 1000, Int64(-3)),  // −2.6
            (Int64(-5001), 1, Int64(-1)),  // −0.5001
            (Int64(-4999), 1, Int64(0)),  // −0.4999
        ])
    func negative(amount: Int64, rate: Int, expected: Int64) throws {
        #expect(try CommissionMath.commission(on: amount, rateBps: rate) == expected)
        // Symmetry: commission(−a) = −commission(a).
        #expect(try CommissionMath.commission(on: -amount, rateBps: rate) == -expected)
    }

    @Test("zero and whole rates")
    func boundaries() throws {
        #expect(try CommissionMath.commission(on: 123_456, rateBps: 0) == 0)
        #expect(try CommissionMath.commission(on: 123_456, rateBps: 10_000) == 123_456)
        #expect(try CommissionMath.commission(on: 0, rateBps: 5000) == 0)
        #expect(try CommissionMath.commission(on: 1, rateBps: 10_000) == 1)
        #expect(try CommissionMath.commission(on: 1, rateBps: 4999) == 0)
        #expect(try CommissionMath.commission(on: 1, rateBps: 5001) == 1)
    }

    @Test("big values never overflow: the product is formed in 128 bits")
    func bigValues() throws {
        let max = Int64.max  // 9 223 372 036 854 775 807
        #expect(try CommissionMath.commission(on: max, rateBps: 10_000) == max)
        #expect(try CommissionMath.commission(on: .min, rateBps: 10_000) == .min)
        // max × 5000 / 10000 = 4 611 686 018 427 387 903.5 → tie → even 4 611 686 018 427 387 904
        #expect(try CommissionMath.commission(on: max, rateBps: 5000) == 4_611_686_018_427_387_904)
        // min × 5000 / 10000 = −4 611 686 018 427 387 904 exactly
        #expect(try CommissionMath.commission(on: .min, rateBps: 5000) == -4_611_686_018_427_387_904)
        // (max − 1) × 5000 / 10000 = …903 exactly
        #expect(try CommissionMath.commission(on: max - 1, rateBps: 5000) == 4_611_686_018_427_387_903)
        // max × 1 / 10000 = 922 337 203 685 477.5807 → …478
        #expect(try CommissionMath.commission(on: max, rateBps: 1) == 922_337_203_685_478)
        // max × 9999 / 10000 = max − 922 337 203 685 477.5807 = 9 222 449 699 651 090 329.4193 → …329
        #expect(try CommissionMath.commission(on: max, rateBps: 9999) == 9_222_449_699_651_090_329)
        #expect(try CommissionMath.commission(on: -max, rateBps: 9999) == -9_222_449_699_651_090_329)
    }

    @Test("agrees with a reference computed in Decimal over many values")
    func reference() throws {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let amount = Int64(bitPattern: generator.next()) >> Int64(generator.next() % 60)
            let rate = Int(generator.next() % 10_001)
            let commission = try CommissionMath.commission(on: amount, rateBps: rate)
            #expect(Decimal(commission) == referenceCommission(amount, rate), "\(amount) @ \(rate)")
        }
    }

    @Test("rates outside 0…10000 are refused")
    func rateRange() {
        #expect(throws: SettlementMathError.rateOutOfRange(10_001)) { try CommissionMath.commission(on: 100, rateBps: 10_001) }
        #expect(throws: SettlementMathError.rateOutOfRange(-1)) { try CommissionMath.commission(on: 100, rateBps: -1) }
    }

    @Test("line amounts and sums refuse to overflow")
    func checkedArithmetic() throws {
        #expect(try CommissionMath.lineAmount(unitPrice: 1999, quantity: 3) == 5997)
        #expect(throws: SettlementMathError.self) { try CommissionMath.lineAmount(unitPrice: .max / 2, quantity: 3) }
        #expect(throws: SettlementMathError.self) { try CommissionMath.add(.max, 1, "x") }
        #expect(throws: SettlementMathError.self) { try CommissionMath.subtract(.min, 1, "x") }
        #expect(throws: SettlementMathError.self) { try CommissionMath.negate(.min, "x") }
        #expect(try CommissionMath.negate(5, "x") == -5)
    }

    @Test("roundHalfEven on a quotient and remainder")
    func roundHalfEvenDirect() {
        #expect(CommissionMath.roundHalfEven(quotient: 2, remainder: 5, divisor: 10) == 2)
        #expect(CommissionMath.roundHalfEven(quotient: 3, remainder: 5, divisor: 10) == 4)
        #expect(CommissionMath.roundHalfEven(quotient: -2, remainder: -5, divisor: 10) == -2)
        #expect(CommissionMath.roundHalfEven(quotient: -3, remainder: -5, divisor: 10) == -4)
        #expect(CommissionMath.roundHalfEven(quotient: 0, remainder: -6, divisor: 10) == -1)
        #expect(CommissionMath.roundHalfEven(quotient: 7, remainder: 0, divisor: 10) == 7)
    }

    /// amount × rate / 10 000, half-even, in Foundation's Decimal (38 digits: exact here).
    private func referenceCommission(_ amount: Int64, _ rate: Int) -> Decimal {
        var value = Decimal(amount) * Decimal(rate) / Decimal(10_000)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .bankers)
        return rounded
    }
}

/// A small deterministic generator for the reference test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
