package dev.sluice.host.cli;

public final class SluiceMain {
    public static void main(String[] args) {
        System.out.println("sluice");
    }
}
