public import Foundation

/// Applies numbered SQL files (`0001_name.sql`) once each, in order, each in its own
/// transaction together with its row in `schema_migrations`. A session advisory lock makes
/// concurrent `migrate` runs (several servers starting at once) wait for each other.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    public let migrations: [Migration]
    /// Arbitrary constant naming the migration lock.
    static let lockKey: Int64 = 0x6D61_726B_6574

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Reads `NNNN_name.sql` files from a directory.
    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var migrations: [Migration] = []
        var seen = Set<Int>()
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError(message: "migration file \(file) is not named NNNN_name.sql")
            }
            guard seen.insert(version).inserted else {
                throw MigrationError(message: "two migrations have version \(version)")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        guard !migrations.isEmpty else { throw MigrationError(message: "no migrations in \(directory.path)") }
        self.init(migrations: migrations)
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is pending; returns the versions applied by this call.
    @discardableResult
    public func migrate(_ pool: ConnectionPool) async throws -> [Int] {
        // A migration may rightly take long (an index on a big table), and so may waiting for
        // another server's: neither the request budget nor the session's statement_timeout
        // applies. `SET LOCAL` keeps the lifted timeout inside each transaction, so the
        // connection goes back to the pool with its usual settings.
        try await DatabaseDeadline.$current.withValue(ContinuousClock.now + Self.budget) {
            try await pool.withConnection { session in try await migrate(session) }
        }
    }

    /// How long `migrate` may take in all.
    static let budget: Duration = .seconds(24 * 3600)

    private func migrate(_ session: Session) async throws -> [Int] {
        // A session-level advisory lock outlives the transaction that took it.
        try await session.query("BEGIN")
        try await session.query("SET LOCAL statement_timeout = 0")
        _ = try await session.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
        try await session.query("COMMIT")
        do {
            let applied = try await apply(session)
            _ = try await session.query("SELECT pg_advisory_unlock($1)", [Self.lockKey])
            return applied
        } catch {
            _ = try? await session.query("ROLLBACK")
            _ = try? await session.query("SELECT pg_advisory_unlock($1)", [Self.lockKey])
            throw error
        }
    }

    private func apply(_ session: Session) async throws -> [Int] {
        try await session.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let done = Set(try await session.query("SELECT version FROM schema_migrations").rows.map { try $0.int("version") })
        var applied: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            try await session.query("BEGIN")
            try await session.query("SET LOCAL statement_timeout = 0")
            try await session.execute(script: migration.sql)
            try await session.query(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
            try await session.query("COMMIT")
            applied.append(migration.version)
        }
        return applied
    }

    /// The highest applied version, or 0 when nothing was applied (used by `/readyz`).
    public static func appliedVersion(_ pool: ConnectionPool) async throws -> Int {
        let exists = try await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS e")
        guard try exists.first?.bool("e") == true else { return 0 }
        let result = try await pool.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")
        return try result.first?.int("v") ?? 0
    }
}

public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
