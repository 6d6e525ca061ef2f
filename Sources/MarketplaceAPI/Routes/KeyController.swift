import CommerceCore
import CryptoSupport
import Hummingbird
import Postgres
import VendorRouting

/// API keys: created by operators, shown once, stored only as SHA-256 hashes.
struct KeyController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.post("/v1/api-keys") { request, context in
            try context.require(.operator)
            let body = try await request.jsonBody(context: context)
            var f = Fields(body.value)
            let role = f.oneOf("role", Role.self)
            let vendorId = f.string("vendor_id", required: false, maxLength: 100)
            let channel = f.string("channel", required: false, maxLength: 100)
            if let role {
                if role == .vendor, vendorId == nil, !f.has("vendor_id") { f.fail("vendor_id", "is required for a vendor key") }
                if role != .vendor, vendorId != nil { f.fail("vendor_id", "is only for vendor keys") }
                if role == .channel, channel == nil, !f.has("channel") { f.fail("channel", "is required for a channel key") }
                if role != .channel, channel != nil { f.fail("channel", "is only for channel keys") }
            }
            try f.check()
            return try await services.commands.run(request, context, body: body) { tx in
                if let vendorId, !(try await CatalogStore.vendorExists(tx, id: vendorId)) {
                    throw DomainError.validation(field: "vendor_id", "no vendor '\(vendorId)'")
                }
                if let channel, !(try await CatalogStore.channelExists(tx, code: channel)) {
                    throw DomainError.validation(field: "channel", "no channel '\(channel)'")
                }
                let id = Identifier.make("key")
                let token = "mk_" + Crypto.base64URL(Crypto.randomBytes(32))
                try await tx.query(
                    "INSERT INTO api_keys (id, token_hash, role, vendor_id, channel) VALUES ($1, $2, $3, $4, $5)",
                    [id, Crypto.sha256Hex(token), role!.rawValue, vendorId, channel])
                return CommandResult(
                    .created,
                    [
                        "id": .string(id), "role": .string(role!.rawValue), "vendor_id": .from(vendorId),
                        "channel": .from(channel), "token": .string(token),
                    ], sensitive: true)
            }
        }

        routes.get("/v1/api-keys") { request, context in
            try context.require(.operator)
            var q = QueryParameters(request)
            let role = q.oneOf("role", Role.self)
            let page = q.page()
            try q.check()
            return .json(try await APIKeyStore.list(services.pool, role: role, page: page).json)
        }

        routes.delete("/v1/api-keys/{id}") { request, context in
            try context.require(.operator)
            let id = try context.path("id")
            let result = try await services.pool.query(
                """
                WITH target AS (SELECT id, revoked_at FROM api_keys WHERE id = $1),
                     revoke AS (UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL)
                SELECT count(*) AS found FROM target
                """, [id])
            guard try result.first?.int("found") == 1 else { throw Problem.notFound("API key \(id) was not found.") }
            return Response(status: .noContent)
        }
    }
}
