import CryptoSupport
import Foundation
import Postgres
import Webhooks

/// Brings every stored secret under the current `MARKETPLACE_SECRET_KEY`: webhook signing
/// secrets (current and previous) and idempotency records that replay a secret.
///
/// A migration cannot do this (SQL never sees the key), so `serve` runs the `.legacy` pass at
/// start-up, sealing what was stored in clear before secrets were encrypted; until it has
/// run, the dispatcher reads a clear value as it is. `marketplace rotate-secrets` runs the
/// `.rotation` pass, which also re-seals what an older key sealed (that key given as
/// `MARKETPLACE_SECRET_KEY_PREVIOUS`). Rows are taken in small batches, each under row locks
/// in its own transaction, so a concurrent rotation of one endpoint's secret is never lost.
enum SecretsAtRest {
    enum Pass {
        /// Only values stored in clear (or replay records sealed by token alone).
        case legacy
        /// Everything not sealed with the current key.
        case rotation
    }

    struct Counts: Sendable {
        var endpoints = 0
        var replays = 0
    }

    static let batch = 100

    @discardableResult
    static func reseal(_ pool: ConnectionPool, keyring: SecretKeyring, pass: Pass) async throws -> Counts {
        var counts = Counts()
        // What counts as done: a value starting with this.
        let done = pass == .legacy ? SecretKeyring.prefix : keyring.currentPrefix
        while true {
            let changed = try await pool.transaction { tx in
                let rows = try await tx.query(
                    """
                    SELECT id, secret, previous_secret FROM webhook_endpoints
                    WHERE left(secret, length($1)) <> $1 OR left(previous_secret, length($1)) <> $1
                    ORDER BY id LIMIT $2 FOR UPDATE
                    """, [done, batch])
                for row in rows.rows {
                    let id = try row.string("id")
                    func resealed(_ stored: String) throws -> String {
                        if stored.hasPrefix(done) { return stored }
                        let plain = try EndpointSecrets.open(stored, endpointId: id, keyring: keyring)
                        return EndpointSecrets.seal(plain, endpointId: id, keyring: keyring)
                    }
                    try await tx.query(
                        "UPDATE webhook_endpoints SET secret = $2, previous_secret = $3 WHERE id = $1",
                        [id, try resealed(try row.string("secret")), try row.optionalString("previous_secret").map(resealed)])
                }
                return rows.rows.count
            }
            counts.endpoints += changed
            if changed < batch { break }
        }
        let doneReplay = CommandRunner.sealedPrefix + done
        while true {
            let changed = try await pool.transaction { tx in
                let rows = try await tx.query(
                    """
                    SELECT scope, key, response_body FROM idempotency_keys
                    WHERE (left(response_body, length($1)) = $1 OR left(response_body, length($2)) = $2)
                      AND left(response_body, length($3)) <> $3
                    ORDER BY scope, key LIMIT $4 FOR UPDATE
                    """, [CommandRunner.sealedPrefix, CommandRunner.legacySealedPrefix, doneReplay, batch])
                for row in rows.rows {
                    let (scope, key) = (try row.string("scope"), try row.string("key"))
                    guard
                        let opened = CommandRunner.tokenSealed(
                            try row.string("response_body"), scope: scope, key: key, keyring: keyring), let inner = opened
                    else { throw SecretKeyring.OpenError.corrupt }
                    let body =
                        CommandRunner.sealedPrefix
                        + keyring.seal(inner, context: CommandRunner.replayContext(scope: scope, key: key))
                    try await tx.query(
                        "UPDATE idempotency_keys SET response_body = $3 WHERE scope = $1 AND key = $2", [scope, key, body])
                }
                return rows.rows.count
            }
            counts.replays += changed
            if changed < batch { break }
        }
        return counts
    }
}
