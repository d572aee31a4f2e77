package io.wsvideo.relay.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own recordings: a {@link RecordingSink} that writes each recorded stream as seekable WebM (or
 * Matroska) or fragmented MP4 files in {@link RecordingConfig#dir()}, rotating them at the configured limits,
 * and the store that lists them, finds one by name for serving, and deletes the oldest to keep within the
 * retention limits (checked whenever a file starts or ends, and with an age limit also on a timer).
 *
 * <p>Files are named {@code CHANNEL_yyyyMMddTHHmmss.SSSZ.webm} (UTC start time, a {@code -N} suffix if two
 * start in the same millisecond), and only names of that shape are ever listed, served or deleted.
 */
public final class RecordingFiles implements RecordingSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordingFiles.class);
    private static final Pattern NAME = Pattern.compile(
            "([A-Za-z0-9_-]{1,100})_(\\d{8}T\\d{6}\\.\\d{3}Z)(?:-(\\d{1,4}))?\\.(webm|mkv|mp4)");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** A file head holds its Info/Tracks or ftyp/moov well within this. */
    private static final int HEAD_BYTES = 256 * 1024;

    private final Path dir;
    private final RecordingConfig config;
    private final FileTarget.Opener opener;
    private final Clock clock;
    /** Files being written, with the media time they cover so far. */
    private final Map<Path, Long> open = new ConcurrentHashMap<>();
    /** Heads of completed files, by name, valid while size and modification time stay the same. */
    private final Map<String, Cached> heads = new ConcurrentHashMap<>();
    /** Applies the age limit while nothing records; null without one. */
    private ScheduledExecutorService retentionTimer;

    private record Cached(long size, long modified, FileProbe.Head head) {
    }

    private RecordingFiles(RecordingConfig config, FileTarget.Opener opener, Clock clock) throws IOException {
        this.config = Objects.requireNonNull(config, "config");
        if (config.dir() == null) {
            throw new IllegalArgumentException("recordDir is not set");
        }
        this.dir = config.dir().toAbsolutePath().normalize();
        this.opener = opener;
        this.clock = clock;
        Files.createDirectories(dir);
    }

    /** Creates the directory if needed and applies the retention limits to what it holds. */
    public static RecordingFiles create(RecordingConfig config) throws IOException {
        return create(config, FileTarget.CREATE_NEW, Clock.systemUTC());
    }

    static RecordingFiles create(RecordingConfig config, FileTarget.Opener opener, Clock clock) throws IOException {
        RecordingFiles f = new RecordingFiles(config, opener, clock);
        f.repairIncomplete();
        f.enforceRetention();
        if (config.retentionSeconds() > 0) {
            long period = Math.max(1, Math.min(60, config.retentionSeconds() / 10));
            f.retentionTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "wsvideo-recording-retention");
                t.setDaemon(true);
                return t;
            });
            f.retentionTimer.scheduleWithFixedDelay(f::enforceRetention, period, period, TimeUnit.SECONDS);
        }
        return f;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Completes the files a killed recorder left (no index, no duration; they play but players cannot seek them
     * well): each is written again with its index and duration. Files that cannot be repaired stay as they are.
     */
    private void repairIncomplete() throws IOException {
        for (RecordingFile f : list()) {
            if (f.recording() || f.durationMillis() >= 0) {
                continue;
            }
            try {
                if (Repair.run(dir.resolve(f.name()), f.channel(), config)) {
                    heads.remove(f.name()); // same time (kept for retention), maybe the same size (MP4)
                    LOG.info("completed {}: its recorder had stopped before writing its index and duration", f.name());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot complete {} (it still plays from the start): {}", f.name(), e.toString());
            }
        }
    }

    @Override
    public Stream open(Start start) {
        return new FileStream(place, start, config);
    }

    /** The file writers' view of this store. */
    private final FileStream.Place place = new FileStream.Place() {
        @Override
        public FileTarget create(String channel, String extension) throws IOException {
            return RecordingFiles.this.create(channel, extension);
        }

        @Override
        public void progress(Path file, long mediaMillis) {
            open.replace(file, mediaMillis);
        }

        @Override
        public void closed(Path file, boolean kept) {
            RecordingFiles.this.closed(file, kept);
        }
    };

    /** Every recording, newest first. */
    public List<RecordingFile> list() throws IOException {
        List<RecordingFile> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                RecordingFile f = describe(p);
                if (f != null) {
                    out.add(f);
                }
            }
        }
        out.sort(Comparator.comparing(RecordingFile::start).thenComparing(RecordingFile::name).reversed());
        return out;
    }

    /** {@link #list()} as a JSON array, only {@code channel}'s when it is not null. */
    public String listJson(String channel) throws IOException {
        StringBuilder b = new StringBuilder("[");
        for (RecordingFile f : list()) {
            if (channel == null || channel.equals(f.channel())) {
                b.append(b.length() == 1 ? "" : ",").append(f.toJson());
            }
        }
        return b.append(']').toString();
    }

    /** Whether {@code name} has the shape of a recording's name (and so names nothing outside the directory). */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The recording called {@code name}, if it is one; never a path outside the directory or a link. */
    public Optional<RecordingFile> find(String name) throws IOException {
        if (!validName(name)) {
            return Optional.empty();
        }
        return Optional.ofNullable(describe(dir.resolve(name)));
    }

    /** The file of a recording {@link #find} returned. */
    public Path path(RecordingFile f) {
        return dir.resolve(f.name());
    }

    private RecordingFile describe(Path p) throws IOException {
        String name = p.getFileName().toString();
        Matcher m = NAME.matcher(name);
        if (!m.matches() || !dir.equals(p.getParent())) {
            return null;
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null; // deleted meanwhile
        }
        if (!a.isRegularFile()) {
            return null;
        }
        Long openMillis = open.get(p);
        FileProbe.Head head = head(p, name, a, openMillis != null);
        String extension = m.group(4);
        boolean video = head == null || head.hasVideo();
        String type = switch (extension) {
            case "mp4" -> video ? "video/mp4" : "audio/mp4";
            case "mkv" -> video ? "video/x-matroska" : "audio/x-matroska";
            default -> video ? "video/webm" : "audio/webm";
        };
        long duration = openMillis != null ? openMillis : head == null ? -1 : head.durationMillis();
        Instant start = STAMP.parse(m.group(2), Instant::from);
        return new RecordingFile(name, m.group(1), start, duration, a.size(), head == null ? "" : head.codecs(),
                type, openMillis != null);
    }

    private FileProbe.Head head(Path p, String name, BasicFileAttributes a, boolean writing) {
        long modified = a.lastModifiedTime().toMillis();
        Cached c = heads.get(name);
        if (!writing && c != null && c.size() == a.size() && c.modified() == modified) {
            return c.head();
        }
        byte[] b;
        try (InputStream in = Files.newInputStream(p)) {
            b = in.readNBytes(HEAD_BYTES);
        } catch (IOException e) {
            return null;
        }
        FileProbe.Head head = name.endsWith(".mp4") ? FileProbe.mp4(b, b.length) : FileProbe.webm(b, b.length);
        if (!writing && head != null) {
            if (heads.size() > 10_000) {
                heads.clear();
            }
            heads.put(name, new Cached(a.size(), modified, head));
        }
        return head;
    }

    // Called by the file writers (FileStream), on recording threads.

    FileTarget create(String channel, String extension) throws IOException {
        String safe = channel.replaceAll("[^A-Za-z0-9_-]", "-");
        if (safe.length() > 100) {
            safe = safe.substring(0, 100);
        }
        String stem = safe + "_" + STAMP.format(clock.instant());
        for (int n = 0; n < 1000; n++) {
            Path p = dir.resolve(stem + (n == 0 ? "" : "-" + n) + "." + extension);
            try {
                open.put(p, 0L);
                FileTarget t = new FileTarget(p, opener);
                LOG.info("channel {}: recording to {}", channel, p);
                enforceRetention();
                return t;
            } catch (FileAlreadyExistsException e) {
                open.remove(p);
            } catch (IOException | RuntimeException e) {
                open.remove(p);
                throw e;
            }
        }
        throw new IOException("no free file name for " + stem);
    }

    void closed(Path p, boolean kept) {
        open.remove(p);
        if (kept) {
            LOG.info("recording complete: {}", p);
        }
        enforceRetention();
    }

    /**
     * Deletes completed recordings, oldest first, while all together exceed {@link RecordingConfig#retentionBytes()},
     * and those last written longer ago than {@link RecordingConfig#retentionSeconds()}. Files being written are
     * never deleted. Failures are logged and retried next time.
     */
    public synchronized void enforceRetention() {
        if (config.retentionBytes() == 0 && config.retentionSeconds() == 0) {
            return;
        }
        record Entry(Path path, String stamp, long size, long modified) {
        }
        List<Entry> done = new ArrayList<>();
        long total = 0;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue;
                }
                if (!a.isRegularFile()) {
                    continue;
                }
                total += a.size();
                if (!open.containsKey(p)) {
                    done.add(new Entry(p, m.group(2), a.size(), a.lastModifiedTime().toMillis()));
                }
            }
        } catch (IOException e) {
            LOG.warn("retention: cannot list {}: {}", dir, e.toString());
            return;
        }
        done.sort(Comparator.comparing(Entry::stamp).thenComparing(e -> e.path().getFileName().toString()));
        long oldest = config.retentionSeconds() == 0 ? Long.MIN_VALUE
                : clock.millis() - config.retentionSeconds() * 1000;
        for (Entry e : done) {
            boolean tooMany = config.retentionBytes() > 0 && total > config.retentionBytes();
            boolean tooOld = e.modified() < oldest;
            if (!tooMany && !tooOld) {
                continue;
            }
            try {
                Files.deleteIfExists(e.path());
                total -= e.size();
                heads.remove(e.path().getFileName().toString());
                LOG.info("retention: deleted {} ({} bytes, {})", e.path().getFileName(), e.size(),
                        tooOld ? "older than " + config.retentionSeconds() + " s" : "over "
                                + config.retentionBytes() + " bytes in all");
            } catch (IOException ex) {
                LOG.warn("retention: cannot delete {}: {}", e.path(), ex.toString());
            }
        }
    }

    /** Stops the retention timer (the {@link Recorder} closing its sink does this); the files stay. */
    @Override
    public void close() {
        if (retentionTimer != null) {
            retentionTimer.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "files in " + dir;
    }
}
