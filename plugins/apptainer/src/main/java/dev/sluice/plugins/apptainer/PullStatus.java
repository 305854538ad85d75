package dev.sluice.plugins.apptainer;

/** Where a pull tells what it is doing: state changes always show, progress lines may be thinned out. */
interface PullStatus {

    /** A change of state: a try starts, a retry is due. */
    void state(String text);

    /** A line of the pull's own output. */
    void progress(String text);
}
