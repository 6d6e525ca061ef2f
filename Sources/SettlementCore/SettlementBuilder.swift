import CommerceCore
import Foundation

/// A statement before it is stored: one (vendor, currency) with its lines and figures.
public struct StatementDraft: Sendable, Equatable {
    public let vendorId: String
    public let currency: String
    public let lines: [StatementLine]
    public let totals: StatementTotals
    public let netPayable: Int64
    /// The postings the run writes for this statement.
    public let postings: [Posting]
}

/// Turns the lines to settle into statements and postings. Pure: values in, values out.
/// Commission is computed here, once per line, with half-even rounding.
public enum SettlementBuilder {
    /// One line's settled form: amount = unit_price × quantity, commission = round_half_even(
    /// amount × rate / 10 000). Both positive; the kind says which way they count.
    public static func settle(_ source: SettlementSource) throws -> StatementLine {
        let amount = try CommissionMath.lineAmount(unitPrice: source.unitPrice, quantity: source.quantity)
        let commission = try CommissionMath.commission(on: amount, rateBps: source.rateBps)
        return StatementLine(
            kind: source.kind, suborderLineId: source.suborderLineId, returnId: source.returnId,
            returnLineId: source.returnLineId, vendorId: source.vendorId, currency: source.currency, sku: source.sku,
            quantity: source.quantity, amount: amount, rateBps: source.rateBps, commission: commission, at: source.at)
    }

    /// Groups the lines into one statement per (vendor, currency), ordered by vendor then
    /// currency; lines within a statement by time, sales before refunds at the same instant, then
    /// by source id. Every statement's postings balance (checked: throws otherwise).
    public static func build(_ sources: [SettlementSource]) throws -> [StatementDraft] {
        struct Key: Hashable, Comparable {
            let vendorId: String
            let currency: String
            static func < (a: Key, b: Key) -> Bool { (a.vendorId, a.currency) < (b.vendorId, b.currency) }
        }
        var groups: [Key: [StatementLine]] = [:]
        for source in sources {
            groups[Key(vendorId: source.vendorId, currency: source.currency), default: []].append(try settle(source))
        }
        return try groups.keys.sorted().map { key in
            let lines = groups[key]!.sorted { a, b in
                if a.at != b.at { return a.at < b.at }
                if a.kind != b.kind { return a.kind == .sale }
                return (a.returnLineId ?? a.suborderLineId) < (b.returnLineId ?? b.suborderLineId)
            }
            var totals = StatementTotals()
            for line in lines { try totals.add(line) }
            let net = try totals.netPayable()
            let postings = try Ledger.runPostings(vendorId: key.vendorId, currency: key.currency, totals: totals)
            try Ledger.assertBalanced(postings)
            return StatementDraft(
                vendorId: key.vendorId, currency: key.currency, lines: lines, totals: totals, netPayable: net,
                postings: postings)
        }
    }
}

/// The double-entry postings of settlement. Amounts are signed minor units.
public enum Ledger {
    public static let clearing = "marketplace:clearing"
    public static let commission = "marketplace:commission"
    public static let cash = "marketplace:cash"
    public static func payable(_ vendorId: String) -> String { "vendor:\(vendorId):payable" }

    /// What a run posts per statement: clearing +(gross_sales − refunds), the vendor's payable
    /// −net_payable, commission −(commission − commission_refunded). They sum to zero.
    public static func runPostings(vendorId: String, currency: String, totals: StatementTotals) throws -> [Posting] {
        let cleared = try CommissionMath.subtract(totals.grossSales, totals.refunds, "gross_sales − refunds")
        let earned = try CommissionMath.subtract(totals.commission, totals.commissionRefunded, "commission − commission_refunded")
        let net = try totals.netPayable()
        return [
            Posting(account: clearing, currency: currency, amount: cleared, vendorId: vendorId, kind: .run),
            Posting(
                account: payable(vendorId), currency: currency, amount: try CommissionMath.negate(net, "net_payable"),
                vendorId: vendorId, kind: .run),
            Posting(
                account: commission, currency: currency, amount: try CommissionMath.negate(earned, "commission earned"),
                vendorId: vendorId, kind: .run),
        ]
    }

    /// What paying a statement posts: the vendor's payable +net_payable, cash −net_payable.
    public static func payPostings(vendorId: String, currency: String, netPayable: Int64) throws -> [Posting] {
        [
            Posting(account: payable(vendorId), currency: currency, amount: netPayable, vendorId: vendorId, kind: .pay),
            Posting(
                account: cash, currency: currency, amount: try CommissionMath.negate(netPayable, "net_payable"),
                vendorId: vendorId, kind: .pay),
        ]
    }

    /// The sum per currency of the postings whose sum is not zero (empty when balanced).
    public static func imbalances(_ postings: [Posting]) throws -> [String: Int64] {
        var sums: [String: Int64] = [:]
        for posting in postings {
            sums[posting.currency] = try CommissionMath.add(sums[posting.currency] ?? 0, posting.amount, "posting sum")
        }
        return sums.filter { $0.value != 0 }
    }

    /// Throws `SettlementMathError.unbalanced` unless the postings sum to zero in every currency.
    public static func assertBalanced(_ postings: [Posting]) throws {
        let off = try imbalances(postings)
        guard off.isEmpty else {
            throw SettlementMathError.unbalanced(
                off.keys.sorted().map { "\($0) off by \(off[$0]!)" }.joined(separator: ", "))
        }
    }
}

/// The CSV export: RFC 4180 (CRLF line ends, fields quoted when they hold a comma, a quote, CR
/// or LF, quotes doubled), header row first.
public enum SettlementCSV {
    public static let columns = [
        "run_id", "vendor_id", "currency", "kind", "suborder_line_id", "return_id", "sku", "quantity", "amount",
        "rate_bps", "commission", "at",
    ]

    public static var header: String { record(columns) }

    public static func row(runId: String, _ line: StatementLine) -> String {
        record([
            runId, line.vendorId, line.currency, line.kind.rawValue, line.suborderLineId, line.returnId ?? "", line.sku,
            String(line.quantity), String(line.amount), String(line.rateBps), String(line.commission),
            RFC3339.format(line.at),
        ])
    }

    /// One record, terminated by CRLF.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    public static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
