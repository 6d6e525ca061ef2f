import AsyncHTTPClient
public import CryptoSupport
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import Postgres
public import ServiceLifecycle
import Synchronization

/// Delivers the outbox to vendor endpoints. Safe to run in several processes at once: work is
/// claimed under a lease in the database, and a delivery is sent again only after its lease
/// ran out (at least once, never two attempts at the same time). Each delivery is served by
/// its own task under one hard deadline, so a slow, hanging or trickling endpoint delays
/// nobody else, and in-flight attempts are bounded per endpoint, per vendor and per process.
public struct WebhookDispatcher: Service {
    public struct Settings: Sendable {
        public var retrySchedule: [Int]
        public var allowPrivateTargets: Bool
        /// Seals and opens the endpoints' signing secrets.
        public var keyring: SecretKeyring
        /// One deadline per attempt: resolving, connecting, sending, status line, headers and
        /// the whole body (`WEBHOOK_TIMEOUT_SECONDS`).
        public var attemptTimeout: Duration = .seconds(15)
        public var pollInterval: Duration = .milliseconds(200)
        /// Attempts in flight in this process.
        public var maxConcurrent = 64
        /// Attempts in flight to one endpoint (first attempts are one at a time anyway).
        public var maxPerEndpoint = 4
        /// Attempts in flight to one vendor's endpoints, so that one tenant's hanging
        /// receivers (up to 16 endpoints) hold at most this many of `maxConcurrent`.
        public var maxPerVendor = 8
        public var maxResponseBytes = 64 * 1024

        public init(retrySchedule: [Int], allowPrivateTargets: Bool, keyring: SecretKeyring) {
            self.retrySchedule = retrySchedule
            self.allowPrivateTargets = allowPrivateTargets
            self.keyring = keyring
        }

        /// The lease outlives the attempt's deadline with room for recording the outcome, so
        /// a live dispatcher never loses a delivery mid-send and nobody else picks it up; the
        /// check right before sending also requires the lease to outlast the deadline.
        var lease: TimeInterval { Double(attemptTimeout.components.seconds) + 30 }
    }

    let pool: ConnectionPool
    let settings: Settings
    let logger: Logger
    let resolver: HostResolver

    public init(pool: ConnectionPool, settings: Settings, logger: Logger, resolver: HostResolver = .shared) {
        self.pool = pool
        self.settings = settings
        self.logger = logger
        self.resolver = resolver
    }

