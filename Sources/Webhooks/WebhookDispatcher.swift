import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Postgres
import ServiceLifecycle
import Synchronization

/// Delivers the outbox to vendor endpoints. Safe to run in several processes at once: work is
/// claimed under a lease in the database, and a delivery is sent again only after its lease
/// ran out (at least once, never two attempts at the same time). Each endpoint is served by
/// its own task, so a slow or dead endpoint delays nobody else.
public struct WebhookDispatcher: Service {
    public struct Settings: Sendable {
        public var retrySchedule: [Int]
        public var allowPrivateTargets: Bool
        public var pollInterval: Duration = .milliseconds(200)
        public var requestTimeout: TimeAmount = .seconds(15)
        public var maxConcurrent = 32
        public var maxResponseBytes = 64 * 1024

        public init(retrySchedule: [Int], allowPrivateTargets: Bool) {
            self.retrySchedule = retrySchedule
            self.allowPrivateTargets = allowPrivateTargets
        }

        /// Longer than the request timeout, so a live dispatcher never loses its lease mid-send.
        var lease: TimeInterval { 60 }
    }

    let pool: ConnectionPool
    let settings: Settings
    let logger: Logger

    public init(pool: ConnectionPool, settings: Settings, logger: Logger) {
        self.pool = pool
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(5), read: settings.requestTimeout),
                decompression: .disabled))
        let inFlight = Counter()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = settings.maxConcurrent - inFlight.value
                var claimed: [ClaimedDelivery] = []
                if free > 0 {
                    do {
                        claimed = try await DeliveryStore.claim(pool, limit: free, lease: settings.lease)
                    } catch {
                        logger.error("webhook claim failed", metadata: ["error": "\(error)"])
                    }
                }
                for delivery in claimed {
                    inFlight.add(1)
                    group.addTask {
                        await deliver(delivery, client: client)
                        inFlight.add(-1)
                    }
                }
                if claimed.isEmpty {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.pollInterval) }
                    } catch {
                        break
                    }
                }
            }
        }
        try? await client.shutdown()
    }

    /// One attempt: sign, POST, read a bounded answer, record the outcome.
    func deliver(_ delivery: ClaimedDelivery, client: HTTPClient) async {
        let started = ContinuousClock.now
        var statusCode: Int?
        var failure: String?
        let policy = TargetPolicy(allowPrivateTargets: settings.allowPrivateTargets)
        let url = delivery.url
        let verdict: TargetPolicy.Verdict
        if settings.allowPrivateTargets {
            verdict = .allowed
        } else {
            verdict = (try? await NIOThreadPool.singleton.runIfActive { policy.check(url) }) ?? .refused("could not resolve")
        }
        if case .refused(let reason) = verdict {
            failure = "target refused: \(reason)"
        } else {
            do {
                statusCode = try await send(delivery, client: client)
            } catch {
                failure = "\(error)"
            }
        }
        let elapsed = ContinuousClock.now - started
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        do {
            try await DeliveryStore.record(
                pool, delivery, statusCode: statusCode, error: failure.map { String($0.prefix(500)) }, durationMs: ms,
                schedule: settings.retrySchedule)
        } catch {
            logger.error("webhook result not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    func send(_ delivery: ClaimedDelivery, client: HTTPClient) async throws -> Int {
        let body = Array(delivery.body.utf8)
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "marketplace-webhooks/1")
        request.headers.add(name: "webhook-id", value: delivery.eventId)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: StandardWebhooks.signatureHeader(secrets: delivery.secrets, id: delivery.eventId, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: settings.requestTimeout)
        // Read a bounded amount of the answer so the connection can be reused; ignore the rest.
        var read = 0
        for try await chunk in response.body {
            read += chunk.readableBytes
            if read > settings.maxResponseBytes { break }
        }
        return Int(response.status.code)
    }
}

/// Deliveries being sent by this process.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ delta: Int) { count.withLock { $0 += delta } }
}
