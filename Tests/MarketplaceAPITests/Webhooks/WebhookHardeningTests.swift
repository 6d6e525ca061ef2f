import CommerceCore
import CryptoSupport
import Foundation
import NIOHTTP1
import Postgres
import Testing

@testable import MarketplaceAPI
@testable import Webhooks

/// Hostile receivers and what the dispatcher does about them (issue 8). An extension of the
/// serialized delivery suite: a running dispatcher may deliver any pending delivery, so these
/// must not run beside the other delivery tests.
extension WebhookDeliveryTests {
    static func deliveries(_ server: TestServer, _ vendorId: String) async throws -> [JSONValue] {
        try await server.admin.get("/v1/vendors/\(vendorId)/webhook-deliveries").data
    }

    /// Polls the vendor's first delivery until `done` holds or `timeout` passes.
    static func waitForDelivery(
        _ server: TestServer, _ vendorId: String, timeout: Duration = .seconds(20), _ done: (JSONValue) -> Bool
    ) async throws -> JSONValue? {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue?
        while ContinuousClock.now < deadline {
            last = try await deliveries(server, vendorId).first
            if let last, done(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    @Test func aTricklingReceiverTimesOutAndDelaysNobody() async throws {
        let trickler = try TricklingReceiver()
        defer { trickler.stop() }
        try await TestServer.run(configure: {
            $0.runWebhookDispatcher = true
            $0.webhookRetrySchedule = [60]
            $0.webhookTimeoutSeconds = 2
        }) { server in
            try await WebhookReceiver.run { base, inbox in
                let slow = try await Shop.make(server)
                let prompt = try await Shop.make(server)
                _ = try await slow.endpoint("http://127.0.0.1:\(trickler.port)/hook")
                _ = try await prompt.endpoint("\(base)/prompt")
                try await slow.order()
                // Wait until the trickler holds an attempt open, then another vendor's event.
                let connectDeadline = ContinuousClock.now + .seconds(10)
                while trickler.connections.isEmpty, ContinuousClock.now < connectDeadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try #require(trickler.connections.count == 1)
                let connected = trickler.connections[0]
                let placed = try await prompt.order()
                let committed = Date()
                #expect(placed.status == 201)
                let fast = await inbox.wait("prompt", count: 1, timeout: .seconds(5))
                #expect(fast.count == 1)
                if let first = fast.first {
                    #expect(first.at.timeIntervalSince(committed) < 2, "a prompt endpoint's first attempt within 2 s")
                }
                // The trickling attempt ends at its deadline (2 s), recorded within a few seconds.
                let delivery = try await Self.waitForDelivery(server, slow.vendorId, timeout: .seconds(10)) {
                    $0["attempts"] == 1
                }
                let recordedAfter = Date().timeIntervalSince(connected)
                #expect(delivery?["attempts"] == 1)
                #expect(delivery?["status"] == "pending", "one retry is still scheduled")
                #expect(delivery?["last_status_code"] == .null)
                #expect(delivery?["last_error"] == "timeout")
                #expect(recordedAfter < 2 + 3, "recorded \(recordedAfter) s after the connection: timeout + 3 s at most")
                #expect(trickler.connections.count == 1, "the delivery is not handed out again")
            }
        }
    }

    @Test func aHangingNameResolutionEndsAtTheDeadlineAndDelaysNobody() async throws {
        // A dispatcher of its own, whose resolver hangs on one vendor's name as a vendor's
        // unanswering DNS server would make getaddrinfo hang.
        try await TestServer.run { server in
            try await WebhookReceiver.run { base, inbox in
                let resolver = HostResolver(threads: 2, maxPending: 16) { host in
                    if host.hasPrefix("hang") {
                        Thread.sleep(forTimeInterval: 8)
                        return []
                    }
                    return HostResolver.getaddrinfo(host)
                }
                var settings = BackgroundJobs.dispatcherSettings(server.services)
                settings.retrySchedule = [60]
                settings.attemptTimeout = .seconds(2)
                let dispatcher = WebhookDispatcher(
                    pool: server.pool, settings: settings, logger: server.services.logger, resolver: resolver)
                let running = Task { try await dispatcher.run() }
                defer { running.cancel() }

                let slow = try await Shop.make(server)
                let prompt = try await Shop.make(server)
                let (slowEndpoint, _) = try await slow.endpoint("\(base)/never")
                try await server.pool.query(
                    "UPDATE webhook_endpoints SET url = 'http://hang.example/never' WHERE id = $1", [slowEndpoint])
                _ = try await prompt.endpoint("\(base)/prompt")
                try await slow.order()
                let ordered = Date()
                try await Task.sleep(for: .milliseconds(500))  // the slow lookup is under way
                try await prompt.order()
                let committed = Date()
                let fast = await inbox.wait("prompt", count: 1, timeout: .seconds(5))
                #expect(fast.count == 1)
                if let first = fast.first {
                    #expect(first.at.timeIntervalSince(committed) < 2, "a prompt endpoint's first attempt within 2 s")
                }
                let delivery = try await Self.waitForDelivery(server, slow.vendorId, timeout: .seconds(10)) {
                    $0["attempts"] == 1
                }
                #expect(delivery?["last_error"] == "timeout")
                #expect(delivery?["last_status_code"] == .null)
                #expect(Date().timeIntervalSince(ordered) < 2 + 3, "ended at the 2 s deadline, not when the lookup did")
                #expect(await inbox.requests("never").isEmpty)
                running.cancel()
                _ = try? await running.value
            }
        }
    }

    @Test func deletingAnEndpointStopsItsRetries() async throws {
        try await Self.withDispatcher(schedule: [1, 1, 1, 1, 1, 1, 1, 1]) { server in
            try await WebhookReceiver.run { base, inbox in
                // Each attempt is held for 700 ms, so the DELETE lands while one is in flight.
                await inbox.script("failing", statuses: [500], delay: .milliseconds(700))
                let shop = try await Shop.make(server)
                let (endpointId, _) = try await shop.endpoint("\(base)/failing")
                try await shop.order()
                #expect(await inbox.wait("failing", count: 2).count == 2)
                try await Task.sleep(for: .milliseconds(200))
                let deleted = try await server.admin.delete("/v1/vendors/\(shop.vendorId)/webhook-endpoints/\(endpointId)")
                let answered = Date()
                #expect(deleted.status == 204)
                // Several retry delays later, nothing more arrived.
                try await Task.sleep(for: .seconds(4))
                let late = await inbox.requests("failing").filter { $0.at > answered }
                #expect(late.isEmpty, "\(late.count) attempts started after the DELETE answered")
                let delivery = try await Self.deliveries(server, shop.vendorId).first
                #expect(delivery?["status"] == "failed")
                #expect(delivery?["next_attempt_at"] == .null)
                // A manual retry of a deleted endpoint's delivery is refused.
                let retry = try await server.admin.post("/v1/webhook-deliveries/\(delivery?["id"]?.stringValue ?? "")/retry")
                #expect(retry.status == 409, "\(retry)")
            }
        }
    }

    @Test func theClaimBoundsAttemptsPerEndpointAndVendorAndSkipsDeletedEndpoints() async throws {
        try await TestServer.run { server in  // no dispatcher: the claims below are the only ones
            let shop = try await Shop.make(server)
            let (endpointId, _) = try await shop.endpoint("http://127.0.0.1:1/bounded")
            let (otherId, _) = try await shop.endpoint("http://127.0.0.1:1/bounded-too")
            for _ in 0..<6 { try await shop.order() }
            // Six retries due at once to each of the vendor's two endpoints.
            try await server.pool.query(
                """
                UPDATE webhook_deliveries SET attempts = 1, next_attempt_at = now() - interval '1 second'
                WHERE vendor_id = $1
                """, [shop.vendorId])
            func claim() async throws -> [ClaimedDelivery] {
                try await DeliveryStore.claim(
                    server.pool, limit: 1000, perEndpoint: 4, perVendor: 6, lease: 60, keyring: server.services.keyring
                ).filter { $0.endpointId == endpointId || $0.endpointId == otherId }
            }
            let first = try await claim()
            #expect(first.count == 6, "at most 6 attempts in flight to one vendor")
            #expect(first.filter { $0.endpointId == endpointId }.count <= 4, "at most 4 to one endpoint")
            #expect(first.filter { $0.endpointId == otherId }.count <= 4, "at most 4 to one endpoint")
            #expect(first.allSatisfy { $0.secrets?.first?.hasPrefix("whsec_") == true }, "secrets are opened for signing")
            #expect(try await claim().isEmpty, "the others wait while six are in flight")
            // Leases given back, and the endpoints deleted behind the dispatcher's back: nothing is claimed.
            try await server.pool.query(
                "UPDATE webhook_deliveries SET locked_until = NULL, lock_token = NULL WHERE vendor_id = $1", [shop.vendorId])
            try await server.pool.query("UPDATE webhook_endpoints SET deleted_at = now() WHERE vendor_id = $1", [shop.vendorId])
            #expect(try await claim().isEmpty, "a deleted endpoint's deliveries are not claimed")
        }
    }

    @Test func lastErrorIsACategoryNeverRawText() async throws {
        try await TestServer.run(configure: {
            $0.runWebhookDispatcher = true
            $0.webhookRetrySchedule = [60]
            $0.allowPrivateWebhookTargets = false
        }) { server in
            let refused = try await Shop.make(server)
            // Registered with a public literal (nothing is ever sent to it), then pointed inside
            // the network behind the API's back, as a DNS change would do to a name.
            let (endpointId, _) = try await refused.endpoint("http://93.184.215.14/hook")
            try await server.pool.query(
                "UPDATE webhook_endpoints SET url = 'http://127.0.0.1:1/hook' WHERE id = $1", [endpointId])
            try await refused.order()
            let delivery = try await Self.waitForDelivery(server, refused.vendorId) { $0["attempts"] == 1 }
            #expect(delivery?["last_error"] == "refused_target")
            #expect(delivery?["last_status_code"] == .null)
        }
        try await Self.withDispatcher(schedule: [60]) { server in
            // Port 1 on loopback: nothing listens, the connection is refused.
            let closed = try await Shop.make(server)
            _ = try await closed.endpoint("http://127.0.0.1:1/hook")
            try await closed.order()
            let failed = try await Self.waitForDelivery(server, closed.vendorId) { $0["attempts"] == 1 }
            #expect(failed?["last_error"] == "connection_failed")
            #expect(failed?["last_status_code"] == .null)
            let retried = try await server.admin.post("/v1/webhook-deliveries/\(failed?["id"]?.stringValue ?? "")/retry")
            #expect(retried.status == 200)
            #expect(retried["last_error"] == "connection_failed")
            // TLS spoken to a plain-HTTP receiver: the handshake fails.
            try await WebhookReceiver.run { base, _ in
                let tlsShop = try await Shop.make(server)
                _ = try await tlsShop.endpoint(base.replacingOccurrences(of: "http://", with: "https://") + "/tls")
                try await tlsShop.order()
                let tls = try await Self.waitForDelivery(server, tlsShop.vendorId) { $0["attempts"] == 1 }
                #expect(tls?["last_error"] == "tls")
                #expect(tls?["last_status_code"] == .null)
            }
            let errors = try await server.pool.query(
                "SELECT DISTINCT error FROM webhook_attempts WHERE error IS NOT NULL"
            ).rows.map { try $0.string("error") }
            #expect(Set(errors).isSubset(of: Set(DeliveryError.allCases.map(\.rawValue))), "\(errors)")
        }
    }

    @Test func secretsAreNotInADumpOfTheDatabase() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                let shop = try await Shop.make(server)
                let path = "/v1/vendors/\(shop.vendorId)/webhook-endpoints"
                let createKey = [("Idempotency-Key", Fixtures.unique("create"))]
                let created = try await server.admin.post(path, ["url": .string("\(base)/dump")], headers: createKey)
                #expect(created.status == 201)
                let endpointId = try #require(created["id"]?.stringValue)
                let first = try #require(created["secret"]?.stringValue)
                let replayed = try await server.admin.post(path, ["url": .string("\(base)/dump")], headers: createKey)
                #expect(replayed.headers.first(name: "Idempotent-Replayed") == "true")
                #expect(replayed["secret"]?.stringValue == first)

                let rotateKey = [("Idempotency-Key", Fixtures.unique("rotate"))]
                let rotated = try await server.admin.post("\(path)/\(endpointId)/rotate-secret", headers: rotateKey)
                #expect(rotated.status == 200)
                let second = try #require(rotated["secret"]?.stringValue)
                let rotatedAgain = try await server.admin.post("\(path)/\(endpointId)/rotate-secret", headers: rotateKey)
                #expect(rotatedAgain["secret"]?.stringValue == second)
                let thirdRotation = try await server.admin.post("\(path)/\(endpointId)/rotate-secret")
                let third = try #require(thirdRotation["secret"]?.stringValue)

                let dump = try await PostgresDump.text(TestDatabase.url)
                #expect(dump.contains(endpointId), "the dump holds the endpoint")
                for secret in [first, second, third] {
                    let payload = String(secret.dropFirst(StandardWebhooks.secretPrefix.count))
                    #expect(!dump.contains(secret))
                    #expect(!dump.contains(payload), "a secret's base64 payload is in the dump")
                }

                // Signatures still verify: the current secret and the one it replaced both sign.
                try await shop.order()
                let received = await inbox.wait("dump", count: 1)
                try #require(received.count == 1)
                #expect(try await IndependentVerifier.verify(received, secret: third) == ["ok"])
                #expect(try await IndependentVerifier.verify(received, secret: second) == ["ok"])
            }
        }
    }
}

