import Foundation

/// Opaque identifiers: a readable prefix and 128 random bits (UUID v4 uses the system CSPRNG).
public enum Identifier {
    public static func make(_ prefix: String) -> String {
        let hex = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return "\(prefix)_\(hex)"
    }
}

/// ISO 4217 code check: three upper-case letters.
public enum Currency {
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 3 && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}
