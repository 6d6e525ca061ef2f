import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Postgres
import ServiceLifecycle

@main
struct MarketplaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marketplace",
        abstract: "The order brain of a multi-vendor marketplace.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

/// Shared start-up: configuration, logger, pool and migrations.
struct Startup {
    let config: AppConfiguration
    let logger: Logger
    let pool: ConnectionPool
    let migrator: Migrator

    init() throws {
        var logger = Logger(label: "marketplace")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        do {
            config = try AppConfiguration.fromEnvironment()
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        guard let directory = config.migrationsDirectory() else {
            throw ValidationError("no migrations found: set MARKETPLACE_SQL_DIR to the repository's sql/ folder")
        }
        migrator = try Migrator(directory: directory)
        pool = ConnectionPool(conninfo: config.databaseURL, size: config.poolSize, logger: logger)
        self.logger = logger
    }

    func migrate() async throws {
        let applied = try await migrator.migrate(pool)
        logger.info(
            "migrations applied",
            metadata: ["applied": "\(applied.map(String.init).joined(separator: ","))", "schema": "\(migrator.latestVersion)"])
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit.")

    func run() async throws {
        let startup = try Startup()
        do {
            try await startup.migrate()
        } catch {
            await startup.pool.shutdown()
            throw error
        }
        await startup.pool.shutdown()
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations, then serve the API.")

    func run() async throws {
        // Run Swift concurrency on NIO's event loops: removes a thread hop per await in handlers.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let startup = try Startup()
        try await startup.migrate()
        let services = AppServices(
            config: startup.config, pool: startup.pool, migrator: startup.migrator, logger: startup.logger)
        let background = BackgroundJobs.make(services)
        let app = buildApplication(services, backgroundServices: background)
        startup.logger.info("serving", metadata: ["address": "\(startup.config.host):\(startup.config.port)"])
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        await startup.pool.shutdown()
    }
}
