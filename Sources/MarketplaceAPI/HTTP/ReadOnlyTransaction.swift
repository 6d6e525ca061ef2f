import Postgres

extension ConnectionPool {
    /// A transaction that can only read (quotes): the database itself refuses any write, and
    /// nothing is locked for others.
    func readOnlyTransaction<T>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await transaction { tx in
            try await tx.query("SET TRANSACTION READ ONLY", [])
            return try await body(tx)
        }
    }
}
