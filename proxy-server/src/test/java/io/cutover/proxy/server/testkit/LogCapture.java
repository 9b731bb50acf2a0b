package io.cutover.proxy.server.testkit;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/** Captures what a logger writes, so a test can assert the proxy logged one clear line. */
public final class LogCapture implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final AbstractAppender appender;
    private final String loggerName;

    private LogCapture(String loggerName) {
        this.loggerName = loggerName;
        this.appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel().isMoreSpecificThan(Level.INFO) && event.getLoggerName().startsWith(loggerName)) {
                    synchronized (lines) {
                        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
                    }
                }
            }
        };
        appender.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.getLoggerConfig(loggerName).addAppender(appender, null, null);
        ctx.updateLoggers();
    }

    /** Captures the connection log, where the proxy reports a closed client connection. */
    public static LogCapture connections() {
        return new LogCapture("io.cutover.proxy.connections");
    }

    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    public boolean contains(String... fragments) {
        return lines().stream().anyMatch(l -> java.util.Arrays.stream(fragments).allMatch(l::contains));
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getLoggerConfig(loggerName).removeAppender(appender.getName());
        ctx.updateLoggers();
        appender.stop();
    }
}
