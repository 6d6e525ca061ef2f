import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request takes longer than `limit` to arrive in full, from its
/// head to its last body byte.
///
/// Hummingbird's idle timeout covers a connection between requests (and a client trickling
/// its header bytes, since no request has begun until the head is complete); once a head has
/// arrived the request counts as in progress and nothing bounds how slowly its body trickles
/// in. A 1 MiB body sent a byte a second would hold a connection, a handler task and its
/// buffer for twelve days. No answer is written: the handler is still waiting for the body,
/// and the client has shown it is not reading promptly anyway.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let limit: TimeAmount
    /// When the request in progress began (its head arrived); nil between requests.
    private var startedAt: NIODeadline?
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            cancelTimer()
            startedAt = .now()
        case .end:
            cancelTimer()
            startedAt = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    /// The timer is armed only for a request still incomplete when a read ends. Almost every
    /// request arrives whole in one read, and arming and cancelling a timer for each of them
    /// cost 1.5 % of the server's CPU per order.
    func channelReadComplete(context: ChannelHandlerContext) {
        if let startedAt, timer == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(deadline: startedAt + limit) {
                loopBound.value.close(promise: nil)
            }
        }
        context.fireChannelReadComplete()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
