import CommerceCore
import CustomerService
import Foundation
import Hummingbird
import Postgres
import VendorRouting

/// `POST /v1/cases` body → `NewCase`, naming every bad field.
enum CaseInput {
    static let maxMessageLength = 10_000

    static func parse(_ value: JSONValue, principal: Principal) throws -> NewCase {
        var f = Fields(value)
        let customerId = f.string("customer_id", maxLength: 200)
        let subject = f.string("subject", maxLength: 300)
        let message = f.string("message", maxLength: maxMessageLength)
        let channel = f.string("channel", required: false, maxLength: 100)
        if principal.role == .channel, let channel, channel != principal.channel {
            f.fail("channel", "this key opens cases for channel '\(principal.channel ?? "")' only")
        }
        let orderId = f.string("order_id", required: false, maxLength: 100)
        let suborderId = f.string("suborder_id", required: false, maxLength: 100)
        let returnId = f.string("return_id", required: false, maxLength: 100)
        try f.check()
        return NewCase(
            customerId: customerId!, subject: subject!, message: message!,
            channel: principal.role == .channel ? principal.channel : channel, orderId: orderId, suborderId: suborderId,
            returnId: returnId)
    }
}
