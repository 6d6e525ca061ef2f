import Buying
import Logging
import Postgres
import ServiceLifecycle
import VendorRouting
import Webhooks

/// Services that run beside the HTTP server under the same ServiceGroup, each stopping on
/// graceful shutdown: the database pool's housekeeping, then the jobs.
enum BackgroundJobs {
    static func dispatcherSettings(_ services: AppServices) -> WebhookDispatcher.Settings {
        var settings = WebhookDispatcher.Settings(
            retrySchedule: services.config.webhookRetrySchedule,
            allowPrivateTargets: services.config.allowPrivateWebhookTargets, keyring: services.keyring)
        settings.attemptTimeout = .seconds(services.config.webhookTimeoutSeconds)
        return settings
    }

    static func make(_ services: AppServices) -> [any Service] {
        // First: the group shuts services down in reverse order, so the pool closes only after
        // the server and the jobs have finished with it.
        var jobs: [any Service] = [services.pool]
        if services.config.runWebhookDispatcher {
            jobs.append(
                WebhookDispatcher(pool: services.pool, settings: dispatcherSettings(services), logger: services.logger))
        }
        guard services.config.runBackgroundJobs else { return jobs }
        return jobs + [
            PeriodicJob(name: "idempotency-cleanup", every: .seconds(3600), logger: services.logger) {
                // Keys are kept at least 24 h as the contract promises; after 48 h they go.
                try await services.pool.query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'")
            },
            PeriodicJob(name: "sla-sweep", every: .seconds(Int64(services.config.slaSweepSeconds)), logger: services.logger) {
                let logger = services.logger
                let outcome = try await SLASweep.run(
                    services.pool, shouldContinue: { !Task.isCancelled && !Task.isShuttingDownGracefully },
                    onFailure: { id, error in
                        logger.error("sla sweep skipped a suborder", metadata: ["suborder": "\(id)", "error": "\(error)"])
                    })
                if outcome.expired > 0 {
                    logger.info("sla sweep expired suborders", metadata: ["expired": "\(outcome.expired)"])
                }
            },
            PeriodicJob(name: "cart-cleanup", every: .seconds(3600), logger: services.logger) {
                // Bounded batches with SKIP LOCKED: several processes may run it at once.
                let deleted = try await CartCleanup.run(
                    services.pool, ttlDays: services.config.cartTTLDays,
                    shouldContinue: { !Task.isCancelled && !Task.isShuttingDownGracefully })
                if deleted > 0 { services.logger.info("cart clean-up deleted open carts", metadata: ["deleted": "\(deleted)"]) }
            },
        ]
    }
}

/// Runs `work` every `interval` until shutdown. Failures are logged and the next tick tries again.
struct PeriodicJob: Service {
    let name: String
    let every: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await work()
            } catch {
                logger.error("background job failed", metadata: ["job": "\(name)", "error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }
}
