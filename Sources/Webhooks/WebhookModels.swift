public import CommerceCore
public import Foundation

public enum WebhookEventType: String, Sendable, CaseIterable {
    case suborderCreated = "suborder.created"
    case suborderCancelled = "suborder.cancelled"
    case suborderAccepted = "suborder.accepted"
    case suborderRejected = "suborder.rejected"
    case suborderExpired = "suborder.expired"
    case suborderShipped = "suborder.shipped"
    case suborderDelivered = "suborder.delivered"
    case returnUpdated = "return.updated"
    case caseResolved = "case.resolved"
    case returnCreated = "return.created"
    case caseCreated = "case.created"
    case caseMessageCreated = "case.message_created"
    case settlementStatementCreated = "settlement.statement_created"
}

public struct WebhookEndpoint: Sendable, JSONRepresentable {
    public let id: String
    public let vendorId: String
    public let url: String
    /// nil: every event type.
    public let events: [String]?
    public let createdAt: Date

    public var json: JSONValue {
        [
            "id": .string(id), "vendor_id": .string(vendorId), "url": .string(url),
            "events": .array((events ?? WebhookEventType.allCases.map(\.rawValue)).map { .string($0) }),
            "created_at": .string(RFC3339.format(createdAt)),
        ]
    }
}

public enum DeliveryStatus: String, Sendable {
    case pending, succeeded, failed
}

public struct WebhookDelivery: Sendable, JSONRepresentable {
    public let id: String
    public let eventId: String
    public let endpointId: String
    public let vendorId: String
    public let type: String
    public let status: DeliveryStatus
    public let attempts: Int
    public let lastStatusCode: Int?
    public let lastError: String?
    public let lastAttemptAt: Date?
    public let nextAttemptAt: Date?
    public let createdAt: Date

    public var json: JSONValue {
        [
            "id": .string(id), "event_id": .string(eventId), "endpoint_id": .string(endpointId), "type": .string(type),
            "status": .string(status.rawValue), "attempts": .int(Int64(attempts)), "last_status_code": .from(lastStatusCode),
            "last_error": .from(lastError), "last_attempt_at": lastAttemptAt.map { .string(RFC3339.format($0)) } ?? .null,
            "next_attempt_at": nextAttemptAt.map { .string(RFC3339.format($0)) } ?? .null,
            "created_at": .string(RFC3339.format(createdAt)),
        ]
    }
}

/// Why an attempt got no complete HTTP answer: the only values `last_error` takes. Never raw
/// network error text, which would tell a tenant what the server's network looks like.
public enum DeliveryError: String, Sendable, CaseIterable {
    /// The attempt's deadline passed: resolving, connecting, sending, headers or body.
    case timeout
    /// DNS failure, refused or reset connection, malformed answer.
    case connectionFailed = "connection_failed"
    /// The TLS handshake failed (certificate, protocol).
    case tls
    /// The host resolves to an address the target policy refuses.
    case refusedTarget = "refused_target"
}
