import CommerceCore
import Foundation
import Hummingbird

/// Reads a route's query parameters, collecting every problem into one 422 like `Fields`.
/// A route names the parameters it defines; any other one is refused, so a typo in a filter
/// (`?statsu=open`) fails loudly instead of silently listing everything.
struct QueryParameters {
    private(set) var errors: [FieldError] = []
    private let values: [String: [String]]

    /// `defined` are the route's own parameters; lists add `limit` and `after` through `page`.
    init(_ request: Request, defined: Set<String>) {
        var values: [String: [String]] = [:]
        for (name, value) in request.uri.queryParameters {
            values[String(name), default: []].append(String(value))
        }
        self.values = values
        for name in values.keys.sorted() where !defined.contains(name) {
            errors.append(FieldError(name, "is not a parameter of this route"))
        }
        for (name, list) in values where defined.contains(name) && list.contains(where: { $0.utf8.contains(0) }) {
            errors.append(FieldError(name, "must not contain the NUL character (U+0000)"))
        }
    }

    /// Parameters of every list.
    static let paging: Set<String> = ["limit", "after"]

    private mutating func single(_ name: String) -> String? {
        guard let list = values[name] else { return nil }
        guard list.count == 1 else {
            errors.append(FieldError(name, "must be given at most once"))
            return nil
        }
        guard !list[0].utf8.contains(0) else { return nil }  // reported in init
        return list[0]
    }

    /// A free-text filter (an id, a code): non-empty, at most `maxLength` UTF-8 bytes.
    mutating func string(_ name: String, maxLength: Int = 200) -> String? {
        guard let value = single(name) else { return nil }
        guard !value.isEmpty, value.utf8.count <= maxLength else {
            errors.append(FieldError(name, "must be 1 to \(maxLength) bytes"))
            return nil
        }
        return value
    }

    mutating func oneOf(_ name: String, _ allowed: [String]) -> String? {
        guard let value = single(name) else { return nil }
        guard allowed.contains(value) else {
            errors.append(FieldError(name, "must be one of \(allowed.joined(separator: ", ")), not '\(value)'"))
            return nil
        }
        return value
    }

    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) -> E? where E.RawValue == String {
        oneOf(name, E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let value = single(name) else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default:
            errors.append(FieldError(name, "must be true or false"))
            return nil
        }
    }

    mutating func timestamp(_ name: String) -> Date? {
        guard let value = single(name) else { return nil }
        guard let date = RFC3339.parse(value), date >= Self.earliest, date <= Self.latest else {
            errors.append(
                FieldError(name, "must be an RFC 3339 timestamp between 1970 and 9999, e.g. 2026-12-01T18:00:00Z"))
            return nil
        }
        return date
    }

    mutating func currency(_ name: String) -> String? {
        guard let value = single(name) else { return nil }
        guard Currency.isValid(value) else {
            errors.append(FieldError(name, "must be an ISO 4217 code of three capital letters"))
            return nil
        }
        return value
    }

    /// `limit` (1–500, default 50) and `after`.
    mutating func page() -> PageRequest {
        var limit = PageRequest.defaultLimit
        if let text = single("limit") {
            if let value = Int(text), value >= 1, value <= PageRequest.maxLimit {
                limit = value
            } else {
                errors.append(FieldError("limit", "must be an integer from 1 to \(PageRequest.maxLimit)"))
            }
        }
        var after: [String]?
        if let text = single("after"), !text.isEmpty {
            if let key = PageCursor.decode(text) {
                after = key
            } else {
                errors.append(FieldError("after", "is not a cursor this list returned"))
            }
        }
        return PageRequest(limit: limit, after: after)
    }

    func check() throws {
        guard errors.isEmpty else { throw DomainError.validation(errors) }
    }

    static let earliest = Date(timeIntervalSince1970: 0)
    /// 9999-12-31T23:59:59Z.
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)
}
