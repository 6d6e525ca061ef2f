public import CommerceCore

// The order written straight to bytes, for the answer to `POST /v1/orders` (`JSONOutput` says
// why). Field for field the same document as `Order.json`; OrderOutputTests hold the bytes
// equal, so a field added to one and not the other fails there.

extension Order {
    public var jsonBytes: [UInt8] {
        var out = JSONOutput(capacity: 1024 + 1024 * suborders.count)
        write(to: &out)
        return out.bytes
    }

    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("id")
        out.string(id)
        out.key("channel")
        out.string(channel)
        out.key("customer_id")
        out.string(customerId)
        out.key("customer_email")
        out.string(customerEmail)
        out.key("status")
        out.string(status.rawValue)
        out.key("currency")
        out.string(currency)
        out.key("total")
        out.int(total)
        out.key("lines")
        out.beginArray()
        for line in lines { line.write(to: &out, orderFulfillment: fulfillment) }
        out.endArray()
        out.key("suborders")
        out.beginArray()
        for suborder in suborders { suborder.write(to: &out, forVendor: false) }
        out.endArray()
        out.key("fulfillment")
        fulfillment.write(to: &out)
        out.key("deliver_by")
        out.date(deliverBy)
        out.key("created_at")
        out.date(createdAt)
        out.key("cart_id")
        out.string(cartId)
        out.key("organization_id")
        out.string(organizationId)
        out.endObject()
    }
}

extension OrderLine {
    /// As `json(orderFulfillment:)`.
    public func write(to out: inout JSONOutput, orderFulfillment: Fulfillment?) {
        out.beginObject()
        out.key("id")
        out.string(id)
        out.key("sku")
        out.string(sku)
        out.key("quantity")
        out.int(quantity)
        out.key("cancelled_quantity")
        out.int(cancelledQuantity)
        out.key("vendor_id")
        out.string(vendorId)
        out.key("max_unit_price")
        if let maxUnitPrice { out.int(maxUnitPrice) } else { out.null() }
        out.key("fulfillment")
        if let served = fulfillment ?? orderFulfillment { served.write(to: &out) } else { out.null() }
        out.endObject()
    }
}
