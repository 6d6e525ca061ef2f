import CommerceCore
import Foundation

/// Lines to settle that share everything their figures depend on: how many of them there are
/// in one (vendor, currency, kind) at one unit price, quantity and rate. A run reads these sums
/// from the database instead of the lines themselves, so the server never holds the lines.
public struct SettlementGroup: Sendable, Equatable {
    public let vendorId: String
    public let currency: String
    public let kind: SettlementLineKind
    public let unitPrice: Int64
    public let quantity: Int
    public let rateBps: Int
    public let lineCount: Int

    public init(
        vendorId: String, currency: String, kind: SettlementLineKind, unitPrice: Int64, quantity: Int, rateBps: Int,
        lineCount: Int
    ) {
        self.vendorId = vendorId
        self.currency = currency
        self.kind = kind
        self.unitPrice = unitPrice
        self.quantity = quantity
        self.rateBps = rateBps
        self.lineCount = lineCount
    }
}

/// A line's figures by what determines them: the store copies each line in SQL and takes its
/// `amount` and `commission` from here, so they are computed only by `SettlementBuilder.settle`.
public struct LinePrice: Sendable, Hashable {
    public let unitPrice: Int64
    public let quantity: Int
    public let rateBps: Int
    public let amount: Int64
    public let commission: Int64
}

/// One statement's figures and postings, before it is stored.
public struct StatementTally: Sendable, Equatable {
    public let vendorId: String
    public let currency: String
    public let totals: StatementTotals
    public let netPayable: Int64
    public let postings: [Posting]
}

/// Turns groups of lines into statements, postings and the price of each kind of line. Pure.
/// It gives the same statements as `SettlementBuilder.build` over the same lines: each line is
/// settled by `SettlementBuilder.settle` and added with `StatementTotals.add`, once per line.
public enum SettlementTally {
    public static func tally(_ groups: [SettlementGroup]) throws -> (statements: [StatementTally], prices: [LinePrice]) {
        struct Key: Hashable, Comparable {
            let vendorId: String
            let currency: String
            static func < (a: Key, b: Key) -> Bool { (a.vendorId, a.currency) < (b.vendorId, b.currency) }
        }
        var totals: [Key: StatementTotals] = [:]
        var prices: Set<LinePrice> = []
        for group in groups {
            let line = try SettlementBuilder.settle(
                SettlementSource(
                    kind: group.kind, suborderLineId: "", vendorId: group.vendorId, currency: group.currency, sku: "",
                    quantity: group.quantity, unitPrice: group.unitPrice, rateBps: group.rateBps, at: Date()))
            prices.insert(
                LinePrice(
                    unitPrice: group.unitPrice, quantity: group.quantity, rateBps: group.rateBps, amount: line.amount,
                    commission: line.commission))
            let key = Key(vendorId: group.vendorId, currency: group.currency)
            var sum = totals[key] ?? StatementTotals()
            // Line by line, as a statement of these lines adds them: the same checks, the same sums.
            for _ in 0..<group.lineCount { try sum.add(line) }
            totals[key] = sum
        }
        let statements = try totals.keys.sorted().map { key in
            let sum = totals[key]!
            let postings = try Ledger.runPostings(vendorId: key.vendorId, currency: key.currency, totals: sum)
            try Ledger.assertBalanced(postings)
            return StatementTally(
                vendorId: key.vendorId, currency: key.currency, totals: sum, netPayable: try sum.netPayable(),
                postings: postings)
        }
        let sortedPrices = prices.sorted { ($0.unitPrice, $0.quantity, $0.rateBps) < ($1.unitPrice, $1.quantity, $1.rateBps) }
        return (statements, sortedPrices)
    }
}
