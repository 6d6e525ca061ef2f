import CommerceCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import Testing

@testable import MarketplaceAPI

#if canImport(Glibc)
    import Glibc
#endif

/// The answers a client sees when the database fails: 503 when nothing was written, 504 when a
/// commit's answer was lost (but 503 for a read), never a 500.
@Suite struct DatabaseFailureAnswerTests {
    static func app() -> some ApplicationProtocol {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ProblemMiddleware(routes: RouteTable(), logger: Logger(label: "test")))
        router.post("/unavailable") { _, _ -> Response in throw DatabaseUnavailable(.deadlineExceeded) }
        router.post("/queue-full") { _, _ -> Response in throw DatabaseUnavailable(.waitQueueFull) }
        router.post("/lost-commit") { _, _ -> Response in throw DatabaseOutcomeUnknown(cause: "deadline exceeded") }
        router.get("/lost-commit") { _, _ -> Response in throw DatabaseOutcomeUnknown(cause: "deadline exceeded") }
        router.post("/task-cancelled") { _, _ -> Response in throw CancellationError() }
        router.post("/cancelled") { _, _ -> Response in
            throw PostgresError(sqlState: SQLState.queryCanceled, message: "canceling statement due to statement timeout")
        }
        return Application(router: router)
    }

    struct Answer {
        let status: Int
        let code: String?
        let retryAfter: String?
    }

    func answer(_ method: HTTPRequest.Method, _ path: String) async throws -> Answer {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: path, method: method) { response in
                let json = try JSONParser.parse(Array(response.body.readableBytesView))
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(json["status"]?.intValue == Int64(response.status.code))
                return Answer(
                    status: Int(response.status.code),
                    code: json["type"]?.stringValue?.split(separator: "/").last.map(String.init),
                    retryAfter: response.headers[.retryAfter])
            }
        }
    }

    @Test func nothingWrittenIs503WithRetryAfter() async throws {
        for path in ["/unavailable", "/queue-full", "/cancelled", "/task-cancelled"] {
            let a = try await answer(.post, path)
            #expect(a.status == 503 && a.code == "unavailable" && a.retryAfter == "1", "\(path): \(a)")
        }
    }

    @Test func aLostCommitIs504ForAWriteAnd503ForARead() async throws {
        let write = try await answer(.post, "/lost-commit")
        #expect(write.status == 504 && write.code == "outcome-unknown", "\(write)")
        let read = try await answer(.get, "/lost-commit")
        #expect(read.status == 503 && read.code == "unavailable", "\(read)")
    }
}

/// A real stall of the whole database (every process of the throwaway cluster SIGSTOPped) and a
/// real restart, seen from HTTP clients.
@Suite(.serialized, .enabled(if: StallDatabase.isAvailable, "needs the throwaway cluster of scripts/test (MK_STALL_DATABASE_URL)"))
struct DatabaseStallTests {
    static let budgetMs = 1000
    static let slack = Duration.milliseconds(2000)

    func run(poolSize: Int, budgetMs: Int = budgetMs, _ body: @Sendable (TestServer) async throws -> Void) async throws {
        // Migrate under the lock: a Postgres stall test restarting the cluster meanwhile would
        // kill the migration, and the failed task would fail every test after it.
        let lock = try await StallDatabase.lock()
        defer { lock.release() }
        try await StallDatabase.migrated.value
        try await TestServer.run(
            configure: {
                $0.databaseURL = StallDatabase.url!
                $0.poolSize = poolSize
                $0.dbTimeoutMs = budgetMs
            }, body)
    }

