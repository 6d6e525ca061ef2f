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
            let page = try await TimelineStore.entries(services.pool, customerId: customerId, page: try request.pageRequest())
            let orderIds = page.items.filter { $0.kind == .order }.map(\.id)
            let orders = Dictionary(
                uniqueKeysWithValues: try await OrderStore.orders(services.pool, ids: orderIds).map { ($0.id, $0) })
            func ids(_ kind: TimelineEntry.Kind) -> [String] { page.items.filter { $0.kind == kind }.map(\.id) }
            let returns = Dictionary(
                try await ReturnStore.returns(services.pool, ids: ids(.return)).map { ($0.id, $0.json) },
                uniquingKeysWith: { a, _ in a })
            let cases = Dictionary(
                try await CaseStore.cases(services.pool, ids: ids(.case)).map { ($0.id, $0.json) },
                uniquingKeysWith: { a, _ in a })
            let messages = Dictionary(
                try await CaseStore.messages(services.pool, ids: ids(.message)).map { ($0.id, $0.json) },
                uniquingKeysWith: { a, _ in a })
            // A suborder status entry shows the suborder as it is now (lines with their refused
            // units, `replaces`, `rerouted_to`), under the status the entry records.
            let suborders = Dictionary(
                try await OrderStore.suborders(services.pool, ids: ids(.suborderStatus)).map { ($0.id, $0.json) },
                uniquingKeysWith: { a, _ in a })
            let data: [JSONValue] = page.items.map { entry in
                switch entry.kind {
                case .order:
                    return entry.json(data: orders[entry.id]?.json ?? ["id": .string(entry.id)])
                case .return:
                    return entry.json(data: returns[entry.id] ?? ["id": .string(entry.id)])
                case .case:
                    return entry.json(data: cases[entry.id] ?? ["id": .string(entry.id)])
                case .message:
                    return entry.json(data: messages[entry.id] ?? ["id": .string(entry.id)])
                case .suborderStatus, .returnStatus, .caseStatus, .orderStatus:
                    var object = JSONObject([("status", .from(entry.status))])
                    if entry.kind == .suborderStatus, case .object(var suborder)? = suborders[entry.id] {
                        suborder["status"] = .from(entry.status)
                        object = suborder
                    }
                    switch entry.kind {
                    case .suborderStatus:
                        object["suborder_id"] = .string(entry.id)
                        object["order_id"] = .from(entry.parentId)
                    case .returnStatus:
                        object["return_id"] = .string(entry.id)
                    case .orderStatus:
                        object["order_id"] = .string(entry.id)
                    default:
                        object["case_id"] = .string(entry.id)
                    }
                    object["at"] = .string(RFC3339.format(entry.at))
                    return entry.json(data: .object(object))
                }
            }
            return .json(["data": .array(data), "next_cursor": .from(page.nextCursor)])
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
        var fulfillment: Fulfillment?
        if var ff = f.object("fulfillment") {
            switch ff.string("type") {
            case "delivery":
                if var address = ff.object("address") {
                    let country = address.string("country", required: false, maxLength: 2)
                    let postal = address.string("postal_code", required: false, maxLength: 20)
                    let lat = address.double("latitude", required: false, min: -90, max: 90)
                    let lon = address.double("longitude", required: false, min: -180, max: 180)
                    if address.has("latitude") != address.has("longitude") {
                        address.fail(address.name(address.has("latitude") ? "longitude" : "latitude"), "give latitude and longitude together")
                    }
                    ff.absorb(address)
                    fulfillment = .delivery(Address(country: country, postalCode: postal, latitude: lat, longitude: lon))
                }
            case "pickup":
                let vendorId = ff.string("vendor_id", maxLength: 100)
                let location = ff.string("location", maxLength: 100)
                if let vendorId, let location { fulfillment = .pickup(vendorId: vendorId, location: location) }
            case .some(let other):
                ff.fail(ff.name("type"), "must be one of delivery, pickup, not '\(other)'")
                ff.allow("address", "vendor_id", "location")
            case .none:
                ff.allow("address", "vendor_id", "location")
            }
            f.absorb(ff)
        }
        let deliverBy = f.timestamp("deliver_by", required: false)
        var lines: [RequestedLine] = []
        if let elements = f.array("lines", minCount: 1, maxCount: 200) {
            for (i, element) in elements.enumerated() {
                var line = Fields(element, path: "lines[\(i)]")
                let sku = line.string("sku", maxLength: 100)
                let quantity = line.smallInt("quantity", min: 1, max: 100_000)
                let vendorId = line.string("vendor_id", required: false, maxLength: 100)
                let maxPrice = line.int("max_unit_price", required: false, min: 0)
                f.absorb(line)
                if let sku, let quantity {
                    lines.append(RequestedLine(sku: sku, quantity: quantity, vendorId: vendorId, maxUnitPrice: maxPrice))
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
