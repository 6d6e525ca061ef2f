import BuyingCore
import CommerceCore
public import Foundation
public import OrderCore
public import Postgres
import VendorRouting

/// Approve, decline and cancel orders held for approval. Each locks the order row first, so
/// two approvers racing are serialised: the second finds the order no longer pending (409).
public enum OrderApproval {
    public static func approve(_ tx: Transaction, orderId: String, approverId: String, now: Date = Date()) async throws -> Order {
        let order = try await lockedPending(tx, orderId: orderId, approverId: approverId)
        let prices = try await OrganizationStore.priceTable(
            tx, organizationId: order.organizationId ?? "", skus: Array(Set(order.lines.map(\.sku))))
        let organization = try await OrganizationStore.organization(tx, id: order.organizationId ?? "")
        let book = organization?.currency == order.currency ? PriceBook(prices) : PriceBook()
        let routed = try await HeldOrders.route(tx, order, priceBook: book, now: now)
        try await ApprovalStore.record(
            tx, orderId: orderId, status: OrderStatus.open.rawValue, approverId: approverId, reason: nil, now: now)
        return routed
    }

    public static func decline(_ tx: Transaction, orderId: String, approverId: String, reason: String, now: Date = Date()) async throws
        -> Order
    {
        var order = try await lockedPending(tx, orderId: orderId, approverId: approverId)
        try await OrderStore.setStatus(tx, orderId: orderId, .declined)
        try await ApprovalStore.record(
            tx, orderId: orderId, status: OrderStatus.declined.rawValue, approverId: approverId, reason: reason, now: now)
        order.status = .declined
        return order
    }

    /// `POST /v1/orders/{id}/cancel`: a held order is cancelled whole (it reserved nothing);
    /// any other goes through the suborder cancellation. An order that waited for approval
    /// records its cancellation for the timeline.
    public static func cancel(_ tx: Transaction, orderId: String, reason: String?, now: Date = Date()) async throws -> Order {
        guard try await OrderStore.lockOrder(tx, id: orderId), let order = try await OrderStore.order(tx, id: orderId) else {
            throw DomainError.notFound("Order \(orderId)")
        }
        if order.status == .pendingApproval {
            try await OrderStore.cancelHeld(tx, orderId: orderId)
            try await ApprovalStore.record(
                tx, orderId: orderId, status: OrderStatus.cancelled.rawValue, approverId: nil, reason: reason, now: now)
            guard let cancelled = try await OrderStore.order(tx, id: orderId) else { throw DomainError.notFound("Order \(orderId)") }
            return cancelled
        }
        let cancelled = try await SuborderLifecycle.cancelOrder(tx, orderId: orderId, reason: reason, now: now)
        if cancelled.status == .cancelled, try await ApprovalStore.waitedForApproval(tx, orderId: orderId) {
            try await ApprovalStore.record(
                tx, orderId: orderId, status: OrderStatus.cancelled.rawValue, approverId: nil, reason: reason, now: now)
        }
        return cancelled
    }

    /// The order, locked, when it awaits approval and `approverId` may decide it.
    static func lockedPending(_ tx: Transaction, orderId: String, approverId: String) async throws -> Order {
        guard try await OrderStore.lockOrder(tx, id: orderId), let order = try await OrderStore.order(tx, id: orderId) else {
            throw DomainError.notFound("Order \(orderId)")
        }
        guard order.status == .pendingApproval else {
            throw DomainError.invalidTransition("Order \(orderId) is \(order.status.rawValue), not pending_approval.")
        }
        guard let organizationId = order.organizationId,
            try await OrganizationStore.role(tx, organizationId: organizationId, customerId: approverId) == .approver
        else {
            throw DomainError.validation(field: "approver_id", "'\(approverId)' is not an approver of the order's organization")
        }
        return order
    }
}
