public import Foundation

/// Calendar arithmetic and the one timestamp text every layer shares, in a module of its own so
/// that the pure cores (JSON, money, RFC 3339) and the database driver use the same algorithm
/// without the cores linking libpq.
public enum CivilCalendar {
    // Howard Hinnant's civil calendar algorithms: exact for the proleptic Gregorian calendar.
    public static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

/// `Date` as UTC text with microseconds, `2026-11-25T21:34:17.123456Z`: PostgreSQL reads it as
/// a `timestamptz`, and the API's RFC 3339 form is it with a zero fraction dropped.
public enum MicrosecondTimestamp {
    /// `2026-11-25T21:34:17.123456Z`: microseconds, PostgreSQL's own precision; with
    /// `omittingZeroFraction`, `2026-11-25T21:34:17Z` when the fraction is zero (RFC 3339 as
    /// the API writes it).
    public static func format(_ date: Date, omittingZeroFraction: Bool = false) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var total = Int64(micros)
        var fraction = total % 1_000_000
        total /= 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            total -= 1
        }
        var days = total / 86_400
        var secs = total % 86_400
        if secs < 0 {
            secs += 86_400
            days -= 1
        }
        let (y, m, d) = CivilCalendar.civil(fromDays: days)
        // Written into the string's own storage: String(format:) showed up at 6 % of server
        // CPU, and a buffer per field at 9 % of a feed page.
        var yearWidth = 4  // PostgreSQL reads a fifth year digit; a fixed width would cut it
        var bound: Int64 = 10_000
        while y >= bound, yearWidth < 19 {
            yearWidth += 1
            bound = bound.multipliedReportingOverflow(by: 10).overflow ? .max : bound * 10
        }
        let withFraction = !(omittingZeroFraction && fraction == 0)
        let length = yearWidth + (withFraction ? 23 : 16)
        return String(unsafeUninitializedCapacity: length) { out in
            func put(_ value: Int64, width: Int, at start: Int) {
                var v = value
                var i = start + width - 1
                while i >= start {
                    out[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                    v /= 10
                    i -= 1
                }
            }
            func field(_ separator: UInt8, _ value: Int64, at: inout Int) {
                out[at] = separator
                put(value, width: 2, at: at + 1)
                at += 3
            }
            var at = yearWidth
            put(y, width: yearWidth, at: 0)
            field(45, m, at: &at)
            field(45, d, at: &at)
            field(84, secs / 3600, at: &at)
            field(58, (secs % 3600) / 60, at: &at)
            field(58, secs % 60, at: &at)
            if withFraction {
                out[at] = 46
                put(fraction, width: 6, at: at + 1)
                at += 7
            }
            out[at] = 90
            return at + 1
        }
    }

}
