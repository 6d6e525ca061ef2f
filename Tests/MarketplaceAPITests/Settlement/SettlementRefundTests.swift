import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

private typealias W = SettlementWorld

extension SettlementWorld {
    /// `POST /v1/returns` (courier) for `lines` (suborder line id, quantity) of `orderId`, approve,
    /// then `POST /v1/returns/{id}/receive` of `received` (suborder line id, quantity). Returns the
    /// refunded return.
    func refund(orderId: String, lines: [(String, Int64)], received: [(String, Int64)]) async throws -> JSONValue {
        let created = try await storefront.post(
            "/v1/returns",
            [
                "order_id": .string(orderId), "method": "courier",
                "lines": .array(lines.map { ["suborder_line_id": .string($0.0), "quantity": .int($0.1), "reason": "did not fit"] }),
            ])
        try #require(created.status == 201, "\(created)")
        let id = try #require(created["id"]?.stringValue)
        // A courier return is approved before it is received.
        let approved = try await admin.post("/v1/returns/\(id)/approve")
        try #require(approved.status == 200, "\(approved)")
        let receivedResponse = try await admin.post(
            "/v1/returns/\(id)/receive",
            ["lines": .array(received.map { ["suborder_line_id": .string($0.0), "quantity": .int($0.1), "restock": true] })])
        try #require(receivedResponse.status == 200, "\(receivedResponse)")
        #expect(receivedResponse["status"]?.stringValue == "refunded")
        return receivedResponse.json
    }
}

