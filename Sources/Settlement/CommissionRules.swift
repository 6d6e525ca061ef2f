import CommerceCore
import Postgres

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

public enum CommissionRuleStore {
    /// Upsert on the (vendor, category) pair; returns whether the rule is new.
    public static func upsert(_ db: any Queryable, _ rule: CommissionRule) async throws -> (CommissionRule, created: Bool) {
        let result = try await db.query(
            """
            INSERT INTO commission_rules (vendor_id, category, rate_bps) VALUES ($1, $2, $3)
            ON CONFLICT (vendor_id, category) DO UPDATE SET rate_bps = EXCLUDED.rate_bps, updated_at = now()
            RETURNING (xmax = 0) AS created
            """, [rule.vendorId, rule.category, rule.rateBps])
        return (rule, try result.first?.bool("created") ?? false)
    }
}
