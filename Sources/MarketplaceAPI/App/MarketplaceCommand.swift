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
import SettlementCore
import UnixSignals
import VendorRouting

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
        pool = ConnectionPool(conninfo: config.databaseURL, size: config.poolSize, timeout: config.dbTimeout, logger: logger)
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
        ProbationPolicy.configure(startup.config.probation)
        let background = BackgroundJobs.make(services)
        let app = buildApplication(services, backgroundServices: background)
        startup.logger.info("serving", metadata: ["address": "\(startup.config.host):\(startup.config.port)"])
        // Shutdown is bounded: in-flight requests and jobs get `SHUTDOWN_TIMEOUT_SECONDS` to
        // finish, then they are cancelled, and the process exits shortly after either way.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: startup.logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(startup.config.shutdownTimeoutSeconds)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()
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
        } catch let error as PostgresError where error.isConnectionFailure {
            await startup.pool.shutdown()
            let source = ProcessInfo.processInfo.environment["DATABASE_URL"].map { _ in "DATABASE_URL" } ?? "the default"
            FileHandle.standardError.write(
                Data(
                    """
                    settle: cannot reach the database at \(Self.redacted(startup.config.databaseURL)) (\(source)): \(error.message)
                    Set DATABASE_URL to the server's database: scripts/serve prints it, and a cluster it started
                    listens on 127.0.0.1 at the port in .data/pg.port (postgresql://postgres@127.0.0.1:PORT/marketplace).

                    """.utf8))
            throw ExitCode(75)
        } catch {
            await startup.pool.shutdown()
            throw error
        }
    }

    /// A connection string fit to print: any password replaced by `***`.
    static func redacted(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        {
            text.replaceSubrange(text.index(after: colon)..<at, with: "***")
        }
        return text.split(separator: " ").map { $0.hasPrefix("password=") ? "password=***" : String($0) }.joined(separator: " ")
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
