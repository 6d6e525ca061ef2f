import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

/// SIGTERM ends `marketplace serve` within `SHUTDOWN_TIMEOUT_SECONDS` (plus the few seconds
/// cancellation may take), even while a client holds a request open by trickling its body.
@Suite struct GracefulShutdownTests {
    @Test func aTricklingRequestCannotHoldShutdownOpen() async throws {
        // A database of its own: `serve` runs the webhook dispatcher, which in the shared test
        // database would claim other tests' due deliveries and, killed by this test mid-attempt,
        // leave them leased for the attempt timeout + 30 s (a webhook test running beside it
        // then waited in vain for its delivery).
        let database = try await TestDatabase.fresh("marketplace_shutdown")
        let root = ReadmeWalkthroughTests.root
        let binary = root.appendingPathComponent(".build/debug/marketplace").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no \(binary): build first")
        // Python spawns the server with no blocked signals (Foundation's Process may hand its
        // own mask down), holds a request open, sends SIGTERM and times the exit.
        let script = """
            import json, os, signal, socket, subprocess, sys, time
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            cfg = json.loads(sys.stdin.readline())
            s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
            env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATABASE_URL=cfg["db"],
                       MARKETPLACE_SQL_DIR=cfg["sql"], MARKETPLACE_SECRET_KEY="ab" * 32, MARKETPLACE_ADMIN_TOKEN="t",
                       SHUTDOWN_TIMEOUT_SECONDS="1", HTTP_REQUEST_TIMEOUT_SECONDS="600", HTTP_IDLE_TIMEOUT_SECONDS="600",
                       SLA_SWEEP_SECONDS="3600", LOG_LEVEL="error")
            server = subprocess.Popen([cfg["binary"], "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out = {}
            try:
                for _ in range(300):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
                    except OSError:
                        time.sleep(0.1)
                c = socket.create_connection(("127.0.0.1", port))
                c.sendall(b"POST /v1/vendors HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer t\\r\\n"
                          b"Content-Type: application/json\\r\\nContent-Length: 1000\\r\\n\\r\\n{\\"na")
                time.sleep(0.5)
                started = time.monotonic()
                server.send_signal(signal.SIGTERM)
                try:
                    out["code"] = server.wait(timeout=30)
                    out["seconds"] = time.monotonic() - started
                except subprocess.TimeoutExpired:
                    out["seconds"] = None
            finally:
                if server.poll() is None:
                    server.kill(); server.wait()
            print(json.dumps([out]))
            """
        let input: JSONValue = [
            "db": .string(database), "sql": .string(root.appendingPathComponent("sql").path), "binary": .string(binary),
        ]
        let result = try #require(try await Python.run(script, input: JSONWriter.string(input) + "\n")?.first)
        let seconds = try #require(
            result["seconds"].flatMap { if case .double(let d) = $0 { d } else { $0.intValue.map(Double.init) } },
            "serve was still running 30 s after SIGTERM: \(result)")
        // 1 s of grace, up to 5 s of cancellation, and a loaded machine's slack.
        #expect(seconds < 12, "exited after \(seconds) s")
    }
}
