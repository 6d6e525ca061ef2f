import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile receiver: answers `HTTP/1.1 200 OK` and headers at once, then trickles its body
/// one byte a second for as long as the client stays. Plain sockets on threads of its own
/// (tests only), so that it behaves byte for byte as written.
final class TricklingReceiver: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex<(connections: [Date], closed: Bool)>(([], false))

    var connections: [Date] { state.withLock { $0.connections } }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }  // the listener was shut down
            state.withLock { $0.connections.append(Date()) }
            let thread = Thread { [self] in trickle(client) }
            thread.start()
        }
    }

    private func trickle(_ client: Int32) {
        defer { close(client) }
        // Read the request head (and whatever of the body came with it); its content is not used.
        var buffer = [UInt8](repeating: 0, count: 65536)
        _ = recv(client, &buffer, buffer.count, 0)
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n".utf8)
        guard send(client, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
        for _ in 0..<600 {
            if state.withLock({ $0.closed }) { return }
            Thread.sleep(forTimeInterval: 1)
            var byte: UInt8 = UInt8(ascii: ".")
            if send(client, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 { return }  // the client hung up
        }
    }

    func stop() {
        state.withLock { $0.closed = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
