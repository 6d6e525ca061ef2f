import Foundation
public import RoutePlanning

/// Negotiated unit prices that replace offer prices before routing compares them (an
/// organization's prices for its members, API.md v1.2 "B2B buyers"). Empty by default, which
/// leaves every candidate as it is.
public struct PriceBook: Sendable, Equatable {
    /// sku → vendor id → unit price, in the currency of the order being routed.
    public let prices: [String: [String: Int64]]

    public init(_ prices: [String: [String: Int64]] = [:]) {
        self.prices = prices
    }

    public var isEmpty: Bool { prices.isEmpty }

    public func price(sku: String, vendorId: String) -> Int64? { prices[sku]?[vendorId] }

    /// The candidates with every offer that has a negotiated price repriced. Applied before
    /// planning, so the planner's "lowest total price" and `max_unit_price` see what the buyer
    /// pays, and the suborder lines carry it.
    public func apply(to candidates: [CandidateLocation]) -> [CandidateLocation] {
        guard !prices.isEmpty else { return candidates }
        return candidates.map { candidate in
            var repriced = candidate
            for (sku, offer) in candidate.offers {
                if let negotiated = price(sku: sku, vendorId: candidate.vendorId) {
                    repriced.offers[sku] = CandidateOffer(unitPrice: negotiated, available: offer.available)
                }
            }
            return repriced
        }
    }
}
