package io.wsvideo.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** CPU pinning with {@code taskset} (util-linux), so the relay and the load tool do not share a core. */
final class Pinning {

    private Pinning() {
    }

    static boolean tasksetAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "taskset"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Pins every thread of this JVM (those running now; later ones inherit from their creators) to {@code cpu}.
     *
     * @return false if it could not
     */
    static boolean pinSelf(String cpu) {
        if (cpu == null || cpu.isEmpty() || !tasksetAvailable()) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("taskset", "-a", "-c", "-p", cpu,
                    Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** CPUs this process may run on, from {@code /proc/self/status}, e.g. {@code "1"} or {@code "0-1"}. */
    static String allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).strip();
                }
            }
        } catch (IOException ignored) {
            // Not Linux.
        }
        return "?";
    }
}
