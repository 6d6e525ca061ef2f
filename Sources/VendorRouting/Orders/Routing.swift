import CommerceCore
import Foundation
import OrderCore
import Postgres
import RoutePlanning

/// The bridge between the pure planner and the database: load candidates, plan, reserve, and
/// plan again when another order took the stock first.
enum Routing {
    struct VendorWindows: Sendable {
        var acceptance: [String: Int] = [:]
        var ship: [String: Int] = [:]
    }

    /// What the plan-and-reserve step came to. `Written` is what the caller's writes made of
    /// the plan (an order, suborders).
    enum Outcome<Written> {
        case routed(Written)
        case unservable([Int])
        case contended
    }

    /// A plan the caller is asked to write, with the vendors' windows its suborders need.
    struct Routed: Sendable {
        let plan: RoutingPlan
        let windows: VendorWindows
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

    /// The one plan-and-reserve step, behind placement, approval and rerouting: plan against the
    /// stock as read now, hand the plan to `write`, and plan again when `write` reports (nil)
    /// that another order took the stock first. `write` reserves and writes in the caller's
    /// transaction (`reserving` for the plain case); an unservable plan writes nothing.
    /// `offers`: the candidates as the caller already read them, for the first attempt only.
    static func planAndReserve<Written>(
        _ tx: Transaction, lines: [PlanningLine], fulfillments: [Fulfillment], currency: String, deliverBy: Date?,
        excluding: Set<LocationKey> = [], now: Date, priceBook: PriceBook = PriceBook(), offers readAhead: [StockOffer]? = nil,
        write: (Routed) async throws -> Written?
    ) async throws -> Outcome<Written> {
        var readAhead = readAhead
        for _ in 0..<maxAttempts {
            let (result, offers) = try await plan(
                tx, lines: lines, fulfillments: fulfillments, currency: currency, deliverBy: deliverBy, excluding: excluding,
                now: now, priceBook: priceBook, offers: readAhead)
            readAhead = nil
            switch result {
            case .infeasible(let indexes):
                return .unservable(indexes)
            case .planned(let plan):
                if let written = try await write(Routed(plan: plan, windows: windows(offers))) {
                    return .routed(written)
                }
            }
        }
        return .contended
    }

    /// How often a plan is made again when its stock was taken between the read and the lock.
    static let maxAttempts = 5

    /// `write` for callers that only reserve the plan's units (through `StockReservations`) and
    /// write their suborders afterwards.
    static func reserving(_ tx: Transaction) -> (Routed) async throws -> Routed? {
        { routed in try await StockReservations.reserve(tx, units(routed.plan)) ? routed : nil }
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
