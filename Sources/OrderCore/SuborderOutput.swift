public import CommerceCore

// The suborder view written straight to bytes, for the vendor feed (`JSONOutput` says why).
// Field for field the same document as `Suborder.json(forVendor:)`; SuborderOutputTests hold
// the bytes equal for every shape (delivery and pickup, nulls, refusals, reroutes), so a field
// added to one view and not the other fails there.

extension Suborder {
    /// `vendorJSON`'s bytes, for the events an order writes.
    public var vendorJSONBytes: [UInt8] {
        var out = JSONOutput(capacity: 1024)
        write(to: &out, forVendor: true)
        return out.bytes
    }

    public func write(to out: inout JSONOutput, forVendor isVendor: Bool) {
        out.beginObject()
        out.key("id")
        out.string(id)
        out.key("order_id")
        out.string(orderId)
        out.key("vendor_id")
        out.string(vendorId)
        out.key("location")
        out.string(location)
        out.key("fulfillment")
        fulfillment.write(to: &out)
        out.key("status")
        out.string(status.rawValue)
        out.key("currency")
        out.string(currency)
        out.key("lines")
        out.beginArray()
        for line in lines { line.write(to: &out) }
        out.endArray()
        out.key("subtotal")
        out.int(subtotal)
        out.key("accept_by")
        out.date(acceptBy)
        out.key("ship_by")
        out.date(shipBy)
        out.key("promised_delivery")
        out.date(promisedDelivery)
        out.key("routing")
        out.beginObject()
        out.key("reason")
        out.string(isVendor ? vendorRoutingReason : routingReason)
        out.key("candidates_considered")
        out.int(candidatesConsidered)
        out.endObject()
        out.key("replaces")
        out.string(replaces)
        out.key("replaced_by")
        out.string(replacedBy)
        out.key("rerouted_to")
        out.beginArray()
        for id in reroutedTo { out.string(id) }
        out.endArray()
        out.key("carrier")
        out.string(carrier)
        out.key("tracking_number")
        out.string(trackingNumber)
        out.key("reason")
        out.string(reason)
        out.key("delivered_at")
        out.date(deliveredAt)
        out.key("created_at")
        out.date(createdAt)
        out.key("updated_at")
        out.date(updatedAt)
        out.endObject()
    }
}

extension SuborderLine {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("id")
        out.string(id)
        out.key("order_line_id")
        out.string(orderLineId)
        out.key("sku")
        out.string(sku)
        out.key("quantity")
        out.int(quantity)
        out.key("unit_price")
        out.int(unitPrice)
        out.key("refused_quantity")
        out.int(refusedQuantity)
        out.key("refused_reason")
        out.string(refusedReason)
        out.endObject()
    }
}

extension Fulfillment {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("type")
        switch self {
        case .delivery(let address):
            out.string("delivery")
            out.key("address")
            out.beginObject()
            out.key("country")
            out.string(address.country)
            out.key("postal_code")
            out.string(address.postalCode)
            out.key("latitude")
            out.double(address.latitude)
            out.key("longitude")
            out.double(address.longitude)
            out.endObject()
        case .pickup(let vendorId, let location):
            out.string("pickup")
            out.key("vendor_id")
            out.string(vendorId)
            out.key("location")
            out.string(location)
        }
        out.endObject()
    }
}
