import CommerceCore
import Foundation
import Postgres
import VendorRouting

/// Order placement for any customer: a member of an organization gets its negotiated prices
/// and its approval limit, then the ordinary placement decides (`OrderPlacement.place`).
public enum BuyerPlacement {
    public static func place(_ tx: Transaction, _ request: OrderRequest, cartId: String? = nil, now: Date = Date()) async throws -> Order {
        var request = request
        let skus = Array(Set(request.lines.map(\.sku)))
        var onlyLocation: (vendorId: String, code: String)?
        if case .pickup(let vendorId, let location) = request.fulfillment { onlyLocation = (vendorId, location) }
        // The buyer's terms and the candidates' stock do not depend on each other: one round trip.
        let reads = try await tx.queries([
            OrganizationStore.buyerTermsStatement(customerId: request.customerId, skus: skus),
            CandidateStore.stockOffersStatement(skus: skus, currency: request.currency, onlyLocation: onlyLocation),
        ])
        let terms = try OrganizationStore.decodeBuyerTerms(reads[0])
        if let terms {
            request.priceBook = terms.priceBook(forOrderCurrency: request.currency)
            request.approvalLimit = terms.approvalLimit
        }
        var order = try await OrderPlacement.place(tx, request, offers: try CandidateStore.decodeStockOffers(reads[1]), now: now)
        if cartId != nil || terms != nil {
            try await OrderStore.tag(tx, orderId: order.id, cartId: cartId, organizationId: terms?.organizationId)
            order.cartId = cartId
            order.organizationId = terms?.organizationId
        }
        return order
    }
}
