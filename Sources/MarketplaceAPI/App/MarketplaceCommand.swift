import ArgumentParser
import CommerceCore
import CryptoSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Postgres
import ServiceLifecycle
import Settlement

@main
struct MarketplaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marketplace",
        abstract: "The order brain of a multi-vendor marketplace.",
        subcommands: [Serve.self, Migrate.self, Settle.self, RotateSecrets.self],
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
        let keyring: SecretKeyring
        do {
            keyring = try startup.config.keyring()
        } catch {
            await startup.pool.shutdown()
            throw ValidationError("configuration: \(error)")
        }
        try await startup.migrate()
        // Secrets stored in clear by an earlier version are sealed before anything is served.
        let sealed = try await SecretsAtRest.reseal(startup.pool, keyring: keyring, pass: .legacy)
        if sealed.endpoints + sealed.replays > 0 {
            startup.logger.info(
                "sealed secrets stored in clear",
                metadata: ["endpoints": "\(sealed.endpoints)", "replays": "\(sealed.replays)"])
        }
        let services = try AppServices(
            config: startup.config, pool: startup.pool, migrator: startup.migrator, logger: startup.logger)
        let background = BackgroundJobs.make(services)
        let app = buildApplication(services, backgroundServices: background)
        startup.logger.info("serving", metadata: ["address": "\(startup.config.host):\(startup.config.port)"])
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        await startup.pool.shutdown()
    }
}

/// `marketplace settle --period-end <RFC 3339>`: creates a settlement run exactly as
/// `POST /v1/settlement-runs` does (same lock, same exactly-once rules) and prints it as JSON.
struct Settle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a settlement run up to --period-end (inclusive) and print it as JSON.")

    @Option(name: .customLong("period-end"), help: "RFC 3339 timestamp with a time zone, e.g. 2026-12-01T00:00:00Z.")
    var periodEnd: String

    func validate() throws {
        guard RFC3339.parse(periodEnd) != nil else {
            throw ValidationError("--period-end must be an RFC 3339 timestamp with a time zone, e.g. 2026-12-01T00:00:00Z")
        }
    }

    func run() async throws {
        let startup = try Startup()
        do {
            let run = try await Self.createRun(
                startup.pool, migrator: startup.migrator, periodEnd: RFC3339.parse(periodEnd)!,
                defaultCommissionBps: startup.config.defaultCommissionBps)
            await startup.pool.shutdown()
            print(JSONWriter.string(run.json))
        } catch let error as DomainError {
            await startup.pool.shutdown()
            FileHandle.standardError.write(Data("settle: \(error.detail)\n".utf8))
            throw ExitCode(error.kind == .conflict ? 75 : 1)  // 75: EX_TEMPFAIL, try again
        } catch {
            await startup.pool.shutdown()
            throw error
        }
    }

    /// The run, created in one transaction; refuses to run against a database whose migrations
    /// are not all applied (run `marketplace migrate` first).
    static func createRun(
        _ pool: ConnectionPool, migrator: Migrator, periodEnd: Date, defaultCommissionBps: Int
    ) async throws -> SettlementRun {
        let applied = try await Migrator.appliedVersion(pool)
        guard applied >= migrator.latestVersion else {
            throw ValidationError(
                "the database is at schema \(applied), this build needs \(migrator.latestVersion): run `marketplace migrate` first")
        }
        return try await pool.transaction { tx in
            try await SettlementStore.createRun(tx, periodEnd: periodEnd, defaultCommissionBps: defaultCommissionBps)
        }
    }
}

/// `marketplace rotate-secrets`: re-seals every stored secret with the current
/// `MARKETPLACE_SECRET_KEY`, opening what the old key sealed with
/// `MARKETPLACE_SECRET_KEY_PREVIOUS`. Safe to run while servers run, and to run again.
struct RotateSecrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secrets",
        abstract: "Re-encrypt stored secrets with MARKETPLACE_SECRET_KEY (old key in MARKETPLACE_SECRET_KEY_PREVIOUS).")

    func run() async throws {
        let startup = try Startup()
        do {
            let keyring = try startup.config.keyring()
            let counts = try await SecretsAtRest.reseal(startup.pool, keyring: keyring, pass: .rotation)
            await startup.pool.shutdown()
            print(#"{"endpoints": \#(counts.endpoints), "replays": \#(counts.replays), "key_id": "\#(keyring.current.id)"}"#)
        } catch let error as SecretKeyring.OpenError {
            await startup.pool.shutdown()
            FileHandle.standardError.write(Data("rotate-secrets: \(error)\n".utf8))
            throw ExitCode(1)
        } catch {
            await startup.pool.shutdown()
            throw ValidationError("\(error)")
        }
    }
}
