import Foundation

/// Opaque identifiers: a readable prefix and 128 random bits from the kernel's CSPRNG.
public enum Identifier {
    public static func make(_ prefix: String) -> String {
        // Written into the string's own storage: an order makes a dozen identifiers, and the
        // arrays this used to build showed up in bench/run's profile.
        var prefix = prefix
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 33) { out in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for byte in head {
                    out[at] = byte
                    at += 1
                }
                out[at] = 95
                at += 1
                let random = IdentifierRandomness.shared.next()
                withUnsafeBytes(of: random) { bytes in
                    for byte in bytes {
                        out[at] = digits.utf8Start[Int(byte >> 4)]
                        out[at + 1] = digits.utf8Start[Int(byte & 0x0f)]
                        at += 2
                    }
                }
                return at
            }
        }
    }
}

/// ISO 4217 code check: three upper-case letters.
public enum Currency {
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}
