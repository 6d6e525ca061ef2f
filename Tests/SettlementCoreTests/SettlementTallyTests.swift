import Foundation
import Testing

@testable import SettlementCore

@Suite("Statements tallied from groups of lines agree with statements built line by line")
struct SettlementTallyTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// Expands groups into the lines they stand for.
    static func sources(_ groups: [SettlementGroup]) -> [SettlementSource] {
        groups.enumerated().flatMap { i, group in
            (0..<group.lineCount).map { n in
                group.kind == .sale
                    ? SettlementSource.sale(
                        suborderLineId: "l\(i)_\(n)", vendorId: group.vendorId, currency: group.currency, sku: "s",
                        quantity: group.quantity, unitPrice: group.unitPrice, rateBps: group.rateBps, at: at)
                    : SettlementSource.refund(
                        returnLineId: "r\(i)_\(n)", returnId: "r", suborderLineId: "l\(i)_\(n)", vendorId: group.vendorId,
                        currency: group.currency, sku: "s", quantity: group.quantity, unitPrice: group.unitPrice,
                        rateBps: group.rateBps, at: at)
            }
        }
    }

    static func group(
        _ vendor: String, _ currency: String = "EUR", kind: SettlementLineKind = .sale, price: Int64, qty: Int = 1,
        rate: Int, lines: Int = 1
    ) -> SettlementGroup {
        SettlementGroup(
            vendorId: vendor, currency: currency, kind: kind, unitPrice: price, quantity: qty, rateBps: rate, lineCount: lines)
    }

    @Test("ties round half-even, negative amounts symmetrically, refunds reverse; totals, net and postings as build gives")
    func sameAsBuild() throws {
        let groups = [
            // 25 × 1000 bps = 2.5 → 2; 35 → 3.5 → 4; 15 → 1.5 → 2; 5 → 0.5 → 0
            Self.group("v2", price: 25, rate: 1000, lines: 3),
            Self.group("v2", price: 35, rate: 1000, lines: 2),
            Self.group("v1", price: 15, rate: 1000),
            Self.group("v1", price: 5, rate: 1000, lines: 4),
            // negative unit price (a credit line): −2.5 → −2, −3.5 → −4
            Self.group("v1", price: -25, rate: 1000),
            Self.group("v1", price: -35, rate: 1000, lines: 2),
            Self.group("v1", "USD", price: 12_345, qty: 3, rate: 1234, lines: 7),
            Self.group("v1", "USD", kind: .refund, price: 12_345, qty: 1, rate: 1234, lines: 2),
            Self.group("v2", kind: .refund, price: 25, rate: 1000, lines: 5),
            Self.group("v3", kind: .refund, price: 9_999, qty: 2, rate: 10_000),
            Self.group("v3", kind: .refund, price: 1, rate: 0),
        ]
        let (statements, prices) = try SettlementTally.tally(groups)
        let built = try SettlementBuilder.build(Self.sources(groups))
        #expect(statements.map(\.vendorId) == built.map(\.vendorId))
        #expect(statements.map(\.currency) == built.map(\.currency))
        #expect(statements.map(\.totals) == built.map(\.totals))
        #expect(statements.map(\.netPayable) == built.map(\.netPayable))
        #expect(statements.map(\.postings) == built.map(\.postings))
        // Every line's figures are the ones build gave it.
        let byKey = Dictionary(uniqueKeysWithValues: prices.map { ("\($0.unitPrice) \($0.quantity) \($0.rateBps)", $0) })
        for line in built.flatMap(\.lines) {
            let price = try #require(byKey["\(line.amount / Int64(line.quantity)) \(line.quantity) \(line.rateBps)"])
            #expect(price.amount == line.amount && price.commission == line.commission)
        }
        #expect(prices.count == 10)
        #expect(prices.first { $0.unitPrice == 25 && $0.quantity == 1 }?.commission == 2)
        #expect(prices.first { $0.unitPrice == -35 }?.commission == -4)
        #expect(prices.first { $0.unitPrice == -25 }?.commission == -2)
    }

    @Test("nothing to settle: no statements; overflow is refused as build refuses it")
    func emptyAndOverflow() throws {
        let empty = try SettlementTally.tally([])
        #expect(empty.statements.isEmpty && empty.prices.isEmpty)
        #expect(throws: SettlementMathError.self) {
            try SettlementTally.tally([Self.group("v", price: .max / 2, qty: 3, rate: 1000)])
        }
        #expect(throws: SettlementMathError.self) {
            try SettlementTally.tally([Self.group("v", price: .max / 2, rate: 1000, lines: 3)])
        }
        #expect(throws: SettlementMathError.self) {
            try SettlementTally.tally([Self.group("v", price: 1, rate: 10_001)])
        }
    }
}
