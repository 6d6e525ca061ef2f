import CryptoSupport
import Foundation
import VendorRouting

/// Settings from the environment, as the contract's "Running it" table lists them.
struct AppConfiguration: Sendable {
    var databaseURL = "postgresql:///marketplace"
    var host = "127.0.0.1"
    var port = 8080
    var adminToken: String?
    var poolSize = 2 * ProcessInfo.processInfo.activeProcessorCount
    /// `DB_PIPELINE=off` turns off the round-trip savings of issue 9 (the API-key cache whose
    /// check rides on the first statement, the BEGIN sent with it, the COMMIT sent with the
    /// last) so that `bench/run` can
    /// measure both in one run with one binary. On by default; not meant for production use.
    var dbPipeline = true
    var slaSweepSeconds = 30
    var webhookRetrySchedule: [Int] = [5, 300, 1800, 7200, 18000, 36000, 36000]
    var defaultCommissionBps = 1000
    var caseFirstResponseSeconds = 86_400
    var allowPrivateWebhookTargets = false
    /// The longest a request waits for the database in all (`DB_TIMEOUT_MS`); background jobs
    /// get as much per operation.
    var dbTimeoutMs = 5000
    var dbTimeout: Duration { .milliseconds(dbTimeoutMs) }
    /// The hard deadline of one webhook attempt, everything included.
    var webhookTimeoutSeconds = 15
    /// `MARKETPLACE_SECRET_KEY`: seals webhook secrets and replayable responses that hold a
    /// secret. Required by `serve` (and `rotate-secrets`); other commands do without.
    var secretKey: SecretKeyring.Key?
    /// `MARKETPLACE_SECRET_KEY_PREVIOUS`: still opens what it sealed, during a key rotation.
    var previousSecretKey: SecretKeyring.Key?
    var sqlDirectory: String?
    /// A keep-alive connection with no request in progress (or one trickling its headers) is
    /// closed after this long.
    var httpIdleTimeoutSeconds = 60
    /// A request whose body has not fully arrived this long after its head is dropped.
    var httpRequestTimeoutSeconds = 30
    /// How long a graceful shutdown may take before the remaining work is cancelled.
    var shutdownTimeoutSeconds = 30
    /// Background jobs (sweep, delivery) run inside `serve`; tests switch them off and drive
    /// them through the API instead.
    var runBackgroundJobs = true
    /// `CART_TTL_DAYS`: open carts untouched this long are deleted by the background clean-up.
    var cartTTLDays = 30
    /// `ROUTING_MIN_ACCEPTANCE_RATE`, `ROUTING_MIN_DECIDED`: when a vendor is on probation.
    var probation = ProbationPolicy()
    /// The webhook dispatcher, separately, so tests can run it without the SLA sweep.
    var runWebhookDispatcher = true

