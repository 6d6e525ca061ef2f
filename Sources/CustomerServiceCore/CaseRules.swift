public import CommerceCore
public import Foundation

/// The pure core of cases: what a case may link to, who may write and when, the state machine.
public enum CaseRules {
    /// A linked resource as the request found it: whose it is and which order it belongs to.
    public struct LinkFacts: Sendable, Equatable {
        public let customerId: String
        public let orderId: String
        public let channel: String

        public init(customerId: String, orderId: String, channel: String) {
            self.customerId = customerId
            self.orderId = orderId
            self.channel = channel
        }
    }

    /// Problems with the links, each naming its field: an id that does not exist, a resource of
    /// another customer, links that belong to different orders. `nil` facts mean "not found".
    public static func checkLinks(
        customerId: String, order: (id: String, facts: LinkFacts?)?, suborder: (id: String, facts: LinkFacts?)?,
        ret: (id: String, facts: LinkFacts?)?
    ) -> [FieldError] {
        var errors: [FieldError] = []
        var anchor: (field: String, orderId: String)?
        for (field, what, link) in [("order_id", "order", order), ("suborder_id", "suborder", suborder), ("return_id", "return", ret)] {
            guard let link else { continue }
            guard let facts = link.facts else {
                errors.append(FieldError(field, "no \(what) '\(link.id)'"))
                continue
            }
            guard facts.customerId == customerId else {
                errors.append(FieldError(field, "\(what) \(link.id) belongs to another customer"))
                continue
            }
            if let anchor, anchor.orderId != facts.orderId {
                errors.append(FieldError(field, "\(what) \(link.id) is not part of the order that \(anchor.field) names"))
                continue
            }
            if anchor == nil { anchor = (field, facts.orderId) }
        }
        return errors
    }

    /// The channel a case belongs to when an operator names none: the linked return's, else the
    /// linked order's (directly or through the suborder).
    public static func inheritedChannel(order: LinkFacts?, suborder: LinkFacts?, ret: LinkFacts?) -> String? {
        ret?.channel ?? order?.channel ?? suborder?.channel
    }

    /// A message may be added only while the case is open.
    public static func canPost(to status: CaseStatus) -> Bool { status == .open }

    /// `resolve`: open → resolved; nil when not allowed.
    public static func resolve(_ status: CaseStatus) -> CaseStatus? { status == .open ? .resolved : nil }

    /// Whether a new message answers the customer for the first time: one from a vendor or an
    /// operator, while the case has had no such answer.
    public static func isFirstResponse(by role: Caller.Role, alreadyAnswered: Bool) -> Bool {
        !alreadyAnswered && (role == .vendor || role == .operator)
    }

    /// When the first answer is due.
    public static func firstResponseDue(openedAt: Date, windowSeconds: Int) -> Date {
        openedAt.addingTimeInterval(TimeInterval(windowSeconds))
    }
}
