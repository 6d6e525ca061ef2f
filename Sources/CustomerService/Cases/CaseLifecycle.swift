import CommerceCore
public import CustomerServiceCore
import EventOutbox
public import Foundation
public import Postgres

/// A case as the API parsed it (shape already checked).
public struct NewCase: Sendable {
    public let customerId: String
    public let subject: String
    public let message: String
    public let channel: String?
    public let orderId: String?
    public let suborderId: String?
    public let returnId: String?

    public init(
        customerId: String, subject: String, message: String, channel: String?, orderId: String?, suborderId: String?,
        returnId: String?
    ) {
        self.customerId = customerId
        self.subject = subject
        self.message = message
        self.channel = channel
        self.orderId = orderId
        self.suborderId = suborderId
        self.returnId = returnId
    }
}

/// Opening cases, writing to them and resolving them, with their outbox events. Every change
/// to an existing case locks its row first. Nothing here commits.
public enum CaseLifecycle {
    /// Opens a case with its first message and sends `case.created` to every vendor it concerns.
    public static func open(
        _ tx: Transaction, _ request: NewCase, caller: Caller, firstResponseSeconds: Int, now: Date = Date()
    ) async throws -> SupportCase {
        let order = try await request.orderId.asyncMap { (id: $0, facts: try await CaseStore.orderFacts(tx, id: $0)) }
        let suborder = try await request.suborderId.asyncMap { (id: $0, facts: try await CaseStore.suborderFacts(tx, id: $0)) }
        let ret = try await request.returnId.asyncMap { (id: $0, facts: try await CaseStore.returnFacts(tx, id: $0)) }
        var errors = CaseRules.checkLinks(customerId: request.customerId, order: order, suborder: suborder, ret: ret)
        let linksValid = errors.isEmpty
        let (channel, channelError) = try await caller.channel(named: request.channel, in: tx) {
            linksValid ? CaseRules.inheritedChannel(order: order?.facts, suborder: suborder?.facts, ret: ret?.facts) : nil
        }
        if let channelError {
            errors.append(channelError)
        } else if channel == nil, linksValid {
            errors.append(FieldError("channel", "is required when the case names no order, suborder or return"))
        }
        guard errors.isEmpty, let channel else { throw DomainError.validation(errors) }

        let opening = CaseMessage(
            id: Identifier.make("msg"), seq: 0, caseId: "", authorRole: caller.role, body: request.message, at: now)
        let draft = SupportCase(
            id: Identifier.make("cas"), seq: 0, channel: channel, customerId: request.customerId, subject: request.subject,
            status: .open, orderId: request.orderId, suborderId: request.suborderId, returnId: request.returnId,
            firstResponseDue: CaseRules.firstResponseDue(openedAt: now, windowSeconds: firstResponseSeconds),
            firstResponseAt: nil, resolvedAt: nil, messages: [], createdAt: now, updatedAt: now)
        try await CaseStore.insert(tx, draft, opening: opening, author: caller)
        guard let stored = try await CaseStore.find(tx, id: draft.id) else { throw DomainError.notFound("Case \(draft.id)") }
        let vendors = try await CaseStore.concernedVendors(tx, stored)
        try await Outbox.enqueue(
            tx, vendors.map { Outbox.Event(vendorId: $0, type: "case.created", data: stored.json) }, now: now)
        return stored
    }

    /// The case, if `caller` may see it: channels and operators see every case, a vendor only
    /// one whose links concern it (otherwise it does not exist for the vendor).
    public static func read(_ db: any Queryable, id: String, caller: Caller, forUpdate: Bool = false) async throws
        -> SupportCase
    {
        guard let found = try await CaseStore.find(db, id: id, forUpdate: forUpdate) else {
            throw DomainError.notFound("Case \(id)")
        }
        if let vendorId = caller.vendorScope {
            guard try await CaseStore.concernedVendors(db, found).contains(vendorId) else {
                throw DomainError.notFound("Case \(id)")
            }
        }
        return found
    }

    /// Adds a message to an open case and sends `case.message_created` to every vendor it concerns.
    public static func post(_ tx: Transaction, caseId: String, body: String, caller: Caller, now: Date = Date()) async throws
        -> CaseMessage
    {
        let found = try await read(tx, id: caseId, caller: caller, forUpdate: true)
        guard CaseRules.canPost(to: found.status) else {
            throw DomainError.invalidTransition("Case \(caseId) is \(found.status.rawValue); messages can be added only while it is open.")
        }
        let message = try await CaseStore.insertMessage(
            tx, caseId: caseId, id: Identifier.make("msg"), author: caller, body: body,
            firstResponse: CaseRules.isFirstResponse(by: caller.role, alreadyAnswered: found.firstResponseAt != nil))
        let vendors = try await CaseStore.concernedVendors(tx, found)
        try await Outbox.enqueue(
            tx, vendors.map { Outbox.Event(vendorId: $0, type: "case.message_created", data: message.json) }, now: now)
        return message
    }

    /// open → resolved.
    public static func resolve(_ tx: Transaction, caseId: String, caller: Caller) async throws -> SupportCase {
        let found = try await read(tx, id: caseId, caller: caller, forUpdate: true)
        guard let target = CaseRules.resolve(found.status) else {
            throw DomainError.invalidTransition("Case \(caseId) is \(found.status.rawValue); only an open case can be resolved.")
        }
        try await CaseStore.updateStatus(tx, id: caseId, to: target)
        guard let updated = try await CaseStore.find(tx, id: caseId) else { throw DomainError.notFound("Case \(caseId)") }
        let vendors = try await CaseStore.concernedVendors(tx, updated)
        try await Outbox.enqueue(tx, vendors.map { Outbox.Event(vendorId: $0, type: "case.resolved", data: updated.json) })
        return updated
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .none: nil
        case .some(let value): try await transform(value)
        }
    }
}
