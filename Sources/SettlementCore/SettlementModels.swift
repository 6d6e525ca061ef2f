public import CommerceCore
public import Foundation

/// A settlement run's status: `draft` → `approved` → `paid`.
public enum SettlementRunStatus: String, Sendable, CaseIterable {
    case draft, approved, paid
}

public enum SettlementRunAction: String, Sendable, CaseIterable {
    case approve, pay

    /// The one status the action may start from.
    public var allowedFrom: SettlementRunStatus {
        switch self {
        case .approve: .draft
        case .pay: .approved
        }
    }
}

/// The run state machine. Pure.
public enum SettlementRunTransitions {
    /// The status after `action`, or nil when `status` does not allow it.
    public static func apply(_ action: SettlementRunAction, to status: SettlementRunStatus) -> SettlementRunStatus? {
        switch (action, status) {
        case (.approve, .draft): .approved
        case (.pay, .approved): .paid
        default: nil
        }
    }
}

public enum SettlementLineKind: String, Sendable, CaseIterable {
    case sale, refund
}

/// One line to settle, as read from sales (a delivered suborder line) or refunds (a received
/// return line): the input of the pure core.
public struct SettlementSource: Sendable, Equatable {
    public let kind: SettlementLineKind
    public let suborderLineId: String
    public let returnId: String?
    public let returnLineId: String?
    public let vendorId: String
    public let currency: String
    public let sku: String
    public let quantity: Int
    public let unitPrice: Int64
    /// The rate fixed on the sold line.
    public let rateBps: Int
    /// Delivered at (sale) or received at (refund).
    public let at: Date

    public init(
        kind: SettlementLineKind, suborderLineId: String, returnId: String? = nil, returnLineId: String? = nil,
        vendorId: String, currency: String, sku: String, quantity: Int, unitPrice: Int64, rateBps: Int, at: Date
    ) {
        self.kind = kind
        self.suborderLineId = suborderLineId
        self.returnId = returnId
        self.returnLineId = returnLineId
        self.vendorId = vendorId
        self.currency = currency
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.rateBps = rateBps
        self.at = at
    }

    public static func sale(
        suborderLineId: String, vendorId: String, currency: String, sku: String, quantity: Int, unitPrice: Int64,
        rateBps: Int, at: Date
    ) -> SettlementSource {
        SettlementSource(
            kind: .sale, suborderLineId: suborderLineId, vendorId: vendorId, currency: currency, sku: sku,
            quantity: quantity, unitPrice: unitPrice, rateBps: rateBps, at: at)
    }

    public static func refund(
        returnLineId: String, returnId: String, suborderLineId: String, vendorId: String, currency: String, sku: String,
        quantity: Int, unitPrice: Int64, rateBps: Int, at: Date
    ) -> SettlementSource {
        SettlementSource(
            kind: .refund, suborderLineId: suborderLineId, returnId: returnId, returnLineId: returnLineId,
            vendorId: vendorId, currency: currency, sku: sku, quantity: quantity, unitPrice: unitPrice, rateBps: rateBps,
            at: at)
    }
}

/// A settled line. `amount` and `commission` are positive for both kinds: a sale adds them to
/// `gross_sales` and `commission`, a refund to `refunds` and `commission_refunded`.
public struct StatementLine: Sendable, Equatable, JSONRepresentable {
    public let kind: SettlementLineKind
    public let suborderLineId: String
    public let returnId: String?
    public let returnLineId: String?
    public let vendorId: String
    public let currency: String
    public let sku: String
    public let quantity: Int
    public let amount: Int64
    public let rateBps: Int
    public let commission: Int64
    public let at: Date

    public init(
        kind: SettlementLineKind, suborderLineId: String, returnId: String?, returnLineId: String?, vendorId: String,
        currency: String, sku: String, quantity: Int, amount: Int64, rateBps: Int, commission: Int64, at: Date
    ) {
        self.kind = kind
        self.suborderLineId = suborderLineId
        self.returnId = returnId
        self.returnLineId = returnLineId
        self.vendorId = vendorId
        self.currency = currency
        self.sku = sku
        self.quantity = quantity
        self.amount = amount
        self.rateBps = rateBps
        self.commission = commission
        self.at = at
    }

    public var json: JSONValue {
        [
            "kind": .string(kind.rawValue), "suborder_line_id": .string(suborderLineId), "return_id": .from(returnId),
            "return_line_id": .from(returnLineId), "vendor_id": .string(vendorId), "sku": .string(sku),
            "quantity": .int(Int64(quantity)), "amount": .int(amount), "rate_bps": .int(Int64(rateBps)),
            "commission": .int(commission), "currency": .string(currency), "at": .string(RFC3339.format(at)),
        ]
    }
}

