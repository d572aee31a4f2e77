package io.wsvideo.relay;

/**
 * The hub refused to open a publisher or a viewer. The transport closes the connection with
 * {@link #closeCode()} and {@link #getMessage()} as the reason.
 */
public final class RelayRefusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final int closeCode;

    public RelayRefusal(int closeCode, String reason) {
        super(reason, null, false, false);
        this.closeCode = closeCode;
    }

    public int closeCode() {
        return closeCode;
    }
}
