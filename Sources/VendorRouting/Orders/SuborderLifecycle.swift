import CommerceCore
import EventOutbox
public import Foundation
public import OrderCore
public import Postgres
import RoutePlanning

/// Details an action carries.
public struct ActionDetails: Sendable {
    public var reason: String?
    public var carrier: String?
    public var trackingNumber: String?
    /// Units refused on accept (v1.2 partial acceptance); empty for a plain accept.
    public var refusals: [Refusal]

    public init(reason: String? = nil, carrier: String? = nil, trackingNumber: String? = nil, refusals: [Refusal] = []) {
        self.reason = reason
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.refusals = refusals
    }
}

extension SuborderAction {
    /// The event the vendor hears of the change by (cancel writes `suborder.cancelled` itself,
    /// since an order cancel reaches it by another path).
    var eventType: String? {
        switch self {
        case .accept: "suborder.accepted"
        case .reject: "suborder.rejected"
        case .expire: "suborder.expired"
        case .ship: "suborder.shipped"
        case .deliver: "suborder.delivered"
        case .cancel: nil
        }
    }
}

/// Suborder transitions with their stock effects, rerouting, order cancel and the SLA sweep.
/// Every path locks the order row first, then the suborder, then stock rows (in the global
/// order `StockReservations` keeps), so concurrent changes serialise without deadlocks.
public enum SuborderLifecycle {
    /// Applies `action` to a suborder. `vendorScope` limits a vendor caller to its own
    /// suborders (another vendor's is reported as not found).
    public static func perform(
        _ tx: Transaction, suborderId: String, action: SuborderAction, details: ActionDetails = ActionDetails(),
        vendorScope: String?, now: Date = Date()
    ) async throws -> Suborder {
        let owner = try await tx.query("SELECT s.order_id, s.vendor_id FROM suborders s WHERE s.id = $1", [suborderId])
        guard let row = owner.first else { throw DomainError.notFound("Suborder \(suborderId)") }
        if let vendorScope, try row.string("vendor_id") != vendorScope {
            throw DomainError.notFound("Suborder \(suborderId)")
        }
        let orderId = try row.string("order_id")
        _ = try await OrderStore.lockOrder(tx, id: orderId)
        guard let suborder = try await OrderStore.suborder(tx, id: suborderId, forUpdate: true) else {
            throw DomainError.notFound("Suborder \(suborderId)")
        }
        guard let target = SuborderTransitions.apply(action, to: suborder.status) else {
            throw DomainError.invalidTransition(
                "Suborder \(suborderId) is \(suborder.status.rawValue); \(action.rawValue) is allowed only from "
                    + action.allowedFrom.map(\.rawValue).sorted().joined(separator: " or ") + ".")
        }
        if action == .ship, !suborder.fulfillment.isPickup {
            // A shipment needs its carrier and tracking number; a pickup is handed over at the
            // counter, so they are optional there.
            var missing: [FieldError] = []
            if details.carrier == nil { missing.append(FieldError("carrier", "is required to ship a delivery")) }
            if details.trackingNumber == nil { missing.append(FieldError("tracking_number", "is required to ship a delivery")) }
            if !missing.isEmpty { throw DomainError.validation(missing) }
        }
        if action == .accept, now > suborder.acceptBy {
            throw DomainError.invalidTransition(
                "Suborder \(suborderId) had to be accepted by \(RFC3339.format(suborder.acceptBy)); it will be rerouted.")
        }
        switch action {
        case .accept where !details.refusals.isEmpty:
            try await acceptPartly(tx, suborder, refusals: details.refusals, now: now)
        case .accept:
            try await OrderStore.updateStatus(tx, suborder, to: target)
        case .ship:
            try await StockReservations.consume(tx, suborder.stockUnits)
            try await OrderStore.updateStatus(
                tx, suborder, to: target, carrier: details.carrier, trackingNumber: details.trackingNumber)
        case .deliver:
            try await OrderStore.updateStatus(tx, suborder, to: target, delivered: true)
        case .cancel:
            try await cancel(tx, suborder, reason: details.reason, now: now)
        case .reject, .expire:
            // Rerouting releases here and reserves elsewhere: lock every row it may touch
            // first, in the global order, so crossing reroutes cannot deadlock.
            try await StockReservations.lockAll(tx, skus: suborder.lines.map(\.sku))
            try await StockReservations.release(tx, suborder.stockUnits)
            try await OrderStore.updateStatus(tx, suborder, to: target, reason: details.reason)
            try await reroute(tx, suborder, now: now)
        }
        try await OrderStore.refreshOrderStatus(tx, orderId: orderId)
        guard let updated = try await OrderStore.suborder(tx, id: suborderId) else {
            throw DomainError.notFound("Suborder \(suborderId)")
        }
        if let type = action.eventType {
            try await Outbox.enqueue(tx, [Outbox.Event(vendorId: updated.vendorId, type: type, data: updated.vendorJSON)], now: now)
        }
        return updated
    }

