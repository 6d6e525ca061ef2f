import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which webhook URLs we will call. Loopback, private and link-local targets are refused
/// (unless the operator allows them), at registration and again before each delivery, so a
/// DNS name cannot later be pointed inside the network.
public struct TargetPolicy: Sendable {
    public let allowPrivateTargets: Bool

    public init(allowPrivateTargets: Bool) {
        self.allowPrivateTargets = allowPrivateTargets
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        case refused(String)
    }

    /// Checks scheme and host syntax (pure).
    public static func parse(_ text: String) -> (url: URL, host: String)? {
        guard text.utf8.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.user == nil
        else { return nil }
        return (url, host)
    }

    /// Resolves the host (blocking: call off the event loop) and refuses internal addresses.
    public func check(_ text: String) -> Verdict {
        guard let (_, host) = Self.parse(text) else { return .refused("must be an http or https URL with a host") }
        if allowPrivateTargets { return .allowed }
        let addresses = Self.resolve(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        if addresses.isEmpty { return .refused("host '\(host)' does not resolve") }
        for address in addresses where Self.isInternal(address) {
            return .refused("host '\(host)' resolves to a loopback, private or link-local address")
        }
        return .allowed
    }

    /// Raw addresses: 4 bytes for IPv4, 16 for IPv6.
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        var addr = sin.pointee.sin_addr
                        out.append(withUnsafeBytes(of: &addr) { Array($0) })
                    }
                } else if info.pointee.ai_family == AF_INET6 {
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                        var addr = sin6.pointee.sin6_addr
                        out.append(withUnsafeBytes(of: &addr) { Array($0) })
                    }
                }
            }
            cursor = info.pointee.ai_next
        }
        return out
    }

    /// Loopback, private (RFC 1918, ULA, CGNAT), link-local, unspecified and multicast ranges.
    public static func isInternal(_ address: [UInt8]) -> Bool {
        if address.count == 4 {
            let (a, b) = (address[0], address[1])
            return a == 127 || a == 10 || a == 0 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 169 && b == 254) || (a == 100 && (64...127).contains(b)) || a >= 224
        }
        guard address.count == 16 else { return true }
        if address[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
            return isInternal(Array(address[12..<16]))  // IPv4-mapped
        }
        if address[0] & 0xfe == 0xfc { return true }  // fc00::/7
        if address[0] == 0xfe && address[1] & 0xc0 == 0x80 { return true }  // fe80::/10
        if address[0] == 0xff { return true }  // multicast
        return false
    }
}
