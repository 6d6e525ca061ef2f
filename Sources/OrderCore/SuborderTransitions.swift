/// The suborder state machine: which action may move a suborder from which status.
public enum SuborderAction: String, Sendable {
    case accept, reject, ship, deliver, cancel, expire

    public var target: SuborderStatus {
        switch self {
        case .accept: .accepted
        case .reject: .rejected
        case .ship: .shipped
        case .deliver: .delivered
        case .cancel: .cancelled
        case .expire: .expired
        }
    }

    public var allowedFrom: Set<SuborderStatus> {
        switch self {
        case .accept, .reject, .expire: [.pendingAcceptance]
        case .ship: [.accepted]
        case .deliver: [.shipped]
        case .cancel: [.pendingAcceptance, .accepted]
        }
    }
}

public enum SuborderTransitions {
    /// The new status, or nil when the action is not allowed from `status`.
    public static func apply(_ action: SuborderAction, to status: SuborderStatus) -> SuborderStatus? {
        action.allowedFrom.contains(status) ? action.target : nil
    }

    /// Order status from its suborders and lines, as the contract defines it.
    public static func orderStatus(suborders: [SuborderStatus], quantity: Int, cancelledQuantity: Int) -> OrderStatus {
        if suborders.contains(where: \.isActive) { return .open }
        if cancelledQuantity >= quantity { return .cancelled }
        if suborders.contains(.delivered) { return .completed }
        // Nothing active and nothing delivered yet units are not all cancelled: only possible
        // mid-transaction, before a reroute writes its replacement suborders.
        return .open
    }
}