    /// Cancels a suborder that still holds its reservation: stock back, units cancelled on the
    /// order lines, `suborder.cancelled` to the vendor.
    static func cancel(_ tx: Transaction, _ suborder: Suborder, reason: String?, now: Date) async throws {
        try await StockReservations.release(tx, suborder.stockUnits)
        try await OrderStore.updateStatus(tx, suborder, to: .cancelled, reason: reason)
        var units: [String: Int] = [:]
        for line in suborder.lines { units[line.orderLineId, default: 0] += line.quantity }
        try await OrderStore.cancelUnits(tx, units)
        if let updated = try await OrderStore.suborder(tx, id: suborder.id) {
            try await Outbox.enqueue(
                tx, [Outbox.Event(vendorId: updated.vendorId, type: "suborder.cancelled", data: updated.vendorJSON)], now: now)
        }
    }

    /// Accepts a pending suborder but for the refused units: they leave its lines (which keep
    /// them as `refused_quantity`), their reservation is released and they are rerouted like
    /// rejected units, into suborders that replace this one.
    static func acceptPartly(_ tx: Transaction, _ suborder: Suborder, refusals: [Refusal], now: Date) async throws {
        let refused = try PartialAcceptance.check(refusals, lines: suborder.lines)
        // Released here and reserved elsewhere: lock every row it may touch first, in the
        // global order, as reject does.
        try await StockReservations.lockAll(tx, skus: refused.map(\.line.sku))
        try await StockReservations.release(
            tx,
            refused.map {
                StockUnits(vendorId: suborder.vendorId, location: suborder.location, sku: $0.line.sku, quantity: $0.quantity)
            })
        try await OrderStore.refuseUnits(tx, suborderId: suborder.id, refusals)
        try await OrderStore.updateStatus(tx, suborder, to: .accepted)
        try await reroute(tx, from: suborder, units: refused, now: now)
    }

    /// Routes a rejected or expired suborder's lines again (see `reroute(_:from:units:now:)`);
    /// the old suborder's `replaced_by` names the first replacement.
    static func reroute(_ tx: Transaction, _ old: Suborder, now: Date) async throws {
        let units = old.lines.map { PartialAcceptance.RefusedUnits(line: $0, quantity: $0.quantity) }
        let created = try await reroute(tx, from: old, units: units, now: now)
        if let first = created.first {
            try await OrderStore.setReplacedBy(tx, suborderId: old.id, replacedBy: first.id)
        }
    }

    /// Routes these units of `old`'s lines again, excluding only its own (vendor, location), with
    /// `old`'s own fulfilment (a pickup suborder's lines stay pickups at that location, so they
    /// find no other candidate), into new suborders whose `replaces` is `old`. All lines together when one plan covers them,
    /// otherwise line by line; a line nothing can take is cancelled on the order. Returns the
    /// new suborders.
    @discardableResult
    static func reroute(
        _ tx: Transaction, from old: Suborder, units: [PartialAcceptance.RefusedUnits], now: Date
    ) async throws -> [Suborder] {
        let units = units.filter { $0.quantity > 0 }
        guard !units.isEmpty, let order = try await OrderStore.order(tx, id: old.orderId) else { return [] }
        let orderLines = Dictionary(uniqueKeysWithValues: order.lines.map { ($0.id, $0) })
        let planningLines = units.enumerated().map { i, unit in
            PlanningLine(
                index: i, sku: unit.line.sku, quantity: unit.quantity, vendorId: orderLines[unit.line.orderLineId]?.vendorId,
                maxUnitPrice: orderLines[unit.line.orderLineId]?.maxUnitPrice)
        }
        let excluded: Set<LocationKey> = [LocationKey(vendorId: old.vendorId, location: old.location)]
        var created: [Suborder] = []
        var cancelledUnits: [String: Int] = [:]

        func route(_ lines: [PlanningLine]) async throws -> [Suborder]? {
            let outcome = try await Routing.planAndReserve(
                tx,
                lines: lines.enumerated().map { i, line in
                    PlanningLine(index: i, sku: line.sku, quantity: line.quantity, vendorId: line.vendorId, maxUnitPrice: line.maxUnitPrice)
                }, fulfillments: [old.fulfillment], currency: order.currency, deliverBy: order.deliverBy, excluding: excluded,
                now: now, write: Routing.reserving(tx))
            guard case .routed(let routed) = outcome else { return nil }
            return Routing.suborders(
                from: routed.plan, orderId: order.id, currency: order.currency,
                orderLineIds: lines.map { units[$0.index].line.orderLineId }, fulfillments: [old.fulfillment],
                windows: routed.windows, replaces: old.id, now: now)
        }

        if let together = try await route(planningLines) {
            created = together
        } else {
            for line in planningLines {
                if let single = try await route([line]) {
                    created.append(contentsOf: single)
                } else {
                    cancelledUnits[units[line.index].line.orderLineId, default: 0] += line.quantity
                }
            }
        }
        try await OrderStore.insertSuborders(tx, created)
        try await Outbox.enqueue(
            tx, created.map { Outbox.Event(vendorId: $0.vendorId, type: "suborder.created", data: $0.vendorJSON) }, now: now)
        try await OrderStore.cancelUnits(tx, cancelledUnits)
        return created
    }

