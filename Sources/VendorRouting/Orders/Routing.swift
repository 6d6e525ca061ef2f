import CommerceCore
import Foundation
import Postgres
import RoutePlanning

/// The bridge between the pure planner and the database: load candidates, plan, reserve, and
/// plan again when another order took the stock first.
enum Routing {
    struct VendorWindows: Sendable {
        var acceptance: [String: Int] = [:]
        var ship: [String: Int] = [:]
    }

    enum Outcome: Sendable {
        case routed(RoutingPlan, VendorWindows)
        case unservable([Int])
        case contended
    }

    static let planner = RoutingPlanner()

    /// The distinct fulfilments of lines (`perLine[i]`: line i's own or the order's) and each
    /// line's index among them, as `PlanningLine.fulfillment` takes it.
    static func fulfillmentIndexes(_ perLine: [Fulfillment]) -> (fulfillments: [Fulfillment], index: [Int]) {
        var fulfillments: [Fulfillment] = []
        let index = perLine.map { fulfillment in
            if let i = fulfillments.firstIndex(of: fulfillment) { return i }
            fulfillments.append(fulfillment)
            return fulfillments.count - 1
        }
        return (fulfillments, index)
    }

    /// Reads the candidates (one statement, probation included) and plans: the one planning
    /// step behind placement, quotes, approval and rerouting. Reads only; reserves nothing.
    static func plan(
        _ db: any Queryable, lines: [PlanningLine], fulfillments: [Fulfillment], currency: String, deliverBy: Date?,
        excluding: Set<LocationKey> = [], now: Date, priceBook: PriceBook = PriceBook(), offers readAhead: [StockOffer]? = nil
    ) async throws -> (result: PlanningResult, offers: [StockOffer]) {
        let offers: [StockOffer]
        if let readAhead {
            offers = readAhead
        } else {
            offers = try await CandidateStore.stockOffers(
                db, skus: Array(Set(lines.map(\.sku))), currency: currency, onlyLocation: onlyLocation(fulfillments))
        }
        let candidates = priceBook.apply(
            to: CandidateBuilder.candidates(offers, fulfillments: fulfillments, now: now, excluding: excluding))
        return (planner.plan(PlanningRequest(lines: lines, candidates: candidates, deliverBy: deliverBy)), offers)
    }

    /// The one location every line must be planned at (an order that is all pickup at one
    /// store), which lets the candidates' read skip every other location; nil otherwise.
    static func onlyLocation(_ fulfillments: [Fulfillment]) -> (vendorId: String, code: String)? {
        if fulfillments.count == 1, case .pickup(let vendorId, let location) = fulfillments[0] { return (vendorId, location) }
        return nil
    }

    static func planAndReserve(
        _ tx: Transaction, lines: [PlanningLine], fulfillments: [Fulfillment], currency: String, deliverBy: Date?,
        excluding: Set<LocationKey>, now: Date, priceBook: PriceBook = PriceBook()
    ) async throws -> Outcome {
        for _ in 0..<OrderPlacement.maxAttempts {
            let (result, offers) = try await plan(
                tx, lines: lines, fulfillments: fulfillments, currency: currency, deliverBy: deliverBy, excluding: excluding,
                now: now, priceBook: priceBook)
            switch result {
            case .infeasible(let indexes):
                return .unservable(indexes)
            case .planned(let plan):
                if try await StockReservations.reserve(tx, units(plan)) {
                    return .routed(plan, windows(offers))
                }
            }
        }
        return .contended
    }

    static func units(_ plan: RoutingPlan) -> [StockUnits] {
        plan.shipments.flatMap { shipment in
            shipment.lines.map {
                StockUnits(vendorId: shipment.vendorId, location: shipment.location, sku: $0.sku, quantity: $0.quantity)
            }
        }
    }

    static func windows(_ offers: [StockOffer]) -> VendorWindows {
        var windows = VendorWindows()
        for offer in offers {
            windows.acceptance[offer.vendorId] = offer.acceptanceWindowSeconds
            windows.ship[offer.vendorId] = offer.shipWindowSeconds
        }
        return windows
    }

    /// Suborders for a plan. `orderLineIds[i]` is the order line behind planning line `i`.
    /// `fulfillments[k]` is the fulfilment of the shipments planned with fulfilment index k.
    static func suborders(
        from plan: RoutingPlan, orderId: String, currency: String, orderLineIds: [String], fulfillments: [Fulfillment],
        windows: VendorWindows, replaces: String?, now: Date
    ) -> [Suborder] {
        plan.shipments.map { shipment in
            let lines = shipment.lines.map {
                SuborderLine(
                    id: Identifier.make("sbl"), orderLineId: orderLineIds[$0.lineIndex], sku: $0.sku, quantity: $0.quantity,
                    unitPrice: $0.unitPrice)
            }
            let acceptance = windows.acceptance[shipment.vendorId] ?? Vendor.defaultAcceptanceWindowSeconds
            let ship = windows.ship[shipment.vendorId] ?? Vendor.defaultShipWindowSeconds
            return Suborder(
                id: Identifier.make("sub"), orderId: orderId, vendorId: shipment.vendorId, location: shipment.location,
                fulfillment: fulfillments[shipment.fulfillment], status: .pendingAcceptance, currency: currency, lines: lines,
                acceptBy: now.addingTimeInterval(TimeInterval(acceptance)), shipBy: now.addingTimeInterval(TimeInterval(ship)),
                promisedDelivery: shipment.promisedDelivery, routingReason: plan.reason,
                vendorRoutingReason: ShipmentReason.forVendor(shipment, candidatesConsidered: plan.candidatesConsidered),
                candidatesConsidered: plan.candidatesConsidered, replaces: replaces, replacedBy: nil, carrier: nil,
                trackingNumber: nil, reason: nil, deliveredAt: nil, createdAt: now, updatedAt: now)
        }
    }
}
