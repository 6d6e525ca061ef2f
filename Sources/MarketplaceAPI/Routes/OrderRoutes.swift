import Buying
import CommerceCore
import CustomerService
import Foundation
import Hummingbird
import Postgres
import VendorRouting

/// Storefront routes: availability, orders, customer history.
struct OrderRoutes: Sendable {
    let services: AppServices

    func register(_ routes: Routes) {
        routes.get("/v1/availability") { request, context in
            try context.require(.channel, .operator)
            let query = try AvailabilityQuery(request)
            let offers = try await CandidateStore.stockOffers(services.pool, skus: query.page, currency: query.currency)
            return .json(Availability.render(query: query, offers: offers, now: Date()))
        }

        routes.post("/v1/orders") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let orderRequest = try OrderInput.parse(body.value, principal: principal)
            return try await services.commands.run(request, context, body: body) { tx in
                if principal.role == .operator, !(try await CatalogStore.channelExists(tx, code: orderRequest.channel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(orderRequest.channel)'")
                }
                let order = try await BuyerPlacement.place(tx, orderRequest)
                return CommandResult(.created, order.json)
            }
        }

        routes.post("/v1/routing/quotes") { request, context in
            let principal = try context.require(.channel, .operator)
            let body = try await request.jsonBody(context: context)
            let orderRequest = try OrderInput.parse(body.value, principal: principal)
            let quote = try await services.pool.readOnlyTransaction { tx in
                if principal.role == .operator, !(try await CatalogStore.channelExists(tx, code: orderRequest.channel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(orderRequest.channel)'")
                }
                return try await BuyerPlacement.quote(tx, orderRequest)
            }
            return .json(quote.json)
        }

        routes.get("/v1/orders") { request, context in
            try context.require(.channel, .operator)
            var q = QueryParameters(request)
            let filter = OrderFilter(
                channel: q.string("channel"), status: q.oneOf("status", OrderStore.filterableStatuses),
                customerId: q.string("customer_id"), createdAfter: q.timestamp("created_after"),
                createdBefore: q.timestamp("created_before"))
            let page = q.page()
            try q.check()
            return .json(try await OrderStore.list(services.pool, filter: filter, page: page).json)
        }

        routes.get("/v1/orders/{id}") { _, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            guard let order = try await OrderStore.order(services.pool, id: id) else { throw DomainError.notFound("Order \(id)") }
            return .json(order.json)
        }

        routes.post("/v1/orders/{id}/cancel") { request, context in
            try context.require(.channel, .operator)
            let id = try context.path("id")
            let body = try await request.optionalJSONBody(context: context)
            var reason: String?
            if let body {
                var f = Fields(body.value)
                reason = f.string("reason", required: false, maxLength: 1000)
                try f.check()
            }
            let cancelReason = reason
            return try await services.commands.run(request, context, body: body) { tx in
                CommandResult(.ok, try await OrderApproval.cancel(tx, orderId: id, reason: cancelReason).json)
            }
        }

        routes.get("/v1/customers/{customer_id}/orders") { request, context in
            try context.require(.channel, .operator)
            let customerId = try context.path("customer_id")
            let page = try await OrderStore.customerOrders(services.pool, customerId: customerId, page: try request.pageRequest())
            return .json(page.json)
        }

        routes.get("/v1/customers/{customer_id}/timeline") { request, context in
            try context.require(.channel, .operator)
            let customerId = try context.path("customer_id")
            let timeline = CustomerTimeline(db: services.pool)
            return .json(try await timeline.page(customerId: customerId, page: try request.pageRequest()))
        }
    }
}

/// `POST /v1/orders` body → `OrderRequest`, naming every bad field.
enum OrderInput {
    static func parse(_ value: JSONValue, principal: Principal) throws -> OrderRequest {
        var f = Fields(value)
        var channel = principal.channel
        let bodyChannel = f.string("channel", required: principal.role == .operator, maxLength: 100)
        if principal.role == .operator {
            channel = bodyChannel
        } else if let bodyChannel, bodyChannel != principal.channel {
            f.fail("channel", "this key places orders for channel '\(principal.channel ?? "")' only")
        }
        var customerId: String?
        var email: String?
        if var customer = f.object("customer") {
            customerId = customer.string("id", maxLength: 200)
            email = customer.string("email", required: false, maxLength: 320)
            f.absorb(customer)
        }
        let currency = f.currency("currency")
        let fulfillment = FulfillmentInput.read(&f, required: true)
        let deliverBy = f.timestamp("deliver_by", required: false)
        var lines: [RequestedLine] = []
        if let elements = f.array("lines", minCount: 1, maxCount: 200) {
            for (i, element) in elements.enumerated() {
                var line = Fields(element, path: "lines[\(i)]")
                let sku = line.string("sku", maxLength: 100)
                let quantity = line.smallInt("quantity", min: 1, max: 100_000)
                let vendorId = line.string("vendor_id", required: false, maxLength: 100)
                let maxPrice = line.int("max_unit_price", required: false, min: 0)
                let own = FulfillmentInput.read(&line)
                f.absorb(line)
                if let sku, let quantity {
                    lines.append(RequestedLine(sku: sku, quantity: quantity, vendorId: vendorId, maxUnitPrice: maxPrice, fulfillment: own))
                }
            }
        }
        try f.check()
        return OrderRequest(
            channel: channel!, customerId: customerId!, customerEmail: email, currency: currency!,
            fulfillment: fulfillment!, deliverBy: deliverBy, lines: lines)
    }
}

/// `GET /v1/availability` parameters.
struct AvailabilityQuery {
    let skus: [String]
    let latitude: Double?
    let longitude: Double?
    let currency: String?
    /// The skus of this page, in the order asked (`limit` and `after` page over the skus, as
    /// every `{data: [...]}` list pages).
    let page: [String]
    /// Where the next page starts, or nil at the end.
    let nextCursor: String?

