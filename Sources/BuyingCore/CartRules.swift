public import CommerceCore
import Foundation
public import OrderCore

/// The cart's rules, values in and values out (no SQL, no HTTP).
public enum CartRules {
    /// As many lines as an order may have, so every cart can be checked out.
    public static let maxLines = 200
    /// A line's quantity, as for order lines.
    public static let maxQuantity = 100_000

    /// `channels` after a change by `channel`: appended once, at its first change. An operator
    /// acting without a channel (nil) adds nothing.
    public static func channels(_ channels: [String], afterChangeBy channel: String?) -> [String] {
        guard let channel, !channels.contains(channel) else { return channels }
        return channels + [channel]
    }

    /// Why a line change cannot be made to a cart holding `lines`, or nil. Quantity 0 removes
    /// the line (also when there is none); a new sku needs room under `maxLines`.
    public static func problem(setting sku: String, quantity: Int, in lines: [CartLine]) -> FieldError? {
        guard quantity > 0, !lines.contains(where: { $0.sku == sku }) else { return nil }
        if lines.count >= maxLines {
            return FieldError("sku", "a cart holds at most \(maxLines) lines; remove one first")
        }
        return nil
    }

    /// A checked-out cart never changes again.
    public static func requireOpen(_ cart: Cart) throws {
        guard cart.status == .open else {
            throw DomainError.invalidTransition("Cart \(cart.id) was checked out; it can no longer change.")
        }
    }

    /// The order lines of a checkout (or quote), in the cart's order. A line keeps its own
    /// fulfilment (the v1.2 mixed cart); one equal to the order's is stored as the order's.
    public static func requestedLines(_ cart: Cart, orderFulfillment: Fulfillment) -> [RequestedLine] {
        cart.lines.map { line in
            RequestedLine(
                sku: line.sku, quantity: line.quantity, vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice,
                fulfillment: line.fulfillment == orderFulfillment ? nil : line.fulfillment)
        }
    }

    /// A reorder's lines: the order's lines less their cancelled units, one line per sku (the
    /// first line of a sku gives its constraints), lines with nothing left omitted.
    public static func reorderLines(_ lines: [OrderLine]) -> [CartLine] {
        var order: [String] = []
        var bySku: [String: CartLine] = [:]
        for line in lines.sorted(by: { $0.position < $1.position }) {
            let remaining = line.quantity - line.cancelledQuantity
            guard remaining > 0 else { continue }
            if let existing = bySku[line.sku] {
                bySku[line.sku] = CartLine(
                    sku: line.sku, quantity: min(existing.quantity + remaining, maxQuantity), fulfillment: existing.fulfillment,
                    vendorId: existing.vendorId, maxUnitPrice: existing.maxUnitPrice)
            } else {
                order.append(line.sku)
                bySku[line.sku] = CartLine(
                    sku: line.sku, quantity: min(remaining, maxQuantity), fulfillment: line.fulfillment, vendorId: line.vendorId,
                    maxUnitPrice: line.maxUnitPrice)
            }
        }
        return order.map { bySku[$0]! }
    }
}
