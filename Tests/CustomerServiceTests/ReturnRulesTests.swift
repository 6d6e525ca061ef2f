import CommerceCore
import CustomerServiceCore
import Foundation
import Testing

@testable import CustomerService

@Suite("Returns: the pure rules")
struct ReturnRulesTests {
    static func line(
        _ id: String, vendor: String = "ven_a", quantity: Int = 3, price: Int64 = 1000, received: Int = 0, restocked: Int = 0
    ) -> ReturnLine {
        ReturnLine(
            id: "rtl_\(id)", suborderLineId: id, suborderId: "sub_1", vendorId: vendor, sku: "SKU", quantity: quantity,
            reason: "broken", unitPrice: price, receivedQuantity: received, restockedQuantity: restocked)
    }

    static func ordered(_ id: String, vendor: String = "ven_a", quantity: Int = 3, shipped: Bool = true, held: Int = 0)
        -> ReturnRules.OrderedLine
    {
        ReturnRules.OrderedLine(
            id: id, suborderId: "sub_1", vendorId: vendor, sku: "SKU", quantity: quantity, unitPrice: 500, shipped: shipped,
            alreadyReturned: held)
    }

    @Test(
        "state machine: approve from requested; reject from requested/approved; receive from approved, or at once in store",
        arguments: ReturnStatus.allCases)
    func transitions(from status: ReturnStatus) {
        for method in ReturnMethod.allCases {
            #expect(ReturnRules.apply(.approve, to: status, method: method) == (status == .requested ? .approved : nil))
            #expect(
                ReturnRules.apply(.reject, to: status, method: method)
                    == ([.requested, .approved].contains(status) ? .rejected : nil))
        }
        #expect(ReturnRules.apply(.receive, to: status, method: .courier) == (status == .approved ? .refunded : nil))
        #expect(
            ReturnRules.apply(.receive, to: status, method: .inStore)
                == ([.requested, .approved].contains(status) ? .refunded : nil))
    }

    @Test("returnable: shipped quantity less what returns not rejected hold; nothing before shipping")
    func returnable() {
        #expect(Self.ordered("a", quantity: 3).returnable == 3)
        #expect(Self.ordered("a", quantity: 3, held: 2).returnable == 1)
        #expect(Self.ordered("a", quantity: 3, held: 3).returnable == 0)
        #expect(Self.ordered("a", quantity: 3, held: 5).returnable == 0)
        #expect(Self.ordered("a", quantity: 3, shipped: false).returnable == 0)
    }

    @Test("request check names each bad line and a location of the wrong vendor")
    func requestCheck() {
        let ordered = ["a": Self.ordered("a", held: 1), "b": Self.ordered("b", vendor: "ven_b", shipped: false)]
        let ok = ReturnRules.checkRequest(
            [.init(suborderLineId: "a", quantity: 2, reason: "x")], ordered: ordered, orderId: "ord_1",
            location: ReturnLocation(vendorId: "ven_a", code: "S1"))
        #expect(ok.isEmpty)
        let errors = ReturnRules.checkRequest(
            [
                .init(suborderLineId: "a", quantity: 3, reason: "x"), .init(suborderLineId: "zzz", quantity: 1, reason: "x"),
                .init(suborderLineId: "b", quantity: 1, reason: "x"), .init(suborderLineId: "a", quantity: 1, reason: "x"),
            ], ordered: ordered, orderId: "ord_1", location: ReturnLocation(vendorId: "ven_a", code: "S1"))
        #expect(
            errors.map(\.field) == [
                "lines[0].quantity", "lines[1].suborder_line_id", "lines[2].quantity", "lines[3].suborder_line_id", "location",
            ], "\(errors)")
        #expect(errors.last?.message.contains("ven_b") == true)
    }

    @Test("receipt: named lines get their units, others none; restock only when asked; errors name the receipt lines")
    func receipt() throws {
        let lines = [Self.line("a", quantity: 3), Self.line("b", quantity: 2, price: 250)]
        let receipt = try ReturnRules.receipt(
            [.init(suborderLineId: "a", quantity: 2, restock: true)], lines: lines
        ).get()
        #expect(receipt.map(\.receivedQuantity) == [2, 0])
        #expect(receipt.map(\.restockedQuantity) == [2, 0])
        #expect(ReturnRules.refundAmount(receipt) == 3 * 1000 + 2 * 250)
        #expect(ReturnRules.refundedAmount(receipt) == 2 * 1000)

        let noRestock = try ReturnRules.receipt(
            [.init(suborderLineId: "b", quantity: 2, restock: false), .init(suborderLineId: "a", quantity: 0, restock: true)],
            lines: lines
        ).get()
        #expect(noRestock.map(\.receivedQuantity) == [0, 2])
        #expect(noRestock.map(\.restockedQuantity) == [0, 0])

        switch ReturnRules.receipt(
            [
                .init(suborderLineId: "a", quantity: 4, restock: true), .init(suborderLineId: "x", quantity: 1, restock: true),
                .init(suborderLineId: "b", quantity: 1, restock: true), .init(suborderLineId: "b", quantity: 1, restock: true),
            ], lines: lines)
        {
        case .success: Issue.record("expected errors")
        case .failure(let error):
            #expect(error.kind == .validation)
            #expect(error.errors.map(\.field) == ["lines[0].quantity", "lines[1].suborder_line_id", "lines[3].suborder_line_id"])
        }
    }

    @Test("a vendor's share and its view of a return")
    func vendorView() {
        let lines = [Self.line("a"), Self.line("b", vendor: "ven_b", quantity: 1, price: 700)]
        #expect(VendorShare.of("ven_a", in: lines) == .some)
        #expect(VendorShare.of("ven_c", in: lines) == .none)
        #expect(VendorShare.of("ven_a", in: [Self.line("a")]) == .all)
        let ret = Return(
            id: "ret_1", seq: 1, orderId: "ord_1", channel: "web", customerId: "c", status: .requested, method: .courier,
            location: nil, currency: "EUR", lines: lines, reason: nil, receivedAt: nil, createdAt: Date(), updatedAt: Date())
        #expect(ret.refundAmount == 3700)
        #expect(ret.vendorIds == ["ven_a", "ven_b"])
        let view = ret.visible(to: "ven_b")
        #expect(view.lines.map(\.suborderLineId) == ["b"])
        #expect(view.json["refund_amount"] == .int(700))
        #expect(view.json["location"] == .null)
        #expect(ret.visible(to: nil).lines.count == 2)
    }
}

