import CommerceCore
import CustomerService
import CustomerServiceCore
import Foundation
import Hummingbird
import OrderCore
import Postgres
import VendorRouting

/// `POST /v1/returns` body → `NewReturn`, naming every bad field.
enum ReturnInput {
    static func parse(_ value: JSONValue, principal: Principal) throws -> NewReturn {
        var f = Fields(value)
        let orderId = f.string("order_id", maxLength: 100)
        let channel = f.string("channel", required: false, maxLength: 100)
        if principal.role == .channel, let channel, channel != principal.channel {
            f.fail("channel", "this key creates returns for channel '\(principal.channel ?? "")' only")
        }
        let method = f.oneOf("method", ReturnMethod.self)
        var location: ReturnLocation?
        if var fields = f.object("location", required: false) {
            let vendorId = fields.string("vendor_id", maxLength: 100)
            let code = fields.string("code", maxLength: 100)
            f.absorb(fields)
            if let vendorId, let code { location = ReturnLocation(vendorId: vendorId, code: code) }
        }
        switch method {
        case .inStore where !f.has("location"):
            f.fail("location", "is required for an in_store return: the vendor location that receives it")
        case .courier where f.has("location"):
            f.fail("location", "only an in_store return names a location; a courier return goes back to where each line shipped from")
        default:
            break
        }
        var lines: [ReturnRules.RequestedLine] = []
        if let elements = f.array("lines", minCount: 1, maxCount: 200) {
            for (i, element) in elements.enumerated() {
                var line = Fields(element, path: "lines[\(i)]")
                let lineId = line.string("suborder_line_id", maxLength: 100)
                let quantity = line.smallInt("quantity", min: 1, max: 100_000)
                let reason = line.string("reason", maxLength: 1000)
                f.absorb(line)
                if let lineId, let quantity, let reason {
                    lines.append(ReturnRules.RequestedLine(suborderLineId: lineId, quantity: quantity, reason: reason))
                }
            }
        }
        try f.check()
        return NewReturn(
            orderId: orderId!, channel: principal.role == .channel ? principal.channel : channel, method: method!,
            location: method == .inStore ? location : nil, lines: lines)
    }
}
