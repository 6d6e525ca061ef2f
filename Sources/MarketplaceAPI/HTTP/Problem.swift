import CommerceCore
import Foundation
import Hummingbird
import Logging
import NIOHTTP1
import Postgres

/// An RFC 9457 problem. `type` ends in a stable code clients switch on.
struct Problem: Error {
    static let typeBase = "https://marketplace.example/problems/"

    let status: HTTPResponse.Status
    let code: String
    let title: String
    let detail: String
    var errors: [FieldError] = []
    var headers: HTTPFields = [:]

    var json: JSONValue {
        var object = JSONObject([
            ("type", .string(Self.typeBase + code)), ("title", .string(title)), ("status", .int(Int64(status.code))),
            ("detail", .string(detail)),
        ])
        object["errors"] = .array(errors.map { ["field": .string($0.field), "message": .string($0.message)] })
        if let requestId = RequestIdentifier.current { object["request_id"] = .string(requestId) }
        return .object(object)
    }

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(json))))
    }

    /// Why a request was not authenticated. The detail says what to fix without telling an
    /// unknown token from one that never existed; only a revoked key is named as such.
    enum Unauthenticated {
        case missing, malformed, unknown, revoked

        var detail: String {
            switch self {
            case .missing: "No Authorization header: send `Authorization: Bearer <token>`."
            case .malformed: "The Authorization header must be `Bearer <token>` with a token of 1 to 512 characters."
            case .unknown: "The bearer token is not valid."
            case .revoked: "The bearer token was revoked."
            }
        }
    }

    static func unauthorized(_ reason: Unauthenticated = .missing) -> Problem {
        Problem(
            status: .unauthorized, code: "unauthorized", title: "Unauthorized", detail: reason.detail,
            headers: [.wwwAuthenticate: "Bearer"])
    }

    /// 403 naming the roles that may make the request.
    static func forbidden(allowed: [Role] = [], role: Role? = nil) -> Problem {
        var detail = "This token's role may not do this."
        if !allowed.isEmpty {
            detail =
                "Only \(allowed.map(\.rawValue).joined(separator: ", ")) tokens may do this"
                + (role.map { "; this token's role is \($0.rawValue)." } ?? ".")
        }
        return Problem(status: .forbidden, code: "forbidden", title: "Forbidden", detail: detail)
    }

    static func notFound(_ detail: String = "No such resource.") -> Problem {
        Problem(status: .notFound, code: "not-found", title: "Not Found", detail: detail)
    }

    /// Nothing was written: the database did not answer in time, or could not be reached.
    static func unavailable(_ detail: String = "The database did not answer in time; nothing was changed. Retry shortly.") -> Problem {
        Problem(
            status: .serviceUnavailable, code: "unavailable", title: "Service Unavailable", detail: detail,
            headers: [.retryAfter: "1"])
    }

    /// The database stopped answering after the request's `COMMIT` was sent: its changes may or
    /// may not have been made, and saying "nothing was changed" could be false.
    static func outcomeUnknown() -> Problem {
        Problem(
            status: .gatewayTimeout, code: "outcome-unknown", title: "Outcome Unknown",
            detail: """
                The database stopped answering after this request's changes were sent to be committed: they may or may \
                not have taken effect. Retry with the same Idempotency-Key to get the stored result if they did, or read \
                the resource before retrying.
                """)
    }

    static func from(_ error: DomainError) -> Problem {
        switch error.kind {
        case .validation:
            Problem(
                status: .unprocessableContent, code: "validation", title: "Validation failed", detail: error.detail, errors: error.errors)
        case .notFound:
            Problem(status: .notFound, code: "not-found", title: "Not Found", detail: error.detail)
        case .conflict:
            Problem(status: .conflict, code: "conflict", title: "Conflict", detail: error.detail, errors: error.errors)
        case .insufficientStock:
            Problem(status: .conflict, code: "insufficient-stock", title: "Insufficient stock", detail: error.detail, errors: error.errors)
        case .invalidTransition:
            Problem(status: .conflict, code: "invalid-transition", title: "Invalid transition", detail: error.detail, errors: error.errors)
        case .idempotencyKeyReused:
            Problem(
                status: .unprocessableContent, code: "idempotency-key-reused", title: "Idempotency key reused",
                detail: error.detail, errors: error.errors)
        }
    }
}

