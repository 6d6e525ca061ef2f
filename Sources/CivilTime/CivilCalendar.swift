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
    /// `2026-11-25T21:34:17.123456Z`: microseconds, PostgreSQL's own precision.
    public static func format(_ date: Date) -> String {
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
        // Hand-written rather than String(format:), which showed up at 6 % of server CPU.
        var out = [UInt8]()
        out.reserveCapacity(27)
        func digits(_ value: Int64, _ width: Int) {
            var buffer = [UInt8](repeating: 48, count: width)
            var v = value
            var i = width - 1
            while i >= 0 {
                buffer[i] = UInt8(48 + v % 10)
                v /= 10
                i -= 1
            }
            out.append(contentsOf: buffer)
        }
        if y > 9999 {
            out.append(contentsOf: String(y).utf8)  // PostgreSQL reads a fifth year digit; a fixed width would cut it
        } else {
            digits(y, 4)
        }
        out.append(45)
        digits(m, 2)
        out.append(45)
        digits(d, 2)
        out.append(84)
        digits(secs / 3600, 2)
        out.append(58)
        digits((secs % 3600) / 60, 2)
        out.append(58)
        digits(secs % 60, 2)
        out.append(46)
        digits(fraction, 6)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

}
