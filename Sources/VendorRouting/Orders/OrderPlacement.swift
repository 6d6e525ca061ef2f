import CommerceCore
public import Foundation
public import OrderCore
public import Postgres
import RoutePlanning

public struct OrderRequest: Sendable {
    public let channel: String
    public let customerId: String
    public let customerEmail: String?
    public let currency: String
    public let fulfillment: Fulfillment
    public let deliverBy: Date?
    public let lines: [RequestedLine]
    /// Negotiated prices of the buyer's organization (v1.2), applied to the candidates.
    public var priceBook = PriceBook()
    /// The buyer's `order_limit` (v1.2): above it the order waits for approval (`HeldOrders`).
    public var approvalLimit: ApprovalLimit?

    public init(
        channel: String, customerId: String, customerEmail: String?, currency: String, fulfillment: Fulfillment,
        deliverBy: Date?, lines: [RequestedLine]
    ) {
        self.channel = channel
        self.customerId = customerId
        self.customerEmail = customerEmail
        self.currency = currency
        self.fulfillment = fulfillment
        self.deliverBy = deliverBy
        self.lines = lines
    }
}

/// A plan for a whole order: what placement reserves and a quote shows.
struct PlannedOrder: Sendable {
    let plan: RoutingPlan
    let windows: Routing.VendorWindows
    /// `plan`'s fulfilment indexes point here.
    let fulfillments: [Fulfillment]
}

/// Places orders: plan against current stock, reserve every unit, write the order, its
/// suborders and their events, all in the caller's transaction. Quotes plan the same way and
/// stop there.
public enum OrderPlacement {
    /// The planning lines of a request (planning line i is the request's line i) and the
    /// distinct fulfilments their `fulfillment` indexes point into.
    static func planningInput(_ request: OrderRequest) -> (lines: [PlanningLine], fulfillments: [Fulfillment]) {
        let (fulfillments, index) = Routing.fulfillmentIndexes(request.lines.map { $0.fulfillment ?? request.fulfillment })
        let lines = request.lines.enumerated().map { i, line in
            PlanningLine(
                index: i, sku: line.sku, quantity: line.quantity, vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice,
                fulfillment: index[i])
        }
        return (lines, fulfillments)
    }

    /// Plans the order against the stock as read now, reserving nothing: 422 for unknown
    /// references, 409 `insufficient-stock` naming each line that cannot be served. What a
    /// quote shows; `place` plans the same way through `Routing.planAndReserve`.
    /// `offers`: the candidates' stock when the caller already read it (`stockOffersStatement`).
    static func plan(
        _ db: any Queryable, _ request: OrderRequest, offers readAhead: [StockOffer]? = nil, now: Date
    ) async throws -> PlannedOrder {
        let input = planningInput(request)
        let (result, offers) = try await Routing.plan(
            db, lines: input.lines, fulfillments: input.fulfillments, currency: request.currency, deliverBy: request.deliverBy,
            now: now, priceBook: request.priceBook, offers: readAhead)
        switch result {
        case .planned(let plan):
            return PlannedOrder(plan: plan, windows: Routing.windows(offers), fulfillments: input.fulfillments)
        case .infeasible(let indexes):
            throw try await unservable(db, request, lines: indexes)
        }
    }

    /// Why the order cannot be routed: unknown skus, vendors or pickup locations leave no
    /// candidates, so they surface here and are named as the client's mistake (422) before the
    /// 409 `insufficient-stock` that names each line nothing can serve.
    static func unservable(_ db: any Queryable, _ request: OrderRequest, lines indexes: [Int]) async throws -> DomainError {
        try await checkReferences(db, request)
        let currencies = try await offeredCurrencies(db, skus: indexes.map { request.lines[$0].sku })
        return DomainError(
            .insufficientStock, "The order cannot be routed as a whole; nothing was reserved.",
            errors: indexes.map { i in
                let line = request.lines[i]
                let offered = currencies[line.sku] ?? []
                if !offered.isEmpty, !offered.contains(request.currency) {
                    return FieldError(
                        "lines[\(i)]",
                        "no offer for \(line.sku) in \(request.currency); it is offered in \(offered.sorted().joined(separator: ", "))")
                }
                if case .pickup(let vendorId, let location) = line.fulfillment ?? request.fulfillment {
                    return FieldError(
                        "lines[\(i)]",
                        "not enough stock for \(line.quantity) × \(line.sku) for pickup at \(vendorId) \(location) within the order's constraints"
                    )
                }
                return FieldError("lines[\(i)]", "not enough stock for \(line.quantity) × \(line.sku) within the order's constraints")
            })
    }

