package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The /recordings resource's rules, without a server: ranges, names, tokens. Real HTTP: the demo's tests. */
class RecordingsHttpTest {

    @TempDir
    Path dir;

    private RecordingsHttp http;
    private String name;
    private byte[] file;

    @BeforeEach
    void record() throws Exception {
        List<RecordingFile> list = Recordings.recordWhole(dir, "cam", Recording.load("webm-vp8-opus"));
        name = list.get(0).name();
        file = Files.readAllBytes(dir.resolve(name));
        RecordingFiles files = RecordingFiles.create(RecordingConfig.builder().dir(dir).build());
        http = new RecordingsHttp(files, token -> "v".equals(token));
    }

    private RecordingsHttp.Reply get(String path, String range) throws Exception {
        return http.handle("GET", path, null, "v", range, null);
    }

    private static byte[] body(RecordingsHttp.Reply r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.writeBody(out);
        return out.toByteArray();
    }

    @Test
    void theListIsJsonWithEveryField() throws Exception {
        RecordingsHttp.Reply r = get("", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("Content-Type", "application/json");
        String json = new String(body(r));
        assertThat(json).startsWith("[{\"name\":\"" + name + "\",\"channel\":\"cam\",\"start\":\"")
                .contains("\"duration\":3.996", "\"bytes\":" + file.length, "\"codec\":\"vp8,opus\"",
                        "\"contentType\":\"video/webm\"", "\"recording\":false");
        assertThat(new String(body(http.handle("GET", "/", "other", "v", null, null)))).isEqualTo("[]");
    }

    @Test
    void wholeFileWithTypeAndAcceptRanges() throws Exception {
        RecordingsHttp.Reply r = get("/" + name, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("Content-Type", "video/webm").containsEntry("Accept-Ranges", "bytes")
                .containsEntry("Content-Length", String.valueOf(file.length));
        assertThat(body(r)).isEqualTo(file);
        RecordingsHttp.Reply head = http.handle("HEAD", "/" + name, null, "v", null, null);
        assertThat(head.headers()).isEqualTo(r.headers());
        assertThat(body(head)).isEmpty();
    }

    @Test
    void rangesGive206WithTheirBytes() throws Exception {
        int n = file.length;
        check("bytes=0-0", 0, 0);
        check("bytes=100-199", 100, 199);
        check("bytes=100-", 100, n - 1);
        check("bytes=-500", n - 500, n - 1);
        check("bytes=-" + (n + 1000), 0, n - 1); // a suffix longer than the file: all of it
        check("bytes=" + (n - 1) + "-" + (n + 50), n - 1, n - 1); // a last byte past the end is clipped
        check(" bytes=5-9 ", 5, 9);
    }

    private void check(String range, int first, int last) throws Exception {
        RecordingsHttp.Reply r = get("/" + name, range);
        assertThat(r.status()).as(range).isEqualTo(206);
        assertThat(r.headers()).containsEntry("Content-Range", "bytes " + first + "-" + last + "/" + file.length)
                .containsEntry("Content-Length", String.valueOf(last - first + 1));
        assertThat(body(r)).isEqualTo(Arrays.copyOfRange(file, first, last + 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=999999999-", "bytes=-0", "bytes=113408-113500"})
    void rangesPastTheEndGet416WithTheLength(String range) throws Exception {
        String r0 = range.replace("113408", String.valueOf(file.length)).replace("113500",
                String.valueOf(file.length + 90));
        RecordingsHttp.Reply r = get("/" + name, r0);
        assertThat(r.status()).as(r0).isEqualTo(416);
        assertThat(r.headers()).containsEntry("Content-Range", "bytes */" + file.length);
        assertThat(body(r)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=abc", "bytes=1-2-3",
        "bytes=99999999999999999999-"})
    void malformedOrMultipleRangesGetTheWholeFile(String range) throws Exception {
        RecordingsHttp.Reply r = get("/" + name, range);
        assertThat(r.status()).as(range).isEqualTo(200);
        assertThat(body(r)).isEqualTo(file);
    }

    @Test
    void aStaleIfRangeGetsTheWholeFileAFreshOneTheRange() throws Exception {
        String etag = get("/" + name, null).headers().get("ETag");
        assertThat(http.handle("GET", "/" + name, null, "v", "bytes=0-9", "\"stale\"").status()).isEqualTo(200);
        assertThat(http.handle("GET", "/" + name, null, "v", "bytes=0-9", etag).status()).isEqualTo(206);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../etc/passwd", "/..", "/x/../../y", "/..\\x.webm", "/a/b.webm", "/cam\u0000.webm",
        "//etc/passwd"})
    void namesThatTryToLeaveTheDirectoryAre400(String path) throws Exception {
        assertThat(get(path, null).status()).as(path).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/passwd", "/cam.webm", "/cam_20990101T000000.000Z.webm", "/x.txt"})
    void namesOfNoRecordingAre404(String path) throws Exception {
        assertThat(get(path, null).status()).as(path).isEqualTo(404);
    }

    @Test
    void aLinkInTheDirectoryIsNeverFollowed() throws Exception {
        Path secret = Files.writeString(Files.createTempFile("secret", ".txt"), "secret");
        Files.createSymbolicLink(dir.resolve("cam_20200101T000000.000Z.webm"), secret);
        assertThat(get("/cam_20200101T000000.000Z.webm", null).status()).isEqualTo(404);
        assertThat(new String(body(get("", null)))).doesNotContain("20200101");
        Files.delete(secret);
    }

    @Test
    void tokensAreCheckedForTheListAndTheFiles() throws Exception {
        assertThat(http.handle("GET", "", null, null, null, null).status()).isEqualTo(401);
        assertThat(http.handle("GET", "/" + name, null, "wrong", null, null).status()).isEqualTo(403);
        assertThat(http.handle("HEAD", "/" + name, null, null, null, null).status()).isEqualTo(401);
    }

    @Test
    void otherMethodsAre405() throws Exception {
        RecordingsHttp.Reply r = http.handle("DELETE", "/" + name, null, "v", null, null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers()).containsEntry("Allow", "GET, HEAD");
        assertThat(dir.resolve(name)).exists();
    }
}
