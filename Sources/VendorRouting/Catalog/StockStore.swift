public import CommerceCore
import Foundation
public import Postgres

/// Absolute stock counts per (vendor, location, sku) and their reads.
public enum StockStore {
    /// Sets on-hand counts, all items or none. Each bad item is named by its index.
    /// Existing rows are locked first, so a concurrent reservation cannot slip between the
    /// check that on-hand stays at or above what is reserved and the write.
    /// `items` are the well-formed items keyed by their index in the request; `shapeErrors`
    /// are the problems already found in the others, so one 422 names every bad item.
    public static func setStock(
        _ tx: Transaction, vendorId: String, items indexed: [(index: Int, item: StockItem)], shapeErrors: [FieldError] = []
    ) async throws -> Int {
        var errors = shapeErrors
        var seen: [String: Int] = [:]
        let items = indexed.map(\.item)
        for (position, item) in items.enumerated() {
            let i = indexed[position].index
            let key = "\(item.location)\u{0}\(item.sku)"
            if let first = seen[key] {
                errors.append(FieldError("items[\(i)]", "repeats location '\(item.location)' and sku '\(item.sku)' of items[\(first)]"))
            } else {
                seen[key] = i
            }
        }
        let locations = items.map(\.location)
        let skus = items.map(\.sku)
        let counts = items.map(\.onHand)
        let check = try await tx.query(
            """
            SELECT i.ord - 1 AS idx,
                   (l.code IS NOT NULL) AS location_ok,
                   (p.sku IS NOT NULL) AS sku_ok,
                   coalesce(s.reserved, 0) AS reserved
            FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS i(location, sku, on_hand, ord)
            LEFT JOIN locations l ON l.vendor_id = $1 AND l.code = i.location
            LEFT JOIN products p ON p.sku = i.sku
            LEFT JOIN LATERAL (
                SELECT reserved FROM stock
                WHERE vendor_id = $1 AND location = i.location AND sku = i.sku
                FOR UPDATE
            ) s ON true
            ORDER BY i.ord
            """, [vendorId, locations, skus, counts])
        for row in check.rows {
            let position = try row.int("idx")
            let index = indexed[position].index
            if !(try row.bool("location_ok")) {
                errors.append(FieldError("items[\(index)].location", "no location '\(items[position].location)' for this vendor"))
            }
            if !(try row.bool("sku_ok")) {
                errors.append(FieldError("items[\(index)].sku", "unknown sku '\(items[position].sku)'"))
            }
            let reserved = try row.int("reserved")
            if items[position].onHand < reserved {
                errors.append(
                    FieldError("items[\(index)].on_hand", "must be at least the \(reserved) units already reserved"))
            }
        }
        guard errors.isEmpty else {
            throw DomainError.validation(
                errors, detail: "No stock was changed: " + errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
        }
        try await tx.query(
            """
            INSERT INTO stock (vendor_id, location, sku, on_hand)
            SELECT $1, i.location, i.sku, i.on_hand
            FROM unnest($2::text[], $3::text[], $4::int[]) AS i(location, sku, on_hand)
            ON CONFLICT (vendor_id, location, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, updated_at = now()
            """, [vendorId, locations, skus, counts])
        return items.count
    }

    /// Stock rows of one vendor ordered by (location, sku), optionally for one sku.
    public static func list(_ db: any Queryable, vendorId: String, sku: String?, page: PageRequest) async throws
        -> Page<StockLevel>
    {
        let after = page.after ?? []
        guard after.isEmpty || after.count == 2 else {
            throw DomainError.validation(field: "after", "is not a cursor this list returned")
        }
        let result = try await db.query(
            """
            SELECT location, sku, on_hand, reserved FROM stock
            WHERE vendor_id = $1
              AND ($2::text IS NULL OR sku = $2)
              AND ($3::text IS NULL OR (location, sku) > ($3, $4))
            ORDER BY location, sku
            LIMIT $5
            """,
            [vendorId, sku, after.first, after.count > 1 ? after[1] : "", page.limit + 1])
        let levels = try result.rows.map {
            StockLevel(
                location: try $0.string("location"), sku: try $0.string("sku"), onHand: try $0.int("on_hand"),
                reserved: try $0.int("reserved"))
        }
        return Page(fetched: levels, limit: page.limit) { [$0.location, $0.sku] }
    }
}
