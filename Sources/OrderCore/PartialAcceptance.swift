import CommerceCore

/// Units of one suborder line that the vendor refuses while accepting the rest (v1.2).
public struct Refusal: Sendable, Equatable {
    /// A line of the suborder being accepted.
    public let lineId: String
    public let quantity: Int
    public let reason: String?

    public init(lineId: String, quantity: Int, reason: String?) {
        self.lineId = lineId
        self.quantity = quantity
        self.reason = reason
    }
}

/// The rules of a partial acceptance, values in and out: which refusals a suborder allows, and
/// which units they send back to routing.
public enum PartialAcceptance {
    /// Units of one suborder line to route again.
    public struct RefusedUnits: Sendable {
        public let line: SuborderLine
        public let quantity: Int

        public init(line: SuborderLine, quantity: Int) {
            self.line = line
            self.quantity = quantity
        }
    }

    /// The refused units, in the suborder's line order, or a 422 naming every bad field
    /// (`refuse[i].line_id`, `refuse[i].quantity`; `refuse` when every unit is refused, which is
    /// a rejection, not an acceptance).
    public static func check(_ refusals: [Refusal], lines: [SuborderLine]) throws -> [RefusedUnits] {
        var errors: [FieldError] = []
        var refused: [String: Int] = [:]
        var firstIndex: [String: Int] = [:]
        let byId = Dictionary(lines.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, refusal) in refusals.enumerated() {
            let field = "refuse[\(i)]"
            guard let line = byId[refusal.lineId] else {
                errors.append(FieldError("\(field).line_id", "is not a line of this suborder"))
                continue
            }
            if let first = firstIndex[refusal.lineId] {
                errors.append(FieldError("\(field).line_id", "names the same line as refuse[\(first)]; refuse each line once"))
                continue
            }
            firstIndex[refusal.lineId] = i
            if refusal.quantity < 1 {
                errors.append(FieldError("\(field).quantity", "must be at least 1"))
            } else if refusal.quantity > line.quantity {
                errors.append(FieldError("\(field).quantity", "must be at most \(line.quantity), the line's quantity"))
            } else {
                refused[refusal.lineId] = refusal.quantity
            }
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        let units = lines.reduce(0) { $0 + $1.quantity }
        if !refusals.isEmpty, refused.values.reduce(0, +) >= units {
            throw DomainError.validation(field: "refuse", "refuses every unit of the suborder; reject it instead")
        }
        return lines.compactMap { line in refused[line.id].map { RefusedUnits(line: line, quantity: $0) } }
    }
}
