import Foundation
import Testing

@testable import Postgres

@Suite("Migrator")
struct MigratorTests {
    /// Two tiny migrations; the second inserts a row into a table without a key, so applying it
    /// twice would show as two rows.
    static let tiny = Migrator(migrations: [
        .init(version: 2, name: "seed", sql: "INSERT INTO widgets (name) VALUES ('first'); INSERT INTO widgets (name) VALUES ('second');"),
        .init(version: 1, name: "widgets", sql: "CREATE TABLE widgets (name text NOT NULL);"),
    ])

    @Test("migrations are sorted by version")
    func sorted() {
        #expect(Self.tiny.migrations.map(\.version) == [1, 2])
        #expect(Self.tiny.latestVersion == 2)
        #expect(Migrator(migrations: []).latestVersion == 0)
    }

    @Test("migrating twice applies nothing the second time")
    func migrateTwice() async throws {
        try await TestDB.withScratchDatabase { url in
            try await TestDB.withPool(size: 1, url: url) { pool in
                #expect(try await Migrator.appliedVersion(pool) == 0)
                #expect(try await Self.tiny.migrate(pool) == [1, 2])
                #expect(try await Self.tiny.migrate(pool) == [])
                #expect(try await Migrator.appliedVersion(pool) == 2)
                let widgets = try await pool.query("SELECT count(*) AS c FROM widgets")
                #expect(try widgets.first?.int("c") == 2)
                let recorded = try await pool.query("SELECT version, name FROM schema_migrations ORDER BY version")
                #expect(try recorded.rows.map { try $0.int("version") } == [1, 2])
                #expect(try recorded.rows.map { try $0.string("name") } == ["widgets", "seed"])
            }
        }
    }

    @Test("a new migration is applied on its own, the old ones are not repeated")
    func incremental() async throws {
        try await TestDB.withScratchDatabase { url in
            try await TestDB.withPool(size: 1, url: url) { pool in
                let first = try await Migrator(migrations: Array(Self.tiny.migrations.prefix(1))).migrate(pool)
                #expect(first == [1])
                let more = Migrator(
                    migrations: Self.tiny.migrations + [
                        .init(version: 3, name: "more", sql: "INSERT INTO widgets (name) VALUES ('third')")
                    ])
                #expect(try await more.migrate(pool) == [2, 3])
                #expect(try await pool.query("SELECT count(*) AS c FROM widgets").first?.int("c") == 3)
            }
        }
    }

    @Test("two concurrent migrate() calls apply each migration exactly once")
    func concurrentMigrations() async throws {
        try await TestDB.withScratchDatabase { url in
            try await TestDB.withPool(size: 1, url: url) { first in
                try await TestDB.withPool(size: 1, url: url) { second in
                    async let a = Self.tiny.migrate(first)
                    async let b = Self.tiny.migrate(second)
                    let applied = try await [a, b]
                    #expect(applied.flatMap { $0 }.sorted() == [1, 2], "\(applied)")
                    let widgets = try await first.query("SELECT count(*) AS c FROM widgets")
                    #expect(try widgets.first?.int("c") == 2)
                    let recorded = try await first.query("SELECT count(*) AS c FROM schema_migrations")
                    #expect(try recorded.first?.int("c") == 2)
                    let locks = try await first.query(
                        "SELECT count(*) AS c FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                    #expect(try locks.first?.int("c") == 0, "the migration lock must be released")
                }
            }
        }
    }

    @Test("a failing migration is rolled back whole, recorded nowhere, and releases the lock")
    func failingMigration() async throws {
        let broken = Migrator(
            migrations: Self.tiny.migrations + [
                .init(version: 3, name: "broken", sql: "CREATE TABLE gadgets (id int); INSERT INTO widgets (name) VALUES ('x'); SELEC 1;")
            ])
        try await TestDB.withScratchDatabase { url in
            try await TestDB.withPool(size: 1, url: url) { pool in
                let error = try await #require(throws: PostgresError.self) { try await broken.migrate(pool) }
                #expect(error.sqlState == "42601")
                #expect(try await Migrator.appliedVersion(pool) == 2)
                #expect(try await pool.query("SELECT to_regclass('gadgets') IS NULL AS gone").first?.bool("gone") == true)
                #expect(try await pool.query("SELECT count(*) AS c FROM widgets").first?.int("c") == 2)
                // Another connection can take the lock at once (the failed run released it).
                try await TestDB.withPool(size: 1, url: url) { other in
                    let locked = try await other.query("SELECT pg_try_advisory_lock($1) AS ok", [Migrator.lockKey])
                    #expect(try locked.first?.bool("ok") == true)
                    try await other.query("SELECT pg_advisory_unlock($1)", [Migrator.lockKey])
                    // The connection that failed is not stuck in a transaction either.
                    #expect(try await Self.tiny.migrate(pool) == [])
                }
            }
        }
    }

    @Test("reading a directory: NNNN_name.sql files in version order; bad names and duplicates refused")
    func directory() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(TestDB.uniqueName("migr"))
        defer { try? FileManager.default.removeItem(at: base) }
        func folder(_ files: [String: String]) throws -> URL {
            let dir = base.appendingPathComponent(TestDB.uniqueName("d"))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            return dir
        }
        let good = try Migrator(
            directory: try folder([
                "0010_later.sql": "SELECT 10;", "0002_first_thing.sql": "SELECT 2;", "README.md": "ignored",
            ]))
        #expect(good.migrations.map(\.version) == [2, 10])
        #expect(good.migrations.map(\.name) == ["first_thing", "later"])
        #expect(good.migrations.first?.sql == "SELECT 2;")
        #expect(good.latestVersion == 10)

        #expect(throws: MigrationError.self) { try Migrator(directory: try folder(["abc.sql": "SELECT 1;"])) }
        #expect(throws: MigrationError.self) {
            try Migrator(directory: try folder(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"]))
        }
        #expect(throws: MigrationError.self) { try Migrator(directory: try folder([:])) }
        #expect(throws: (any Error).self) { try Migrator(directory: base.appendingPathComponent("nope")) }
    }

    @Test("the project's own sql/ folder loads")
    func projectMigrations() throws {
        let dir =
            ProcessInfo.processInfo.environment["MARKETPLACE_SQL_DIR"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql")
        let migrator = try Migrator(directory: dir)
        #expect(migrator.migrations.first?.version == 1)
        #expect(migrator.latestVersion >= 1)
        let versions = migrator.migrations.map(\.version)
        #expect(versions == versions.sorted())
    }
}
