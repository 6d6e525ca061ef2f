import CommerceCore
import Foundation
import Testing

private typealias P = PartialKit

extension SettlementEndToEndTests {
    @Test("settlement over a partly accepted suborder settles the accepted units only")
    func partlyAcceptedSuborderSettlesAcceptedUnits() async throws {
        try await TestServer.run { server in
            let world = try await SettlementWorld.open(server)
            let vendor = try await world.vendor(commissionRateBps: 1000)
            let p = try await world.item(vendor, category: "general", price: 1000)
            let q = try await world.item(vendor, category: "general", price: 500)
            let order = try await world.place([(p, 3), (q, 1)])
            let sub = try #require(order["suborders"]?.arrayValue?.first)
            let subId = SettlementWorld.id(sub)
            let accepted = try await world.admin.post(
                "/v1/suborders/\(subId)/accept",
                P.refuse([(P.lineId(sub, sku: p), 1, "scratched"), (P.lineId(sub, sku: q), 1, "missing")]))
            #expect(accepted.status == 200, "\(accepted)")
            for action in ["ship", "deliver"] {
                let body: JSONValue? = action == "ship" ? ["carrier": "DHL", "tracking_number": "T-1"] : nil
                let response = try await world.admin.post("/v1/suborders/\(subId)/\(action)", body)
                try #require(response.status == 200, "\(action): \(response)")
            }
            let run = try await world.run()
            let statement = try #require(SettlementWorld.statement(run, vendor: vendor), "\(run)")
            #expect(statement["gross_sales"]?.intValue == 2000, "\(statement)")
            #expect(statement["commission"]?.intValue == 200)
            #expect(statement["line_count"]?.intValue == 1, "the line refused whole sold nothing")
            let lines = try await world.lines(run: SettlementWorld.id(run), vendor: vendor)
            #expect(lines.count == 1)
            #expect(lines.first?["sku"]?.stringValue == p && lines.first?["quantity"]?.intValue == 2, "\(lines)")
            #expect(lines.first?["amount"]?.intValue == 2000)
            try await world.expectBalanced(run: SettlementWorld.id(run))
            try await world.expectNoLineSettledTwice()
        }
    }
}
