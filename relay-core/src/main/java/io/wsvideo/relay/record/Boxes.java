package io.wsvideo.relay.record;

/** ISO/IEC 14496-12 box headers read from complete byte arrays, for the MP4 writer and the file lister. */
final class Boxes {

    static final int FTYP = type("ftyp");
    static final int MOOV = type("moov");
    static final int MVHD = type("mvhd");
    static final int TRAK = type("trak");
    static final int TKHD = type("tkhd");
    static final int MDIA = type("mdia");
    static final int MDHD = type("mdhd");
    static final int HDLR = type("hdlr");
    static final int MINF = type("minf");
    static final int STBL = type("stbl");
    static final int STSD = type("stsd");
    static final int MVEX = type("mvex");
    static final int MEHD = type("mehd");
    static final int TREX = type("trex");
    static final int MOOF = type("moof");
    static final int TRAF = type("traf");
    static final int TFHD = type("tfhd");
    static final int TFDT = type("tfdt");
    static final int TRUN = type("trun");
    static final int MDAT = type("mdat");
    static final int FREE = type("free");
    static final int SIDX = type("sidx");
    static final int VIDE = type("vide");
    static final int SOUN = type("soun");

    private Boxes() {
    }

    static int type(String fourcc) {
        return fourcc.charAt(0) << 24 | fourcc.charAt(1) << 16 | fourcc.charAt(2) << 8 | fourcc.charAt(3);
    }

    static String name(int type) {
        char[] c = {(char) (type >>> 24 & 0xFF), (char) (type >>> 16 & 0xFF), (char) (type >>> 8 & 0xFF),
            (char) (type & 0xFF)};
        return new String(c);
    }

    /**
     * A box at {@code start}: its type, header length and total size.
     *
     * @param size the whole box, header included
     */
    record Box(int type, int start, int headerLength, long size) {
        int dataStart() {
            return start + headerLength;
        }

        long end() {
            return start + size;
        }
    }

    /**
     * Reads the box header at {@code b[at]}; a size of 0 (to the end) is taken as running to {@code end}.
     *
     * @return null when the header is not all in {@code b[at, end)} or is invalid
     */
    static Box box(byte[] b, int at, int end) {
        if (at + 8 > end) {
            return null;
        }
        long size = Buf.u32(b, at);
        int type = (int) Buf.u32(b, at + 4);
        int header = 8;
        if (size == 1) {
            if (at + 16 > end) {
                return null;
            }
            size = Buf.u64(b, at + 8);
            header = 16;
        } else if (size == 0) {
            size = end - at;
        }
        if (size < header) {
            return null;
        }
        return new Box(type, at, header, size);
    }

    /** The child of type {@code type} directly inside {@code parent}, or null. */
    static Box child(byte[] b, Box parent, int type) {
        return child(b, parent.dataStart(), (int) Math.min(parent.end(), b.length), type);
    }

    static Box child(byte[] b, int from, int to, int type) {
        for (int p = from; p < to; ) {
            Box c = box(b, p, to);
            if (c == null || c.end() > to) {
                return null;
            }
            if (c.type() == type) {
                return c;
            }
            p = (int) c.end();
        }
        return null;
    }
}
