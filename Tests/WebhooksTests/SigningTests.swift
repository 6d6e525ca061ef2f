import Foundation
import Testing

@testable import Webhooks

@Suite struct SigningTests {
    /// The example published with the Standard Webhooks specification.
    @Test func specificationVector() {
        let signature = StandardWebhooks.signature(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func verifyAcceptsOnlyTheRightSecretAndBody() {
        let secret = StandardWebhooks.newSecret()
        let body = Array(#"{"type":"suborder.created"}"#.utf8)
        let header = StandardWebhooks.signatureHeader(secrets: [secret], id: "msg_1", timestamp: 42, body: body)
        #expect(StandardWebhooks.verify(secret: secret, id: "msg_1", timestamp: 42, body: body, header: header))
        #expect(!StandardWebhooks.verify(secret: secret, id: "msg_2", timestamp: 42, body: body, header: header))
        #expect(!StandardWebhooks.verify(secret: secret, id: "msg_1", timestamp: 43, body: body, header: header))
        #expect(!StandardWebhooks.verify(secret: secret, id: "msg_1", timestamp: 42, body: body + [32], header: header))
        #expect(!StandardWebhooks.verify(secret: StandardWebhooks.newSecret(), id: "msg_1", timestamp: 42, body: body, header: header))
    }

    @Test func rotationSignsWithBothSecrets() {
        let new = StandardWebhooks.newSecret()
        let old = StandardWebhooks.newSecret()
        let body = Array("{}".utf8)
        let header = StandardWebhooks.signatureHeader(secrets: [new, old], id: "msg_x", timestamp: 7, body: body)
        let parts = header.split(separator: " ")
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(StandardWebhooks.verify(secret: new, id: "msg_x", timestamp: 7, body: body, header: header))
        #expect(StandardWebhooks.verify(secret: old, id: "msg_x", timestamp: 7, body: body, header: header))
    }

    @Test func secretsAreWhsecAndTwentyFourRandomBytes() {
        let a = StandardWebhooks.newSecret()
        let b = StandardWebhooks.newSecret()
        #expect(a.hasPrefix("whsec_"))
        #expect(a != b)
        #expect(StandardWebhooks.key(fromSecret: a)?.count == 24)
        #expect(StandardWebhooks.key(fromSecret: "whsec_not base64!") == nil)
    }
}

@Suite struct TargetPolicyTests {
    @Test(
        arguments: [
            ([127, 0, 0, 1], true), ([10, 1, 2, 3], true), ([172, 16, 0, 1], true), ([172, 31, 255, 255], true),
            ([172, 32, 0, 1], false), ([192, 168, 1, 1], true), ([169, 254, 169, 254], true), ([100, 64, 0, 1], true),
            ([0, 0, 0, 0], true), ([8, 8, 8, 8], false), ([93, 184, 216, 34], false), ([224, 0, 0, 1], true),
        ] as [([UInt8], Bool)])
    func ipv4(address: [UInt8], isInternal: Bool) {
        #expect(AddressPolicy.isBlocked(address) == isInternal)
    }

    @Test func refusesLoopbackNamesUnlessAllowed() async throws {
        func refused(_ resolution: TargetPolicy.Resolution) -> Bool {
            if case .target = resolution { return false }
            return true
        }
        let strict = TargetPolicy(allowPrivateTargets: false)
        #expect(refused(try await strict.resolve("http://127.0.0.1:9/hook")))
        #expect(refused(try await strict.resolve("http://localhost/hook")))
        #expect(refused(try await strict.resolve("http://[::1]/hook")))
        #expect(refused(try await strict.resolve("ftp://example.com/")))
        #expect(refused(try await strict.resolve("not a url")))
        let lax = TargetPolicy(allowPrivateTargets: true)
        #expect(!refused(try await lax.resolve("http://127.0.0.1:9/hook")))
        #expect(!refused(try await lax.resolve("https://localhost/hook")))
        #expect(refused(try await lax.resolve("gopher://localhost/")))
    }
}
