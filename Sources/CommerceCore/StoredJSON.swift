/// JSON the database built for us (`json_agg(json_build_object(...))` of child rows), read
/// member by member. A missing member, a null where a value must be, or a value of the wrong
/// type throws `StoredJSONError` instead of becoming `""` or `0`: bad stored data is a bug to
/// surface, never a value to show a client.
public struct StoredJSON: Sendable {
    public let object: JSONObject
    /// The column the JSON came from, for the error.
    public let column: String

    /// The objects of a JSON array column (`[]` for an empty aggregate).
    public static func objects(_ bytes: [UInt8], column: String) throws -> [StoredJSON] {
        guard let array = try JSONParser.parse(bytes).arrayValue else {
            throw StoredJSONError(column: column, member: nil, reason: "not an array")
        }
        return try array.map { element in
            guard let object = element.objectValue else {
                throw StoredJSONError(column: column, member: nil, reason: "an element is not an object")
            }
            return StoredJSON(object: object, column: column)
        }
    }

    /// The strings of a JSON array column.
    public static func strings(_ bytes: [UInt8], column: String) throws -> [String] {
        guard let array = try JSONParser.parse(bytes).arrayValue else {
            throw StoredJSONError(column: column, member: nil, reason: "not an array")
        }
        return try array.map { element in
            guard let string = element.stringValue else {
                throw StoredJSONError(column: column, member: nil, reason: "an element is not a string")
            }
            return string
        }
    }

    public init(object: JSONObject, column: String) {
        self.object = object
        self.column = column
    }

    /// The member's value; nil when absent or null.
    public func value(_ member: String) -> JSONValue? {
        guard let value = object[member] else { return nil }
        if case .null = value { return nil }
        return value
    }

    public func string(_ member: String) throws -> String {
        guard let value = try optionalString(member) else { throw missing(member) }
        return value
    }

    public func optionalString(_ member: String) throws -> String? {
        guard let value = value(member) else { return nil }
        guard let string = value.stringValue else { throw mistyped(member, "a string", value) }
        return string
    }

    public func int64(_ member: String) throws -> Int64 {
        guard let value = try optionalInt64(member) else { throw missing(member) }
        return value
    }

    public func optionalInt64(_ member: String) throws -> Int64? {
        guard let value = value(member) else { return nil }
        guard let int = value.intValue else { throw mistyped(member, "an integer", value) }
        return int
    }

    public func int(_ member: String) throws -> Int {
        let value = try int64(member)
        guard let int = Int(exactly: value) else { throw mistyped(member, "an integer in range", .int(value)) }
        return int
    }

    /// The member read by `read` (such as `Fulfillment(json:)`); nil when absent or null, and
    /// an error when `read` cannot make sense of it.
    public func optional<T>(_ member: String, _ what: String, _ read: (JSONValue) -> T?) throws -> T? {
        guard let value = value(member) else { return nil }
        guard let decoded = read(value) else {
            throw StoredJSONError(column: column, member: member, reason: "not \(what)")
        }
        return decoded
    }

    private func missing(_ member: String) -> StoredJSONError {
        StoredJSONError(column: column, member: member, reason: "missing or null")
    }

    private func mistyped(_ member: String, _ expected: String, _ value: JSONValue) -> StoredJSONError {
        StoredJSONError(column: column, member: member, reason: "expected \(expected), found \(value.typeName)")
    }
}

public struct StoredJSONError: Error, Sendable, CustomStringConvertible {
    public let column: String
    public let member: String?
    public let reason: String

    public var description: String {
        "stored JSON in column \(column)\(member.map { ", member \($0)" } ?? ""): \(reason)"
    }
}