/// Rotating `MARKETPLACE_SECRET_KEY` and sealing clear-text secrets of earlier versions. A
/// rotation re-seals every row, so it runs in a database of its own: the other tests' servers
/// hold the shared database's key.
@Suite struct SecretsAtRestTests {
    /// A fresh, migrated database beside the test database, dropped afterwards.
    static func withOwnDatabase(_ body: @Sendable (String) async throws -> Void) async throws {
        try await TestDatabase.ready()
        let name = "mk_secrets_" + UUID().uuidString.prefix(8).lowercased()
        let admin = ConnectionPool(conninfo: TestDatabase.url, size: 1)
        // Identifiers cannot be parameters; the name is ours (letters, digits, underscore).
        try await admin.query("CREATE DATABASE \(name)")
        guard let slash = TestDatabase.url.lastIndex(of: "/") else { throw POSIXError(.EINVAL) }
        let url = TestDatabase.url[..<slash] + "/" + name
        do {
            let pool = ConnectionPool(conninfo: url, size: 1)
            try await TestDatabase.migrator().migrate(pool)
            await pool.shutdown()
            try await body(url)
        } catch {
            _ = try? await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            await admin.shutdown()
            throw error
        }
        try await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await admin.shutdown()
    }

    @Test func clearSecretsAreSealedAndKeysRotate() async throws {
        let oldKey = SecretKeyring.Key.random()
        let newKey = SecretKeyring.Key.random()
        // One operator token across the three servers: idempotency records are scoped to it.
        let token = "test-admin-" + Identifier.make("tok")
        try await Self.withOwnDatabase { url in
            let idempotencyKey = Fixtures.unique("create")
            let endpointPath = ActorBox<String>()
            let created = ActorBox<String>()
            try await TestServer.run(configure: {
                $0.databaseURL = url
                $0.adminToken = token
                $0.secretKey = oldKey
            }) { server in
                let vendorId = try await Fixtures(server: server).vendor()
                let path = "/v1/vendors/\(vendorId)/webhook-endpoints"
                let response = try await server.admin.post(
                    path, ["url": "http://127.0.0.1:1/x"], headers: [("Idempotency-Key", idempotencyKey)])
                #expect(response.status == 201)
                await endpointPath.set(path)
                await created.set(response["secret"]?.stringValue ?? "")
                // A secret stored in clear by an earlier version, current and previous.
                try await server.pool.query(
                    """
                    INSERT INTO webhook_endpoints (id, vendor_id, url, secret, previous_secret)
                    VALUES ('whe_legacy', $1, 'http://127.0.0.1:1/x', $2, $2)
                    """, [vendorId, "whsec_bGVnYWN5LXNlY3JldC1zdG9yZWQtaW4tY2xlYXI="])
                let keyring = server.services.keyring
                let counts = try await SecretsAtRest.reseal(server.pool, keyring: keyring, pass: .legacy)
                #expect(counts.endpoints == 1 && counts.replays == 0)
                let row = try await server.pool.query(
                    "SELECT secret, previous_secret FROM webhook_endpoints WHERE id = 'whe_legacy'"
                ).rows[0]
                #expect(try row.string("secret").hasPrefix(keyring.currentPrefix))
                #expect(try row.string("previous_secret").hasPrefix(keyring.currentPrefix))
                #expect(
                    try EndpointSecrets.open(row.string("secret"), endpointId: "whe_legacy", keyring: keyring)
                        == "whsec_bGVnYWN5LXNlY3JldC1zdG9yZWQtaW4tY2xlYXI=")
            }
            // Rotation, as the README tells it: new key current, old key previous, then the command's pass.
            try await TestServer.run(configure: {
                $0.databaseURL = url
                $0.adminToken = token
                $0.secretKey = newKey
                $0.previousSecretKey = oldKey
            }) { server in
                let counts = try await SecretsAtRest.reseal(server.pool, keyring: server.services.keyring, pass: .rotation)
                #expect(counts.endpoints == 2 && counts.replays == 1)
                let again = try await SecretsAtRest.reseal(server.pool, keyring: server.services.keyring, pass: .rotation)
                #expect(again.endpoints == 0 && again.replays == 0, "nothing left under the old key")
            }
            // Without the old key everything still opens: the replay gives back the same secret.
            try await TestServer.run(configure: {
                $0.databaseURL = url
                $0.adminToken = token
                $0.secretKey = newKey
            }) { server in
                let path = await endpointPath.value ?? ""
                let replay = try await server.admin.post(
                    path, ["url": "http://127.0.0.1:1/x"], headers: [("Idempotency-Key", idempotencyKey)])
                #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
                #expect(replay["secret"]?.stringValue == (await created.value))
                let rows = try await server.pool.query("SELECT id, secret, previous_secret FROM webhook_endpoints").rows
                for row in rows {
                    let id = try row.string("id")
                    #expect(
                        try EndpointSecrets.open(row.string("secret"), endpointId: id, keyring: server.services.keyring)
                            .hasPrefix("whsec_"))
                }
            }
        }
    }

    @Test func serveNeedsAValidKey() throws {
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment([:]).keyring() }
        do {
            _ = try AppConfiguration.fromEnvironment(["MARKETPLACE_SECRET_KEY": "abc"])
            Issue.record("a short key was accepted")
        } catch {
            #expect("\(error)".contains("MARKETPLACE_SECRET_KEY"))
            #expect(!"\(error)".contains("abc"), "the value is not echoed")
        }
        let config = try AppConfiguration.fromEnvironment([
            "MARKETPLACE_SECRET_KEY": String(repeating: "1f", count: 32), "WEBHOOK_TIMEOUT_SECONDS": "7",
        ])
        #expect(config.webhookTimeoutSeconds == 7)
        #expect(try config.keyring().current.id == SecretKeyring.Key(hex: String(repeating: "1f", count: 32))!.id)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["WEBHOOK_TIMEOUT_SECONDS": "0"]) }
    }
}

