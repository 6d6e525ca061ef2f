import CommerceCore
import Foundation
import Postgres

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

    static func planAndReserve(
        _ tx: Transaction, lines: [PlanningLine], currency: String, fulfillment: Fulfillment, deliverBy: Date?,
        excluding: Set<LocationKey>, now: Date, priceBook: PriceBook = PriceBook()
    ) async throws -> Outcome {
        var onlyLocation: (vendorId: String, code: String)?
        if case .pickup(let vendorId, let location) = fulfillment { onlyLocation = (vendorId, location) }
        let skus = Array(Set(lines.map(\.sku)))
        for _ in 0..<OrderPlacement.maxAttempts {
            let offers = try await CandidateStore.stockOffers(tx, skus: skus, currency: currency, onlyLocation: onlyLocation)
            let candidates = priceBook.apply(
                to: CandidateBuilder.candidates(offers, fulfillment: fulfillment, now: now, excluding: excluding))
            switch planner.plan(PlanningRequest(lines: lines, candidates: candidates, deliverBy: deliverBy)) {
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
    static func suborders(
        from plan: RoutingPlan, orderId: String, currency: String, orderLineIds: [String], windows: VendorWindows,
        replaces: String?, now: Date
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
                status: .pendingAcceptance, currency: currency, lines: lines,
                acceptBy: now.addingTimeInterval(TimeInterval(acceptance)), shipBy: now.addingTimeInterval(TimeInterval(ship)),
                promisedDelivery: shipment.promisedDelivery, routingReason: plan.reason,
                vendorRoutingReason: ShipmentReason.forVendor(shipment, candidatesConsidered: plan.candidatesConsidered),
                candidatesConsidered: plan.candidatesConsidered, replaces: replaces, replacedBy: nil, carrier: nil,
                trackingNumber: nil, reason: nil, deliveredAt: nil, createdAt: now, updatedAt: now)
        }
    }
}
