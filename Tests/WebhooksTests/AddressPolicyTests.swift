import Testing

@testable import Webhooks

#if canImport(Glibc)
    import Glibc
#endif

/// The target policy, range by range: each row is an address and whether it may be called
/// while private targets are not allowed.
@Suite struct AddressPolicyTests {
    static func parse(_ text: String) -> [UInt8] {
        if text.contains(":") {
            var address = in6_addr()
            precondition(inet_pton(AF_INET6, text, &address) == 1, "bad IPv6 literal \(text)")
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        var address = in_addr()
        precondition(inet_pton(AF_INET, text, &address) == 1, "bad IPv4 literal \(text)")
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static let blocked: [String] = [
        // IPv4
        "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1",
        "127.255.255.255", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.10",
        "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
        "239.255.255.250", "240.0.0.1", "255.255.255.255",
        // IPv6
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1", "::10.0.0.1",
        "64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::1", "64:ff9b:1:ffff::8.8.8.8",
        "100::1", "2001::1", "2001:db8::1", "3fff::1", "5f00::1", "2002:7f00:1::", "2002:a00:1::1", "fc00::1",
        "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1", "ff0e::1",
    ]

    static let allowed: [String] = [
        "1.1.1.1", "8.8.8.8", "93.184.215.14", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
        "192.0.3.1", "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255", "169.253.0.1",
        "2606:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
        "2001:200::1",
    ]

    @Test(arguments: blocked) func refused(_ text: String) {
        #expect(AddressPolicy.isBlocked(Self.parse(text)), "\(text) must be refused")
    }

    @Test(arguments: allowed) func publicAddress(_ text: String) {
        #expect(!AddressPolicy.isBlocked(Self.parse(text)), "\(text) is public: \(AddressPolicy.refusal(Self.parse(text)) ?? "")")
    }

    @Test func malformedAddressesAreRefused() {
        #expect(AddressPolicy.isBlocked([]))
        #expect(AddressPolicy.isBlocked([1, 2, 3]))
    }

    @Test func resolvedLiteralsArePinnedAndChecked() async throws {
        let closed = TargetPolicy(allowPrivateTargets: false)
        #expect(try await closed.resolve("http://127.0.0.1:8080/x") != .target(host: "127.0.0.1", addresses: ["127.0.0.1"]))
        if case .refused = try await closed.resolve("http://[::ffff:10.0.0.1]/x") {} else { Issue.record("mapped private") }
        #expect(try await closed.resolve("http://8.8.8.8/x") == .target(host: "8.8.8.8", addresses: ["8.8.8.8"]))
        let open = TargetPolicy(allowPrivateTargets: true)
        #expect(try await open.resolve("http://127.0.0.1:9/x") == .target(host: "127.0.0.1", addresses: ["127.0.0.1"]))
        #expect(try await open.resolve("http://[::1]:9/x") == .target(host: "::1", addresses: ["::1"]))
        if case .refused = try await open.resolve("ftp://127.0.0.1/x") {} else { Issue.record("ftp accepted") }
    }
}
