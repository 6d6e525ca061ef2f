/// A failure the client caused or must know about. Domain modules throw it; the API maps each
/// kind to a status and a problem type, so no domain code knows HTTP.
public struct DomainError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case validation
        case notFound = "not-found"
        case conflict
        case insufficientStock = "insufficient-stock"
        case invalidTransition = "invalid-transition"
        case idempotencyKeyReused = "idempotency-key-reused"
    }

    public let kind: Kind
    public let detail: String
    public let errors: [FieldError]

    public init(_ kind: Kind, _ detail: String, errors: [FieldError] = []) {
        self.kind = kind
        self.detail = detail
        self.errors = errors
    }

    public static func validation(_ errors: [FieldError], detail: String? = nil) -> DomainError {
        DomainError(.validation, detail ?? errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    public static func validation(field: String, _ message: String) -> DomainError {
        validation([FieldError(field, message)])
    }

    public static func notFound(_ what: String) -> DomainError {
        DomainError(.notFound, "\(what) was not found.")
    }

    public static func invalidTransition(_ detail: String) -> DomainError {
        DomainError(.invalidTransition, detail)
    }

    public static func conflict(_ detail: String) -> DomainError { DomainError(.conflict, detail) }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

public struct FieldError: Sendable, Equatable {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