    @Test("a stalled database: GETs and POSTs answer 503 (or 504) in time, /healthz 200, then all is well again", arguments: [1, 8])
    func stalledDatabase(poolSize: Int) async throws {
        try await run(poolSize: poolSize) { server in
            // Before the stall, under load, the 1 s budget may run out: try again.
            var created = try await server.admin.post("/v1/vendors", ["name": "Stall test"])
            for _ in 0..<20 where created.status == 503 {
                try await Task.sleep(for: .milliseconds(200))
                created = try await server.admin.post("/v1/vendors", ["name": "Stall test"])
            }
            let vendorId = try #require(created["id"]?.stringValue, "\(created)")
            try await StallDatabase.warm(server.pool, poolSize)
            let pids = try StallDatabase.stopAll()
            defer { StallDatabase.resume(pids) }

            let key = "stall-" + UUID().uuidString
            let admin = server.admin
            let answers = try await withThrowingTaskGroup(of: (String, String, String, APIResponse, Duration).self) { group in
                for i in 0..<6 {
                    group.addTask {
                        let start = ContinuousClock.now
                        if i.isMultiple(of: 2) {
                            let response = try await admin.get("/v1/vendors/\(vendorId)")
                            return ("get", "/v1/vendors/{vendor_id}", "", response, ContinuousClock.now - start)
                        }
                        let requestKey = "\(key)-\(i)"
                        let response = try await admin.post(
                            "/v1/vendors", ["name": "during a stall"], headers: [("Idempotency-Key", requestKey)])
                        return ("post", "/v1/vendors", requestKey, response, ContinuousClock.now - start)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let health = try await server.client(token: nil).get("/healthz")
            #expect(health.status == 200, "/healthz during the stall: \(health)")

            var samples: [OpenAPIContractTests.Sample] = []
            for (method, path, _, response, elapsed) in answers {
                #expect(elapsed < .milliseconds(Self.budgetMs) + Self.slack, "\(method) answered after \(elapsed)")
                if method == "get" || response.status == 503 {
                    FoundationHelpers.expectProblem(response, status: 503, code: "unavailable")
                    #expect(FoundationHelpers.header(response, "Retry-After") == "1")
                } else {
                    FoundationHelpers.expectProblem(response, status: 504, code: "outcome-unknown")
                }
                samples.append(.init(method: method, path: path, response: response))
            }
            let document = try await server.client(token: nil).get("/openapi.json")
            let verdicts = try await SchemaValidator.validate(document: document.bytes, samples: samples)
            for verdict in verdicts { #expect(verdict == "ok") }

            StallDatabase.resume(pids)
            var recovered: APIResponse?
            for _ in 0..<50 {
                let response = try await admin.get("/v1/vendors/\(vendorId)")
                if response.status == 200 {
                    recovered = response
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(recovered?.status == 200, "no recovery after SIGCONT")
            // A key whose request was answered 503 was not stored: the same request now creates.
            for (_, _, requestKey, response, _) in answers where response.status == 503 && !requestKey.isEmpty {
                var retried = try await admin.post("/v1/vendors", ["name": "during a stall"], headers: [("Idempotency-Key", requestKey)])
                for _ in 0..<20 where retried.status == 503 {
                    try await Task.sleep(for: .milliseconds(200))
                    retried = try await admin.post("/v1/vendors", ["name": "during a stall"], headers: [("Idempotency-Key", requestKey)])
                }
                #expect(retried.status == 201, "\(retried)")
                #expect(FoundationHelpers.header(retried, "Idempotent-Replayed") == nil)
            }
            #expect(try await admin.post("/v1/vendors", ["name": "after the stall"]).status == 201)
        }
    }

    @Test("a database restart with a pool of 8: the very next request succeeds")
    func restartWithAPoolOfEight() async throws {
        try await run(poolSize: 8, budgetMs: 10_000) { server in
            let vendorId = try await Fixtures(server: server).vendor()
            try await StallDatabase.warm(server.pool, 8)
            try await StallDatabase.restart()
            let read = try await server.admin.get("/v1/vendors/\(vendorId)")
            #expect(read.status == 200, "\(read)")
            let write = try await server.admin.post("/v1/vendors", ["name": "after a restart"])
            #expect(write.status == 201, "\(write)")
            #expect(try await server.client(token: nil).get("/readyz").status == 200)
        }
    }
}

/// The throwaway cluster of scripts/test (see Tests/PostgresTests/StallCluster.swift, its twin).
enum StallDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["MK_STALL_DATABASE_URL"]
    static let dataDirectory = environment["MK_STALL_PGDATA"]
    static var isAvailable: Bool { url != nil && dataDirectory != nil }

    /// Held while a test stalls or restarts the cluster: the Postgres and the HTTP stall suites
    /// run in the same process, and `.serialized` orders only the tests of one suite. An flock
    /// on a file beside the data directory, polled so no thread blocks on it.
    struct Lock {
        let fd: Int32
        func release() { close(fd) }
    }

    static func lock() async throws -> Lock {
        let fd = open(dataDirectory! + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return Lock(fd: fd)
    }

    static let migrated: Task<Void, any Error> = Task {
        let pool = ConnectionPool(conninfo: url!, size: 1)
        defer { Task { await pool.shutdown() } }
        try await TestDatabase.migrator().migrate(pool)
    }

    /// Opens `count` connections at once, so that the pool really holds that many.
    static func warm(_ pool: ConnectionPool, _ count: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                // Setting up is not what is measured: a loaded machine may connect slower than
                // the 1 s budget of the stall tests.
                group.addTask { () async throws -> Void in
                    _ = try await DatabaseDeadline.$current.withValue(ContinuousClock.now + .seconds(20)) {
                        try await pool.query("SELECT pg_sleep(0.3)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func stopAll() throws -> [pid_t] {
        let text = try String(contentsOfFile: dataDirectory! + "/postmaster.pid", encoding: .utf8)
        let postmaster = try #require(text.split(separator: "\n").first.flatMap { pid_t($0) })
        kill(postmaster, SIGSTOP)
        let children = childPIDs(of: postmaster)
        for pid in children { kill(pid, SIGSTOP) }
        return [postmaster] + children
    }

    static func resume(_ pids: [pid_t]) {
        for pid in pids.reversed() { kill(pid, SIGCONT) }
    }

    /// `pg_ctl restart` waited for on a dispatch thread: blocking one of the concurrency pool's
    /// two threads for seconds would stall the tests running beside this one.
    static func restart() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try restartBlocking() }) }
        }
    }

    private static func restartBlocking() throws {
        let pgCtl = environment["MK_STALL_PG_CTL"] ?? "/usr/lib/postgresql/15/bin/pg_ctl"
        var arguments = [pgCtl, "-D", dataDirectory!, "-m", "fast", "-w", "-t", "60", "restart"]
        if let log = environment["MK_STALL_PGLOG"] { arguments += ["-l", log] }
        if getuid() == 0 { arguments = ["/usr/sbin/runuser", "-u", environment["MK_STALL_PG_OWNER"] ?? "postgres", "--"] + arguments }
        let status = spawn(arguments)
        guard status == 0 else { throw RestartFailed(status: status) }  // thrown: this runs off the test task
    }

    /// Children of `parent`, from /proc (spawning pgrep from the test process is avoided: see `spawn`).
    static func childPIDs(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid …": the command may hold spaces, so count from its ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
        }
    }

    /// Runs a command and waits for it, with posix_spawn and waitpid: Foundation's `Process`
    /// did not notice its child's exit here. Python's `subprocess` in between closes every
    /// inherited descriptor, so a server started by the command holds none of the test
    /// process's pipes open.
    static func spawn(_ arguments: [String]) -> Int32 {
        let command =
            ["/usr/bin/python3", "-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:], cwd='/'))"]
            + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, command[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 0 }  // reaped elsewhere: the caller checks the outcome itself
        }
        return status
    }
}

struct RestartFailed: Error {
    let status: Int32
}
