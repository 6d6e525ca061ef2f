import Buying
import CommerceCore
import CustomerService
import Foundation
import Hummingbird
import OrderCore
import Postgres
import VendorRouting

/// `POST /v1/orders` body → `OrderRequest`, naming every bad field.
enum OrderInput {
    static func parse(_ value: JSONValue, principal: Principal) throws -> OrderRequest {
        var f = Fields(value)
        var channel = principal.channel
        let bodyChannel = f.string("channel", required: principal.role == .operator, maxLength: 100)
        if principal.role == .operator {
            channel = bodyChannel
        } else if let bodyChannel, bodyChannel != principal.channel {
            f.fail("channel", "this key places orders for channel '\(principal.channel ?? "")' only")
        }
        let (customerId, email) = CustomerInput.read(&f)
        let currency = f.currency("currency")
        let fulfillment = FulfillmentInput.read(&f, required: true)
        let deliverBy = f.timestamp("deliver_by", required: false)
        var lines: [RequestedLine] = []
        if let elements = f.array("lines", minCount: 1, maxCount: 200) {
            for (i, element) in elements.enumerated() {
                var line = Fields(element, path: "lines[\(i)]")
                let sku = line.string("sku", maxLength: 100)
                let quantity = line.smallInt("quantity", min: 1, max: 100_000)
                let vendorId = line.string("vendor_id", required: false, maxLength: 100)
                let maxPrice = line.int("max_unit_price", required: false, min: 0)
                let own = FulfillmentInput.read(&line)
                f.absorb(line)
                if let sku, let quantity {
                    lines.append(RequestedLine(sku: sku, quantity: quantity, vendorId: vendorId, maxUnitPrice: maxPrice, fulfillment: own))
                }
            }
        }
        try f.check()
        return OrderRequest(
            channel: channel!, customerId: customerId!, customerEmail: email, currency: currency!,
            fulfillment: fulfillment!, deliverBy: deliverBy, lines: lines)
    }
}
