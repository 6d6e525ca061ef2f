public import Foundation

/// Which webhook URLs we will call. Targets that resolve to loopback, private, link-local or
/// other non-public addresses (`AddressPolicy`) are refused unless the operator allows them,
/// at registration and again at each attempt, whose connection then goes to the address
/// checked, so a DNS name cannot be pointed inside the network between check and connect.
public struct TargetPolicy: Sendable {
    public let allowPrivateTargets: Bool

    public init(allowPrivateTargets: Bool) {
        self.allowPrivateTargets = allowPrivateTargets
    }

    /// Checks scheme and host syntax (pure).
    public static func parse(_ text: String) -> (url: URL, host: String)? {
        guard text.utf8.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.user == nil
        else { return nil }
        return (url, host)
    }

    public enum Resolution: Sendable, Equatable {
        /// Send to `host` (for the Host header and TLS) but connect only to one of `addresses`,
        /// all of them checked, in the resolver's order, so a second lookup cannot be answered
        /// differently.
        case target(host: String, addresses: [String])
        /// The policy refuses it (a private address while those are not allowed).
        case refused(String)
        /// The name does not resolve.
        case unresolvable(String)
    }

    /// Resolves the host once, on the resolver's own threads, and checks every address it
    /// resolves to: one internal address refuses the host, since a client could be steered to
    /// any of them. Throws only when cancelled (the caller's deadline) or the resolver is full.
    public func resolve(_ text: String, resolver: HostResolver = .shared) async throws -> Resolution {
        guard let (_, host) = Self.parse(text) else { return .refused("must be an http or https URL with a host") }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let addresses = try await resolver.resolve(bare)
        guard !addresses.isEmpty else { return .unresolvable("host '\(host)' does not resolve") }
        if !allowPrivateTargets {
            for address in addresses where AddressPolicy.isBlocked(address) {
                return .refused("host '\(host)' resolves to a loopback, private, link-local or reserved address")
            }
        }
        return .target(host: bare, addresses: addresses.map(HostResolver.text))
    }
}