@Suite("Cases: the pure rules")
struct CaseRulesTests {
    static let mine = CaseRules.LinkFacts(customerId: "c1", orderId: "ord_1", channel: "web")

    @Test("links: unknown ids, another customer's resources and links to different orders are named")
    func links() {
        #expect(CaseRules.checkLinks(customerId: "c1", order: ("ord_1", Self.mine), suborder: ("sub_1", Self.mine), ret: nil).isEmpty)
        #expect(CaseRules.checkLinks(customerId: "c1", order: nil, suborder: nil, ret: nil).isEmpty)
        let errors = CaseRules.checkLinks(
            customerId: "c1", order: ("ord_x", nil),
            suborder: ("sub_2", CaseRules.LinkFacts(customerId: "c2", orderId: "ord_2", channel: "app")),
            ret: ("ret_1", Self.mine))
        #expect(errors.map(\.field) == ["order_id", "suborder_id"])
        let mixed = CaseRules.checkLinks(
            customerId: "c1", order: ("ord_1", Self.mine), suborder: nil,
            ret: ("ret_9", CaseRules.LinkFacts(customerId: "c1", orderId: "ord_9", channel: "app")))
        #expect(mixed.map(\.field) == ["return_id"])
    }

    @Test("channel inherited from the return, else the order; status rules; first response")
    func rules() {
        let app = CaseRules.LinkFacts(customerId: "c1", orderId: "ord_1", channel: "app")
        #expect(CaseRules.inheritedChannel(order: Self.mine, suborder: nil, ret: app) == "app")
        #expect(CaseRules.inheritedChannel(order: nil, suborder: Self.mine, ret: nil) == "web")
        #expect(CaseRules.inheritedChannel(order: nil, suborder: nil, ret: nil) == nil)
        #expect(CaseRules.canPost(to: .open))
        #expect(!CaseRules.canPost(to: .resolved))
        #expect(CaseRules.resolve(.open) == .resolved)
        #expect(CaseRules.resolve(.resolved) == nil)
        #expect(CaseRules.isFirstResponse(by: .vendor, alreadyAnswered: false))
        #expect(CaseRules.isFirstResponse(by: .operator, alreadyAnswered: false))
        #expect(!CaseRules.isFirstResponse(by: .channel, alreadyAnswered: false))
        #expect(!CaseRules.isFirstResponse(by: .vendor, alreadyAnswered: true))
        let opened = Date(timeIntervalSince1970: 1_000_000)
        #expect(CaseRules.firstResponseDue(openedAt: opened, windowSeconds: 3600) == opened.addingTimeInterval(3600))
    }
}
