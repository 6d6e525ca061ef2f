import CryptoSupport
import Logging
import Postgres

/// What every route needs: configuration, the database, metrics. Built once per process.
struct AppServices: Sendable {
    let config: AppConfiguration
    let pool: ConnectionPool
    let migrator: Migrator
    let metrics: AppMetrics
    let logger: Logger
    /// Seals secrets at rest (`MARKETPLACE_SECRET_KEY`).
    let keyring: SecretKeyring

    var commands: CommandRunner { CommandRunner(pool: pool, keyring: keyring, lazyBegin: config.dbPipeline) }

    /// Throws when the configuration has no `MARKETPLACE_SECRET_KEY`.
    init(config: AppConfiguration, pool: ConnectionPool, migrator: Migrator, logger: Logger) throws {
        self.keyring = try config.keyring()
        self.config = config
        self.pool = pool
        self.migrator = migrator
        self.metrics = AppMetrics()
        self.logger = logger
    }
}
