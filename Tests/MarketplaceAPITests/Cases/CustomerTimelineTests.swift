import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit
private typealias R = ReturnKit

@Suite("Customer timeline: returns and cases across channels")
struct CustomerTimelineTests {
    @Test("every kind in order, each with the channel of its order, return or case, data as the API shows it, stable paging")
    func everyKind() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let appChannel = try await shop.fixtures.channel(type: "app")
            let app = try await shop.fixtures.key(role: "channel", channel: appChannel)
            let callChannel = try await shop.fixtures.channel(type: "call_center")
            let call = try await shop.fixtures.key(role: "channel", channel: callChannel)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 640)])
            let vKey = try await shop.vendorKey(v)
            let customer = shop.newCustomer()

            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 2)])
            let sub = K.id(K.suborders(order).first)
            let lineId = R.lineId(order, sku: x)
            let ret = try await R.create(app, R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 2)]))
            let returnId = K.id(ret)
            #expect(try await vKey.post("/v1/returns/\(returnId)/approve").status == 200)
            let receipt = try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [R.received(lineId, 2, restock: true)]])
            #expect(receipt.status == 200, "\(receipt)")
            let opened = try await call.post(
                "/v1/cases",
                [
                    "customer_id": .string(customer), "subject": "Refund?", "message": "When do I get my money?",
                    "return_id": .string(returnId),
                ])
            #expect(opened.status == 201, "\(opened)")
            let caseId = K.id(opened.json)
            let openingId = opened["messages"]?.arrayValue?.first?["id"]?.stringValue ?? ""
            let answer = try await vKey.post("/v1/cases/\(caseId)/messages", ["body": "Refunded today."])
            #expect(answer.status == 201, "\(answer)")
            #expect(try await call.post("/v1/cases/\(caseId)/resolve").status == 200)
            // Someone else's history stays out.
            _ = try await call.post(
                "/v1/cases", ["customer_id": .string(shop.newCustomer()), "subject": "x", "message": "y", "channel": .string(callChannel)])

            let timeline = try await shop.timeline(customer)
            let summary = timeline.map { "\($0["kind"]?.stringValue ?? "?")/\($0["id"]?.stringValue ?? "?")" }
            #expect(
                summary == [
                    "order/\(K.id(order))", "suborder_status/\(sub)", "suborder_status/\(sub)", "suborder_status/\(sub)",
                    "return/\(returnId)", "return_status/\(returnId)", "return_status/\(returnId)", "case/\(caseId)",
                    "message/\(openingId)", "message/\(K.id(answer.json))", "case_status/\(caseId)",
                ], "\(summary)")
            #expect(
                timeline.map { $0["channel"]?.stringValue ?? "" }
                    == Array(repeating: shop.channel, count: 4) + Array(repeating: appChannel, count: 3)
                    + Array(repeating: callChannel, count: 4))
            let times = timeline.compactMap { K.date($0["at"]) }
            #expect(times.count == timeline.count && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "oldest first")
            if timeline.count == 11 {
                #expect(timeline[3]["data"]?["status"]?.stringValue == "shipped")
                let returnData = timeline[4]["data"]
                #expect(returnData?["id"]?.stringValue == returnId)
                #expect(returnData?["channel"]?.stringValue == appChannel)
                #expect(returnData?["refund_amount"]?.intValue == 1280)
                #expect(returnData.map(R.lineIds) == [lineId])
                #expect(timeline[4]["at"] == returnData?["created_at"])
                #expect(timeline[5]["data"]?["status"]?.stringValue == "approved")
                #expect(timeline[5]["data"]?["return_id"]?.stringValue == returnId)
                #expect(timeline[6]["data"]?["status"]?.stringValue == "refunded")
                #expect(timeline[7]["data"]?["subject"]?.stringValue == "Refund?")
                #expect(timeline[7]["data"]?["return_id"]?.stringValue == returnId)
                #expect(timeline[8]["data"]?["author_role"]?.stringValue == "channel")
                #expect(timeline[8]["data"]?["case_id"]?.stringValue == caseId)
                #expect(timeline[8]["data"]?["body"]?.stringValue == "When do I get my money?")
                #expect(timeline[8]["at"] == timeline[7]["at"], "the opening message is written with the case")
                #expect(timeline[9]["data"]?["author_role"]?.stringValue == "vendor")
                #expect(timeline[10]["data"]?["status"]?.stringValue == "resolved")
                #expect(timeline[10]["data"]?["case_id"]?.stringValue == caseId)
            }
            // Any channel reads it; one entry per page walks the same entries.
            #expect(try await shop.timeline(customer, as: call).map { $0["id"] } == timeline.map { $0["id"] })
            let paged = try await shop.timeline(customer, as: app, limit: 1)
            #expect(paged.map { "\($0["kind"]?.stringValue ?? "?")/\($0["id"]?.stringValue ?? "?")" } == summary)
            #expect(try await vKey.get("/v1/customers/\(customer)/timeline").status == 403)
        }
    }
}
