import CommerceCore
import OrderCore
import Postgres

/// Units of one sku at one vendor location.
public struct StockUnits: Sendable, Hashable {
    public let vendorId: String
    public let location: String
    public let sku: String
    public var quantity: Int

    public init(vendorId: String, location: String, sku: String, quantity: Int) {
        self.vendorId = vendorId
        self.location = location
        self.sku = sku
        self.quantity = quantity
    }

    /// Sums units per (vendor, location, sku), sorted, so rows are always locked in one order.
    static func aggregate(_ units: [StockUnits]) -> [StockUnits] {
        var totals: [String: StockUnits] = [:]
        for unit in units {
            let key = "\(unit.vendorId)\u{0}\(unit.location)\u{0}\(unit.sku)"
            if totals[key] == nil {
                totals[key] = unit
            } else {
                totals[key]!.quantity += unit.quantity
            }
        }
        return totals.keys.sorted().map { totals[$0]! }
    }
}

/// Reserving, releasing and consuming stock.
///
/// Deadlock freedom: every transaction takes its stock row locks in one global order,
/// (vendor, location, sku), in a single sorted `SELECT … FOR UPDATE` before it changes
/// anything; a path that touches stock more than once (rerouting, cancelling a whole order)
/// locks everything it may touch up front. The guarded update and the `stock_not_oversold`
/// CHECK stay as the last line of defence.
enum StockReservations {
    typealias Key = String

    static func key(_ vendorId: String, _ location: String, _ sku: String) -> Key { "\(vendorId)\u{0}\(location)\u{0}\(sku)" }

    /// Locks the rows of `items` in the global order; returns what each still has available.
    @discardableResult
    static func lock(_ tx: Transaction, _ items: [StockUnits]) async throws -> [Key: Int] {
        guard !items.isEmpty else { return [:] }
        let (vendors, locations, skus, _) = columns(items)
        let locked = try await tx.query(
            """
            SELECT s.vendor_id, s.location, s.sku, s.on_hand - s.reserved AS available
            FROM stock s JOIN unnest($1::text[], $2::text[], $3::text[]) AS r(vendor_id, location, sku)
                 ON s.vendor_id = r.vendor_id AND s.location = r.location AND s.sku = r.sku
            ORDER BY s.vendor_id, s.location, s.sku
            FOR UPDATE OF s
            """, [vendors, locations, skus])
        var available: [Key: Int] = [:]
        for row in locked.rows {
            available[key(try row.string("vendor_id"), try row.string("location"), try row.string("sku"))] =
                try row.int("available")
        }
        return available
    }

    /// Locks every stock row of these skus, at every vendor, in the global order: for paths
    /// that release and then reserve elsewhere within one transaction.
    static func lockAll(_ tx: Transaction, skus: [String]) async throws {
        guard !skus.isEmpty else { return }
        try await tx.query(
            """
            SELECT 1 FROM stock WHERE sku = ANY($1)
            ORDER BY vendor_id, location, sku
            FOR UPDATE
            """, [Array(Set(skus))])
    }

    /// Reserves every unit or nothing, in one statement. Returns false when some row no longer
    /// has the units (another order won the race): the caller plans again against fresh stock.
    static func reserve(_ tx: Transaction, _ units: [StockUnits]) async throws -> Bool {
        guard !StockUnits.aggregate(units).isEmpty else { return true }
        let result = try await tx.execute("WITH \(guardedReserveCTEs(units)) SELECT ok FROM verdict")
        return try result.first?.bool("ok") ?? false
    }

    /// The one reservation step, as CTEs for a larger statement (a new order reserves and writes
    /// itself in one round trip): lock the rows in the global order, decide in `verdict.ok`
    /// whether every one still has its units, and only then reserve them. Statements that write
    /// more guard those writes with `verdict`.
    static func guardedReserveCTEs(_ units: [StockUnits]) -> SQLQuery {
        let (vendors, locations, skus, quantities) = columns(StockUnits.aggregate(units))
        return """
            want AS (
                SELECT * FROM unnest(\(vendors)::text[], \(locations)::text[], \(skus)::text[], \(quantities)::int[])
                    AS w(vendor_id, location, sku, q)
            ), locked AS MATERIALIZED (
                SELECT s.vendor_id, s.location, s.sku, s.on_hand - s.reserved AS available
                FROM stock s JOIN want w ON s.vendor_id = w.vendor_id AND s.location = w.location AND s.sku = w.sku
                ORDER BY s.vendor_id, s.location, s.sku
                FOR UPDATE OF s
            ), verdict AS MATERIALIZED (
                SELECT count(l.sku) = (SELECT count(*) FROM want) AND coalesce(bool_and(l.available >= w.q), false) AS ok
                FROM want w LEFT JOIN locked l ON l.vendor_id = w.vendor_id AND l.location = w.location AND l.sku = w.sku
            ), reserve AS (
                UPDATE stock s SET reserved = s.reserved + w.q, updated_at = now()
                FROM want w, verdict v
                WHERE v.ok AND s.vendor_id = w.vendor_id AND s.location = w.location AND s.sku = w.sku
            )
            """
    }

    /// Gives reserved units back (reject, expiry, cancel).
    static func release(_ tx: Transaction, _ units: [StockUnits]) async throws {
        let items = StockUnits.aggregate(units)
        guard !items.isEmpty else { return }
        try await lock(tx, items)
        let (vendors, locations, skus, quantities) = columns(items)
        try await tx.query(
            """
            UPDATE stock s SET reserved = greatest(s.reserved - r.q, 0), updated_at = now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS r(vendor_id, location, sku, q)
            WHERE s.vendor_id = r.vendor_id AND s.location = r.location AND s.sku = r.sku
            """, [vendors, locations, skus, quantities])
    }

    /// Shipping: the units leave the building, so on-hand and the reservation both drop.
    static func consume(_ tx: Transaction, _ units: [StockUnits]) async throws {
        let items = StockUnits.aggregate(units)
        guard !items.isEmpty else { return }
        try await lock(tx, items)
        let (vendors, locations, skus, quantities) = columns(items)
        try await tx.query(
            """
            UPDATE stock s SET on_hand = s.on_hand - r.q, reserved = s.reserved - r.q, updated_at = now()
            FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS r(vendor_id, location, sku, q)
            WHERE s.vendor_id = r.vendor_id AND s.location = r.location AND s.sku = r.sku
            """, [vendors, locations, skus, quantities])
    }

    private static func columns(_ items: [StockUnits]) -> ([String], [String], [String], [Int]) {
        (items.map(\.vendorId), items.map(\.location), items.map(\.sku), items.map(\.quantity))
    }
}

extension Suborder {
    /// The units it holds in stock; a line refused whole (quantity 0) holds none.
    var stockUnits: [StockUnits] {
        lines.filter { $0.quantity > 0 }.map { StockUnits(vendorId: vendorId, location: location, sku: $0.sku, quantity: $0.quantity) }
    }
}