@Suite struct WebhookEndpointLimitTests {
    @Test func atMostSixteenEndpointsEvenWhenCreatedTogether() async throws {
        try await TestServer.run { server in
            let vendorId = try await Fixtures(server: server).vendor()
            let path = "/v1/vendors/\(vendorId)/webhook-endpoints"
            let statuses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for i in 0..<20 {
                    group.addTask { try await server.admin.post(path, ["url": .string("http://127.0.0.1:1/\(i)")]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.status == 201 }.count == 16)
            let refused = statuses.filter { $0.status != 201 }
            #expect(refused.count == 4)
            #expect(refused.allSatisfy { $0.status == 409 && $0.problemCode == "conflict" }, "\(refused)")
            let listed = try await server.admin.get("\(path)?limit=100")
            #expect(listed.data.count == 16)
            // A deleted endpoint does not count.
            let victim = try #require(listed.data.first?["id"]?.stringValue)
            #expect(try await server.admin.delete("\(path)/\(victim)").status == 204)
            #expect(try await server.admin.post(path, ["url": "http://127.0.0.1:1/again"]).status == 201)
            #expect(try await server.admin.post(path, ["url": "http://127.0.0.1:1/over"]).status == 409)
        }
    }
}

/// `pg_dump` of the test database, as text.
enum PostgresDump {
    static func text(_ url: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try textBlocking(url) }) }
        }
    }

    private static func textBlocking(_ url: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dump-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/lib/postgresql/15/bin/pg_dump")
        process.arguments = ["--no-owner", "--file", file.path, "--dbname", url]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("pg_dump failed: \(String(decoding: errors, as: UTF8.self))")
            return ""
        }
        return try String(contentsOf: file, encoding: .utf8)
    }
}

actor ActorBox<Value: Sendable> {
    var value: Value?
    func set(_ value: Value) { self.value = value }
}
