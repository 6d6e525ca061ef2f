import CommerceCore
public import Foundation
public import OrderCore
public import Postgres
public import VendorRouting

/// Order placement for any customer: a member of an organization gets its negotiated prices
/// and its approval limit, then the ordinary placement decides (`OrderPlacement.place`).
public enum BuyerPlacement {
    /// `endsTransaction`: the caller runs nothing after it (`OrderPlacement.place` says what
    /// that allows).
    public static func place(
        _ tx: Transaction, _ request: OrderRequest, cartId: String? = nil, now: Date = Date(), endsTransaction: Bool = false
    ) async throws -> Order {
        var request = request
        let skus = Array(Set(request.lines.map(\.sku)))
        // The same statements on every order, each read by index: planned once per connection.
        try await tx.preferGenericPlans()
        // The buyer's terms and the candidates' stock do not depend on each other: one round trip.
        let reads = try await tx.queries([
            OrganizationStore.buyerTermsStatement(customerId: request.customerId, skus: skus),
            OrderPlacement.stockOffersStatement(request),
        ])
        let terms = try OrganizationStore.decodeBuyerTerms(reads[0])
        if let terms {
            request.priceBook = terms.priceBook(forOrderCurrency: request.currency)
            request.approvalLimit = terms.approvalLimit
        }
        let tags = cartId != nil || terms != nil
        var order = try await OrderPlacement.place(
            tx, request, offers: try CandidateStore.decodeStockOffers(reads[1]), now: now, endsTransaction: endsTransaction && !tags)
        if tags {
            try await OrderStore.tag(tx, orderId: order.id, cartId: cartId, organizationId: terms?.organizationId)
            order.cartId = cartId
            order.organizationId = terms?.organizationId
        }
        return order
    }

    /// The routing quote of the order as this customer would place it: a member's negotiated
    /// prices apply as at checkout (an approval limit does not change the plan).
    public static func quote(_ db: any Queryable, _ request: OrderRequest, now: Date = Date()) async throws -> RoutingQuote {
        var request = request
        _ = try await applyTerms(db, &request)
        return try await OrderPlacement.quote(db, request, now: now)
    }

    static func applyTerms(_ db: any Queryable, _ request: inout OrderRequest) async throws -> BuyerTerms? {
        let terms = try await OrganizationStore.buyerTerms(db, customerId: request.customerId, skus: Array(Set(request.lines.map(\.sku))))
        if let terms {
            request.priceBook = terms.priceBook(forOrderCurrency: request.currency)
            request.approvalLimit = terms.approvalLimit
        }
        return terms
    }
}
