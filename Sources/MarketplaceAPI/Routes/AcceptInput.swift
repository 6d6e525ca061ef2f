import CommerceCore
import Foundation
import Hummingbird
import OrderCore
import Postgres
import Settlement
import VendorRouting

/// `POST /v1/suborders/{id}/accept` body: none, `{}`, or `{"refuse": [{line_id, quantity,
/// reason?}]}` (v1.2 partial acceptance). Only the shape is checked here; whether the lines
/// belong to the suborder is the lifecycle's question, asked under its lock.
enum AcceptInput {
    static func refusals(_ value: JSONValue) throws -> [Refusal] {
        var f = Fields(value)
        var refusals: [Refusal] = []
        for (i, element) in (f.array("refuse", required: false) ?? []).enumerated() {
            var item = Fields(element, path: "refuse[\(i)]")
            let lineId = item.string("line_id", maxLength: 200)
            let quantity = item.smallInt("quantity", min: 1)
            let reason = item.string("reason", required: false, maxLength: 1000)
            f.absorb(item)
            if let lineId, let quantity { refusals.append(Refusal(lineId: lineId, quantity: quantity, reason: reason)) }
        }
        try f.check()
        return refusals
    }
}
