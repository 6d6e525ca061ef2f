import CommerceCore
import Foundation
import OrderCore
import Testing

/// The feed writes suborders straight to bytes (`Suborder.write(to:forVendor:)`); every other
/// answer and the webhooks build `Suborder.json`. The two must be the same document, byte for
/// byte, whatever the suborder holds, or a vendor would see one suborder two ways.
@Suite struct SuborderOutputTests {
    static func suborder(fulfillment: Fulfillment, filled: Bool) -> Suborder {
        let at = Date(timeIntervalSince1970: 1_796_000_000.123_456)
        var line = SuborderLine(id: "sli_1", orderLineId: "oli_1", sku: "SKU-\"Ü\"\n", quantity: 3, unitPrice: 1299)
        var second = SuborderLine(id: "sli_2", orderLineId: "oli_2", sku: "SKU-2", quantity: 12, unitPrice: -5)
        if filled {
            line.refusedQuantity = 2
            line.refusedReason = "damaged \\ in \"transit\""
            second.refusedQuantity = 0
        }
        var suborder = Suborder(
            id: "sub_1", orderId: "ord_1", vendorId: "ven_a", location: "berlin\tnorth", fulfillment: fulfillment,
            status: filled ? .shipped : .pendingAcceptance, currency: "EUR", lines: filled ? [line, second] : [line],
            acceptBy: at, shipBy: at.addingTimeInterval(86_400), promisedDelivery: Date(timeIntervalSince1970: 1_796_200_000),
            routingReason: "whole decision: ven_a, ven_b", vendorRoutingReason: "this shipment only", candidatesConsidered: 17,
            replaces: filled ? "sub_0" : nil, replacedBy: filled ? "sub_9" : nil, carrier: filled ? "DHL" : nil,
            trackingNumber: filled ? "JJD000" : nil, reason: filled ? "partly refused" : nil,
            deliveredAt: filled ? at.addingTimeInterval(3) : nil, createdAt: at, updatedAt: at.addingTimeInterval(0.5))
        if filled { suborder.reroutedTo = ["sub_7", "sub_8"] }
        return suborder
    }

    static let fulfillments: [Fulfillment] = [
        .delivery(Address(country: "DE", postalCode: "10115", latitude: 52.53, longitude: 13.38)),
        .delivery(Address(country: nil, postalCode: nil, latitude: nil, longitude: nil)),
        .delivery(Address(country: "FR", postalCode: "75001", latitude: 48.0, longitude: -2.5e-7)),
        .pickup(vendorId: "ven_a", location: "berlin"),
    ]

    @Test(arguments: fulfillments, [false, true])
    func bytesEqualTheTree(_ fulfillment: Fulfillment, _ filled: Bool) throws {
        let suborder = Self.suborder(fulfillment: fulfillment, filled: filled)
        for isVendor in [true, false] {
            var out = JSONOutput()
            suborder.write(to: &out, forVendor: isVendor)
            let expected = JSONWriter.bytes(suborder.json(forVendor: isVendor))
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test(arguments: fulfillments)
    func anEventFromBytesIsTheEventFromTheTree(_ fulfillment: Fulfillment) throws {
        let suborder = Self.suborder(fulfillment: fulfillment, filled: false)
        let now = Date(timeIntervalSince1970: 1_796_000_100)
        let fromBytes = Outbox.rows(
            [Outbox.Event(vendorId: "ven_a", type: "suborder.created", dataJSON: suborder.vendorJSONBytes)], now: now)
        let expected = JSONWriter.string([
            "type": "suborder.created", "timestamp": .string(RFC3339.format(now)), "data": suborder.vendorJSON,
        ])
        #expect(fromBytes.payloads == [expected])
        let fromTree = Outbox.rows([Outbox.Event(vendorId: "ven_a", type: "suborder.created", data: suborder.vendorJSON)], now: now)
        #expect(fromTree.payloads == [expected])
    }

    @Test func aPageOfSubordersIsOneValidDocument() throws {
        let suborders = Self.fulfillments.map { Self.suborder(fulfillment: $0, filled: true) }
        var out = JSONOutput()
        out.beginObject()
        out.key("data")
        out.beginArray()
        for suborder in suborders { suborder.write(to: &out, forVendor: true) }
        out.endArray()
        out.key("next_cursor")
        out.string("abc")
        out.key("empty")
        out.beginArray()
        out.endArray()
        out.key("n")
        out.int(-42)
        out.endObject()
        let expected: JSONValue = [
            "data": .array(suborders.map(\.vendorJSON)), "next_cursor": "abc", "empty": .array([]), "n": .int(-42),
        ]
        #expect(out.bytes == JSONWriter.bytes(expected))
        // Valid JSON: it parses and writes back to the same bytes (a parsed 48.0 is an integer,
        // so the parsed tree itself is not compared with `expected`).
        #expect(JSONWriter.bytes(try JSONParser.parse(out.bytes)) == out.bytes)
    }
}
