import Foundation
import Postgres

/// RFC 3339 timestamps as the API shows and reads them: UTC, `Z`, microseconds when non-zero.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        let text = PostgresTimestamp.format(date)  // always ends in ".ffffffZ"
        if text.hasSuffix(".000000Z") { return String(text.dropLast(8)) + "Z" }
        return text
    }

    /// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40 else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for k in range {
                guard (48...57).contains(bytes[k]) else { return nil }
                value = value * 10 + Int(bytes[k] - 48)
            }
            return value
        }
        guard let month = digits(5..<7), let day = digits(8..<10), let hour = digits(11..<13),
            let minute = digits(14..<16), let second = digits(17..<19), digits(0..<4) != nil,
            bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 116, bytes[13] == 58, bytes[16] == 58,
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let last = bytes[bytes.count - 1]
        let hasZone = last == 90 || last == 122 || (bytes.count >= 25 && (bytes[bytes.count - 6] == 43 || bytes[bytes.count - 6] == 45) && bytes[bytes.count - 3] == 58)
        guard hasZone else { return nil }
        var normalised = text
        if last == 122 { normalised = String(text.dropLast()) + "Z" }
        return PostgresTimestamp.parse(normalised.replacingOccurrences(of: "t", with: "T"))
    }
}
