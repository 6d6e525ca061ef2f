/// Who is asking, as the customer-service domain needs to know it (the API maps its token
/// roles onto this; finance never reaches these paths).
public struct Caller: Sendable, Equatable {
    public enum Role: String, Sendable {
        case `operator`, channel, vendor
    }

    public let role: Role
    public let vendorId: String?
    public let channel: String?

    public init(role: Role, vendorId: String? = nil, channel: String? = nil) {
        self.role = role
        self.vendorId = vendorId
        self.channel = channel
    }

    public static let `operator` = Caller(role: .operator)

    /// The vendor a vendor caller is bound to; nil for everyone else (who see everything).
    public var vendorScope: String? { role == .vendor ? vendorId : nil }
}

/// The caller's role may see the resource but not do this to it (a vendor acting on a return
/// that also holds other vendors' lines). The API answers 403.
public struct AccessDenied: Error, Sendable, CustomStringConvertible {
    public let detail: String

    public init(_ detail: String) { self.detail = detail }

    public var description: String { detail }
}
