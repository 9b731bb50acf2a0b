package io.cutover.proxy.core.capture;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packet tools (tshark, tcpdump) the interoperability tests need, when installed. */
final class CaptureToolSupport {
    private CaptureToolSupport() {
    }

    /** Whether {@code tool} is an executable on the PATH. */
    static boolean installed(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, tool);
            if (f.isFile() && f.canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command to completion and returns its standard output; fails on a non-zero exit. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited with " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
