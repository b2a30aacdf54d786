import NIOConcurrencyHelpers
import NIOCore

/// Tells the proxy when a client hangs up while its answer is still streaming.
///
/// The server allows half-closed connections, so a client that closes its
/// socket does not close the channel: the channel only hears "input closed",
/// and would notice nothing more until its next write fails, which may be
/// long while the upstream is silent (a slow first token, a stall). One per
/// connection, installed by the first exchange on it.
final class HangUpWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    private let action = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    /// The connection's watcher, installed if it has none yet.
    static func on(_ channel: any Channel) async throws -> HangUpWatcher {
        // On the channel's loop (the proxy runs there): no hop.
        if channel.eventLoop.inEventLoop {
            let pipeline = channel.pipeline.syncOperations
            if let watcher = try? pipeline.handler(type: HangUpWatcher.self) { return watcher }
            let watcher = HangUpWatcher()
            try pipeline.addHandler(watcher, position: .first)
            return watcher
        }
        if let watcher = try? await channel.pipeline.handler(type: HangUpWatcher.self).get() { return watcher }
        let watcher = HangUpWatcher()
        try await channel.pipeline.addHandler(watcher, position: .first).get()
        return watcher
    }

    /// What to do when the client hangs up, for the exchange now streaming.
    func onHangUp(_ action: @escaping @Sendable () -> Void) {
        self.action.withLockedValue { $0 = action }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            action.withLockedValue { $0 }?()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        action.withLockedValue { $0 }?()
        context.fireChannelInactive()
    }
}
