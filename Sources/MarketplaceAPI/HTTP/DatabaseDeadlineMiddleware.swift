import Hummingbird
import Postgres

/// Gives each request one database budget, `DB_TIMEOUT_MS` from its start: waiting for a
/// connection, connecting and every statement draw on it (the pool reads `DatabaseDeadline`).
/// Inside `ProblemMiddleware`, so a budget that runs out is answered 503 (or 504 for a lost commit).
struct DatabaseDeadlineMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await DatabaseDeadline.$current.withValue(ContinuousClock.now + timeout) {
            try await next(request, context)
        }
    }
}
