import Foundation
public import VendorRouting

/// What membership changes about a customer's order: the organization's negotiated prices and
/// the member's approval limit (pure).
public struct BuyerTerms: Sendable, Equatable {
    public let organizationId: String
    /// The organization's currency: negotiated prices and the limit are in it.
    public let currency: String
    public let orderLimit: Int64?
    /// Negotiated prices of the skus in question: sku → vendor id → unit price.
    public let prices: [String: [String: Int64]]

    public init(organizationId: String, currency: String, orderLimit: Int64?, prices: [String: [String: Int64]]) {
        self.organizationId = organizationId
        self.currency = currency
        self.orderLimit = orderLimit
        self.prices = prices
    }

    /// The prices that apply to an order in `orderCurrency`: none unless it is the
    /// organization's currency (a price in EUR says nothing about an offer in USD).
    public func priceBook(forOrderCurrency orderCurrency: String) -> PriceBook {
        orderCurrency == currency ? PriceBook(prices) : PriceBook()
    }

    public var approvalLimit: ApprovalLimit? {
        orderLimit.map { ApprovalLimit(orderLimit: $0, currency: currency) }
    }
}
