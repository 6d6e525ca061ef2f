public import CommerceCore
public import Foundation

public enum CaseStatus: String, Sendable, CaseIterable {
    case open, resolved
}

/// One message of a case. `author_role` is the role of the token that wrote it.
public struct CaseMessage: Sendable, JSONRepresentable, Equatable {
    public let id: String
    public let seq: Int64
    public let caseId: String
    public let authorRole: Caller.Role
    public let body: String
    public let at: Date

    public init(id: String, seq: Int64, caseId: String, authorRole: Caller.Role, body: String, at: Date) {
        self.id = id
        self.seq = seq
        self.caseId = caseId
        self.authorRole = authorRole
        self.body = body
        self.at = at
    }

    public var json: JSONValue {
        [
            "id": .string(id), "case_id": .string(caseId), "author_role": .string(authorRole.rawValue), "body": .string(body),
            "at": .string(RFC3339.format(at)),
        ]
    }
}

/// A customer-service case. It keeps exactly the links it was opened with.
public struct SupportCase: Sendable, JSONRepresentable {
    public let id: String
    public let seq: Int64
    public let channel: String
    public let customerId: String
    public let subject: String
    public var status: CaseStatus
    public let orderId: String?
    public let suborderId: String?
    public let returnId: String?
    public let firstResponseDue: Date
    public var firstResponseAt: Date?
    public var resolvedAt: Date?
    public var messages: [CaseMessage]
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, seq: Int64, channel: String, customerId: String, subject: String, status: CaseStatus, orderId: String?,
        suborderId: String?, returnId: String?, firstResponseDue: Date, firstResponseAt: Date?, resolvedAt: Date?,
        messages: [CaseMessage], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.seq = seq
        self.channel = channel
        self.customerId = customerId
        self.subject = subject
        self.status = status
        self.orderId = orderId
        self.suborderId = suborderId
        self.returnId = returnId
        self.firstResponseDue = firstResponseDue
        self.firstResponseAt = firstResponseAt
        self.resolvedAt = resolvedAt
        self.messages = messages
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        [
            "id": .string(id), "status": .string(status.rawValue), "channel": .string(channel),
            "customer_id": .string(customerId), "subject": .string(subject), "order_id": .from(orderId),
            "suborder_id": .from(suborderId), "return_id": .from(returnId),
            "first_response_due": .string(RFC3339.format(firstResponseDue)),
            "first_response_at": firstResponseAt.map { .string(RFC3339.format($0)) } ?? .null,
            "resolved_at": resolvedAt.map { .string(RFC3339.format($0)) } ?? .null, "messages": .from(messages),
            "created_at": .string(RFC3339.format(createdAt)), "updated_at": .string(RFC3339.format(updatedAt)),
        ]
    }
}
