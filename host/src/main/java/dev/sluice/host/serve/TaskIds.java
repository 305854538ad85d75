package dev.sluice.host.serve;

import java.security.SecureRandom;

/**
 * Task ids: {@code t-} and 26 characters of Crockford's base 32, the first ten the millisecond of
 * creation and the rest random (as a ULID), so ids sort by submission time and are unguessable.
 */
final class TaskIds {
    private static final char[] DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TaskIds() {
    }

    static String next(long epochMillis) {
        char[] out = new char[28];
        out[0] = 't';
        out[1] = '-';
        long t = epochMillis;
        for (int i = 11; i >= 2; i--) {
            out[i] = DIGITS[(int) (t & 31)];
            t >>>= 5;
        }
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        // 80 random bits, 5 at a time.
        long hi = 0;
        for (int i = 0; i < 5; i++) {
            hi = (hi << 8) | (random[i] & 0xff);
        }
        long lo = 0;
        for (int i = 5; i < 10; i++) {
            lo = (lo << 8) | (random[i] & 0xff);
        }
        for (int i = 19; i >= 12; i--) {
            out[i] = DIGITS[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 27; i >= 20; i--) {
            out[i] = DIGITS[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }

    /** Whether {@code id} has the form of an id this service gives, before looking it up. */
    static boolean looksLikeOne(String id) {
        return id.length() == 28 && id.startsWith("t-") && id.substring(2).chars().allMatch(c ->
                new String(DIGITS).indexOf(c) >= 0);
    }
}
