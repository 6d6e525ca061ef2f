import CryptoSupport
import Logging
import Postgres

/// What every route needs: configuration, the database, metrics. Built once per process.
struct AppServices: Sendable {
    let config: AppConfiguration
    let pool: ConnectionPool
    let migrator: Migrator
    let metrics: RequestMetrics
    let logger: Logger

    var commands: CommandRunner { CommandRunner(pool: pool) }

    init(config: AppConfiguration, pool: ConnectionPool, migrator: Migrator, logger: Logger) {
        self.config = config
        self.pool = pool
        self.migrator = migrator
        self.metrics = RequestMetrics()
        self.logger = logger
    }
}
