import CommerceCore
import Foundation
import Hummingbird
import Postgres

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.json`: no token needed.
struct OperationsController: Controller {
    let services: AppServices

    func addRoutes(to routes: Routes) {
        routes.get("/healthz") { _, _ in .json(["status": "ok"]) }

        routes.get("/readyz") { _, _ in
            do {
                let applied = try await Migrator.appliedVersion(services.pool)
                guard applied >= services.migrator.latestVersion else {
                    return Problem(
                        status: .serviceUnavailable, code: "not-ready", title: "Not Ready",
                        detail: "Database migrations are pending (applied \(applied), need \(services.migrator.latestVersion))."
                    ).response
                }
                return .json(["status": "ready", "schema_version": .int(Int64(applied))])
            } catch {
                return Problem(
                    status: .serviceUnavailable, code: "not-ready", title: "Not Ready", detail: "The database is unreachable."
                ).response
            }
        }

        routes.get("/metrics") { _, _ in
            let text = services.metrics.render(poolInUse: await services.pool.inUse(), poolSize: services.pool.size)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }

        routes.get("/openapi.json") { _, _ in
            let document = try OpenAPIDocument.json()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
