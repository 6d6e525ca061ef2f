public import CommerceCore
import Foundation
public import Postgres

/// `GET /v1/vendors/{vendor_id}/scorecard` (API.md v1.2): how a vendor decided and shipped
/// its suborders created in the last `days` days, computed from the suborders themselves.
public struct VendorScorecard: Sendable, JSONRepresentable {
    public static let defaultDays = 30
    public static let maxDays = 365

    public let vendorId: String
    public let days: Int
    public let accepted: Int
    public let rejected: Int
    public let expired: Int
    public let shipped: Int
    public let shippedOnTime: Int
    public let medianAcceptSeconds: Double?

    public var decided: Int { accepted + rejected + expired }
    public var acceptanceRate: Double? { decided == 0 ? nil : Double(accepted) / Double(decided) }
    public var onTimeShipRate: Double? { shipped == 0 ? nil : Double(shippedOnTime) / Double(shipped) }

    public var json: JSONValue {
        [
            "vendor_id": .string(vendorId), "days": .int(Int64(days)), "decided": .int(Int64(decided)),
            "accepted": .int(Int64(accepted)), "rejected": .int(Int64(rejected)), "expired": .int(Int64(expired)),
            "acceptance_rate": .from(acceptanceRate), "shipped": .int(Int64(shipped)),
            "shipped_on_time": .int(Int64(shippedOnTime)), "on_time_ship_rate": .from(onTimeShipRate),
            "median_accept_seconds": .from(medianAcceptSeconds),
        ]
    }
}

public enum ScorecardStore {
    /// One statement over the vendor's suborders created in the window: an index-only scan of
    /// `suborders_scorecard` (vendor_id, created_at) INCLUDE (status, accepted_at, shipped_at,
    /// ship_by). A suborder ever accepted (accepted_at set) counts as accepted, whatever
    /// happened after; rejected and expired are final.
    public static let sql = """
        SELECT count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE accepted_at IS NULL AND status = 'rejected') AS rejected,
               count(*) FILTER (WHERE accepted_at IS NULL AND status = 'expired') AS expired,
               count(*) FILTER (WHERE shipped_at IS NOT NULL) AS shipped,
               count(*) FILTER (WHERE shipped_at <= ship_by) AS shipped_on_time,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - created_at))
                   FILTER (WHERE accepted_at IS NOT NULL) AS median_accept_seconds
        FROM suborders
        WHERE vendor_id = $1 AND created_at >= now() - make_interval(days => $2)
        """

    public static func scorecard(_ db: any Queryable, vendorId: String, days: Int) async throws -> VendorScorecard {
        let row = try await db.query(sql, [vendorId, days]).first
        func count(_ column: Column) throws -> Int { try row?.optionalInt(column) ?? 0 }
        var median: Double?
        if let row, !(try row.isNull("median_accept_seconds")) { median = try row.double("median_accept_seconds") }
        return VendorScorecard(
            vendorId: vendorId, days: days, accepted: try count("accepted"), rejected: try count("rejected"),
            expired: try count("expired"), shipped: try count("shipped"), shippedOnTime: try count("shipped_on_time"),
            medianAcceptSeconds: median)
    }
}
