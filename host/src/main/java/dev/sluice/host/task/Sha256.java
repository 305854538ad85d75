package dev.sluice.host.task;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Fresh SHA-256 digests, each a copy of one looked up at start. {@code MessageDigest.getInstance}
 * searches the security providers at every call: with a task key and a work directory hashed per task,
 * that search was about 1.5 % of a run of short tasks ({@code bench/results/dispatch-2026-12-04-5.md}).
 */
public final class Sha256 {
    private static final MessageDigest PROTOTYPE = lookUp();

    private Sha256() {
    }

    /** A digest of its own for the caller; the prototype is never updated, so copying it is safe from any thread. */
    public static MessageDigest newDigest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return lookUp(); // a provider whose digests cannot be copied: the slow way
        }
    }

    private static MessageDigest lookUp() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
