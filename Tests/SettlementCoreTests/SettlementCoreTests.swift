import Foundation
import Testing

@testable import SettlementCore

@Suite("Commission rule resolution: the most specific rule wins")
struct CommissionRuleResolutionTests {
    let rules = CommissionRuleSet([
        CommissionRule(vendorId: "v1", category: "shoes", rateBps: 1100),
        CommissionRule(vendorId: nil, category: "shoes", rateBps: 1200),
        CommissionRule(vendorId: "v1", category: nil, rateBps: 1300),
        CommissionRule(vendorId: "v2", category: nil, rateBps: 1400),
        CommissionRule(vendorId: nil, category: "books", rateBps: 1500),
    ])

    @Test("(vendor, category) › category › vendor › vendor's own rate › default")
    func precedence() {
        // (v1, shoes) has its own rule.
        #expect(
            rules.resolve(vendorId: "v1", category: "shoes", vendorRateBps: 900, defaultBps: 1000)
                == ResolvedRate(rateBps: 1100, source: .vendorCategory))
        // v2 has a vendor rule, but the category rule is more specific.
        #expect(
            rules.resolve(vendorId: "v2", category: "shoes", vendorRateBps: 900, defaultBps: 1000)
                == ResolvedRate(rateBps: 1200, source: .category))
        // v1 in a category without rules: the vendor rule.
        #expect(
            rules.resolve(vendorId: "v1", category: "hats", vendorRateBps: 900, defaultBps: 1000)
                == ResolvedRate(rateBps: 1300, source: .vendor))
        // v3 has no rule anywhere: its own rate, then the default.
        #expect(
            rules.resolve(vendorId: "v3", category: "hats", vendorRateBps: 900, defaultBps: 1000)
                == ResolvedRate(rateBps: 900, source: .vendorRate))
        #expect(
            rules.resolve(vendorId: "v3", category: "hats", vendorRateBps: nil, defaultBps: 1000)
                == ResolvedRate(rateBps: 1000, source: .default))
        // A vendor's own rate of 0 is a rate, not "no rate".
        #expect(
            rules.resolve(vendorId: "v3", category: "hats", vendorRateBps: 0, defaultBps: 1000)
                == ResolvedRate(rateBps: 0, source: .vendorRate))
        // Category rules apply to every vendor.
        #expect(
            rules.resolve(vendorId: "v3", category: "books", vendorRateBps: 900, defaultBps: 1000)
                == ResolvedRate(rateBps: 1500, source: .category))
    }

    @Test("an unknown category falls through to vendor-level rates; a (vendor, category) rule of another vendor never applies")
    func noCategory() {
        #expect(
            rules.resolve(vendorId: "v1", category: nil, vendorRateBps: nil, defaultBps: 1000)
                == ResolvedRate(rateBps: 1300, source: .vendor))
        #expect(
            rules.resolve(vendorId: "v4", category: nil, vendorRateBps: nil, defaultBps: 777)
                == ResolvedRate(rateBps: 777, source: .default))
        let other = CommissionRuleSet([CommissionRule(vendorId: "v9", category: "toys", rateBps: 50)])
        #expect(other.resolve(vendorId: "v1", category: "toys", vendorRateBps: nil, defaultBps: 1000).source == .default)
    }
}

