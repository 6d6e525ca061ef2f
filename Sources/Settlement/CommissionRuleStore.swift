public import CommerceCore
public import Postgres
public import SettlementCore

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

extension CommissionRuleStore {
    /// The rules that can apply to lines of these vendors and categories.
    /// Rules, newest first by creation (`GET /v1/commission-rules`); `nil` filters match all.
    public static func list(_ db: any Queryable, vendorId: String?, category: String?, page: PageRequest) async throws
        -> Page<CommissionRule>
    {
        let rows = try await db.query(
            """
            SELECT vendor_id, category, rate_bps, id FROM commission_rules
            WHERE id < $1 AND ($2::text IS NULL OR vendor_id = $2) AND ($3::text IS NULL OR category = $3)
            ORDER BY id DESC LIMIT $4
            """, [try page.beforeSequence(), vendorId, category, page.limit + 1]
        ).rows
        let fetched = try rows.map {
            (
                CommissionRule(
                    vendorId: try $0.optionalString("vendor_id"), category: try $0.optionalString("category"),
                    rateBps: try $0.int("rate_bps")), try $0.int64("id")
            )
        }
        return .bySequence(fetched, limit: page.limit)
    }

    public static func rules(_ db: any Queryable, vendorIds: [String], categories: [String]) async throws -> [CommissionRule] {
        guard !vendorIds.isEmpty || !categories.isEmpty else { return [] }
        return try await db.query(
            """
            SELECT vendor_id, category, rate_bps FROM commission_rules
            WHERE vendor_id = ANY ($1::text[]) OR category = ANY ($2::text[])
            """, [vendorIds, categories]
        ).rows.map {
            CommissionRule(
                vendorId: try $0.optionalString("vendor_id"), category: try $0.optionalString("category"),
                rateBps: try $0.int("rate_bps"))
        }
    }
}

/// Fixes the commission rate on suborder lines: once set, a line's rate never changes, so a
/// refund reverses commission at the rate its sale was charged.
public enum CommissionRates {
    /// Sets the rate of every line of `suborderId` that has none yet (call it in the transaction
    /// that delivers the suborder). Returns the rates now stored, by line id.
    @discardableResult
    public static func fixForSuborder(_ tx: Transaction, suborderId: String, defaultBps: Int) async throws -> [String: Int] {
        let lines = try await tx.query(lineSelect + " WHERE l.suborder_id = $1 ORDER BY l.id", [suborderId])
        return try await fix(tx, lines: lines, defaultBps: defaultBps)
    }

    /// Sets the rate of each of these lines that has none yet, from the rules in force now, and
    /// returns every line's stored rate.
    public static func fix(_ tx: Transaction, lineIds: [String], defaultBps: Int) async throws -> [String: Int] {
        guard !lineIds.isEmpty else { return [:] }
        return try await fix(
            tx, lines: try await tx.query(lineSelect + " WHERE l.id = ANY ($1::text[]) ORDER BY l.id", [lineIds]),
            defaultBps: defaultBps)
    }

    static let lineSelect = """
        SELECT l.id, l.vendor_id, p.category, v.commission_rate_bps AS vendor_rate, l.commission_rate_bps
        FROM suborder_lines l
        JOIN vendors v ON v.id = l.vendor_id
        LEFT JOIN products p ON p.sku = l.sku
        """

    /// Resolves a rate for each line without one and stores it. A line whose rate another
    /// transaction fixed first keeps that rate (`coalesce` re-reads the row after waiting for its
    /// lock), and the stored rates are what this returns.
    private static func fix(_ tx: Transaction, lines: QueryResult, defaultBps: Int) async throws -> [String: Int] {
        var rates: [String: Int] = [:]
        var missing: [(id: String, vendorId: String, category: String?, vendorRate: Int?)] = []
        for row in lines.rows {
            let id = try row.string("id")
            if let fixed = try row.optionalInt("commission_rate_bps") {
                rates[id] = fixed
            } else {
                missing.append(
                    (id, try row.string("vendor_id"), try row.optionalString("category"), try row.optionalInt("vendor_rate")))
            }
        }
        guard !missing.isEmpty else { return rates }
        let rules = CommissionRuleSet(
            try await CommissionRuleStore.rules(
                tx, vendorIds: Array(Set(missing.map(\.vendorId))).sorted(),
                categories: Array(Set(missing.compactMap(\.category))).sorted()))
        let resolved = missing.map {
            rules.resolve(vendorId: $0.vendorId, category: $0.category, vendorRateBps: $0.vendorRate, defaultBps: defaultBps).rateBps
        }
        let stored = try await tx.query(
            """
            UPDATE suborder_lines l SET commission_rate_bps = coalesce(l.commission_rate_bps, u.rate)
            FROM unnest($1::text[], $2::int[]) AS u(id, rate)
            WHERE l.id = u.id
            RETURNING l.id, l.commission_rate_bps
            """, [missing.map(\.id), resolved])
        for row in stored.rows { rates[try row.string("id")] = try row.int("commission_rate_bps") }
        return rates
    }
}
