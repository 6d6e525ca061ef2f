public import CommerceCore
import Foundation
public import Postgres

/// Reads of the catalog: one resource by its key, and newest-first lists with the contract's
/// filters. A filter left `nil` matches everything.
extension CatalogStore {
    // MARK: channels

    public static func channel(_ db: any Queryable, code: String) async throws -> Channel? {
        try await db.query("SELECT code, name, type FROM channels WHERE code = $1", [code]).first.map(decodeChannel)
    }

    public static func channels(_ db: any Queryable, type: ChannelType?, only code: String?, page: PageRequest) async throws
        -> Page<Channel>
    {
        let rows = try await db.query(
            """
            SELECT code, name, type, seq FROM channels
            WHERE seq < $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR code = $3)
            ORDER BY seq DESC LIMIT $4
            """, [try page.beforeSequence(), type?.rawValue, code, page.limit + 1]
        ).rows
        return .bySequence(try rows.map { (try decodeChannel($0), try $0.int64("seq")) }, limit: page.limit)
    }

    static func decodeChannel(_ row: Row) throws -> Channel {
        guard let type = ChannelType(rawValue: try row.string("type")) else {
            throw RowDecodingError(column: "type", reason: "unknown channel type")
        }
        return Channel(code: try row.string("code"), name: try row.string("name"), type: type)
    }

    // MARK: vendors

    public static func vendors(_ db: any Queryable, page: PageRequest) async throws -> Page<Vendor> {
        let rows = try await db.query(
            """
            SELECT id, name, commission_rate_bps, acceptance_window_seconds, ship_window_seconds, seq FROM vendors
            WHERE seq < $1 ORDER BY seq DESC LIMIT $2
            """, [try page.beforeSequence(), page.limit + 1]
        ).rows
        return .bySequence(try rows.map { (try decodeVendor($0), try $0.int64("seq")) }, limit: page.limit)
    }

    static func decodeVendor(_ row: Row) throws -> Vendor {
        Vendor(
            id: try row.string("id"), name: try row.string("name"),
            commissionRateBps: try row.optionalInt("commission_rate_bps"),
            acceptanceWindowSeconds: try row.int("acceptance_window_seconds"),
            shipWindowSeconds: try row.int("ship_window_seconds"))
    }

    // MARK: products

    public static func product(_ db: any Queryable, sku: String) async throws -> Product? {
        try await db.query("SELECT sku, title, category FROM products WHERE sku = $1", [sku]).first.map(decodeProduct)
    }

    public static func products(_ db: any Queryable, category: String?, page: PageRequest) async throws -> Page<Product> {
        let rows = try await db.query(
            """
            SELECT sku, title, category, seq FROM products
            WHERE seq < $1 AND ($2::text IS NULL OR category = $2)
            ORDER BY seq DESC LIMIT $3
            """, [try page.beforeSequence(), category, page.limit + 1]
        ).rows
        return .bySequence(try rows.map { (try decodeProduct($0), try $0.int64("seq")) }, limit: page.limit)
    }

    static func decodeProduct(_ row: Row) throws -> Product {
        Product(sku: try row.string("sku"), title: try row.string("title"), category: try row.string("category"))
    }

    // MARK: locations

    static let locationColumns =
        "vendor_id, code, name, type, country, postal_code, latitude, longitude, handling_seconds, pickup"

    public static func location(_ db: any Queryable, vendorId: String, code: String) async throws -> Location? {
        try await db.query(
            "SELECT \(locationColumns) FROM locations WHERE vendor_id = $1 AND code = $2", [vendorId, code]
        ).first.map(decodeLocation)
    }

    public static func locations(_ db: any Queryable, vendorId: String, pickup: Bool?, page: PageRequest) async throws
        -> Page<Location>
    {
        let rows = try await db.query(
            """
            SELECT \(locationColumns), seq FROM locations
            WHERE vendor_id = $1 AND seq < $2 AND ($3::boolean IS NULL OR pickup = $3)
            ORDER BY seq DESC LIMIT $4
            """, [vendorId, try page.beforeSequence(), pickup, page.limit + 1]
        ).rows
        return .bySequence(try rows.map { (try decodeLocation($0), try $0.int64("seq")) }, limit: page.limit)
    }

    static func decodeLocation(_ row: Row) throws -> Location {
        guard let type = LocationType(rawValue: try row.string("type")) else {
            throw RowDecodingError(column: "type", reason: "unknown location type")
        }
        return Location(
            vendorId: try row.string("vendor_id"), code: try row.string("code"), name: try row.string("name"), type: type,
            country: try row.string("country"), postalCode: try row.optionalString("postal_code"),
            latitude: try row.double("latitude"), longitude: try row.double("longitude"),
            handlingSeconds: try row.int("handling_seconds"), pickup: try row.bool("pickup"))
    }

    // MARK: offers

    public static func offer(_ db: any Queryable, vendorId: String, sku: String) async throws -> Offer? {
        try await db.query(
            "SELECT vendor_id, sku, unit_price, currency, active FROM offers WHERE vendor_id = $1 AND sku = $2",
            [vendorId, sku]
        ).first.map(decodeOffer)
    }

    public static func offers(
        _ db: any Queryable, vendorId: String, active: Bool?, currency: String?, page: PageRequest
    ) async throws -> Page<Offer> {
        let rows = try await db.query(
            """
            SELECT vendor_id, sku, unit_price, currency, active, seq FROM offers
            WHERE vendor_id = $1 AND seq < $2 AND ($3::boolean IS NULL OR active = $3)
              AND ($4::text IS NULL OR currency = $4)
            ORDER BY seq DESC LIMIT $5
            """, [vendorId, try page.beforeSequence(), active, currency, page.limit + 1]
        ).rows
        return .bySequence(try rows.map { (try decodeOffer($0), try $0.int64("seq")) }, limit: page.limit)
    }

    static func decodeOffer(_ row: Row) throws -> Offer {
        Offer(
            vendorId: try row.string("vendor_id"), sku: try row.string("sku"), unitPrice: try row.int64("unit_price"),
            currency: try row.string("currency"), active: try row.bool("active"))
    }
}
