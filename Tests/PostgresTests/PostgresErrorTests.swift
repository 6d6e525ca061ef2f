import Foundation
import Postgres
import Testing

@Suite("Postgres errors carry SQLSTATE")
struct PostgresErrorTests {
    /// Runs `body` on one connection that has a temp table `t` with a unique, a check and a
    /// foreign key constraint.
    private func withConstrainedTable(_ body: (Session, String) async throws -> Void) async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await pool.withConnection { session in
                let parent = TestDB.uniqueName("tmp_parent")
                let table = TestDB.uniqueName("tmp_err")
                try await session.query("CREATE TEMP TABLE \(parent) (id int PRIMARY KEY)")
                try await session.query("INSERT INTO \(parent) VALUES (1)")
                try await session.query(
                    """
                    CREATE TEMP TABLE \(table) (
                        id int PRIMARY KEY,
                        token text UNIQUE,
                        n int NOT NULL CONSTRAINT n_positive CHECK (n > 0),
                        parent int REFERENCES \(parent) (id)
                    )
                    """)
                try await session.query("INSERT INTO \(table) (id, token, n) VALUES (1, $1, 1)", ["secret-token-7f3a"])
                try await body(session, table)
            }
        }
    }

    @Test("unique violation: 23505, isUniqueViolation, constraint named, description without the value")
    func uniqueViolation() async throws {
        try await withConstrainedTable { session, table in
            let error = try await #require(throws: PostgresError.self) {
                try await session.query("INSERT INTO \(table) (id, token, n) VALUES (2, $1, 1)", ["secret-token-7f3a"])
            }
            #expect(error.sqlState == "23505")
            #expect(error.isUniqueViolation)
            #expect(!error.isCheckViolation && !error.isForeignKeyViolation && !error.isRetryable && !error.isConnectionFailure)
            #expect(error.constraint == "\(table)_token_key")
            #expect(error.description.contains("23505"))
            #expect(!error.description.contains("secret-token-7f3a"), "\(error.description)")
            #expect(!"\(error)".contains("secret-token-7f3a"))
            // The session is usable afterwards (autocommit: the failed statement did not poison it).
            #expect(try await session.query("SELECT count(*) AS c FROM \(table)").first?.int("c") == 1)
        }
    }

    @Test("check, not-null and foreign key violations map to their SQLSTATEs")
    func constraintViolations() async throws {
        try await withConstrainedTable { session, table in
            let check = try await #require(throws: PostgresError.self) {
                try await session.query("INSERT INTO \(table) (id, n) VALUES ($1, $2)", [3, -5])
            }
            #expect(check.sqlState == "23514")
            #expect(check.isCheckViolation)
            #expect(check.constraint == "n_positive")

            let notNull = try await #require(throws: PostgresError.self) {
                try await session.query("INSERT INTO \(table) (id, n) VALUES ($1, $2)", [4, Int?.none])
            }
            #expect(notNull.sqlState == SQLState.notNullViolation)

            let foreignKey = try await #require(throws: PostgresError.self) {
                try await session.query("INSERT INTO \(table) (id, n, parent) VALUES ($1, 1, $2)", [5, 999])
            }
            #expect(foreignKey.sqlState == "23503")
            #expect(foreignKey.isForeignKeyViolation)
        }
    }

    @Test("syntax error is 42601, division by zero 22012, undefined table 42P01")
    func statementErrors() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let syntax = try await #require(throws: PostgresError.self) { try await pool.query("SELEC 1") }
            #expect(syntax.sqlState == "42601")
            let syntaxWithParams = try await #require(throws: PostgresError.self) { try await pool.query("SELEC $1", [1]) }
            #expect(syntaxWithParams.sqlState == "42601")
            let division = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1 / $1::int", [0]) }
            #expect(division.sqlState == "22012")
            #expect(!division.isRetryable)
            let missing = try await #require(throws: PostgresError.self) {
                try await pool.query("SELECT * FROM \(TestDB.uniqueName("no_such_table"))")
            }
            #expect(missing.sqlState == "42P01")
            #expect(!missing.isConnectionFailure)
            #expect(missing.message.contains("does not exist"))
        }
    }

    @Test("a parameter the server cannot parse does not show up in the error description")
    func invalidParameterNotInDescription() async throws {
        // PostgreSQL's own message quotes the bad input ("invalid input syntax for type integer: \"…\""),
        // so a description that embeds the message leaks the parameter.
        let secret = "mk_secret-token-value-9c1e"
        try await TestDB.withPool(size: 1) { pool in
            let error = try await #require(throws: PostgresError.self) {
                try await pool.query("SELECT $1::int AS v", [secret])
            }
            #expect(error.sqlState == SQLState.invalidTextRepresentation)
            #expect(!error.description.contains(secret), "description leaks a parameter: \(error.description)")
        }
    }

    @Test("isRetryable and isConnectionFailure follow the SQLSTATE classes")
    func classification() {
        #expect(PostgresError(sqlState: "40001", message: "").isRetryable)
        #expect(PostgresError(sqlState: "40P01", message: "").isRetryable)
        #expect(PostgresError(sqlState: "40P01", message: "").isDeadlock)
        #expect(!PostgresError(sqlState: "23505", message: "").isRetryable)
        #expect(PostgresError(sqlState: nil, message: "").isConnectionFailure)
        #expect(PostgresError(sqlState: "08006", message: "").isConnectionFailure)
        #expect(PostgresError(sqlState: "57P01", message: "").isConnectionFailure)
        #expect(!PostgresError(sqlState: "42601", message: "").isConnectionFailure)
        #expect(PostgresError(sqlState: nil, message: "x").description == "PostgresError(-----): x")
    }
}