    /// The statement that reads the candidates' stock for `request`, for a caller that sends it
    /// with its own reads in one round trip and hands the decoded offers to `place`.
    public static func stockOffersStatement(_ request: OrderRequest) -> (sql: String, parameters: [any PostgresEncodable]) {
        let fulfillments = Routing.fulfillmentIndexes(request.lines.map { $0.fulfillment ?? request.fulfillment }).fulfillments
        return CandidateStore.stockOffersStatement(
            skus: Array(Set(request.lines.map(\.sku))), currency: request.currency,
            onlyLocation: Routing.onlyLocation(fulfillments))
    }

    /// `offers`: the candidates' stock as the caller already read it in this transaction
    /// (`stockOffersStatement`, sent with its own reads in one round trip); used for the first
    /// attempt only. `endsTransaction`: the caller runs nothing after it, so the placing
    /// statement may take `COMMIT` with it (`Transaction.mayCommitEarly`); an order whose
    /// stock was taken meanwhile then has committed nothing and is placed again from the start
    /// in a new transaction (`RetryTransaction`).
    public static func place(
        _ tx: Transaction, _ request: OrderRequest, offers firstOffers: [StockOffer]? = nil, now: Date = Date(),
        endsTransaction: Bool = false
    ) async throws -> Order {
        let orderId = Identifier.make("ord")
        let orderLines = request.lines.enumerated().map { i, line in
            OrderLine(
                id: Identifier.make("oln"), position: i, sku: line.sku, quantity: line.quantity, cancelledQuantity: 0,
                vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice, fulfillment: line.fulfillment)
        }
        let input = planningInput(request)
        let outcome = try await Routing.planAndReserve(
            tx, lines: input.lines, fulfillments: input.fulfillments, currency: request.currency, deliverBy: request.deliverBy,
            now: now, priceBook: request.priceBook, offers: firstOffers
        ) { routed -> Order? in
            if let held = try await HeldOrders.holdIfOverLimit(
                tx, request, plan: routed.plan, orderId: orderId, lines: orderLines, now: now)
            {
                return held
            }
            let suborders = Routing.suborders(
                from: routed.plan, orderId: orderId, currency: request.currency, orderLineIds: orderLines.map(\.id),
                fulfillments: input.fulfillments, windows: routed.windows, replaces: nil, now: now)
            let order = Order(
                id: orderId, channel: request.channel, customerId: request.customerId, customerEmail: request.customerEmail,
                status: .open, currency: request.currency, fulfillment: request.fulfillment, deliverBy: request.deliverBy,
                lines: orderLines, suborders: suborders, createdAt: now)
            // Reserves and writes in one statement; false when another order took the stock
            // between our read and our lock.
            let placed = try await OrderStore.placeAtomically(
                tx, units: Routing.units(routed.plan), order: order, suborders: suborders,
                events: suborders.map { Outbox.Event(vendorId: $0.vendorId, type: "suborder.created", dataJSON: $0.vendorJSONBytes) },
                now: now,
                commits: endsTransaction && tx.mayCommitEarly)
            if !placed, tx.hasCommitted { throw RetryTransaction(exhausted: contended) }
            return placed ? order : nil
        }
        switch outcome {
        case .routed(let order): return order
        case .unservable(let indexes): throw try await unservable(tx, request, lines: indexes)
        case .contended: throw contended
        }
    }

    static var contended: DomainError { DomainError.conflict("Stock kept changing while the order was routed; try again.") }

