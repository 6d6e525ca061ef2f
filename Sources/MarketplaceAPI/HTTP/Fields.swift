import CommerceCore
import Foundation

/// Reads fields out of a JSON object, collecting every problem instead of stopping at the
/// first, so one 422 names each bad field (`lines[1].quantity`).
///
/// Bodies are strict: every member the route never asked for is reported too, at any depth
/// (nested readers hand theirs up through `absorb`), so a typo such as `comission_rate_bps`
/// is a 422 instead of a silent default.
struct Fields {
    private(set) var errors: [FieldError] = []
    private let object: JSONObject?
    private let path: String
    /// Members the route reads or declares with `allow`.
    private var known: Set<String> = []

    init(_ value: JSONValue, path: String = "") {
        self.path = path
        if case .object(let object) = value {
            self.object = object
        } else {
            self.object = nil
            errors.append(FieldError(path.isEmpty ? "body" : path, "must be a JSON object"))
        }
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func fail(_ field: String, _ message: String) { errors.append(FieldError(field, message)) }

    mutating func absorb(_ other: Fields) { errors.append(contentsOf: other.errors + other.unknownMembers) }

    /// Declares members the route defines but reads only in some cases, so their presence is
    /// not reported as unknown.
    mutating func allow(_ keys: String...) { known.formUnion(keys) }

    /// One error per member of the object that the route neither read nor allowed.
    /// At most `maxUnknownReported` are named, then one error counts the rest: a 1 MiB body of
    /// 90,000 stray members must not turn into a far larger answer.
    var unknownMembers: [FieldError] {
        guard let object else { return [] }
        let unknown = object.keys.filter { !known.contains($0) }
        // A member name holding U+0000 never gets here: the body was refused when it was read.
        var errors = unknown.prefix(Self.maxUnknownReported).map { FieldError(name($0), "is not a field of this request") }
        if unknown.count > Self.maxUnknownReported {
            errors.append(
                FieldError(
                    path.isEmpty ? "body" : path,
                    "and \(unknown.count - Self.maxUnknownReported) more members that are not fields of this request"))
        }
        return errors
    }

    static let maxUnknownReported = 20

    /// The raw value; `null` counts as absent. Reports a missing required field.
    private mutating func value(_ key: String, required: Bool) -> JSONValue? {
        known.insert(key)
        guard let object else { return nil }
        guard let value = object[key], value != .null else {
            if required { fail(name(key), "is required") }
            return nil
        }
        return value
    }

    func has(_ key: String) -> Bool {
        guard let value = object?[key] else { return false }
        return value != .null
    }

    mutating func string(_ key: String, required: Bool = true, maxLength: Int = 500, allowEmpty: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard case .string(let s) = value else {
            fail(name(key), "must be a string, not \(value.typeName)")
            return nil
        }
        // Unicode's White_Space is Foundation's whitespacesAndNewlines, scalar for scalar;
        // asked directly, it stops at the first other character instead of trimming a copy
        // (Foundation's trimming was 1-2 % of the server's CPU per order).
        if !allowEmpty, s.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            fail(name(key), "must not be empty")
            return nil
        }
        // Bytes, not characters: one grapheme can hold any number of combining scalars, so a
        // character count would let a "short" string be megabytes long.
        if s.utf8.count > maxLength {
            fail(name(key), "must be at most \(maxLength) bytes of UTF-8")
            return nil
        }
        return s
    }

    mutating func int(_ key: String, required: Bool = true, min: Int64 = Int64.min, max: Int64 = Int64.max) -> Int64? {
        guard let value = value(key, required: required) else { return nil }
        guard case .int(let i) = value else {
            if case .double(let d) = value, d.isFinite {
                fail(name(key), "must be an integer, not \(d)")
            } else {
                fail(name(key), "must be an integer, not \(value.typeName)")
            }
            return nil
        }
        guard i >= min, i <= max else {
            fail(name(key), max == Int64.max ? "must be at least \(min)" : "must be from \(min) to \(max)")
            return nil
        }
        return i
    }

    mutating func smallInt(_ key: String, required: Bool = true, min: Int = 0, max: Int = Int(Int32.max)) -> Int? {
        int(key, required: required, min: Int64(min), max: Int64(max)).map { Int($0) }
    }

    mutating func double(_ key: String, required: Bool = true, min: Double, max: Double) -> Double? {
        guard let value = value(key, required: required) else { return nil }
        let number: Double
        switch value {
        case .int(let i): number = Double(i)
        case .double(let d): number = d
        default:
            fail(name(key), "must be a number, not \(value.typeName)")
            return nil
        }
        guard number >= min, number <= max else {
            fail(name(key), "must be from \(min) to \(max)")
            return nil
        }
        return number
    }

    mutating func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let value = value(key, required: required) else { return nil }
        guard case .bool(let b) = value else {
            fail(name(key), "must be true or false, not \(value.typeName)")
            return nil
        }
        return b
    }

    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = true) -> E?
    where E.RawValue == String {
        guard let s = string(key, required: required) else { return nil }
        guard let e = E(rawValue: s) else {
            fail(name(key), "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(s)'")
            return nil
        }
        return e
    }

    mutating func timestamp(_ key: String, required: Bool = true) -> Date? {
        guard let s = string(key, required: required) else { return nil }
        switch RFC3339.read(s) {
        case .success(let date):
            return date
        case .failure(.outOfRange):
            fail(name(key), "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
            return nil
        case .failure(.malformed):
            fail(name(key), "must be an RFC 3339 timestamp with a time zone, e.g. 2026-12-01T18:00:00Z")
            return nil
        }
    }

    mutating func currency(_ key: String, required: Bool = true) -> String? {
        guard let s = string(key, required: required) else { return nil }
        guard Currency.isValid(s) else {
            fail(name(key), "must be an ISO 4217 code of three capital letters")
            return nil
        }
        return s
    }

    mutating func array(_ key: String, required: Bool = true, minCount: Int = 0, maxCount: Int = 1000) -> [JSONValue]? {
        guard let value = value(key, required: required) else { return nil }
        guard case .array(let elements) = value else {
            fail(name(key), "must be an array, not \(value.typeName)")
            return nil
        }
        guard elements.count >= minCount else {
            fail(name(key), minCount == 1 ? "must not be empty" : "must have at least \(minCount) items")
            return nil
        }
        guard elements.count <= maxCount else {
            fail(name(key), "must have at most \(maxCount) items")
            return nil
        }
        return elements
    }

    /// A nested object, read by its own `Fields` whose errors come back through `absorb`.
    mutating func object(_ key: String, required: Bool = true) -> Fields? {
        guard let value = value(key, required: required) else { return nil }
        guard case .object = value else {
            fail(name(key), "must be an object, not \(value.typeName)")
            return nil
        }
        return Fields(value, path: name(key))
    }

    /// Throws one 422 naming every bad field and every unknown member, or does nothing.
    func check() throws {
        let all = errors + unknownMembers
        guard all.isEmpty else { throw DomainError.validation(all) }
    }

    /// For action routes that define no body fields: no body, or an empty object.
    static func requireNone(_ body: JSONBody?) throws { try requireNone(body?.value) }

    static func requireNone(_ value: JSONValue?) throws {
        guard let value else { return }
        try Fields(value).check()
    }
}
