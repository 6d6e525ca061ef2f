import CommerceCore
import Foundation
import OrderCore
import Testing

/// The answer to `POST /v1/orders` is written straight to bytes (`Order.write(to:)`); every
/// other answer builds `Order.json`. The two must be the same document, byte for byte.
@Suite struct OrderOutputTests {
    static func order(fulfillment: Fulfillment, filled: Bool) -> Order {
        let at = Date(timeIntervalSince1970: 1_796_000_000.654_321)
        let lines = [
            OrderLine(
                id: "oln_1", position: 0, sku: "SKU-\"1\"", quantity: 3, cancelledQuantity: filled ? 1 : 0,
                vendorId: filled ? "ven_a" : nil, maxUnitPrice: filled ? 1500 : nil),
            OrderLine(
                id: "oln_2", position: 1, sku: "SKU-2", quantity: 1, cancelledQuantity: 0, vendorId: nil, maxUnitPrice: nil,
                fulfillment: filled ? .pickup(vendorId: "ven_b", location: "köln") : nil),
        ]
        let suborders =
            filled
            ? SuborderOutputTests.fulfillments.map { SuborderOutputTests.suborder(fulfillment: $0, filled: true) }
            : [SuborderOutputTests.suborder(fulfillment: fulfillment, filled: false)]
        var order = Order(
            id: "ord_1", channel: "web\u{1}", customerId: "cus ü", customerEmail: filled ? "a@example.com" : nil, status: .open,
            currency: "EUR", fulfillment: fulfillment, deliverBy: filled ? at.addingTimeInterval(86_400) : nil, lines: lines,
            suborders: suborders, createdAt: at)
        if filled {
            order.cartId = "crt_1"
            order.organizationId = "org_1"
        }
        return order
    }

    @Test(arguments: SuborderOutputTests.fulfillments, [false, true])
    func bytesEqualTheTree(_ fulfillment: Fulfillment, _ filled: Bool) throws {
        let order = Self.order(fulfillment: fulfillment, filled: filled)
        #expect(String(decoding: order.jsonBytes, as: UTF8.self) == String(decoding: JSONWriter.bytes(order.json), as: UTF8.self))
    }
}
