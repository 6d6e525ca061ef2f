import CommerceCore
import Foundation
public import Postgres

/// SQL for channels, vendors, products, locations and offers.
public enum CatalogStore {
    // MARK: channels

    public static func createChannel(_ db: any Queryable, _ channel: Channel) async throws -> Channel {
        let result = try await db.query(
            "INSERT INTO channels (code, name, type) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
            [channel.code, channel.name, channel.type.rawValue])
        guard result.affectedRows == 1 else {
            throw DomainError.conflict("A channel with code '\(channel.code)' already exists.")
        }
        return channel
    }

    public static func channelExists(_ db: any Queryable, code: String) async throws -> Bool {
        !(try await db.query("SELECT 1 FROM channels WHERE code = $1", [code]).isEmpty)
    }

    // MARK: vendors

    public static func createVendor(
        _ db: any Queryable, name: String, commissionRateBps: Int?, acceptanceWindowSeconds: Int?, shipWindowSeconds: Int?
    ) async throws -> Vendor {
        let vendor = Vendor(
            id: Identifier.make("ven"), name: name, commissionRateBps: commissionRateBps,
            acceptanceWindowSeconds: acceptanceWindowSeconds ?? Vendor.defaultAcceptanceWindowSeconds,
            shipWindowSeconds: shipWindowSeconds ?? Vendor.defaultShipWindowSeconds)
        try await db.query(
            """
            INSERT INTO vendors (id, name, commission_rate_bps, acceptance_window_seconds, ship_window_seconds)
            VALUES ($1, $2, $3, $4, $5)
            """,
            [vendor.id, vendor.name, vendor.commissionRateBps, vendor.acceptanceWindowSeconds, vendor.shipWindowSeconds])
        return vendor
    }

    public static func vendor(_ db: any Queryable, id: String) async throws -> Vendor? {
        let result = try await db.query(
            """
            SELECT id, name, commission_rate_bps, acceptance_window_seconds, ship_window_seconds
            FROM vendors WHERE id = $1
            """, [id])
        guard let row = result.first else { return nil }
        return Vendor(
            id: try row.string("id"), name: try row.string("name"),
            commissionRateBps: try row.optionalInt("commission_rate_bps"),
            acceptanceWindowSeconds: try row.int("acceptance_window_seconds"),
            shipWindowSeconds: try row.int("ship_window_seconds"))
    }

    public static func vendorExists(_ db: any Queryable, id: String) async throws -> Bool {
        !(try await db.query("SELECT 1 FROM vendors WHERE id = $1", [id]).isEmpty)
    }

    /// Throws not-found unless the vendor exists (path parameters).
    public static func requireVendor(_ db: any Queryable, id: String) async throws {
        guard try await vendorExists(db, id: id) else { throw DomainError.notFound("Vendor \(id)") }
    }

    // MARK: products

    public static func upsertProduct(_ db: any Queryable, _ product: Product) async throws -> Upserted<Product> {
        let result = try await db.query(
            """
            INSERT INTO products (sku, title, category) VALUES ($1, $2, $3)
            ON CONFLICT (sku) DO UPDATE SET title = EXCLUDED.title, category = EXCLUDED.category, updated_at = now()
            RETURNING (xmax = 0) AS created
            """, [product.sku, product.title, product.category])
        return Upserted(value: product, created: try result.first?.bool("created") ?? false)
    }

    public static func productExists(_ db: any Queryable, sku: String) async throws -> Bool {
        !(try await db.query("SELECT 1 FROM products WHERE sku = $1", [sku]).isEmpty)
    }

    // MARK: locations

    public static func upsertLocation(_ db: any Queryable, _ location: Location) async throws -> Upserted<Location> {
        let result = try await db.query(
            """
            INSERT INTO locations (vendor_id, code, name, type, country, postal_code, latitude, longitude,
                                   handling_seconds, pickup)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (vendor_id, code) DO UPDATE SET
                name = EXCLUDED.name, type = EXCLUDED.type, country = EXCLUDED.country,
                postal_code = EXCLUDED.postal_code, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                handling_seconds = EXCLUDED.handling_seconds, pickup = EXCLUDED.pickup, updated_at = now()
            RETURNING (xmax = 0) AS created
            """,
            [
                location.vendorId, location.code, location.name, location.type.rawValue, location.country,
                location.postalCode, String(location.latitude), String(location.longitude), location.handlingSeconds,
                location.pickup,
            ])
        return Upserted(value: location, created: try result.first?.bool("created") ?? false)
    }

    // MARK: offers

    public static func upsertOffer(_ db: any Queryable, _ offer: Offer) async throws -> Upserted<Offer> {
        let result = try await db.query(
            """
            INSERT INTO offers (vendor_id, sku, unit_price, currency, active) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (vendor_id, sku) DO UPDATE SET
                unit_price = EXCLUDED.unit_price, currency = EXCLUDED.currency, active = EXCLUDED.active,
                updated_at = now()
            RETURNING (xmax = 0) AS created
            """, [offer.vendorId, offer.sku, offer.unitPrice, offer.currency, offer.active])
        return Upserted(value: offer, created: try result.first?.bool("created") ?? false)
    }
}
