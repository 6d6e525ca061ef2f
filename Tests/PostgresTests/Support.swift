import Foundation
import Logging
import Postgres
import Testing

/// The database these tests use: `DATABASE_URL`, else the dev test database on the local cluster.
enum TestDB {
    static let url =
        ProcessInfo.processInfo.environment["DATABASE_URL"]
        ?? "postgresql://postgres@127.0.0.1:54329/marketplace_dev_test"

    /// The same server, another database (`postgres` for CREATE/DROP DATABASE, or a scratch one).
    static func url(database: String) -> String {
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            return "\(url) dbname=\(database)"
        }
        components.path = "/" + database
        return components.string!
    }

    /// A generous default budget: these suites run in parallel on a loaded machine; the
    /// deadline tests pass a small one.
    static func makePool(size: Int, url: String = TestDB.url, timeout: Duration = .seconds(30)) -> ConnectionPool {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .warning
        return ConnectionPool(conninfo: url, size: size, timeout: timeout, logger: logger)
    }

    /// Runs `body` with a fresh pool and always shuts the pool down afterwards.
    static func withPool<T>(
        size: Int, url: String = TestDB.url, timeout: Duration = .seconds(30), _ body: (ConnectionPool) async throws -> T
    ) async throws -> T {
        let pool = makePool(size: size, url: url, timeout: timeout)
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// A unique identifier usable as a table or database name.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
    }

    /// Starts `waiting` while the pool's only connection is held, checks that it joined the
    /// line, then opens `gate` for the holder to go on. The waiting task, to await.
    static func startWaiter<T: Sendable>(
        _ pool: ConnectionPool, opening gate: AsyncStream<Void>.Continuation,
        _ waiting: @escaping @Sendable () async throws -> T
    ) async throws -> Task<T, any Error> {
        let waiter = Task { try await waiting() }
        let deadline = ContinuousClock.now + .seconds(10)
        while pool.waiting == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(pool.waiting == 1, "the second transaction waits for the only connection")
        gate.yield()
        gate.finish()
        return waiter
    }

    /// Creates a real table (visible to every connection of the pool), runs `body`, drops it.
    static func withTable<T>(
        _ pool: ConnectionPool, columns: String, _ body: (String) async throws -> T
    ) async throws -> T {
        let name = uniqueName("pgt")
        try await pool.query("CREATE TABLE \(name) (\(columns))")
        do {
            let value = try await body(name)
            try await pool.query("DROP TABLE IF EXISTS \(name)")
            return value
        } catch {
            _ = try? await pool.query("DROP TABLE IF EXISTS \(name)")
            throw error
        }
    }

    /// Creates a scratch database, runs `body` with its URL, then drops it (forcibly).
    static func withScratchDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let name = uniqueName("mt")
        return try await withPool(size: 1, url: url(database: "postgres")) { admin in
            try await admin.query("CREATE DATABASE \(name)")
            do {
                let value = try await body(url(database: name))
                try await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                return value
            } catch {
                _ = try? await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
        }
    }
}

/// Thrown by test bodies to force a rollback.
struct Boom: Error, Equatable {}

/// Lets `parties` tasks wait for each other: each `arrive()` returns once all have arrived.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties {
            for continuation in waiting { continuation.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// A counter tasks can share.
actor Counter {
    private(set) var value = 0
    private(set) var maximum = 0

    @discardableResult
    func increment() -> Int {
        value += 1
        return value
    }

    func record(_ sample: Int) { maximum = max(maximum, sample) }
}
