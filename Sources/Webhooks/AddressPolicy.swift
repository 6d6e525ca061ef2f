/// Which IP addresses a webhook may be sent to when private targets are not allowed: none
/// that reach this host, the internal network, or anything that is not a public unicast
/// address. Pure: raw addresses in (4 bytes IPv4, 16 bytes IPv6), a verdict out.
public enum AddressPolicy {
    struct Range: Sendable {
        let prefix: [UInt8]
        let bits: Int
        let name: String

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == prefix.count else { return false }
            var remaining = bits
            for i in 0..<prefix.count where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
                if address[i] & mask != prefix[i] & mask { return false }
                remaining -= 8
            }
            return true
        }
    }

    private static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ bits: Int, _ name: String) -> Range {
        Range(prefix: [a, b, c, d], bits: bits, name: name)
    }

    private static func v6(_ groups: [UInt16], _ bits: Int, _ name: String) -> Range {
        var bytes: [UInt8] = []
        for group in groups + Array(repeating: 0, count: 8 - groups.count) {
            bytes.append(UInt8(group >> 8))
            bytes.append(UInt8(group & 0xff))
        }
        return Range(prefix: bytes, bits: bits, name: name)
    }

    /// IANA special-purpose IPv4 ranges that are not globally reachable unicast.
    static let blockedV4: [Range] = [
        v4(0, 0, 0, 0, 8, "this network"),
        v4(10, 0, 0, 0, 8, "private"),
        v4(100, 64, 0, 0, 10, "shared address space (CGNAT)"),
        v4(127, 0, 0, 0, 8, "loopback"),
        v4(169, 254, 0, 0, 16, "link-local"),
        v4(172, 16, 0, 0, 12, "private"),
        v4(192, 0, 0, 0, 24, "IETF protocol assignments"),
        v4(192, 0, 2, 0, 24, "documentation"),
        v4(192, 88, 99, 0, 24, "6to4 relay anycast"),
        v4(192, 168, 0, 0, 16, "private"),
        v4(198, 18, 0, 0, 15, "benchmarking"),
        v4(198, 51, 100, 0, 24, "documentation"),
        v4(203, 0, 113, 0, 24, "documentation"),
        v4(224, 0, 0, 0, 4, "multicast"),
        v4(240, 0, 0, 0, 4, "reserved"),  // includes the broadcast address 255.255.255.255
    ]

    /// IPv6 ranges refused outright.
    static let blockedV6: [Range] = [
        v6([], 128, "unspecified"),
        v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
        v6([0x0064, 0xff9b, 0x0001], 48, "local-use NAT64"),
        v6([0x0100], 64, "discard-only"),
        v6([0x2001], 23, "IETF protocol assignments"),  // includes Teredo 2001::/32
        v6([0x2001, 0x0db8], 32, "documentation"),
        v6([0x3fff], 20, "documentation"),
        v6([0x5f00], 16, "segment routing"),
        v6([0xfc00], 7, "unique local"),
        v6([0xfe80], 10, "link-local"),
        v6([0xfec0], 10, "site-local"),
        v6([0xff00], 8, "multicast"),
    ]

    /// IPv6 ranges that carry an IPv4 address, which decides: (range, offset of the IPv4 bytes).
    /// `64:ff9b::/96` is what DNS64 synthesises for every IPv4-only host on an IPv6-only
    /// network, so refusing it wholesale would refuse the whole IPv4 internet there; the
    /// embedded address is what the NAT64 gateway will reach, so that is what is checked.
    static let embeddingV4: [(Range, Int)] = [
        (v6([0, 0, 0, 0, 0, 0xffff], 96, "IPv4-mapped"), 12),
        (v6([], 96, "IPv4-compatible"), 12),
        (v6([0x0064, 0xff9b], 96, "NAT64"), 12),
        (v6([0x2002], 16, "6to4"), 2),
    ]

    /// Why `address` is refused, or nil when it is a public unicast address.
    public static func refusal(_ address: [UInt8]) -> String? {
        switch address.count {
        case 4:
            return blockedV4.first { $0.contains(address) }?.name
        case 16:
            if let range = blockedV6.first(where: { $0.contains(address) }) { return range.name }
            for (range, offset) in embeddingV4 where range.contains(address) {
                if let inner = refusal(Array(address[offset..<(offset + 4)])) { return "\(range.name) \(inner)" }
            }
            return nil
        default:
            return "not an IP address"
        }
    }

    public static func isBlocked(_ address: [UInt8]) -> Bool { refusal(address) != nil }
}
