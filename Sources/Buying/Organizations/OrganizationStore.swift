public import BuyingCore
public import CommerceCore
import Foundation
public import Postgres

/// SQL for organizations, their members and negotiated prices.
public enum OrganizationStore {
    public static func insert(_ tx: Transaction, _ organization: Organization) async throws {
        try await tx.query(
            "INSERT INTO organizations (id, name, currency, created_at) VALUES ($1, $2, $3, $4)",
            [organization.id, organization.name, organization.currency, organization.createdAt])
    }

    public static func organization(_ db: any Queryable, id: String) async throws -> Organization? {
        guard let row = try await db.query("SELECT id, name, currency, created_at FROM organizations WHERE id = $1", [id]).first
        else { return nil }
        return Organization(
            id: try row.string("id"), name: try row.string("name"), currency: try row.string("currency"),
            createdAt: try row.date("created_at"))
    }

    /// Adds or replaces a membership; true when it was added. A customer belongs to one
    /// organization at most: a member of another one is a 409 `conflict`.
    public static func upsertMember(_ tx: Transaction, _ member: Member) async throws -> Bool {
        let result = try await tx.query(
            """
            INSERT INTO organization_members (customer_id, organization_id, role, order_limit) VALUES ($1, $2, $3, $4)
            ON CONFLICT (customer_id) DO UPDATE SET role = EXCLUDED.role, order_limit = EXCLUDED.order_limit, updated_at = now()
                WHERE organization_members.organization_id = EXCLUDED.organization_id
            RETURNING (xmax = 0) AS created
            """, [member.customerId, member.organizationId, member.role.rawValue, member.orderLimit])
        guard let row = result.first else {
            throw DomainError(
                .conflict, "Customer \(member.customerId) already belongs to another organization.",
                errors: [FieldError("customer_id", "is a member of another organization")])
        }
        return try row.bool("created")
    }

    /// Adds or replaces a negotiated price; true when it was added.
    public static func upsertPrice(_ tx: Transaction, _ price: NegotiatedPrice) async throws -> Bool {
        try await tx.query(
            """
            INSERT INTO organization_prices (organization_id, sku, vendor_id, unit_price) VALUES ($1, $2, $3, $4)
            ON CONFLICT (organization_id, sku, vendor_id) DO UPDATE SET unit_price = EXCLUDED.unit_price, updated_at = now()
            RETURNING (xmax = 0) AS created
            """, [price.organizationId, price.sku, price.vendorId, price.unitPrice]
        ).first?.bool("created") ?? false
    }

    /// Errors naming an unknown sku or vendor of a price, in one round trip.
    public static func priceReferenceErrors(_ db: any Queryable, sku: String, vendorId: String) async throws -> [FieldError] {
        guard
            let row = try await db.query(
                """
                SELECT EXISTS (SELECT 1 FROM products WHERE sku = $1) AS sku, EXISTS (SELECT 1 FROM vendors WHERE id = $2) AS vendor
                """, [sku, vendorId]
            ).first
        else { return [] }
        var errors: [FieldError] = []
        if !(try row.bool("sku")) { errors.append(FieldError("sku", "unknown sku '\(sku)'")) }
        if !(try row.bool("vendor")) { errors.append(FieldError("vendor_id", "no vendor '\(vendorId)'")) }
        return errors
    }

    public static func members(_ db: any Queryable, organizationId: String, page: PageRequest) async throws -> Page<Member> {
        let rows = try await db.query(
            """
            SELECT organization_id, customer_id, role, order_limit, seq FROM organization_members
            WHERE organization_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3
            """, [organizationId, try page.beforeSequence(), page.limit + 1]
        ).rows
        return Page.bySequence(
            try rows.map { row in
                (
                    Member(
                        organizationId: try row.string("organization_id"), customerId: try row.string("customer_id"),
                        role: MemberRole(rawValue: try row.string("role")) ?? .buyer, orderLimit: try row.optionalInt64("order_limit")),
                    try row.int64("seq")
                )
            }, limit: page.limit)
    }

    public static func prices(_ db: any Queryable, organization: Organization, page: PageRequest) async throws -> Page<NegotiatedPrice> {
        let rows = try await db.query(
            """
            SELECT sku, vendor_id, unit_price, seq FROM organization_prices
            WHERE organization_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3
            """, [organization.id, try page.beforeSequence(), page.limit + 1]
        ).rows
        return Page.bySequence(
            try rows.map { row in
                (
                    NegotiatedPrice(
                        organizationId: organization.id, sku: try row.string("sku"), vendorId: try row.string("vendor_id"),
                        unitPrice: try row.int64("unit_price"), currency: organization.currency),
                    try row.int64("seq")
                )
            }, limit: page.limit)
    }

    /// The role of a customer in one organization, or nil when not a member of it.
    public static func role(_ db: any Queryable, organizationId: String, customerId: String) async throws -> MemberRole? {
        try await db.query(
            "SELECT role FROM organization_members WHERE organization_id = $1 AND customer_id = $2", [organizationId, customerId]
        ).first.flatMap { MemberRole(rawValue: try $0.string("role")) }
    }

    /// The buyer's terms for an order of `skus`, in one round trip; nil for a customer who is
    /// no member (the common case costs one index probe).
    public static func buyerTerms(_ db: any Queryable, customerId: String, skus: [String]) async throws -> BuyerTerms? {
        let statement = buyerTermsStatement(customerId: customerId, skus: skus)
        return try decodeBuyerTerms(try await db.query(statement.sql, statement.parameters))
    }

    /// The statement of `buyerTerms`, to send with other reads in one round trip.
    static func buyerTermsStatement(customerId: String, skus: [String]) -> (sql: String, parameters: [any PostgresEncodable]) {
        (
            """
            SELECT m.organization_id, m.order_limit, o.currency,
                   (SELECT coalesce(json_agg(json_build_object('sku', p.sku, 'vendor_id', p.vendor_id, 'unit_price', p.unit_price)), '[]')
                    FROM organization_prices p WHERE p.organization_id = m.organization_id AND p.sku = ANY($2)) AS prices
            FROM organization_members m JOIN organizations o ON o.id = m.organization_id
            WHERE m.customer_id = $1
            """, [customerId, skus]
        )
    }

    static func decodeBuyerTerms(_ result: QueryResult) throws -> BuyerTerms? {
        guard let row = result.first else { return nil }
        return BuyerTerms(
            organizationId: try row.string("organization_id"), currency: try row.string("currency"),
            orderLimit: try row.optionalInt64("order_limit"), prices: try decodePrices(row))
    }

    /// An organization's negotiated prices of `skus`: sku → vendor id → unit price.
    public static func priceTable(_ db: any Queryable, organizationId: String, skus: [String]) async throws -> [String: [String: Int64]] {
        guard
            let row = try await db.query(
                """
                SELECT (SELECT coalesce(json_agg(json_build_object('sku', p.sku, 'vendor_id', p.vendor_id, 'unit_price', p.unit_price)), '[]')
                        FROM organization_prices p WHERE p.organization_id = $1 AND p.sku = ANY($2)) AS prices
                """, [organizationId, skus]
            ).first
        else { return [:] }
        return try decodePrices(row)
    }

    static func decodePrices(_ row: Row) throws -> [String: [String: Int64]] {
        var table: [String: [String: Int64]] = [:]
        for price in try StoredJSON.objects(Array(try row.jsonData("prices")), column: "prices") {
            table[try price.string("sku"), default: [:]][try price.string("vendor_id")] = try price.int64("unit_price")
        }
        return table
    }
}
