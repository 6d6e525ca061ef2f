import CivilTime
public import Foundation

/// A value sent as a statement parameter, in PostgreSQL's text format.
/// Values always travel as parameters; nothing is ever spliced into SQL text.
public protocol PostgresEncodable: Sendable {
    /// The text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? {
        switch self {
        case .none: nil
        case .some(let value): value.postgresText
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal, every element quoted, so `= ANY($1)` works for text and numbers.
    ///
    /// Called through the `PostgresEncodable` existential, this runs unspecialized: an
    /// `enumerated()` walk instantiated generic metadata (`EnumeratedSequence` and its tuple) on
    /// every call, 2.5 % of the server's CPU on an order, whose placing statement carries four
    /// such arrays. Walking the indexes leaves one generic call per element (`postgresText`).
    public var postgresText: String? {
        var out: [UInt8] = [123]
        out.reserveCapacity(count * 24 + 2)
        for i in 0..<count {
            if i > 0 { out.append(44) }
            guard let text = self[i].postgresText else {
                out.append(contentsOf: [78, 85, 76, 76])
                continue
            }
            out.append(34)
            for byte in text.utf8 {
                if byte == 34 || byte == 92 { out.append(92) }
                out.append(byte)
            }
            out.append(34)
        }
        out.append(125)
        return String(decoding: out, as: UTF8.self)
    }
}

/// JSON text for a `jsonb` parameter (write `$1::jsonb` in the SQL).
public struct JSONText: PostgresEncodable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var postgresText: String? { text }
}

/// Conversion between `Date` and PostgreSQL's ISO timestamptz text (sessions run in UTC).
public enum PostgresTimestamp {
    /// `2026-11-25T21:34:17.123456Z`: microseconds, PostgreSQL's own precision.
    public static func format(_ date: Date) -> String { MicrosecondTimestamp.format(date) }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]`, PostgreSQL's ISO output.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// `parse` of UTF-8 bytes: a row's cell, without making a string of it first.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var i = 0
        func number(_ count: Int) -> Int64? {
            guard i + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int64(b - 48)
                i += 1
            }
            return value
        }
        func expect(_ ch: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == ch else { return false }
            i += 1
            return true
        }
        // Four year digits, or more past 9999, as `format` writes and PostgreSQL prints them.
        guard var year = number(4) else { return nil }
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57, year < 100_000 {
            year = year * 10 + Int64(bytes[i] - 48)
            i += 1
        }
        guard expect(45), let month = number(2), expect(45), let day = number(2) else {
            return nil
        }
        guard i < bytes.count, bytes[i] == 32 || bytes[i] == 84 else { return nil }
        i += 1
        guard let hour = number(2), expect(58), let minute = number(2), expect(58), let second = number(2) else {
            return nil
        }
        var micros: Int64 = 0
        if i < bytes.count, bytes[i] == 46 {
            i += 1
            var digits = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                if digits < 6 {
                    micros = micros * 10 + Int64(bytes[i] - 48)
                    digits += 1
                }
                i += 1
            }
            while digits < 6 {
                micros *= 10
                digits += 1
            }
        }
        var offset: Int64 = 0
        if i < bytes.count {
            let sign: Int64
            switch bytes[i] {
            case 43: sign = 1
            case 45: sign = -1
            case 90: sign = 0
            default: return nil
            }
            i += 1
            if sign != 0 {
                guard let oh = number(2) else { return nil }
                var om: Int64 = 0
                if i < bytes.count, bytes[i] == 58 { i += 1 }
                if i < bytes.count, let m = number(2) { om = m }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        let days = daysFromCivil(year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    public static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        CivilCalendar.daysFromCivil(year, month, day)
    }
}