extension SettlementEndToEndTests {
    @Test("a refund reverses commission at the sold line's rate, counted when received; refunds alone give a negative net payable")
    func refundAfterSale() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1000)
            let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 1999)
            let delivered = try await w.deliver([(sku, 3)])
            let orderId = try #require(delivered.first?["order_id"]?.stringValue)
            let lineId = W.lineIds(delivered)[0]

            let run1 = try await w.run()
            let s1 = try #require(W.statement(run1, vendor: v))
            #expect(s1["gross_sales"]?.intValue == 5997)
            #expect(s1["commission"]?.intValue == 600)  // 599.7

            // A rule set after the sale does not change the rate its refund reverses.
            try await w.rule(vendorId: v, rateBps: 5000)
            let ret = try await w.refund(orderId: orderId, lines: [(lineId, 2)], received: [(lineId, 2)])
            let returnId = try #require(ret["id"]?.stringValue)

            let run2 = try await w.run()
            let s2 = try #require(W.statement(run2, vendor: v), "\(run2)")
            #expect(s2["gross_sales"]?.intValue == 0)
            #expect(s2["commission"]?.intValue == 0)
            #expect(s2["refunds"]?.intValue == 3998)
            #expect(s2["commission_refunded"]?.intValue == 400)  // 399.8
            #expect(s2["net_payable"]?.intValue == -3598, "never clamped")
            #expect(s2["line_count"]?.intValue == 1)

            let lines = try await w.lines(run: W.id(run2), vendor: v)
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line["kind"]?.stringValue == "refund")
            #expect(line["return_id"]?.stringValue == returnId)
            #expect(line["return_line_id"]?.stringValue != nil)
            #expect(line["suborder_line_id"]?.stringValue == lineId)
            #expect(line["sku"]?.stringValue == sku)
            #expect(line["quantity"]?.intValue == 2)
            #expect(line["amount"]?.intValue == 3998)
            #expect(line["rate_bps"]?.intValue == 1000)
            #expect(line["commission"]?.intValue == 400)
            #expect(line["at"] == ret["received_at"], "\(line) vs \(ret)")

            let postings = try await w.postings(run: W.id(run2)).filter { $0["vendor_id"]?.stringValue == v }
            #expect(postings.map { $0["amount"]?.intValue } == [-3998, 3598, 400])
            try await w.expectBalanced(run: W.id(run2))

            let csv = try await w.finance.get("/v1/settlement-runs/\(W.id(run2))/export.csv")
            let at = try #require(ret["received_at"]?.stringValue)
            #expect(csv.text.contains("\(W.id(run2)),\(v),EUR,refund,\(lineId),\(returnId),\(sku),2,3998,1000,400,\(at)\r\n"))

            // Settled once: a later run has nothing for this vendor.
            let run3 = try await w.run()
            #expect(W.statements(run3, vendor: v).isEmpty)
            #expect(try await w.settledCounts(suborderLineIds: [lineId], kind: "refund") == [lineId: 1])
            try await w.expectNoLineSettledTwice()
        }
    }

    @Test("sale and refund in one statement; a line received with quantity 0 is not a refund")
    func saleAndRefundTogether() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor(commissionRateBps: 1500)
            let category = Fixtures.unique("cat")
            let x = try await w.item(v, category: category, price: 10)
            let y = try await w.item(v, category: category, price: 30)
            let delivered = try await w.deliver([(x, 3), (y, 1)])
            let orderId = try #require(delivered.first?["order_id"]?.stringValue)
            let lines = delivered[0]["lines"]?.arrayValue ?? []
            let xLine = try #require(lines.first { $0["sku"]?.stringValue == x }?["id"]?.stringValue)
            let yLine = try #require(lines.first { $0["sku"]?.stringValue == y }?["id"]?.stringValue)
            _ = try await w.refund(orderId: orderId, lines: [(xLine, 1), (yLine, 1)], received: [(xLine, 1), (yLine, 0)])

            let run = try await w.run()
            let s = try #require(W.statement(run, vendor: v))
            // Sales: 30 @ 15 % = 4.5 → 4, and 30 → 4; refund: 10 @ 15 % = 1.5 → 2.
            #expect(s["gross_sales"]?.intValue == 60)
            #expect(s["commission"]?.intValue == 8)
            #expect(s["refunds"]?.intValue == 10)
            #expect(s["commission_refunded"]?.intValue == 2)
            #expect(s["net_payable"]?.intValue == 44)
            #expect(s["line_count"]?.intValue == 3)
            let settled = try await w.lines(run: W.id(run), vendor: v)
            #expect(settled.map { $0["kind"]?.stringValue } == ["sale", "sale", "refund"])
            #expect(settled.last?["suborder_line_id"]?.stringValue == xLine)
            try await w.expectBalanced(run: W.id(run))
        }
    }

    @Test("a line refunded before it was delivered: the run fixes its rate, and its later sale uses that same rate")
    func refundBeforeDelivery() async throws {
        try await TestServer.run { server in
            let w = try await W.open(server)
            let v = try await w.vendor()
            let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 1000)
            try await w.rule(vendorId: v, rateBps: 2000)
            let order = try await w.place([(sku, 2)])
            let orderId = try #require(order["id"]?.stringValue)
            let suborder = try #require(order["suborders"]?.arrayValue?.first)
            let suborderId = try #require(suborder["id"]?.stringValue)
            let lineId = try #require(suborder["lines"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(try await w.admin.post("/v1/suborders/\(suborderId)/accept").status == 200)
            #expect(try await w.admin.post("/v1/suborders/\(suborderId)/ship", ["carrier": "DHL", "tracking_number": "1"]).status == 200)
            _ = try await w.refund(orderId: orderId, lines: [(lineId, 1)], received: [(lineId, 1)])

            let run1 = try await w.run()
            let s1 = try #require(W.statement(run1, vendor: v))
            #expect(s1["refunds"]?.intValue == 1000)
            #expect(s1["commission_refunded"]?.intValue == 200)
            #expect(s1["gross_sales"]?.intValue == 0)

            // The rule changes, then the suborder is delivered: the sale keeps the rate its refund used.
            try await w.rule(vendorId: v, rateBps: 3000)
            #expect(try await w.admin.post("/v1/suborders/\(suborderId)/deliver").status == 200)
            let run2 = try await w.run()
            let s2 = try #require(W.statement(run2, vendor: v))
            #expect(s2["gross_sales"]?.intValue == 2000)
            #expect(s2["commission"]?.intValue == 400)
            #expect(s2["refunds"]?.intValue == 0)
            try await w.expectNoLineSettledTwice()
        }
    }
}