    /// How the order would be routed now (`POST /v1/routing/quotes`): the same validation and
    /// planning as `place`, reading stock without locking it and writing nothing. An order
    /// that cannot be routed is a quote with `feasible: false` and the 409's errors.
    public static func quote(_ db: any Queryable, _ request: OrderRequest, now: Date = Date()) async throws -> RoutingQuote {
        do {
            let planned = try await plan(db, request, now: now)
            return RoutingQuote(currency: request.currency, planned: planned)
        } catch let error as DomainError where error.kind == .insufficientStock {
            return RoutingQuote(currency: request.currency, errors: error.errors)
        }
    }

    /// The currencies each sku has active offers in; read only to explain a failed order.
    static func offeredCurrencies(_ tx: any Queryable, skus: [String]) async throws -> [String: Set<String>] {
        let rows = try await tx.query(
            "SELECT DISTINCT sku, currency FROM offers WHERE active AND sku = ANY($1)", [Array(Set(skus))]
        ).rows
        var out: [String: Set<String>] = [:]
        for row in rows { out[try row.string("sku"), default: []].insert(try row.string("currency")) }
        return out
    }

    /// Unknown skus, vendors or pickup locations in the body are the client's mistake: 422.
    static func checkReferences(_ db: any Queryable, _ request: OrderRequest) async throws {
        let skus = Array(Set(request.lines.map(\.sku)))
        let vendors = Array(Set(request.lines.compactMap(\.vendorId)))
        // Every pickup the body names, with the field that names it.
        var pickups: [(field: String, vendorId: String, location: String)] = []
        if case .pickup(let vendorId, let location) = request.fulfillment { pickups.append(("fulfillment", vendorId, location)) }
        for (i, line) in request.lines.enumerated() {
            if case .pickup(let vendorId, let location) = line.fulfillment {
                pickups.append(("lines[\(i)].fulfillment", vendorId, location))
            }
        }
        let result = try await db.query(
            """
            SELECT (SELECT coalesce(array_agg(sku), '{}') FROM products WHERE sku = ANY($1)) AS skus,
                   (SELECT coalesce(array_agg(id), '{}') FROM vendors WHERE id = ANY($2)) AS vendors,
                   (SELECT coalesce(array_agg(l.vendor_id || E'\\x1f' || l.code || E'\\x1f' || l.pickup::text), '{}')
                    FROM locations l JOIN unnest($3::text[], $4::text[]) AS p(vendor_id, code)
                      ON l.vendor_id = p.vendor_id AND l.code = p.code) AS pickups
            """, [skus, vendors, pickups.map(\.vendorId), pickups.map(\.location)])
        guard let row = result.first else { return }
        let knownSkus = Set(try row.stringArray("skus"))
        let knownVendors = Set(try row.stringArray("vendors"))
        var pickupFlags: [String: Bool] = [:]
        for entry in try row.stringArray("pickups") {
            let parts = entry.split(separator: "\u{1f}", omittingEmptySubsequences: false)
            if parts.count == 3 { pickupFlags[parts[0] + "\u{1f}" + parts[1]] = parts[2] == "true" }
        }
        var errors: [FieldError] = []
        for (i, line) in request.lines.enumerated() {
            if !knownSkus.contains(line.sku) { errors.append(FieldError("lines[\(i)].sku", "unknown sku '\(line.sku)'")) }
            if let vendorId = line.vendorId, !knownVendors.contains(vendorId) {
                errors.append(FieldError("lines[\(i)].vendor_id", "no vendor '\(vendorId)'"))
            }
        }
        for pickup in pickups {
            switch pickupFlags[pickup.vendorId + "\u{1f}" + pickup.location] {
            case nil:
                errors.append(FieldError("\(pickup.field).location", "no location '\(pickup.location)' for vendor '\(pickup.vendorId)'"))
            case false:
                errors.append(FieldError("\(pickup.field).location", "location '\(pickup.location)' does not offer pickup"))
            case true:
                break
            }
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
    }
}