    public func run() async throws {
        let inFlight = Counter()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = settings.maxConcurrent - inFlight.value
                var claimed: [ClaimedDelivery] = []
                if free > 0 {
                    do {
                        claimed = try await DeliveryStore.claim(
                            pool, limit: free, perEndpoint: settings.maxPerEndpoint, perVendor: settings.maxPerVendor,
                            lease: settings.lease,
                            keyring: settings.keyring)
                    } catch {
                        logger.error("webhook claim failed", metadata: ["error": "\(error)"])
                    }
                }
                for delivery in claimed {
                    inFlight.add(1)
                    group.addTask {
                        await deliver(delivery)
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
    }

    enum Outcome: Sendable {
        case answered(statusCode: Int)
        case failed(DeliveryError)
        /// Not sent, nothing to record: the endpoint was deleted, or the lease is no longer ours.
        case skipped
    }

    /// One attempt under one deadline, then its outcome recorded.
    func deliver(_ delivery: ClaimedDelivery) async {
        guard let secrets = delivery.secrets else {
            // The lease runs out and a process holding the right key can take it over.
            logger.error(
                "webhook secret cannot be decrypted: check MARKETPLACE_SECRET_KEY and MARKETPLACE_SECRET_KEY_PREVIOUS",
                metadata: ["endpoint": "\(delivery.endpointId)"])
            return
        }
        let started = ContinuousClock.now
        let deadline = started + settings.attemptTimeout
        let outcome: Outcome
        do {
            outcome =
                try await withDeadline(deadline) { await attempt(delivery, secrets: secrets, deadline: deadline) }
                ?? .failed(.timeout)
        } catch {
            outcome = .failed(.timeout)  // only cancellation gets here: shutdown cut the attempt short
        }
        let statusCode: Int?
        let failure: DeliveryError?
        switch outcome {
        case .skipped: return
        case .answered(let code): (statusCode, failure) = (code, nil)
        case .failed(let error): (statusCode, failure) = (nil, error)
        }
        let elapsed = ContinuousClock.now - started
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        do {
            try await DeliveryStore.record(
                pool, delivery, statusCode: statusCode, error: failure, durationMs: ms, schedule: settings.retrySchedule)
        } catch {
            logger.error("webhook result not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    /// Resolve once and check, confirm the delivery is still ours to send, then send to the
    /// checked address only.
    func attempt(_ delivery: ClaimedDelivery, secrets: [String], deadline: ContinuousClock.Instant) async -> Outcome {
        let policy = TargetPolicy(allowPrivateTargets: settings.allowPrivateTargets)
        let resolution: TargetPolicy.Resolution
        do {
            resolution = try await policy.resolve(delivery.url, resolver: resolver)
        } catch is CancellationError {
            return .failed(.timeout)
        } catch {
            return .failed(.connectionFailed)  // the resolver is saturated
        }
        let host: String
        let addresses: [String]
        switch resolution {
        case .refused: return .failed(.refusedTarget)
        case .unresolvable: return .failed(.connectionFailed)
        case .target(let h, let a): (host, addresses) = (h, a)
        }
        let remaining = deadline - ContinuousClock.now
        do {
            guard try await DeliveryStore.stillOurs(pool, delivery, forSeconds: Int(remaining.components.seconds) + 1)
            else { return .skipped }
        } catch {
            if Task.isCancelled { return .failed(.timeout) }
            logger.error("webhook pre-send check failed", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
            return .skipped  // not sent; the lease runs out and the delivery is claimed again
        }
        var failure = DeliveryError.connectionFailed
        for address in Self.candidates(addresses) {
            do {
                return .answered(
                    statusCode: try await send(delivery, secrets: secrets, host: host, address: address, deadline: deadline))
            } catch let error as BodyFailed {
                return .failed(Self.classify(error.underlying, deadlinePassed: ContinuousClock.now >= deadline || Task.isCancelled))
            } catch {
                failure = Self.classify(error, deadlinePassed: ContinuousClock.now >= deadline || Task.isCancelled)
                // Only a connection that failed before any answer tries the other address family
                // (an IPv6 address on a host without IPv6 routes, say).
                if failure != .connectionFailed { break }
            }
        }
        return .failed(failure)
    }

    /// The first address, then the first of the other family if there is one: every one of
    /// them passed the policy.
    static func candidates(_ addresses: [String]) -> [String] {
        guard let first = addresses.first else { return [] }
        let isV6 = first.contains(":")
        return [first] + addresses.dropFirst().filter { $0.contains(":") != isV6 }.prefix(1)
    }

    /// A failure after the status line and headers arrived.
    struct BodyFailed: Error {
        let underlying: any Error
    }

    /// One POST to `address`, with `host` in the URL, Host header and TLS name. One client per
    /// call: `dnsOverride` pins its connections for `host` to the checked address, nothing in
    /// it resolves the name again, and its connection dies with the attempt.
    func send(
        _ delivery: ClaimedDelivery, secrets: [String], host: String, address: String, deadline: ContinuousClock.Instant
    ) async throws -> Int {
        let remaining = deadline - ContinuousClock.now
        let nanoseconds = max(1, remaining.components.seconds * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .nanoseconds(nanoseconds)), decompression: .disabled)
        configuration.dnsOverride = [host: address]
        // A refused or failed connection ends the attempt now (the retry schedule decides what
        // follows), instead of AHC retrying it until the deadline and reporting a timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let code = try await post(delivery, secrets: secrets, client: client, timeout: .nanoseconds(nanoseconds))
            try? await client.shutdown()
            return code
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func post(_ delivery: ClaimedDelivery, secrets: [String], client: HTTPClient, timeout: TimeAmount) async throws -> Int {
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
            value: StandardWebhooks.signatureHeader(secrets: secrets, id: delivery.eventId, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        // The whole body must arrive before the deadline (the caller's `withDeadline` cancels
        // this read when it passes); past `maxResponseBytes` the rest is not read at all.
        do {
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read > settings.maxResponseBytes { break }
            }
        } catch {
            throw BodyFailed(underlying: error)
        }
        return Int(response.status.code)
    }

    /// The category of a failed attempt; raw error text is never stored.
    static func classify(_ error: any Error, deadlinePassed: Bool) -> DeliveryError {
        if deadlinePassed || error is CancellationError { return .timeout }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout, .cancelled:
                return .timeout
            default:
                break
            }
        }
        // NIOSSL's error types (NIOSSLError, BoringSSLError, NIOSSLExtraError…) without a
        // dependency on NIOSSL itself.
        let typeName = String(reflecting: type(of: error))
        if typeName.contains("SSL") || typeName.contains("TLS") { return .tls }
        return .connectionFailed
    }
}

/// Deliveries being sent by this process.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ delta: Int) { count.withLock { $0 += delta } }
}