    /// Cancels every suborder of the order that has not shipped yet.
    public static func cancelOrder(_ tx: Transaction, orderId: String, reason: String?, now: Date = Date()) async throws -> Order {
        guard try await OrderStore.lockOrder(tx, id: orderId) else { throw DomainError.notFound("Order \(orderId)") }
        let suborders = try await OrderStore.suborders(tx, orderId: orderId)
        let cancellable = suborders.filter { $0.status.holdsReservation }
        guard !cancellable.isEmpty else {
            throw DomainError.invalidTransition("Order \(orderId) has no suborder that can still be cancelled.")
        }
        _ = try await tx.query(
            "SELECT 1 FROM suborders WHERE id = ANY($1) ORDER BY id FOR UPDATE", [cancellable.map(\.id)])
        try await StockReservations.lock(tx, StockUnits.aggregate(cancellable.flatMap(\.stockUnits)))
        for suborder in cancellable {
            try await cancel(tx, suborder, reason: reason ?? "order cancelled", now: now)
        }
        try await OrderStore.refreshOrderStatus(tx, orderId: orderId)
        guard let order = try await OrderStore.order(tx, id: orderId) else { throw DomainError.notFound("Order \(orderId)") }
        return order
    }

    /// Suborders past their acceptance deadline, oldest first (candidates for the sweep).
    /// `skipping` holds suborders this sweep already failed to expire, so one that cannot be
    /// expired never blocks the ones behind it.
    public static func overdue(_ db: any Queryable, limit: Int = 200, skipping: [String] = []) async throws -> [String] {
        try await db.query(
            """
            SELECT id FROM suborders WHERE status = 'pending_acceptance' AND accept_by < now()
              AND id <> ALL($2::text[])
            ORDER BY accept_by LIMIT $1
            """, [limit, skipping]
        ).rows.map { try $0.string("id") }
    }

    /// Expires one overdue suborder and reroutes it; false when it was no longer pending or no
    /// longer overdue (another sweep or a vendor got there first).
    public static func expireIfOverdue(_ tx: Transaction, suborderId: String, now: Date = Date()) async throws -> Bool {
        guard let row = try await tx.query("SELECT order_id FROM suborders WHERE id = $1", [suborderId]).first else {
            return false
        }
        _ = try await OrderStore.lockOrder(tx, id: try row.string("order_id"))
        guard let suborder = try await OrderStore.suborder(tx, id: suborderId, forUpdate: true),
            suborder.status == .pendingAcceptance, suborder.acceptBy < now
        else { return false }
        _ = try await perform(
            tx, suborderId: suborderId, action: .expire,
            details: ActionDetails(reason: "not accepted by \(RFC3339.format(suborder.acceptBy))"), vendorScope: nil,
            now: now)
        return true
    }
}

/// The SLA sweep: expires and reroutes every suborder not accepted in time. Each suborder is
/// handled in its own transaction behind the order lock, so several sweeps (several `serve`
/// processes, or the API's manual trigger) never expire the same suborder twice.
public enum SLASweep {
    public static let batchSize = 200

    static func databaseIsFailing(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable || error is DatabaseOutcomeUnknown { return true }
        return (error as? PostgresError)?.isConnectionFailure == true
    }

    /// What one sweep did.
    public struct Outcome: Sendable, Equatable {
        /// Suborders this sweep expired (and rerouted).
        public var expired = 0
        /// Suborders whose expiry failed; each was skipped, and the next sweep tries it again.
        public var failed: [String] = []
        /// The sweep stopped early because `shouldContinue` said so (shutdown).
        public var interrupted = false
    }

    /// Sweeps until nothing overdue is left. `shouldContinue` is asked between suborders, so a
    /// shutting-down server stops within one transaction; `onFailure` hears of each suborder
    /// whose expiry failed, which is skipped rather than aborting the sweep for everyone else.
    public static func run(
        _ pool: ConnectionPool, now: @Sendable () -> Date = { Date() },
        shouldContinue: @Sendable () -> Bool = { !Task.isCancelled },
        onFailure: @Sendable (String, any Error) -> Void = { _, _ in }
    ) async throws -> Outcome {
        var outcome = Outcome()
        while true {
            guard shouldContinue() else {
                outcome.interrupted = true
                return outcome
            }
            let ids = try await SuborderLifecycle.overdue(pool, limit: batchSize, skipping: outcome.failed)
            var progressed = 0
            for id in ids {
                guard shouldContinue() else {
                    outcome.interrupted = true
                    return outcome
                }
                do {
                    let done = try await pool.transaction { tx in
                        try await SuborderLifecycle.expireIfOverdue(tx, suborderId: id, now: now())
                    }
                    if done {
                        outcome.expired += 1
                        progressed += 1
                    }
                } catch let error where Self.databaseIsFailing(error) {
                    // The database itself is failing: every other suborder would fail the same way,
                    // each only after its own deadline.
                    throw error
                } catch {
                    outcome.failed.append(id)
                    onFailure(id, error)
                }
            }
            // A full batch means more may be waiting; a batch another sweep took means stop.
            if ids.count < batchSize || progressed == 0 { return outcome }
        }
    }
}
