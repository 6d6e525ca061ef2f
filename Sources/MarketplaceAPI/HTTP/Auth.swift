import CryptoSupport
import Foundation
import Hummingbird
import Postgres

enum Role: String, Sendable, CaseIterable {
    case `operator`, finance, vendor, channel
}

/// The caller behind a bearer token.
struct Principal: Sendable {
    let role: Role
    let vendorId: String?
    let channel: String?
    /// Hex SHA-256 of the token: scopes idempotency keys without keeping the token.
    let scope: String
    /// Derived from the raw token and never stored: only a caller holding the same token can
    /// read back a replayed response that carried a secret.
    let replaySecret: [UInt8]
    /// The API key's id; nil for the admin token, which has no row.
    let keyId: String?

    init(role: Role, vendorId: String?, channel: String?, token: String, scope: String, keyId: String? = nil) {
        self.keyId = keyId
        self.role = role
        self.vendorId = vendorId
        self.channel = channel
        self.scope = scope
        self.replaySecret = Crypto.hmacSHA256(key: Array(token.utf8), message: Array("marketplace/idempotency-replay".utf8))
    }

    /// How the request log names the caller: the key's id, or `admin`. Never the token.
    var logName: String { keyId ?? "admin" }
}

/// Resolves `Authorization: Bearer …` on every request to a protected route. Tokens are looked
/// up by their SHA-256 hash. A known token's key comes from `APIKeyCache`, and whether it still
/// holds is checked in the same flush as the request's first statement (`DeferredCheck`), or on
/// its own when the request made none, so a revoked key fails on the very next request.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pool: ConnectionPool
    /// SHA-256 of `MARKETPLACE_ADMIN_TOKEN`, compared in constant time.
    let adminTokenHash: [UInt8]?
    /// nil: every request looks its key up (`DB_PIPELINE=off`).
    let cache: APIKeyCache?

    init(pool: ConnectionPool, adminTokenHash: [UInt8]?, cache: APIKeyCache? = APIKeyCache()) {
        self.pool = pool
        self.adminTokenHash = adminTokenHash
        self.cache = cache
    }

    static let inForceSQL = "SELECT api_key_in_force($1, $2)"
    static let revokedSQLState = "MK401"

    private static let bearerScheme: [UInt8] = Array("bearer ".utf8)

    /// The token of `Bearer <token>` (scheme case-insensitive), without the optional white space
    /// (spaces, tabs) HTTP allows around it; nil for any other scheme. Byte-wise: Foundation's
    /// `trimmingCharacters` cost 1.6 % of the server's CPU per order in bench/run's profile.
    static func bearerToken(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        let scheme = bearerScheme
        guard bytes.count > scheme.count else { return nil }
        for i in 0..<scheme.count {
            let byte = bytes[i]
            // ASCII letters lower-cased; the space stays a space.
            guard (65...90).contains(byte) ? byte | 0x20 == scheme[i] : byte == scheme[i] else { return nil }
        }
        var start = scheme.count
        var end = bytes.count
        while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
        while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Problem.unauthorized(.missing) }
        guard let token = Self.bearerToken(header), !token.isEmpty, token.utf8.count <= 512 else {
            throw Problem.unauthorized(.malformed)
        }
        let digest = Crypto.sha256(token)
        let scope = Crypto.hex(digest)
        var context = context
        if let adminTokenHash, Crypto.constantTimeEquals(digest, adminTokenHash) {
            context.principal = Principal(role: .operator, vendorId: nil, channel: nil, token: token, scope: scope)
            return try await next(request, context)
        }
        if let cache, let entry = cache.entry(forHash: scope) {
            context.principal = Principal(
                role: entry.role, vendorId: entry.vendorId, channel: entry.channel, token: token, scope: scope, keyId: entry.id)
            return try await withDeferredCheck(keyId: entry.id, hash: scope) { try await next(request, context) }
        }
        let result: QueryResult
        do {
            result = try await pool.query(
                "SELECT id, role, vendor_id, channel, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE token_hash = $1",
                [scope])
        } catch is DatabaseOutcomeUnknown {
            // A lost answer to this read leaves nothing written, whatever the request's method.
            throw Problem.unavailable()
        }
        guard let row = result.first, let role = Role(rawValue: try row.string("role")) else {
            throw Problem.unauthorized(.unknown)
        }
        guard try !row.bool("revoked") else { throw Problem.unauthorized(.revoked) }
        let entry = APIKeyCache.Entry(
            id: try row.string("id"), role: role, vendorId: try row.optionalString("vendor_id"),
            channel: try row.optionalString("channel"))
        cache?.remember(entry, forHash: scope)
        context.principal = Principal(
            role: role, vendorId: entry.vendorId, channel: entry.channel, token: token, scope: scope, keyId: entry.id)
        return try await next(request, context)
    }

    /// Runs the request with the key's check riding on its first statement. Whatever the
    /// request answered, a check that failed turns it into 401 (PostgreSQL skipped everything
    /// after the check, so nothing took effect); a check that no statement carried runs now.
    private func withDeferredCheck(
        keyId: String, hash: String, _ next: () async throws -> Response
    ) async throws -> Response {
        let check = DeferredCheck(Self.inForceSQL, [keyId, hash])
        let outcome: Result<Response, any Error>
        do {
            outcome = .success(try await DeferredCheck.$current.withValue(check) { try await next() })
        } catch {
            outcome = .failure(error)
        }
        switch check.state {
        case .passed:
            break
        case .failed(let error) where error.sqlState == Self.revokedSQLState:
            cache?.forget(hash: hash)
            throw Problem.unauthorized(.revoked)
        case .pending, .inFlight, .failed:
            do {
                _ = try await pool.query(Self.inForceSQL, [keyId, hash])
            } catch let error as PostgresError where error.sqlState == Self.revokedSQLState {
                cache?.forget(hash: hash)
                throw Problem.unauthorized(.revoked)
            } catch is DatabaseOutcomeUnknown {
                throw Problem.unavailable()
            }
        }
        return try outcome.get()
    }
}

extension AppRequestContext {
    /// The caller, if its role is one of `roles`; 403 otherwise.
    @discardableResult
    func require(_ roles: Role...) throws -> Principal {
        guard let principal else { throw Problem.unauthorized() }
        guard roles.contains(principal.role) else { throw Problem.forbidden(allowed: roles, role: principal.role) }
        return principal
    }

    /// For routes under `/v1/vendors/{vendor_id}`: that vendor, or one of `others`.
    /// Another vendor gets 404, exactly as if the vendor did not exist.
    @discardableResult
    func requireVendor(_ vendorId: String, or others: Role...) throws -> Principal {
        guard let principal else { throw Problem.unauthorized() }
        if principal.role == .vendor {
            guard principal.vendorId == vendorId else { throw Problem.notFound("Vendor \(vendorId) was not found.") }
            return principal
        }
        guard others.contains(principal.role) else {
            throw Problem.forbidden(allowed: [.vendor] + others, role: principal.role)
        }
        return principal
    }
}
