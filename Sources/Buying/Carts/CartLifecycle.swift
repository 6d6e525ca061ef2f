public import BuyingCore
import CommerceCore
public import Foundation
public import OrderCore
public import Postgres
public import VendorRouting

/// What a route asks of carts; each call runs inside the caller's one transaction.
///
/// `channel` is the channel the change counts for in `channels`: a channel key's own channel,
/// nil for an operator (an operator's change names no channel), except at checkout, where the
/// operator names the channel the order is placed for and that channel counts.
public enum CartLifecycle {
    public static func create(
        _ tx: Transaction, customerId: String, customerEmail: String?, currency: String, fulfillment: Fulfillment?,
        channel: String?, now: Date = Date()
    ) async throws -> Cart {
        if case .pickup = fulfillment {
            let probe = CartLine(sku: "", quantity: 0, fulfillment: fulfillment, vendorId: nil, maxUnitPrice: nil)
            let errors = try await CartStore.referenceErrors(tx, probe).filter { $0.field != "sku" }
            guard errors.isEmpty else { throw DomainError.validation(errors) }
        }
        let cart = Cart(
            id: Identifier.make("cart"), customerId: customerId, customerEmail: customerEmail, currency: currency,
            fulfillment: fulfillment, status: .open, lines: [], channels: CartRules.channels([], afterChangeBy: channel),
            orderId: nil, createdAt: now, updatedAt: now)
        try await CartStore.insert(tx, cart)
        return cart
    }

    public static func setLine(_ tx: Transaction, cartId: String, _ line: CartLine, channel: String?, now: Date = Date()) async throws
        -> Cart
    {
        guard let cart = try await CartStore.cart(tx, id: cartId, forUpdate: true) else { throw DomainError.notFound("Cart \(cartId)") }
        try CartRules.requireOpen(cart)
        var errors = try await CartStore.referenceErrors(tx, line)
        if let problem = CartRules.problem(setting: line.sku, quantity: line.quantity, in: cart.lines) { errors.append(problem) }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        try await CartStore.setLine(tx, cartId: cartId, line)
        try await CartStore.touch(tx, cartId: cartId, channels: CartRules.channels(cart.channels, afterChangeBy: channel), now: now)
        guard let updated = try await CartStore.cart(tx, id: cartId) else { throw DomainError.notFound("Cart \(cartId)") }
        return updated
    }

    /// Places the cart's order through the ordinary placement (negotiated prices and approval
    /// limits included) and closes the cart, in the caller's transaction: an order that fails
    /// leaves the cart open, and the cart row lock makes a second checkout wait and then see
    /// the cart checked out (409).
    public static func checkout(
        _ tx: Transaction, cartId: String, orderChannel: String, deliverBy: Date?, fulfillment override: Fulfillment?,
        now: Date = Date()
    ) async throws -> Order {
        // Placement's setting, before the cart lock, so that it leaves with the BEGIN.
        try await tx.preferGenericPlans()
        guard let cart = try await CartStore.cart(tx, id: cartId, forUpdate: true) else { throw DomainError.notFound("Cart \(cartId)") }
        try CartRules.requireOpen(cart)
        let request = try orderRequest(cart, channel: orderChannel, deliverBy: deliverBy, fulfillment: override)
        let order = try await BuyerPlacement.place(tx, request, cartId: cart.id, now: now)
        try await CartStore.markCheckedOut(
            tx, cartId: cart.id, orderId: order.id, channels: CartRules.channels(cart.channels, afterChangeBy: orderChannel), now: now)
        return order
    }

    /// The routing quote of the cart as it would be checked out now (`POST /v1/carts/{id}/quote`),
    /// reading only. A checked-out cart can still be quoted: a quote changes nothing.
    public static func quote(
        _ db: any Queryable, cartId: String, channel: String?, deliverBy: Date?, now: Date = Date()
    ) async throws -> RoutingQuote {
        guard let cart = try await CartStore.cart(db, id: cartId) else { throw DomainError.notFound("Cart \(cartId)") }
        let request = try orderRequest(cart, channel: channel ?? "", deliverBy: deliverBy, fulfillment: nil)
        return try await BuyerPlacement.quote(db, request, now: now)
    }

    /// The order a checkout of `cart` places: 422 for an empty cart or one without a fulfilment.
    static func orderRequest(_ cart: Cart, channel: String, deliverBy: Date?, fulfillment override: Fulfillment?) throws -> OrderRequest {
        guard !cart.lines.isEmpty else { throw DomainError.validation(field: "lines", "the cart is empty; add a line first") }
        // A cart without a fulfilment of its own still places when every line has one.
        let linesOwn = cart.lines.allSatisfy { $0.fulfillment != nil } ? cart.lines.first?.fulfillment : nil
        guard let fulfillment = override ?? cart.fulfillment ?? linesOwn else {
            throw DomainError.validation(field: "fulfillment", "the cart has no fulfillment; give one with the checkout")
        }
        return OrderRequest(
            channel: channel, customerId: cart.customerId, customerEmail: cart.customerEmail, currency: cart.currency,
            fulfillment: fulfillment, deliverBy: deliverBy, lines: CartRules.requestedLines(cart, orderFulfillment: fulfillment))
    }

    /// A new open cart holding the order's lines less their cancelled units.
    public static func reorder(_ tx: Transaction, orderId: String, channel: String?, now: Date = Date()) async throws -> Cart {
        guard let order = try await OrderStore.order(tx, id: orderId) else { throw DomainError.notFound("Order \(orderId)") }
        let cart = Cart(
            id: Identifier.make("cart"), customerId: order.customerId, customerEmail: order.customerEmail,
            currency: order.currency, fulfillment: order.fulfillment, status: .open,
            lines: CartRules.reorderLines(order.lines), channels: CartRules.channels([], afterChangeBy: channel), orderId: nil,
            createdAt: now, updatedAt: now)
        try await CartStore.insert(tx, cart)
        return cart
    }
}
