import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The throwaway cluster `scripts/test` starts for the suites that stall or restart their
/// database (never the shared one: other suites run against it at the same time).
enum StallCluster {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["MK_STALL_DATABASE_URL"]
    static let dataDirectory = environment["MK_STALL_PGDATA"]
    static var isAvailable: Bool { url != nil && dataDirectory != nil }
    static let skipReason: Comment =
        "needs the throwaway cluster of scripts/test (MK_STALL_DATABASE_URL, MK_STALL_PGDATA): run scripts/test"

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

    /// Stops the postmaster first (so it forks nothing new), then every child of it. Returns
    /// what to `resume`.
    static func stopAll() throws -> [pid_t] {
        let postmaster = try postmasterPID()
        kill(postmaster, SIGSTOP)
        let children = childPIDs(of: postmaster)
        for pid in children { kill(pid, SIGSTOP) }
        return [postmaster] + children
    }

    static func resume(_ pids: [pid_t]) {
        for pid in pids.reversed() { kill(pid, SIGCONT) }
    }

    /// `pg_ctl restart -m fast`, as the cluster's owner.
    /// `pg_ctl restart` waited for on a dispatch thread: blocking one of the concurrency pool's
    /// two threads for seconds would stall the tests running beside this one.
    static func restart() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try restartBlocking() }) }
        }
    }

    private static func restartBlocking() throws {
        let env = environment
        let pgCtl = env["MK_STALL_PG_CTL"] ?? "/usr/lib/postgresql/15/bin/pg_ctl"
        var arguments = [pgCtl, "-D", dataDirectory!, "-m", "fast", "-w", "-t", "60", "restart"]
        if let log = env["MK_STALL_PGLOG"] { arguments += ["-l", log] }
        let owner = env["MK_STALL_PG_OWNER"] ?? "postgres"
        let status = spawn(getuid() == 0 ? ["/usr/sbin/runuser", "-u", owner, "--"] + arguments : arguments)
        guard status == 0 else { throw RestartFailed(status: status) }  // thrown: this runs off the test task
    }

    static func postmasterPID() throws -> pid_t {
        let text = try String(contentsOfFile: dataDirectory! + "/postmaster.pid", encoding: .utf8)
        return try #require(text.split(separator: "\n").first.flatMap { pid_t($0) })
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
