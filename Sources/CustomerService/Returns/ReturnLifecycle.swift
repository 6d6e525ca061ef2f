import CommerceCore
public import CustomerServiceCore
import EventOutbox
public import Foundation
import OrderCore
public import Postgres

/// A return request as the API parsed it (shape already checked).
public struct NewReturn: Sendable {
    public let orderId: String
    /// The channel named in the body, if any (operators may name one; a channel key's own).
    public let channel: String?
    public let method: ReturnMethod
    public let location: ReturnLocation?
    public let lines: [ReturnRules.RequestedLine]

    public init(orderId: String, channel: String?, method: ReturnMethod, location: ReturnLocation?, lines: [ReturnRules.RequestedLine]) {
        self.orderId = orderId
        self.channel = channel
        self.method = method
        self.location = location
        self.lines = lines
    }
}

/// What an action carries.
public struct ReturnActionDetails: Sendable {
    public var reason: String?
    public var received: [ReturnRules.ReceivedLine]

    public init(reason: String? = nil, received: [ReturnRules.ReceivedLine] = []) {
        self.reason = reason
        self.received = received
    }
}

/// Creating returns and moving them through their states, with their stock and outbox effects.
/// Creation locks the order row, then the suborder lines (in id order); actions lock the
/// return row, then stock rows. Nothing here commits: the caller owns the transaction.
public enum ReturnLifecycle {
    /// Validates the request against the order and what is still returnable, writes the return
    /// and sends `return.created` to each vendor with lines in it (only its lines).
    public static func create(_ tx: Transaction, _ request: NewReturn, caller: Caller, now: Date = Date()) async throws -> Return {
        var errors: [FieldError] = []
        let order = try await ReturnStore.lockOrder(tx, id: request.orderId)
        if order == nil { errors.append(FieldError("order_id", "no order '\(request.orderId)'")) }
        let (channel, channelError) = try await caller.channel(named: request.channel, in: tx) { order?.channel }
        if let channelError { errors.append(channelError) }
        if let location = request.location, !(try await ReturnStore.locationExists(tx, location)) {
            errors.append(FieldError("location", "vendor \(location.vendorId) has no location '\(location.code)'"))
        }
        var ordered: [String: ReturnRules.OrderedLine] = [:]
        if let order {
            ordered = try await ReturnStore.lockOrderedLines(tx, orderId: order.id, lineIds: request.lines.map(\.suborderLineId))
            errors.append(
                contentsOf: ReturnRules.checkRequest(
                    request.lines, ordered: ordered, orderId: order.id, location: request.location))
        }
        guard errors.isEmpty, let order, let channel else { throw DomainError.validation(errors) }

        let ret = Return(
            id: Identifier.make("ret"), seq: 0, orderId: order.id, channel: channel, customerId: order.customerId,
            status: .requested, method: request.method, location: request.location, currency: order.currency,
            lines: request.lines.map { line in
                let found = ordered[line.suborderLineId]!
                return ReturnLine(
                    id: Identifier.make("rtl"), suborderLineId: found.id, suborderId: found.suborderId,
                    vendorId: found.vendorId, sku: found.sku, quantity: line.quantity, reason: line.reason,
                    unitPrice: found.unitPrice)
            }, reason: nil, receivedAt: nil, createdAt: now, updatedAt: now)
        try await ReturnStore.insert(tx, ret)
        guard let stored = try await ReturnStore.find(tx, id: ret.id) else { throw DomainError.notFound("Return \(ret.id)") }
        try await Outbox.enqueue(
            tx,
            stored.vendorIds.map {
                Outbox.Event(vendorId: $0, type: "return.created", data: stored.visible(to: $0).json)
            }, now: now)
        return stored
    }

    /// A return as `caller` may see it: a vendor only with lines of its own, and only those.
    public static func read(_ db: any Queryable, id: String, caller: Caller) async throws -> Return {
        guard let ret = try await ReturnStore.find(db, id: id) else { throw DomainError.notFound("Return \(id)") }
        if let vendorId = caller.vendorScope {
            guard VendorShare.of(vendorId, in: ret.lines) != .none else { throw DomainError.notFound("Return \(id)") }
        }
        return ret.visible(to: caller.vendorScope)
    }

    /// Applies `action`. A vendor acts only on a return whose every line is its own: with none
    /// of its lines the return does not exist for it (404), with some it may not act (403).
    public static func perform(
        _ tx: Transaction, returnId: String, action: ReturnAction, details: ReturnActionDetails = ReturnActionDetails(),
        caller: Caller
    ) async throws -> Return {
        guard let ret = try await ReturnStore.find(tx, id: returnId, forUpdate: true) else {
            throw DomainError.notFound("Return \(returnId)")
        }
        if let vendorId = caller.vendorScope {
            switch VendorShare.of(vendorId, in: ret.lines) {
            case .none: throw DomainError.notFound("Return \(returnId)")
            case .some:
                throw AccessDenied("Return \(returnId) also holds other vendors' lines; only an operator may \(action.rawValue) it.")
            case .all: break
            }
        }
        guard let target = ReturnRules.apply(action, to: ret.status, method: ret.method) else {
            let allowed = ReturnRules.allowedFrom(action, method: ret.method).map(\.rawValue).joined(separator: " or ")
            throw DomainError.invalidTransition(
                "Return \(returnId) is \(ret.status.rawValue); a\(ret.method == .inStore ? "n in-store" : " courier") return "
                    + "can be \(action == .approve ? "approved" : action == .reject ? "rejected" : "received") only when \(allowed).")
        }
        switch action {
        case .approve:
            try await ReturnStore.updateStatus(tx, id: returnId, to: target)
        case .reject:
            try await ReturnStore.updateStatus(tx, id: returnId, to: target, reason: details.reason)
        case .receive:
            let lines: [ReturnLine]
            switch ReturnRules.receipt(details.received, lines: ret.lines) {
            case .success(let receipt): lines = receipt
            case .failure(let error): throw error
            }
            try await ReturnStore.recordReceipt(tx, returnId: returnId, lines: lines)
            let shippedFrom = ret.location == nil ? try await ReturnStore.shippingLocations(tx, returnId: returnId) : [:]
            let units = lines.compactMap { line -> (location: ReturnLocation, sku: String, quantity: Int)? in
                guard line.restockedQuantity > 0, let location = ret.location ?? shippedFrom[line.id] else { return nil }
                return (location, line.sku, line.restockedQuantity)
            }
            try await ReturnStore.restock(tx, units)
            try await ReturnStore.updateStatus(tx, id: returnId, to: target)
        }
        guard let updated = try await ReturnStore.find(tx, id: returnId) else { throw DomainError.notFound("Return \(returnId)") }
        // Each vendor with lines in it hears of the change, seeing only its own lines.
        try await Outbox.enqueue(
            tx, updated.vendorIds.map { Outbox.Event(vendorId: $0, type: "return.updated", data: updated.visible(to: $0).json) })
        return updated.visible(to: caller.vendorScope)
    }
}