    struct Invalid: Error, CustomStringConvertible {
        let name: String
        let reason: String
        var description: String { "\(name): \(reason)" }
    }

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var config = AppConfiguration()
        func int(_ name: String, min: Int, max: Int = Int.max) throws -> Int? {
            guard let text = env[name], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= min, value <= max else {
                throw Invalid(name: name, reason: "must be an integer from \(min) to \(max), got '\(text)'")
            }
            return value
        }
        if let url = env["DATABASE_URL"], !url.isEmpty { config.databaseURL = url }
        if let host = env["HOST"], !host.isEmpty { config.host = host }
        if let port = try int("PORT", min: 0, max: 65535) { config.port = port }
        if let token = env["MARKETPLACE_ADMIN_TOKEN"], !token.isEmpty { config.adminToken = token }
        if let size = try int("DB_POOL_SIZE", min: 1, max: 1000) { config.poolSize = size }
        if let pipeline = env["DB_PIPELINE"], !pipeline.isEmpty {
            switch pipeline.lowercased() {
            case "on", "1", "true": config.dbPipeline = true
            case "off", "0", "false": config.dbPipeline = false
            default: throw Invalid(name: "DB_PIPELINE", reason: "must be on or off")
            }
        }
        if let ms = try int("DB_TIMEOUT_MS", min: 1, max: 86_400_000) { config.dbTimeoutMs = ms }
        if let seconds = try int("SLA_SWEEP_SECONDS", min: 1) { config.slaSweepSeconds = seconds }
        if let bps = try int("DEFAULT_COMMISSION_BPS", min: 0, max: 10000) { config.defaultCommissionBps = bps }
        if let seconds = try int("CASE_FIRST_RESPONSE_SECONDS", min: 1) { config.caseFirstResponseSeconds = seconds }
        if let days = try int("CART_TTL_DAYS", min: 1, max: 36_500) { config.cartTTLDays = days }
        if let decided = try int("ROUTING_MIN_DECIDED", min: 1, max: 1_000_000) { config.probation.minDecided = decided }
        if let text = env["ROUTING_MIN_ACCEPTANCE_RATE"], !text.isEmpty {
            guard let rate = Double(text), rate >= 0, rate <= 1 else {
                throw Invalid(name: "ROUTING_MIN_ACCEPTANCE_RATE", reason: "must be a number from 0 to 1, got '\(text)'")
            }
            config.probation.minAcceptanceRate = rate
        }
        if let schedule = env["WEBHOOK_RETRY_SCHEDULE"] {
            let parts = schedule.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if schedule.trimmingCharacters(in: .whitespaces).isEmpty {
                config.webhookRetrySchedule = []
            } else {
                config.webhookRetrySchedule = try parts.map {
                    guard let value = Int($0), value >= 0 else {
                        throw Invalid(name: "WEBHOOK_RETRY_SCHEDULE", reason: "must be comma-separated seconds, got '\(schedule)'")
                    }
                    return value
                }
            }
        }
        if let flag = env["WEBHOOK_ALLOW_PRIVATE_TARGETS"] {
            switch flag.lowercased() {
            case "true", "1", "yes": config.allowPrivateWebhookTargets = true
            case "false", "0", "no", "": config.allowPrivateWebhookTargets = false
            default: throw Invalid(name: "WEBHOOK_ALLOW_PRIVATE_TARGETS", reason: "must be true or false")
            }
        }
        if let seconds = try int("HTTP_IDLE_TIMEOUT_SECONDS", min: 1, max: 86_400) { config.httpIdleTimeoutSeconds = seconds }
        if let seconds = try int("HTTP_REQUEST_TIMEOUT_SECONDS", min: 1, max: 3600) { config.httpRequestTimeoutSeconds = seconds }
        if let seconds = try int("SHUTDOWN_TIMEOUT_SECONDS", min: 1, max: 3600) { config.shutdownTimeoutSeconds = seconds }
        if let seconds = try int("WEBHOOK_TIMEOUT_SECONDS", min: 1, max: 3600) { config.webhookTimeoutSeconds = seconds }
        for (name, isPrevious) in [("MARKETPLACE_SECRET_KEY", false), ("MARKETPLACE_SECRET_KEY_PREVIOUS", true)] {
            guard let text = env[name], !text.isEmpty else { continue }
            // The value is never echoed: it is the key.
            guard let key = SecretKeyring.Key(hex: text) else {
                throw Invalid(name: name, reason: "must be 64 hexadecimal characters (32 bytes), e.g. from `openssl rand -hex 32`")
            }
            if isPrevious { config.previousSecretKey = key } else { config.secretKey = key }
        }
        if let dir = env["MARKETPLACE_SQL_DIR"], !dir.isEmpty { config.sqlDirectory = dir }
        return config
    }

    /// The keyring for secrets at rest; throws, naming the variable, when no key is set.
    func keyring() throws -> SecretKeyring {
        guard let secretKey else {
            throw Invalid(
                name: "MARKETPLACE_SECRET_KEY",
                reason:
                    "is required: 64 hexadecimal characters (32 bytes) that encrypt webhook secrets at rest, e.g. from `openssl rand -hex 32`"
            )
        }
        return SecretKeyring(current: secretKey, previous: previousSecretKey.map { [$0] } ?? [])
    }

    /// Where the migrations are: `MARKETPLACE_SQL_DIR`, else `./sql`, else a `sql` folder
    /// beside or above the executable (a build tree inside the repository).
    func migrationsDirectory() -> URL? {
        let fm = FileManager.default
        if let sqlDirectory { return URL(fileURLWithPath: sqlDirectory) }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("sql")
        if fm.fileExists(atPath: cwd.path) { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("sql")
            if fm.fileExists(atPath: candidate.appendingPathComponent("0001_foundation.sql").path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
