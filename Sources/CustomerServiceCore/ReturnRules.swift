public import CommerceCore

/// What a vendor or operator can do to a return.
public enum ReturnAction: String, Sendable, CaseIterable {
    case approve, receive, reject
}

/// How much of a return a vendor owns: the vendor acts on a return only when every line is
/// its own; with none it does not see the return at all.
public enum VendorShare: Sendable, Equatable {
    case all, some, none

    public static func of(_ vendorId: String, in lines: [ReturnLine]) -> VendorShare {
        let own = lines.filter { $0.vendorId == vendorId }.count
        if own == 0 { return .none }
        return own == lines.count ? .all : .some
    }
}

/// The pure core of returns: the state machine, what may be returned, what a receipt does.
/// Values in, values out; the store and the lifecycle do the I/O.
public enum ReturnRules {
    // MARK: state machine

    /// Statuses `action` may start from. A courier return must be approved before it can be
    /// received (the customer ships it back only then); an in-store return may be received at once.
    public static func allowedFrom(_ action: ReturnAction, method: ReturnMethod) -> [ReturnStatus] {
        switch action {
        case .approve: [.requested]
        case .reject: [.requested, .approved]
        case .receive: method == .inStore ? [.requested, .approved] : [.approved]
        }
    }

    public static func target(of action: ReturnAction) -> ReturnStatus {
        switch action {
        case .approve: .approved
        case .reject: .rejected
        case .receive: .refunded
        }
    }

    /// The new status, or nil when `action` is not allowed from `status`.
    public static func apply(_ action: ReturnAction, to status: ReturnStatus, method: ReturnMethod) -> ReturnStatus? {
        allowedFrom(action, method: method).contains(status) ? target(of: action) : nil
    }

    // MARK: amounts

    public static func refundAmount(_ lines: [ReturnLine]) -> Int64 {
        lines.reduce(0) { $0 + $1.unitPrice * Int64($1.quantity) }
    }

    public static func refundedAmount(_ lines: [ReturnLine]) -> Int64 {
        lines.reduce(0) { $0 + $1.unitPrice * Int64($1.receivedQuantity) }
    }

    // MARK: requesting a return

    /// A suborder line of the order, as a return request finds it.
    public struct OrderedLine: Sendable, Equatable {
        public let id: String
        public let suborderId: String
        public let vendorId: String
        public let sku: String
        public let quantity: Int
        public let unitPrice: Int64
        /// Its suborder is `shipped` or `delivered`.
        public let shipped: Bool
        /// Units of this line already in returns that are not `rejected`.
        public let alreadyReturned: Int

        public init(
            id: String, suborderId: String, vendorId: String, sku: String, quantity: Int, unitPrice: Int64, shipped: Bool,
            alreadyReturned: Int
        ) {
            self.id = id
            self.suborderId = suborderId
            self.vendorId = vendorId
            self.sku = sku
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.shipped = shipped
            self.alreadyReturned = alreadyReturned
        }

        /// Units that may still be returned: what shipped, less what other returns hold.
        public var returnable: Int { shipped ? max(0, quantity - alreadyReturned) : 0 }
    }

    public struct RequestedLine: Sendable, Equatable {
        public let suborderLineId: String
        public let quantity: Int
        public let reason: String

        public init(suborderLineId: String, quantity: Int, reason: String) {
            self.suborderLineId = suborderLineId
            self.quantity = quantity
            self.reason = reason
        }
    }

    /// Every problem with a request, each naming its field: a line that is not the order's or
    /// repeats another, more units than can still be returned, an in-store location whose
    /// vendor does not own every line. `ordered` holds the order's lines by id.
    public static func checkRequest(
        _ lines: [RequestedLine], ordered: [String: OrderedLine], orderId: String, location: ReturnLocation?
    ) -> [FieldError] {
        var errors: [FieldError] = []
        var seen: [String: Int] = [:]
        var foreignVendors: [String] = []
        for (i, line) in lines.enumerated() {
            if let first = seen[line.suborderLineId] {
                errors.append(FieldError("lines[\(i)].suborder_line_id", "repeats lines[\(first)]"))
                continue
            }
            seen[line.suborderLineId] = i
            guard let found = ordered[line.suborderLineId] else {
                errors.append(FieldError("lines[\(i)].suborder_line_id", "is not a suborder line of order \(orderId)"))
                continue
            }
            if line.quantity > found.returnable {
                let message: String
                if !found.shipped {
                    message = "this line has not shipped, so nothing of it can be returned"
                } else if found.quantity == 0 {
                    // Refused whole on a partial acceptance: its suborder shipped none of it.
                    message = "no unit of this line was accepted or shipped, so nothing of it can be returned"
                } else if found.returnable == 0 {
                    message = "all \(found.quantity) shipped units of this line are already in other returns"
                } else {
                    message = "only \(found.returnable) of the \(found.quantity) shipped units can still be returned"
                }
                errors.append(FieldError("lines[\(i)].quantity", message))
            }
            if let location, found.vendorId != location.vendorId, !foreignVendors.contains(found.vendorId) {
                foreignVendors.append(found.vendorId)
            }
        }
        if let location, !foreignVendors.isEmpty {
            errors.append(
                FieldError(
                    "location",
                    "a location of vendor \(location.vendorId) cannot receive lines of vendor "
                        + foreignVendors.joined(separator: ", ") + "; an in-store return goes to the vendor that owns every line"))
        }
        return errors
    }

    // MARK: receiving a return

    public struct ReceivedLine: Sendable, Equatable {
        public let suborderLineId: String
        public let quantity: Int
        public let restock: Bool

        public init(suborderLineId: String, quantity: Int, restock: Bool) {
            self.suborderLineId = suborderLineId
            self.quantity = quantity
            self.restock = restock
        }
    }

    /// The receipt: each return line with the units received and put back in stock. Lines the
    /// receipt does not name received nothing. Errors name `lines[i]` of the receipt.
    public static func receipt(_ received: [ReceivedLine], lines: [ReturnLine]) -> Result<[ReturnLine], DomainError> {
        var errors: [FieldError] = []
        var byLine: [String: ReceivedLine] = [:]
        var seen: [String: Int] = [:]
        let known = Dictionary(lines.map { ($0.suborderLineId, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, item) in received.enumerated() {
            if let first = seen[item.suborderLineId] {
                errors.append(FieldError("lines[\(i)].suborder_line_id", "repeats lines[\(first)]"))
                continue
            }
            seen[item.suborderLineId] = i
            guard let line = known[item.suborderLineId] else {
                errors.append(FieldError("lines[\(i)].suborder_line_id", "is not a line of this return"))
                continue
            }
            if item.quantity > line.quantity {
                errors.append(FieldError("lines[\(i)].quantity", "must be at most \(line.quantity), the quantity returned"))
                continue
            }
            byLine[item.suborderLineId] = item
        }
        guard errors.isEmpty else { return .failure(DomainError.validation(errors)) }
        return .success(
            lines.map { line in
                var updated = line
                let item = byLine[line.suborderLineId]
                updated.receivedQuantity = item?.quantity ?? 0
                updated.restockedQuantity = item?.restock == true ? item!.quantity : 0
                return updated
            })
    }
}
