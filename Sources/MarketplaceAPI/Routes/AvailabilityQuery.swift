import Buying
import CommerceCore
import CustomerService
import Foundation
import Hummingbird
import OrderCore
import Postgres
import RoutePlanning
import VendorRouting

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
            errors.append(
                FieldError(request.queryValue("latitude") == nil ? "latitude" : "longitude", "give latitude and longitude together"))
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
            // The fulfilment this offer would most likely serve: a delivery to the given point,
            // else a pickup where the location offers one, else a delivery to an unknown point.
            // Routing estimates through the same function, so the two never disagree.
            let fulfillment: Fulfillment
            if query.latitude != nil || !offer.pickup {
                fulfillment = .delivery(
                    Address(country: nil, postalCode: nil, latitude: query.latitude, longitude: query.longitude))
            } else {
                fulfillment = .pickup(vendorId: offer.vendorId, location: offer.location)
            }
            let estimate = CandidateBuilder.estimate(offer, fulfillment: fulfillment, now: now)
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
