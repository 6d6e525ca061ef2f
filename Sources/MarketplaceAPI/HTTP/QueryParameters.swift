import CommerceCore
import Foundation
import Hummingbird

/// Reads a route's query parameters, collecting every problem into one 422 like `Fields`.
/// Which parameters a route takes is checked before its handler runs (`Routes.on`, against the
/// OpenAPI document, NUL included); this reads and validates their values.
struct QueryParameters {
    private(set) var errors: [FieldError] = []
    private let values: [String: [String]]
    private let request: Request

    init(_ request: Request) {
        var values: [String: [String]] = [:]
        for (name, value) in request.uri.queryParameters {
            values[String(name), default: []].append(String(value))
        }
        self.values = values
        self.request = request
    }

    private mutating func single(_ name: String) -> String? {
        guard let list = values[name] else { return nil }
        guard list.count == 1 else {
            errors.append(FieldError(name, "must be given at most once"))
            return nil
        }
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

    /// A whole number from `min` to `max`.
    mutating func int(_ name: String, min: Int, max: Int) -> Int? {
        guard let value = single(name) else { return nil }
        guard value.utf8.count <= 18, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2D }), let number = Int(value),
            number >= min, number <= max
        else {
            errors.append(FieldError(name, "must be a whole number from \(min) to \(max)"))
            return nil
        }
        return number
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

    /// `limit` (1–500, default 50) and `after`, read as every list reads them.
    mutating func page() -> PageRequest {
        do {
            return try request.pageRequest()
        } catch let error as DomainError {
            errors.append(contentsOf: error.errors)
        } catch {
            errors.append(FieldError("after", "is not a cursor this list returned"))
        }
        return PageRequest()
    }

    func check() throws {
        guard errors.isEmpty else { throw DomainError.validation(errors) }
    }

    static let earliest = Date(timeIntervalSince1970: 0)
    /// 9999-12-31T23:59:59Z.
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)
}
