import CommerceCore
import CryptoSupport
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// What a command produced: the status and body to answer with.
struct CommandResult: Sendable {
    let status: HTTPResponse.Status
    /// The body as JSON bytes, nil for none.
    let body: [UInt8]?
    /// The body holds a secret shown only once (an API token, a webhook signing secret): its
    /// idempotency record is sealed with a key derived from the caller's token, and that with
    /// `MARKETPLACE_SECRET_KEY`, so the database never holds it readable.
    let sensitive: Bool

    init(_ status: HTTPResponse.Status, _ body: JSONValue?, sensitive: Bool = false) {
        self.init(status, json: body.map { JSONWriter.bytes($0) }, sensitive: sensitive)
    }

    /// `json`: the body already written (`JSONOutput`), for an answer too frequent to build as
    /// a `JSONValue` tree first (a placed order).
    init(_ status: HTTPResponse.Status, json: [UInt8]?, sensitive: Bool = false) {
        self.status = status
        self.body = json
        self.sensitive = sensitive
    }
}

/// Runs a state-changing request in one transaction. With an `Idempotency-Key` header the
/// key's record is written in that same transaction, so the effect and the record commit
/// together or not at all (IETF Idempotency-Key draft semantics):
/// - same key, same request → the stored status and body, `Idempotent-Replayed: true`;
/// - same key, other request → 422 `idempotency-key-reused`;
/// - same key while the first is still running → 409 `conflict` (a transaction-scoped
///   advisory lock on the key is held by the first);
/// - a request that fails stores nothing, so it can be retried with the same key.
///
/// The transaction begins lazily: `BEGIN` (and the caller's API-key check) leave in the same
/// flush as the command's first statement, and without a key `COMMIT` may leave with the
/// command's last (`Transaction.executeCommitting`), so an order costs two round trips (that
/// flush; the placing statement with `COMMIT`) instead of five.
struct CommandRunner: Sendable {
    let pool: ConnectionPool
    let keyring: SecretKeyring
    /// `BEGIN` leaves with the first statement and `COMMIT` may leave with the last
    /// (`DB_PIPELINE`, on by default).
    var lazyBegin = true

    func run(
        _ request: Request, _ context: AppRequestContext, body: JSONBody?,
        _ work: @escaping @Sendable (Transaction) async throws -> CommandResult
    ) async throws -> Response {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            // Nothing follows `work` here, so its last statement may commit (an order's placing
            // statement does); with a key, the key's record is written after it.
            let result = try await pool.transaction(lazyBegin: lazyBegin, bodyMayCommit: lazyBegin) { try await work($0) }
            return Self.response(result)
        }
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw DomainError.validation(field: "Idempotency-Key", "must be 1 to 255 bytes")
        }
        guard let principal = context.principal else { throw Problem.unauthorized() }
        var fingerprintInput = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        // The parsed body, canonicalised: the same JSON with other whitespace or key order is
        // the same request.
        fingerprintInput.append(contentsOf: body.map { JSONWriter.canonicalBytes($0.value) } ?? [])
        let fingerprint = Crypto.hex(Crypto.sha256(fingerprintInput))
        let scope = principal.scope

        let outcome: Outcome = try await pool.transaction(lazyBegin: lazyBegin) { tx in
            let lock = try await tx.query(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7)) AS locked", [scope + "\u{1}" + key])
            guard try lock.first?.bool("locked") == true else {
                throw DomainError.conflict("A request with this Idempotency-Key is still being processed.")
            }
            let existing = try await tx.query(
                "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2",
                [scope, key])
            if let row = existing.first {
                guard try row.string("request_hash") == fingerprint else {
                    throw DomainError(
                        .idempotencyKeyReused,
                        "This Idempotency-Key was already used with a different request.",
                        errors: [FieldError("Idempotency-Key", "was used with another method, path or body")])
                }
                return .replay(status: try row.int("status_code"), body: try row.string("response_body"))
            }
            let result = try await work(tx)
            var bodyText = result.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if result.sensitive {
                let sealed = Sealing.seal(key: Self.replayKey(principal, key), Array(bodyText.utf8))
                bodyText = Self.sealedPrefix + keyring.seal(sealed, context: Self.replayContext(scope: scope, key: key))
            }
            try await tx.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body)
                VALUES ($1, $2, $3, $4, $5)
                """, [scope, key, fingerprint, Int(result.status.code), bodyText])
            return .fresh(result)
        }
        switch outcome {
        case .fresh(let result):
            return Self.response(result)
        case .replay(let status, var body):
            if let sealed = Self.tokenSealed(body, scope: scope, key: key, keyring: keyring) {
                guard let sealed, let plain = Sealing.open(key: Self.replayKey(principal, key), sealed) else {
                    throw DomainError.conflict("The stored response for this Idempotency-Key cannot be read back.")
                }
                body = String(decoding: plain, as: UTF8.self)
            }
            let headers: HTTPFields = [HTTPField.Name("Idempotent-Replayed")!: "true"]
            if body.isEmpty { return Response(status: .init(code: status), headers: headers) }
            return .json(bytes: Array(body.utf8), status: .init(code: status), headers: headers)
        }
    }

    /// `sealed:v2:` + the token-sealed body sealed again with the keyring. Records written
    /// before (`sealed:v1:` + base64, token-sealed only) are still read, and sealed with the
    /// keyring at start-up (`SecretsAtRest`).
    static let sealedPrefix = "sealed:v2:"
    static let legacySealedPrefix = "sealed:v1:"

    static func replayContext(scope: String, key: String) -> String { "idempotency_keys:\(scope)\u{1}\(key)" }

    /// nil when `body` is not sealed; .some(nil) when it is but cannot be opened; otherwise the
    /// token-sealed bytes.
    static func tokenSealed(_ body: String, scope: String, key: String, keyring: SecretKeyring) -> [UInt8]?? {
        if body.hasPrefix(sealedPrefix) {
            return .some(try? keyring.open(String(body.dropFirst(sealedPrefix.count)), context: replayContext(scope: scope, key: key)))
        }
        if body.hasPrefix(legacySealedPrefix) {
            return .some(Data(base64Encoded: String(body.dropFirst(legacySealedPrefix.count))).map { Array($0) })
        }
        return nil
    }

    static func replayKey(_ principal: Principal, _ key: String) -> [UInt8] {
        Crypto.hmacSHA256(key: principal.replaySecret, message: Array(key.utf8))
    }

    private enum Outcome: Sendable {
        case fresh(CommandResult)
        case replay(status: Int, body: String)
    }

    static func response(_ result: CommandResult) -> Response {
        guard let body = result.body else { return Response(status: result.status) }
        return .json(bytes: body, status: result.status)
    }
}
