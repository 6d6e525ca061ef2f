/// A strict RFC 8259 parser. Integers that fit Int64 stay integers, so money is never
/// routed through floating point.
public struct JSONParser {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    private static let maxDepth = 64

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected data after the document") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: i, reason: reason) }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
    }

    private mutating func parseValue() throws -> JSONValue {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case 123: return try parseObject()
        case 91: return try parseArray()
        case 34: return .string(try parseString())
        case 116:
            try literal("true")
            return .bool(true)
        case 102:
            try literal("false")
            return .bool(false)
        case 110:
            try literal("null")
            return .null
        case 45, 48...57: return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw fail("invalid literal") }
        let start = word.utf8Start
        for k in 0..<count where bytes[i + k] != start[k] { throw fail("invalid literal") }
        i += count
    }

    private mutating func parseObject() throws -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested too deeply") }
        defer { depth -= 1 }
        i += 1
        var object = JSONObject()
        skipWhitespace()
        if i < bytes.count, bytes[i] == 125 {
            i += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == 34 else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard i < bytes.count, bytes[i] == 58 else { throw fail("expected ':'") }
            i += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == 44 {
                i += 1
                continue
            }
            if bytes[i] == 125 {
                i += 1
                return .object(object)
            }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested too deeply") }
        defer { depth -= 1 }
        i += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == 93 {
            i += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == 44 {
                i += 1
                continue
            }
            if bytes[i] == 93 {
                i += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func parseString() throws -> String {
        i += 1
        // Most strings hold no escape: validate their bytes where they lie, without copying
        // them one by one (stored lines are parsed on every read of a suborder).
        let start = i
        var end = i
        var bits: UInt8 = 0
        while end < bytes.count {
            let b = bytes[end]
            if b == 34 || b == 92 || b < 32 { break }
            bits |= b
            end += 1
        }
        if end < bytes.count, bytes[end] == 34 {
            i = end + 1
            // ASCII needs no validation, and `String(decoding:)` makes it in half the time
            // of `String(validating:)`, which instantiates its generic metadata at run time.
            if bits < 0x80 {
                return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
            }
            let text = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
            guard let text else { throw fail("invalid UTF-8") }
            return text
        }
        var out = Array(bytes[start..<end])
        i = end
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            if b == 34 {
                i += 1
                break
            }
            if b < 32 { throw fail("control character in string") }
            if b == 92 {
                i += 1
                guard i < bytes.count else { throw fail("unterminated escape") }
                switch bytes[i] {
                case 34: out.append(34)
                case 92: out.append(92)
                case 47: out.append(47)
                case 98: out.append(8)
                case 102: out.append(12)
                case 110: out.append(10)
                case 114: out.append(13)
                case 116: out.append(9)
                case 117:
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 2 < bytes.count, bytes[i + 1] == 92, bytes[i + 2] == 117 else {
                            throw fail("unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail("invalid escape")
                }
                i += 1
            } else {
                out.append(b)
                i += 1
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8") }
        return s
    }

    /// Reads the four hex digits after `\u`; leaves `i` on the last digit.
    private mutating func hex4() throws -> UInt32 {
        guard i + 4 < bytes.count else { throw fail("short unicode escape") }
        var value: UInt32 = 0
        for k in 1...4 {
            let b = bytes[i + k]
            let digit: UInt32
            switch b {
            case 48...57: digit = UInt32(b - 48)
            case 65...70: digit = UInt32(b - 55)
            case 97...102: digit = UInt32(b - 87)
            default: throw fail("invalid unicode escape")
            }
            value = value * 16 + digit
        }
        i += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = i
        var isInteger = true
        if bytes[i] == 45 { i += 1 }
        guard i < bytes.count, (48...57).contains(bytes[i]) else { throw fail("invalid number") }
        if bytes[i] == 48 {
            i += 1
        } else {
            while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == 46 {
            isInteger = false
            i += 1
            guard i < bytes.count, (48...57).contains(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == 101 || bytes[i] == 69 {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 { i += 1 }
            guard i < bytes.count, (48...57).contains(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw fail("invalid number") }
        return .double(value)
    }
}
