public import CommerceCore

/// A commission rule: a rate for a vendor, a category, or a vendor within a category.
public struct CommissionRule: Sendable, JSONRepresentable {
    public let vendorId: String?
    public let category: String?
    public let rateBps: Int

    public init(vendorId: String?, category: String?, rateBps: Int) {
        self.vendorId = vendorId
        self.category = category
        self.rateBps = rateBps
    }

    public var json: JSONValue {
        ["vendor_id": .from(vendorId), "category": .from(category), "rate_bps": .int(Int64(rateBps))]
    }
}

/// Where a line's commission rate came from, most specific first.
public enum CommissionRateSource: String, Sendable, CaseIterable {
    case vendorCategory = "vendor_category"
    case category
    case vendor
    case vendorRate = "vendor_rate"
    case `default`
}

public struct ResolvedRate: Sendable, Equatable {
    public let rateBps: Int
    public let source: CommissionRateSource

    public init(rateBps: Int, source: CommissionRateSource) {
        self.rateBps = rateBps
        self.source = source
    }
}

/// The commission rules in force, indexed for resolution. Pure: no I/O.
///
/// The most specific rule wins: (vendor, category) › category › vendor (a rule whose category
/// is null) › the vendor's own `commission_rate_bps` › the configured default.
public struct CommissionRuleSet: Sendable {
    private var byVendorAndCategory: [VendorCategory: Int] = [:]
    private var byCategory: [String: Int] = [:]
    private var byVendor: [String: Int] = [:]

    private struct VendorCategory: Hashable, Sendable {
        let vendorId: String
        let category: String
    }

    public init(_ rules: [CommissionRule]) {
        for rule in rules {
            switch (rule.vendorId, rule.category) {
            case (let vendorId?, let category?): byVendorAndCategory[VendorCategory(vendorId: vendorId, category: category)] = rule.rateBps
            case (nil, let category?): byCategory[category] = rule.rateBps
            case (let vendorId?, nil): byVendor[vendorId] = rule.rateBps
            case (nil, nil): continue  // the table refuses such a rule
            }
        }
    }

    /// The rate for a line of `vendorId` whose product is in `category` (nil when the product
    /// is unknown: only vendor-level rates can apply then).
    public func resolve(vendorId: String, category: String?, vendorRateBps: Int?, defaultBps: Int) -> ResolvedRate {
        if let category, let rate = byVendorAndCategory[VendorCategory(vendorId: vendorId, category: category)] {
            return ResolvedRate(rateBps: rate, source: .vendorCategory)
        }
        if let category, let rate = byCategory[category] { return ResolvedRate(rateBps: rate, source: .category) }
        if let rate = byVendor[vendorId] { return ResolvedRate(rateBps: rate, source: .vendor) }
        if let vendorRateBps { return ResolvedRate(rateBps: vendorRateBps, source: .vendorRate) }
        return ResolvedRate(rateBps: defaultBps, source: .default)
    }
}
