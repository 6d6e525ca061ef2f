import Foundation

/// Opaque identifiers: a readable prefix and 128 random bits (UUID v4 uses the system CSPRNG).
public enum Identifier {
    public static func make(_ prefix: String) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = Array(prefix.utf8)
        out.reserveCapacity(out.count + 33)
        out.append(95)
        withUnsafeBytes(of: UUID().uuid) { bytes in
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// ISO 4217 code check: three upper-case letters.
public enum Currency {
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}
