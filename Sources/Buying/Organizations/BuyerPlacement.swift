import CommerceCore
import Foundation
import Postgres
import VendorRouting

/// Order placement for any customer: a member of an organization gets its negotiated prices
/// and its approval limit, then the ordinary placement decides (`OrderPlacement.place`).
public enum BuyerPlacement {
    public static func place(_ tx: Transaction, _ request: OrderRequest, cartId: String? = nil, now: Date = Date()) async throws -> Order {
        var request = request
        let terms = try await OrganizationStore.buyerTerms(tx, customerId: request.customerId, skus: Array(Set(request.lines.map(\.sku))))
        if let terms {
            request.priceBook = terms.priceBook(forOrderCurrency: request.currency)
            request.approvalLimit = terms.approvalLimit
        }
        var order = try await OrderPlacement.place(tx, request, now: now)
        if cartId != nil || terms != nil {
            try await OrderStore.tag(tx, orderId: order.id, cartId: cartId, organizationId: terms?.organizationId)
            order.cartId = cartId
            order.organizationId = terms?.organizationId
        }
        return order
    }
}