/// A statement's figures. `net_payable = gross_sales − commission − refunds + commission_refunded`,
/// negative when refunds outweigh sales, never clamped.
public struct StatementTotals: Sendable, Equatable {
    public var grossSales: Int64 = 0
    public var commission: Int64 = 0
    public var refunds: Int64 = 0
    public var commissionRefunded: Int64 = 0
    public var lineCount = 0

    public init() {}

    public init(grossSales: Int64, commission: Int64, refunds: Int64, commissionRefunded: Int64, lineCount: Int) {
        self.grossSales = grossSales
        self.commission = commission
        self.refunds = refunds
        self.commissionRefunded = commissionRefunded
        self.lineCount = lineCount
    }

    public func netPayable() throws -> Int64 {
        let afterCommission = try CommissionMath.subtract(grossSales, commission, "gross_sales − commission")
        let afterRefunds = try CommissionMath.subtract(afterCommission, refunds, "− refunds")
        return try CommissionMath.add(afterRefunds, commissionRefunded, "+ commission_refunded")
    }

    /// Adds one settled line.
    public mutating func add(_ line: StatementLine) throws {
        switch line.kind {
        case .sale:
            grossSales = try CommissionMath.add(grossSales, line.amount, "gross_sales")
            commission = try CommissionMath.add(commission, line.commission, "commission")
        case .refund:
            refunds = try CommissionMath.add(refunds, line.amount, "refunds")
            commissionRefunded = try CommissionMath.add(commissionRefunded, line.commission, "commission_refunded")
        }
        lineCount += 1
    }
}

/// One vendor's statement in one currency within a run.
public struct Statement: Sendable, JSONRepresentable {
    public let id: String
    public let runId: String
    public let vendorId: String
    public let currency: String
    public let totals: StatementTotals
    public let netPayable: Int64
    public let periodEnd: Date
    public let runStatus: SettlementRunStatus
    public let createdAt: Date

    public init(
        id: String, runId: String, vendorId: String, currency: String, totals: StatementTotals, netPayable: Int64,
        periodEnd: Date, runStatus: SettlementRunStatus, createdAt: Date
    ) {
        self.id = id
        self.runId = runId
        self.vendorId = vendorId
        self.currency = currency
        self.totals = totals
        self.netPayable = netPayable
        self.periodEnd = periodEnd
        self.runStatus = runStatus
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        [
            "id": .string(id), "run_id": .string(runId), "vendor_id": .string(vendorId), "currency": .string(currency),
            "gross_sales": .int(totals.grossSales), "commission": .int(totals.commission), "refunds": .int(totals.refunds),
            "commission_refunded": .int(totals.commissionRefunded), "net_payable": .int(netPayable),
            "line_count": .int(Int64(totals.lineCount)), "period_end": .string(RFC3339.format(periodEnd)),
            "run_status": .string(runStatus.rawValue), "created_at": .string(RFC3339.format(createdAt)),
        ]
    }
}

public struct SettlementRun: Sendable, JSONRepresentable {
    public let id: String
    public let status: SettlementRunStatus
    public let periodEnd: Date
    public let createdAt: Date
    public let approvedAt: Date?
    public let paidAt: Date?
    public let statements: [Statement]

    public init(
        id: String, status: SettlementRunStatus, periodEnd: Date, createdAt: Date, approvedAt: Date?, paidAt: Date?,
        statements: [Statement]
    ) {
        self.id = id
        self.status = status
        self.periodEnd = periodEnd
        self.createdAt = createdAt
        self.approvedAt = approvedAt
        self.paidAt = paidAt
        self.statements = statements
    }

    public var json: JSONValue {
        [
            "id": .string(id), "status": .string(status.rawValue), "period_end": .string(RFC3339.format(periodEnd)),
            "statements": .array(statements.map(\.json)), "created_at": .string(RFC3339.format(createdAt)),
            "approved_at": .from(approvedAt.map(RFC3339.format)), "paid_at": .from(paidAt.map(RFC3339.format)),
        ]
    }
}

public enum PostingKind: String, Sendable, CaseIterable {
    /// Written when the run is created.
    case run
    /// Written when the run is paid.
    case pay
}

/// One ledger posting: a signed amount on an account.
public struct Posting: Sendable, Equatable, JSONRepresentable {
    public let account: String
    public let currency: String
    public let amount: Int64
    public let vendorId: String
    public let kind: PostingKind

    public init(account: String, currency: String, amount: Int64, vendorId: String, kind: PostingKind) {
        self.account = account
        self.currency = currency
        self.amount = amount
        self.vendorId = vendorId
        self.kind = kind
    }

    public var json: JSONValue {
        [
            "account": .string(account), "currency": .string(currency), "amount": .int(amount),
            "vendor_id": .string(vendorId), "kind": .string(kind.rawValue),
        ]
    }
}
