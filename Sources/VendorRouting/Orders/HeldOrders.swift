import CommerceCore
import EventOutbox
public import Foundation
public import OrderCore
public import Postgres
import RoutePlanning

/// A member's `order_limit` (API.md v1.2 "B2B buyers"), in the organization's currency.
public struct ApprovalLimit: Sendable, Equatable {
    public let orderLimit: Int64
    public let currency: String

    public init(orderLimit: Int64, currency: String) {
        self.orderLimit = orderLimit
        self.currency = currency
    }

    /// Whether an order of `total` in `orderCurrency` must wait for an approver. A limit in one
    /// currency says nothing about a total in another, so such an order always waits.
    public func requiresApproval(total: Int64, currency orderCurrency: String) -> Bool {
        orderCurrency != currency || total > orderLimit
    }
}

/// Orders held for approval: written planned but unrouted (no suborders, nothing reserved),
/// and routed later when an approver approves them.
public enum HeldOrders {
    /// Called by placement once the plan is known: when the plan's total is over the buyer's
    /// limit, writes the order as `pending_approval` and returns it; otherwise nil and
    /// placement reserves as usual. An order that cannot be planned never gets here.
    static func holdIfOverLimit(
        _ tx: Transaction, _ request: OrderRequest, plan: RoutingPlan, orderId: String, lines: [OrderLine], now: Date
    ) async throws -> Order? {
        guard let limit = request.approvalLimit, limit.requiresApproval(total: plan.totalPrice, currency: request.currency) else {
            return nil
        }
        let order = Order(
            id: orderId, channel: request.channel, customerId: request.customerId, customerEmail: request.customerEmail,
            status: .pendingApproval, currency: request.currency, fulfillment: request.fulfillment,
            deliverBy: request.deliverBy, lines: lines, suborders: [], createdAt: now)
        try await OrderStore.insertHeld(tx, order)
        return order
    }

    /// Routes and reserves a held order now, against today's stock and `priceBook`, as placement
    /// would have: one suborder per shipment, `suborder.created` events, the order `open`.
    /// 409 `insufficient-stock` (naming `lines[i]`) when it cannot be routed as a whole; the
    /// caller's transaction then rolls back and the order stays as it was.
    public static func route(_ tx: Transaction, _ order: Order, priceBook: PriceBook, now: Date = Date()) async throws -> Order {
        let (fulfillments, index) = Routing.fulfillmentIndexes(order.lines.map { $0.fulfillment ?? order.fulfillment })
        let lines = order.lines.enumerated().map { i, line in
            PlanningLine(
                index: i, sku: line.sku, quantity: line.quantity, vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice,
                fulfillment: index[i])
        }
        let outcome = try await Routing.planAndReserve(
            tx, lines: lines, fulfillments: fulfillments, currency: order.currency, deliverBy: order.deliverBy,
            now: now, priceBook: priceBook, write: Routing.reserving(tx))
        switch outcome {
        case .unservable(let indexes):
            throw DomainError(
                .insufficientStock, "The order cannot be routed as a whole now; nothing was reserved and it still awaits approval.",
                errors: indexes.map { i in
                    FieldError("lines[\(i)]", "not enough stock for \(lines[i].quantity) × \(lines[i].sku) within the order's constraints")
                })
        case .contended:
            throw DomainError.conflict("Stock kept changing while the order was routed; try again.")
        case .routed(let routed):
            let suborders = Routing.suborders(
                from: routed.plan, orderId: order.id, currency: order.currency, orderLineIds: order.lines.map(\.id),
                fulfillments: fulfillments, windows: routed.windows, replaces: nil, now: now)
            try await OrderStore.insertSuborders(tx, suborders)
            try await Outbox.enqueue(
                tx, suborders.map { Outbox.Event(vendorId: $0.vendorId, type: "suborder.created", data: $0.vendorJSON) }, now: now)
            try await OrderStore.setStatus(tx, orderId: order.id, .open)
            var routed = order
            routed.status = .open
            routed.suborders = suborders
            return routed
        }
    }
}