/// Turns every failure into problem+json: domain errors, Hummingbird's own errors (unknown
/// routes, wrong methods, oversized bodies) and anything unexpected, which is logged and
/// answered 500 without internals.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as DomainError {
            return Problem.from(error).response
        } catch let error as PostgresError where error.isRetryable {
            // The transaction was retried and kept losing to concurrent ones: nothing was
            // written, and trying again later is the right move for the client.
            logger.warning("transaction gave up after retries", metadata: ["sqlstate": "\(error.sqlState ?? "")"])
            return Problem(
                status: .conflict, code: "conflict", title: "Conflict",
                detail: "The request collided with concurrent changes and was not applied; retry it.",
                headers: [.retryAfter: "1"]
            ).response
        } catch let error as DatabaseUnavailable {
            logger.warning("database unavailable", metadata: ["reason": "\(error.reason.rawValue)"])
            return Problem.unavailable().response
        } catch let error as DatabaseOutcomeUnknown {
            // A safe method wrote nothing, whatever became of its read.
            if request.method == .get || request.method == .head {
                logger.warning("database unavailable", metadata: ["error": "\(error)"])
                return Problem.unavailable().response
            }
            logger.error("outcome of a commit unknown", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Problem.outcomeUnknown().response
        } catch let error as PostgresError where error.isQueryCanceled {
            // The server's statement_timeout (or an administrator) cancelled a statement: its
            // transaction was rolled back.
            logger.warning("statement cancelled by the database", metadata: ["error": "\(error)"])
            return Problem.unavailable().response
        } catch let error as PostgresError where error.isConnectionFailure {
            logger.error("database unavailable", metadata: ["error": "\(error)"])
            return Problem.unavailable("The database is unreachable; nothing was changed. Retry shortly.").response
        } catch is CancellationError {
            // The request's task was cancelled while it waited for the database (the pool lets a
            // cancelled waiter go at once): nothing was committed.
            return Problem.unavailable().response
        } catch let error as HTTPParserError {
            // The client broke off or garbled its request (a body cut off by the read deadline,
            // a dropped connection): its own doing, and usually nobody is left to answer.
            logger.debug("request not read in full", metadata: ["error": "\(error)"])
            return Problem(
                status: .badRequest, code: "bad-request", title: "Bad Request",
                detail: "The request did not arrive in full."
            ).response
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors: unknown routes, oversized bodies (also chunked ones,
            // which surface as NIOTooManyBytesError), and the like.
            return problem(for: error.status, detail: (error as? HTTPError)?.body, request: request).response
        } catch {
            logger.error("unhandled error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Problem(
                status: .internalServerError, code: "internal", title: "Internal Server Error",
                detail: "The request could not be completed; nothing was changed."
            ).response
        }
    }

    private func problem(for status: HTTPResponse.Status, detail: String?, request: Request) -> Problem {
        switch status {
        case .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                return Problem(
                    status: .methodNotAllowed, code: "method-not-allowed", title: "Method Not Allowed",
                    detail: "\(request.method) is not allowed on \(request.uri.path).",
                    headers: [.allow: allowed.map(\.rawValue).sorted().joined(separator: ", ")])
            }
            return .notFound("No route matches \(request.method) \(request.uri.path).")
        case .contentTooLarge:
            return Problem(
                status: .contentTooLarge, code: "payload-too-large", title: "Payload Too Large",
                detail: "Request bodies are limited to 1 MiB.")
        default:
            let code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
            return Problem(status: status, code: code, title: status.reasonPhrase, detail: detail ?? status.reasonPhrase)
        }
    }
}

/// A `Problem` thrown past our middleware (or by Hummingbird code that expects its own error
/// protocol) still answers as problem+json.
extension Problem: HTTPResponseError {
    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}
