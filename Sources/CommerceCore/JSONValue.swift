/// A JSON document. Objects keep their keys in insertion order, so responses come out in the
/// order the contract lists the fields, and `null` is written explicitly, never dropped.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []
    /// Key → position, kept once the object outgrows `indexThreshold` members. A linear search
    /// per member made parsing a 90,000-member body quadratic (about 30 s of CPU); small
    /// objects, the common case for responses, skip the dictionary's cost.
    private var index: [String: Int]?
    static let indexThreshold = 16

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// An object written out in code (a response's dictionary literal): its keys are distinct,
    /// as a Swift dictionary literal's must be, so they are taken as they are, without the
    /// per-key search and the index (rendering a suborder spent 13 % of a feed page here).
    /// Lookups on it search linearly until a mutation past `indexThreshold` builds the index.
    init(literal pairs: [(String, JSONValue)]) {
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (k, v) in pairs {
            assert(!keys.contains(k), "duplicate key '\(k)' in a JSON object literal")
            keys.append(k)
            values.append(v)
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keys.firstIndex(of: key)
    }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                    if index != nil { rebuildIndex() }
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
                if index != nil {
                    index?[key] = keys.count - 1
                } else if keys.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    private mutating func rebuildIndex() {
        var built = [String: Int](minimumCapacity: keys.count)
        for (i, key) in keys.enumerated() { built[key] = i }
        index = built
    }

    public var count: Int { keys.count }
}

// Literal conveniences so resources read like the JSON they produce.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(literal: elements)) }
    public init(nilLiteral: ()) { self = .null }
}

/// Types that the API shows as JSON (responses, webhook payloads, timeline entries).
public protocol JSONRepresentable: Sendable {
    var json: JSONValue { get }
}

extension JSONValue {
    public static func from(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    public static func from(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    public static func from(_ value: Int64?) -> JSONValue { value.map { .int($0) } ?? .null }
    public static func from(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }
    public static func from(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    public static func from(_ value: JSONValue?) -> JSONValue { value ?? .null }
    public static func from<T: JSONRepresentable>(_ value: T?) -> JSONValue { value?.json ?? .null }
    public static func from<T: JSONRepresentable>(_ values: [T]) -> JSONValue { .array(values.map { $0.json }) }
}
