package dev.sluice.openjd.session;

/** An environment could not be entered; the message names it and says why. */
final class EnvironmentException extends Exception {
    EnvironmentException(String message) {
        super(message);
    }
}
