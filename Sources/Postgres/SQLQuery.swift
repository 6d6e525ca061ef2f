/// A statement whose values travel as bind parameters, written by string interpolation:
///
///     try await tx.execute("SELECT id FROM orders WHERE customer_id = \(customerId) AND status = ANY(\(statuses))")
///
/// Every interpolated value becomes a `$n` parameter; nothing a caller passes is ever spliced
/// into the SQL text. An interpolated `SQLQuery` is a fragment: its parameters are renumbered
/// after the ones before it, so statements compose from parts (CTEs, filters) without anyone
/// counting offsets by hand. Modelled on postgres-nio's `PostgresQuery`, over libpq's text
/// parameters.
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// SQL text and parameter slots, in order. Numbers are assigned only when the statement is
    /// rendered, which is what lets fragments nest.
    enum Part: Sendable {
        case text(String)
        case bind(Int)
    }

    var parts: [Part]
    public private(set) var binds: [any PostgresEncodable]

    public init(stringLiteral value: String) {
        parts = value.isEmpty ? [] : [.text(value)]
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        parts = stringInterpolation.parts
        binds = stringInterpolation.binds
    }

    /// The SQL text with `$1…$n` in place of the values, in the order of `binds`.
    public var sql: String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .bind(let index): out += "$\(index + 1)"
            }
        }
        return out
    }

    public var description: String { sql }

    /// Appends a fragment (its parameters renumbered after this one's).
    public mutating func append(_ other: SQLQuery) {
        let offset = binds.count
        for part in other.parts {
            switch part {
            case .text(let text): parts.append(.text(text))
            case .bind(let index): parts.append(.bind(index + offset))
            }
        }
        binds.append(contentsOf: other.binds)
    }

    /// The fragments joined by `separator` (e.g. `", "` or `" AND "`), for lists built at run
    /// time; an empty list gives an empty query.
    public static func joined(_ fragments: [SQLQuery], separator: String) -> SQLQuery {
        var out: SQLQuery = ""
        for (i, fragment) in fragments.enumerated() {
            if i > 0 { out.parts.append(.text(separator)) }
            out.append(fragment)
        }
        return out
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        var binds: [any PostgresEncodable] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { parts.append(.text(literal)) }
        }

        /// A value: always a bind parameter (`NULL` for nil).
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            parts.append(.bind(binds.count))
            binds.append(value)
        }

        /// An optional value: a bind parameter that is `NULL` for nil. Spelled out so the compiler
        /// sees that an optional is meant here (it would otherwise warn of a debug description).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            parts.append(.bind(binds.count))
            binds.append(value)
        }

        /// A nested statement fragment, its parameters renumbered.
        public mutating func appendInterpolation(_ fragment: SQLQuery) {
            let offset = binds.count
            for part in fragment.parts {
                switch part {
                case .text(let text): parts.append(.text(text))
                case .bind(let index): parts.append(.bind(index + offset))
                }
            }
            binds.append(contentsOf: fragment.binds)
        }

        /// SQL text chosen by the program, never by a caller (a column or a sort direction from
        /// a fixed list). The label makes every such splice visible in review.
        public mutating func appendInterpolation(unescaped text: StaticString) {
            parts.append(.text(text.description))
        }
    }
}

extension Queryable {
    /// Runs a statement written as an `SQLQuery`. Named apart from `query(_:_:)` on purpose:
    /// with one name, a concrete `Transaction` would resolve `query("… \(value)")` to the
    /// `String` overload and splice the value into the text.
    @discardableResult
    public func execute(_ query: SQLQuery) async throws -> QueryResult {
        try await self.query(query.sql, query.binds)
    }
}
