package dev.sluice.plugins.docker;

/**
 * A container that serves every task of the same image and mounts in a run, by {@code exec}. It lives
 * until the run ends, or until it dies; the next task of its kind then gets a fresh one.
 */
final class SessionContainer {
    final String id;
    final String name;
    /** Why it is no longer usable, or {@code null} while it runs. */
    private volatile String death;

    SessionContainer(String id, String name) {
        this.id = id;
        this.name = name;
    }

    boolean isAlive() {
        return death == null;
    }

    /** Marks the container dead, keeping the first reason. */
    void died(String why) {
        if (death == null) {
            death = why;
        }
    }

    String death() {
        return death;
    }

    @Override
    public String toString() {
        return ContainerState.describe(name, id);
    }
}
