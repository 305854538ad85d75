package dev.sluice.host.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The service's events on disk: each start is a run with its own {@code <work>/runs/<run id>/events.jsonl},
 * whose lines are numbered ({@code seq}) on from the start before. Read when the service starts (where
 * the count goes on from) and by streams that resume from before the ring in memory. Lines without a
 * number (written before events were numbered) and lines cut short by a kill are passed over.
 */
final class EventArchive {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How much of a file's end is read for its last number; a line is far shorter. */
    private static final int TAIL = 1 << 20;

    /** An event file and the number of its first line. */
    record File(Path path, long first) {
    }

    private final Path runs;
    /** First numbers found: a file's first line never changes once written. */
    private final Map<Path, Long> firsts = new ConcurrentHashMap<>();

    EventArchive(Path workRoot) {
        this.runs = workRoot.resolve("runs");
    }

    /** The event files with numbered lines, by their first number. */
    List<File> files() throws IOException {
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        List<File> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(runs)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Path file = dir.resolve("events.jsonl");
                Long first = firsts.get(file);
                if (first == null) {
                    first = firstSeq(file);
                    if (first != null) {
                        firsts.put(file, first);
                    }
                }
                if (first != null) {
                    out.add(new File(file, first));
                }
            }
        }
        out.sort(Comparator.comparingLong(File::first));
        return out;
    }

    /** The number of the oldest event kept, if any is. */
    OptionalLong oldest() throws IOException {
        List<File> files = files();
        return files.isEmpty() ? OptionalLong.empty() : OptionalLong.of(files.get(0).first());
    }

    /** The number of the newest event written by any start, or 0: where the count goes on from. */
    long lastSeq() throws IOException {
        long last = 0;
        for (File f : files()) {
            last = Math.max(last, lastSeq(f.path()));
        }
        return last;
    }

    private static Long firstSeq(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                Parsed p = parse(line);
                if (p != null) {
                    return p.seq();
                }
            }
        } catch (NoSuchFileException e) {
            return null;
        }
        return null;
    }

    /** The last number in the file: its last whole lines are read from the end. */
    private static long lastSeq(Path file) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long size = in.length();
            long from = Math.max(0, size - TAIL);
            byte[] bytes = new byte[(int) (size - from)];
            in.seek(from);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            // Whole lines only: the first may be cut by where reading began, the last by a kill.
            int start = from == 0 ? 0 : text.indexOf('\n') + 1;
            int end = text.lastIndexOf('\n');
            if (end > start) {
                String[] lines = text.substring(start, end).split("\n");
                for (int i = lines.length - 1; i >= 0; i--) {
                    Parsed p = parse(lines[i]);
                    if (p != null) {
                        return p.seq();
                    }
                }
            }
        }
        // A last megabyte with no whole numbered line: read it all.
        long last = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                Parsed p = parse(line);
                if (p != null) {
                    last = p.seq();
                }
            }
        }
        return last;
    }

    /** A line of the log: its number, event and task; {@code null} when it is not a whole numbered event. */
    private record Parsed(long seq, String event, String task, String line) {
    }

    private static Parsed parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(line);
            JsonNode seq = node.get("seq");
            if (seq == null || !seq.canConvertToLong() || !node.hasNonNull("event")) {
                return null;
            }
            return new Parsed(seq.asLong(), node.get("event").asText(),
                    node.hasNonNull("task") ? node.get("task").asText() : null, line);
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads the events after {@code after}, in order, across the files of every start. */
    Reader reader(long after) {
        return new Reader(after);
    }

    /** A place in the files, kept between reads, so that catching up reads each line once. */
    final class Reader implements AutoCloseable {
        private long after;
        private final Set<Path> done = new HashSet<>();
        private Path current;
        private BufferedReader in;
        /** Read and not yet given: its number was not below the bound, or it is the line after one given. */
        private Parsed held;

        private Reader(long after) {
            this.after = after;
        }

        /**
         * The next events, at most {@code max}, all numbered below {@code before}; fewer (none) when the
         * files hold no more below it.
         */
        List<EventFeed.Event> read(long before, int max) throws IOException {
            List<EventFeed.Event> out = new ArrayList<>();
            while (out.size() < max) {
                Parsed p = next();
                if (p == null) {
                    break;
                }
                if (p.seq() <= after) {
                    continue;
                }
                if (p.seq() >= before) {
                    held = p;
                    break;
                }
                // The state may hang on the next line of the same file (a failed attempt, then its retry).
                Parsed following = held = sameFile();
                out.add(new EventFeed.Event(p.seq(), p.event(), p.task(), EventFeed.stateOf(p.event(), p.task(),
                        following == null ? null : following.event(), following == null ? null : following.task()),
                        p.line()));
                after = p.seq();
            }
            return out;
        }

        /** The next line, from this file or the next one. */
        private Parsed next() throws IOException {
            if (held != null) {
                Parsed p = held;
                held = null;
                return p;
            }
            while (true) {
                Parsed p = sameFile();
                if (p != null) {
                    return p;
                }
                if (!open()) {
                    return null;
                }
            }
        }

        /** The next numbered line of the current file, or {@code null} at its end. */
        private Parsed sameFile() throws IOException {
            if (in == null) {
                return null;
            }
            String line;
            while ((line = in.readLine()) != null) {
                Parsed p = parse(line);
                if (p != null) {
                    return p;
                }
            }
            return null;
        }

        /**
         * Moves to the file that comes next: the one holding {@code after + 1} first, then the following
         * ones by their first number (listed again each time, so a start newer than this reader is found).
         */
        private boolean open() throws IOException {
            close();
            File pick = null;
            for (File f : files()) {
                if (done.contains(f.path())) {
                    continue;
                }
                if (f.first() <= after + 1 || pick == null) {
                    pick = f;
                }
                if (f.first() > after + 1) {
                    break;
                }
            }
            if (pick == null) {
                return false;
            }
            done.add(pick.path());
            current = pick.path();
            try {
                in = Files.newBufferedReader(current, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                return open();
            }
            return true;
        }

        @Override
        public void close() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // Only read from: nothing is lost.
                } finally {
                    in = null;
                }
            }
        }
    }
}
