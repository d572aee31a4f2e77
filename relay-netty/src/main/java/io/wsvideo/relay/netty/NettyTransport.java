package io.wsvideo.relay.netty;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/**
 * Netty's I/O transports the relay server can run on. {@link #EPOLL} (Linux x86_64 and aarch64, native,
 * edge-triggered, {@code writev}) is the default where it loads, {@link #NIO} (the JDK's selector) elsewhere;
 * {@link #IO_URING} (Linux 5.9+) only when asked for.
 */
public enum NettyTransport {
    EPOLL, IO_URING, NIO;

    /** Epoll where it loads, else NIO. */
    public static NettyTransport auto() {
        return EPOLL.available() ? EPOLL : NIO;
    }

    /**
     * {@code auto}, {@code epoll}, {@code io_uring} (or {@code iouring}) or {@code nio}, any case.
     *
     * @throws IllegalArgumentException for another name
     */
    public static NettyTransport named(String name) {
        String n = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT).replace("-", "_");
        return switch (n) {
            case "", "auto" -> auto();
            case "epoll" -> EPOLL;
            case "io_uring", "iouring", "uring" -> IO_URING;
            case "nio" -> NIO;
            default -> throw new IllegalArgumentException("transport is auto, epoll, io_uring or nio, not " + name);
        };
    }

    /** Whether this transport works on this machine (its native library loads and the kernel has it). */
    public boolean available() {
        return unavailabilityCause() == null;
    }

    /** Why this transport does not work here, or null when it does. */
    public Throwable unavailabilityCause() {
        try {
            return switch (this) {
                case EPOLL -> Epoll.unavailabilityCause();
                case IO_URING -> IoUring.unavailabilityCause();
                case NIO -> null;
            };
        } catch (LinkageError e) {
            return e;
        }
    }

    IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }
}
