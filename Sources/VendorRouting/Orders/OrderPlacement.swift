import CommerceCore
import Foundation
import Postgres

public struct RequestedLine: Sendable {
    public let sku: String
    public let quantity: Int
    public let vendorId: String?
    public let maxUnitPrice: Int64?

    public init(sku: String, quantity: Int, vendorId: String?, maxUnitPrice: Int64?) {
        self.sku = sku
        self.quantity = quantity
        self.vendorId = vendorId
        self.maxUnitPrice = maxUnitPrice
    }
}

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

/// Places orders: plan against current stock, reserve every unit, write the order, its
/// suborders and their events, all in the caller's transaction.
public enum OrderPlacement {
    static let maxAttempts = 5

    /// `offers`: the candidates' stock as the caller already read it in this transaction
    /// (`CandidateStore.stockOffersStatement`, sent with its own reads in one round trip); used
    /// for the first attempt only.
    public static func place(
        _ tx: Transaction, _ request: OrderRequest, offers firstOffers: [StockOffer]? = nil, now: Date = Date()
    ) async throws -> Order {
        let planningLines = request.lines.enumerated().map { i, line in
            PlanningLine(index: i, sku: line.sku, quantity: line.quantity, vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice)
        }
        let orderId = Identifier.make("ord")
        let orderLines = request.lines.enumerated().map { i, line in
            OrderLine(
                id: Identifier.make("oln"), position: i, sku: line.sku, quantity: line.quantity, cancelledQuantity: 0,
                vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice)
        }
        var onlyLocation: (vendorId: String, code: String)?
        if case .pickup(let vendorId, let location) = request.fulfillment { onlyLocation = (vendorId, location) }
        let skus = Array(Set(request.lines.map(\.sku)))
        var readAhead = firstOffers
        for _ in 0..<maxAttempts {
            let offers: [StockOffer]
            if let given = readAhead {
                offers = given
                readAhead = nil
            } else {
                offers = try await CandidateStore.stockOffers(tx, skus: skus, currency: request.currency, onlyLocation: onlyLocation)
            }
            let candidates = request.priceBook.apply(to: CandidateBuilder.candidates(offers, fulfillment: request.fulfillment, now: now))
            let plan: RoutingPlan
            switch Routing.planner.plan(PlanningRequest(lines: planningLines, candidates: candidates, deliverBy: request.deliverBy)) {
            case .infeasible(let indexes):
                // Unknown skus, vendors or pickup locations leave no candidates, so they
                // surface here: name them as the client's mistake (422) before saying 409.
                try await checkReferences(tx, request)
                let currencies = try await offeredCurrencies(tx, skus: indexes.map { request.lines[$0].sku })
                throw DomainError(
                    .insufficientStock, "The order cannot be routed as a whole; nothing was reserved.",
                    errors: indexes.map { i in
                        let line = request.lines[i]
                        let offered = currencies[line.sku] ?? []
                        if !offered.isEmpty, !offered.contains(request.currency) {
                            return FieldError(
                                "lines[\(i)]",
                                "no offer for \(line.sku) in \(request.currency); it is offered in \(offered.sorted().joined(separator: ", "))")
                        }
                        return FieldError(
                            "lines[\(i)]", "not enough stock for \(line.quantity) × \(line.sku) within the order's constraints")
                    })
            case .planned(let planned):
                plan = planned
            }
            if let held = try await HeldOrders.holdIfOverLimit(tx, request, plan: plan, orderId: orderId, lines: orderLines, now: now) {
                return held
            }
            let suborders = Routing.suborders(
                from: plan, orderId: orderId, currency: request.currency, orderLineIds: orderLines.map(\.id),
                windows: Routing.windows(offers), replaces: nil, now: now)
            let order = Order(
                id: orderId, channel: request.channel, customerId: request.customerId, customerEmail: request.customerEmail,
                status: .open, currency: request.currency, fulfillment: request.fulfillment, deliverBy: request.deliverBy,
                lines: orderLines, suborders: suborders, createdAt: now)
            let placed = try await OrderStore.placeAtomically(
                tx, units: Routing.units(plan), order: order, suborders: suborders,
                events: suborders.map { Outbox.Event(vendorId: $0.vendorId, type: "suborder.created", data: $0.vendorJSON) }, now: now)
            if placed { return order }
            // Another order took the stock between our read and our lock: plan again.
        }
        throw DomainError.conflict("Stock kept changing while the order was routed; try again.")
    }

    /// The currencies each sku has active offers in; read only to explain a failed order.
    static func offeredCurrencies(_ tx: Transaction, skus: [String]) async throws -> [String: Set<String>] {
        let rows = try await tx.query(
            "SELECT DISTINCT sku, currency FROM offers WHERE active AND sku = ANY($1)", [Array(Set(skus))]
        ).rows
        var out: [String: Set<String>] = [:]
        for row in rows { out[try row.string("sku"), default: []].insert(try row.string("currency")) }
        return out
    }

    /// Unknown skus, vendors or pickup locations in the body are the client's mistake: 422.
    static func checkReferences(_ tx: Transaction, _ request: OrderRequest) async throws {
        let skus = Array(Set(request.lines.map(\.sku)))
        let vendors = Array(Set(request.lines.compactMap(\.vendorId)))
        var pickupVendor: String?
        var pickupLocation: String?
        if case .pickup(let vendorId, let location) = request.fulfillment {
            pickupVendor = vendorId
            pickupLocation = location
        }
        let result = try await tx.query(
            """
            SELECT (SELECT coalesce(array_agg(sku), '{}') FROM products WHERE sku = ANY($1)) AS skus,
                   (SELECT coalesce(array_agg(id), '{}') FROM vendors WHERE id = ANY($2)) AS vendors,
                   (SELECT pickup FROM locations WHERE vendor_id = $3 AND code = $4) AS pickup
            """, [skus, vendors, pickupVendor, pickupLocation])
        guard let row = result.first else { return }
        let knownSkus = Set(try row.stringArray("skus"))
        let knownVendors = Set(try row.stringArray("vendors"))
        var errors: [FieldError] = []
        for (i, line) in request.lines.enumerated() {
            if !knownSkus.contains(line.sku) { errors.append(FieldError("lines[\(i)].sku", "unknown sku '\(line.sku)'")) }
            if let vendorId = line.vendorId, !knownVendors.contains(vendorId) {
                errors.append(FieldError("lines[\(i)].vendor_id", "no vendor '\(vendorId)'"))
            }
        }
        if pickupVendor != nil {
            if try row.isNull("pickup") {
                errors.append(FieldError("fulfillment.location", "no location '\(pickupLocation!)' for vendor '\(pickupVendor!)'"))
            } else if !(try row.bool("pickup")) {
                errors.append(FieldError("fulfillment.location", "location '\(pickupLocation!)' does not offer pickup"))
            }
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
    }
}