    init(_ request: Request) throws {
        var errors: [FieldError] = []
        var seen = Set<String>()
        skus = request.queryValues("sku").filter { !$0.isEmpty && seen.insert($0).inserted }
        if skus.isEmpty { errors.append(FieldError("sku", "give at least one sku")) }
        if skus.count > 50 { errors.append(FieldError("sku", "at most 50 skus")) }
        func coordinate(_ name: String, _ limit: Double) -> Double? {
            guard let text = request.queryValue(name) else { return nil }
            guard let value = Double(text), value.isFinite, abs(value) <= limit else {
                errors.append(FieldError(name, "must be a number from -\(Int(limit)) to \(Int(limit))"))
                return nil
            }
            return value
        }
        latitude = coordinate("latitude", 90)
        longitude = coordinate("longitude", 180)
        if (request.queryValue("latitude") == nil) != (request.queryValue("longitude") == nil) {
            errors.append(FieldError(request.queryValue("latitude") == nil ? "latitude" : "longitude", "give latitude and longitude together"))
        }
        currency = request.queryValue("currency")
        if let currency, !Currency.isValid(currency) {
            errors.append(FieldError("currency", "must be an ISO 4217 code of three capital letters"))
        }
        var start = 0
        var limit = PageRequest.defaultLimit
        do {
            let paging = try request.pageRequest()
            limit = paging.limit
            start = Int(try paging.afterSequence())
            if start > skus.count { errors.append(FieldError("after", "is not a cursor this list returned")) }
        } catch let error as DomainError {
            errors.append(contentsOf: error.errors)
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        let end = min(start + limit, skus.count)
        page = Array(skus[start..<end])
        nextCursor = end < skus.count ? PageCursor.encode([String(end)]) : nil
    }
}

enum Availability {
    static func render(query: AvailabilityQuery, offers: [StockOffer], now: Date) -> JSONValue {
        var bySku: [String: [(StockOffer, DeliveryEstimate)]] = [:]
        for offer in offers {
            let estimate: DeliveryEstimate
            if let lat = query.latitude, let lon = query.longitude {
                estimate = DeliveryEstimate.shipment(
                    now: now, handlingSeconds: offer.handlingSeconds, fromLatitude: offer.latitude,
                    fromLongitude: offer.longitude, toLatitude: lat, toLongitude: lon)
            } else if offer.pickup {
                estimate = DeliveryEstimate.pickup(now: now, handlingSeconds: offer.handlingSeconds)
            } else {
                estimate = DeliveryEstimate.shipmentWithoutDestination(now: now, handlingSeconds: offer.handlingSeconds)
            }
            bySku[offer.sku, default: []].append((offer, estimate))
        }
        let data: [JSONValue] = query.page.map { sku in
            let sorted = (bySku[sku] ?? []).sorted { a, b in
                if a.1.deliversBy != b.1.deliversBy { return a.1.deliversBy < b.1.deliversBy }
                if a.0.unitPrice != b.0.unitPrice { return a.0.unitPrice < b.0.unitPrice }
                if a.0.vendorId != b.0.vendorId { return a.0.vendorId < b.0.vendorId }
                return a.0.location < b.0.location
            }
            return [
                "sku": .string(sku),
                "offers": .array(
                    sorted.map { offer, estimate in
                        [
                            "vendor_id": .string(offer.vendorId), "location": .string(offer.location),
                            "available": .int(Int64(offer.available)), "unit_price": .int(offer.unitPrice),
                            "currency": .string(offer.currency), "ships_by": .string(RFC3339.format(estimate.shipsBy)),
                            "delivers_by": .string(RFC3339.format(estimate.deliversBy)), "pickup": .bool(offer.pickup),
                        ]
                    }),
            ]
        }
        return ["data": .array(data), "next_cursor": .from(query.nextCursor)]
    }
}