@Suite("Statements, postings and the CSV, built from settled lines")
struct SettlementBuilderTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func sale(_ id: String, vendor: String = "v1", currency: String = "EUR", price: Int64, qty: Int, rate: Int, at: TimeInterval = 0)
        -> SettlementSource
    {
        .sale(
            suborderLineId: id, vendorId: vendor, currency: currency, sku: "SKU-\(id)", quantity: qty, unitPrice: price,
            rateBps: rate, at: t0.addingTimeInterval(at))
    }

    static func refund(
        _ id: String, line: String, vendor: String = "v1", currency: String = "EUR", price: Int64, qty: Int, rate: Int, at: TimeInterval = 0
    )
        -> SettlementSource
    {
        .refund(
            returnLineId: id, returnId: "ret-\(id)", suborderLineId: line, vendorId: vendor, currency: currency,
            sku: "SKU-\(line)", quantity: qty, unitPrice: price, rateBps: rate, at: t0.addingTimeInterval(at))
    }

    @Test("one statement per (vendor, currency) with gross, commission, refunds and net payable")
    func statements() throws {
        let drafts = try SettlementBuilder.build([
            Self.sale("a", price: 1999, qty: 3, rate: 1250),  // 5997, commission 749.625 → 750
            Self.sale("b", price: 25, qty: 1, rate: 1000),  // 25, commission 2.5 → 2
            Self.refund("r1", line: "a", price: 1999, qty: 1, rate: 1250, at: 10),  // 1999, 249.875 → 250
            Self.sale("c", vendor: "v1", currency: "USD", price: 1000, qty: 2, rate: 500),  // 2000, 100
            Self.sale("d", vendor: "v0", price: 35, qty: 1, rate: 1000),  // 35, 3.5 → 4
        ])
        #expect(drafts.map { "\($0.vendorId)/\($0.currency)" } == ["v0/EUR", "v1/EUR", "v1/USD"])
        let eur = drafts[1]
        #expect(eur.totals == StatementTotals(grossSales: 6022, commission: 752, refunds: 1999, commissionRefunded: 250, lineCount: 3))
        #expect(eur.netPayable == 6022 - 752 - 1999 + 250)
        #expect(eur.lines.map(\.kind) == [.sale, .sale, .refund])
        #expect(eur.lines[2].returnLineId == "r1" && eur.lines[2].suborderLineId == "a" && eur.lines[2].commission == 250)
        #expect(drafts[0].totals.commission == 4)
        #expect(drafts[2].totals == StatementTotals(grossSales: 2000, commission: 100, refunds: 0, commissionRefunded: 0, lineCount: 1))
    }

    @Test("refunds exceeding sales give a negative net payable, carried as it is")
    func negativeNet() throws {
        let drafts = try SettlementBuilder.build([Self.refund("r", line: "x", price: 5000, qty: 2, rate: 1000)])
        #expect(drafts.count == 1)
        #expect(drafts[0].totals.refunds == 10_000)
        #expect(drafts[0].totals.commissionRefunded == 1000)
        #expect(drafts[0].netPayable == -9000)
        let postings = drafts[0].postings
        #expect(postings.map(\.amount) == [-10_000, 9000, 1000])
        try Ledger.assertBalanced(postings)
    }

    @Test("run postings per statement and pay postings balance to zero per currency")
    func ledger() throws {
        let drafts = try SettlementBuilder.build([
            Self.sale("a", price: 1999, qty: 3, rate: 1250),
            Self.refund("r1", line: "a", price: 1999, qty: 1, rate: 1250),
            Self.sale("c", currency: "USD", price: 333, qty: 7, rate: 777),
            Self.sale("d", vendor: "v2", price: 101, qty: 1, rate: 5000),
        ])
        var all: [Posting] = []
        for draft in drafts {
            let t = draft.totals
            #expect(
                draft.postings == [
                    Posting(
                        account: "marketplace:clearing", currency: draft.currency, amount: t.grossSales - t.refunds,
                        vendorId: draft.vendorId, kind: .run),
                    Posting(
                        account: "vendor:\(draft.vendorId):payable", currency: draft.currency, amount: -draft.netPayable,
                        vendorId: draft.vendorId, kind: .run),
                    Posting(
                        account: "marketplace:commission", currency: draft.currency, amount: -(t.commission - t.commissionRefunded),
                        vendorId: draft.vendorId, kind: .run),
                ])
            all += draft.postings
            all += try Ledger.payPostings(vendorId: draft.vendorId, currency: draft.currency, netPayable: draft.netPayable)
        }
        #expect(try Ledger.imbalances(all).isEmpty)
        try Ledger.assertBalanced(all)
        let unbalanced = all + [Posting(account: "marketplace:cash", currency: "USD", amount: 1, vendorId: "v1", kind: .pay)]
        #expect(try Ledger.imbalances(unbalanced) == ["USD": 1])
        #expect(throws: SettlementMathError.self) { try Ledger.assertBalanced(unbalanced) }
    }

    @Test("no lines, no statements")
    func empty() throws {
        #expect(try SettlementBuilder.build([]).isEmpty)
    }

    @Test("an amount that overflows Int64 is refused, never wrapped")
    func overflow() {
        #expect(throws: SettlementMathError.self) {
            try SettlementBuilder.build([Self.sale("a", price: .max / 2, qty: 3, rate: 1000)])
        }
        #expect(throws: SettlementMathError.self) {
            try SettlementBuilder.build([Self.sale("a", price: .max, qty: 1, rate: 0), Self.sale("b", price: 1, qty: 1, rate: 0)])
        }
    }
}

@Suite("Settlement run state machine")
struct SettlementRunTransitionTests {
    @Test("draft → approved → paid; nothing else")
    func transitions() {
        #expect(SettlementRunTransitions.apply(.approve, to: .draft) == .approved)
        #expect(SettlementRunTransitions.apply(.pay, to: .approved) == .paid)
        #expect(SettlementRunTransitions.apply(.pay, to: .draft) == nil)
        #expect(SettlementRunTransitions.apply(.approve, to: .approved) == nil)
        #expect(SettlementRunTransitions.apply(.approve, to: .paid) == nil)
        #expect(SettlementRunTransitions.apply(.pay, to: .paid) == nil)
        for action in SettlementRunAction.allCases {
            #expect(SettlementRunTransitions.apply(action, to: action.allowedFrom) != nil)
        }
    }
}

@Suite("CSV export: RFC 4180")
struct SettlementCSVTests {
    @Test("header and rows; fields with commas, quotes and line breaks are quoted")
    func quoting() {
        #expect(
            SettlementCSV.header
                == "run_id,vendor_id,currency,kind,suborder_line_id,return_id,sku,quantity,amount,rate_bps,commission,at\r\n")
        #expect(SettlementCSV.field("plain") == "plain")
        #expect(SettlementCSV.field("a,b") == "\"a,b\"")
        #expect(SettlementCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(SettlementCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(SettlementCSV.field("crlf\r\nhere") == "\"crlf\r\nhere\"")
        #expect(SettlementCSV.field("") == "")
        let line = StatementLine(
            kind: .refund, suborderLineId: "sol_1", returnId: "ret_1", returnLineId: "rl_1", vendorId: "ven_1", currency: "EUR",
            sku: "MUG, \"BIG\"", quantity: 2, amount: 3998, rateBps: 1250, commission: 500,
            at: Date(timeIntervalSince1970: 1_790_000_000.25))
        #expect(
            SettlementCSV.row(runId: "setl_1", line)
                == "setl_1,ven_1,EUR,refund,sol_1,ret_1,\"MUG, \"\"BIG\"\"\",2,3998,1250,500,2026-09-21T14:13:20.250000Z\r\n")
        let sale = StatementLine(
            kind: .sale, suborderLineId: "sol_2", returnId: nil, returnLineId: nil, vendorId: "ven_1", currency: "EUR",
            sku: "X", quantity: 1, amount: 5, rateBps: 1000, commission: 0, at: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(SettlementCSV.row(runId: "setl_1", sale) == "setl_1,ven_1,EUR,sale,sol_2,,X,1,5,1000,0,2026-09-21T14:13:20Z\r\n")
    }
}
