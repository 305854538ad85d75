/*
 * The local executor's task loop: one small process per run that starts the run's local tasks, learns of
 * their ends and tells the host in batches (docs/adr/2026-12-05-native-task-loop.md). The host hands it
 * launches ahead of its free CPUs; when a task ends, the loop starts the next one waiting at once, without
 * a round trip through the JVM, and the host hears of several ends with one wake-up.
 *
 *   sluice-task-loop LAUNCH_FILE CPUS MEMORY LOW HOLD_MS
 *
 * LAUNCH_FILE gets "+PID" when a task's group starts (before the start is reported; a task whose line
 * cannot be written is killed) and "-PID" when it ends (LocalSupervisor reads it if the host dies). CPUS
 * and MEMORY (bytes; 0: not counted) bound what runs at once; launches wait in the loop's queue and start
 * in the order given as they fit (one that does not fit yet lets later ones that do go first, as the
 * host's own admission does). Reports wait to be written until at most LOW launches are queued, nothing
 * runs, something failed, or HOLD_MS passed since the first unwritten one.
 *
 * stdin, from the host: frames of a 4-byte little-endian length and that many bytes, each a list of
 * NUL-terminated fields:
 *   L id cpus memory endGroup addToHost argc envc program dir stdout stderr argv... env...
 *   K id signal           (a queued launch is dropped; a running task's group gets the signal)
 * stdout, to the host: lines
 *   R 1                                ready (the protocol's version), once, first
 *   S id pid                          started
 *   F id errno                         could not be started
 *   W id errno                         started, but its launch-file line could not be written: killed
 *   E id status maxrssKb loopPeakKb    ended: its wait status, the kernel's peak memory of it, and the loop's
 *                                      own (below which the child's figure may be the loop's; -1: unknown)
 *   C id                               dropped from the queue by a K
 *   X errno what                       something failed (memory, a frame it cannot read); the host closes
 *                                      its stdin
 * The host reads its clock when a report arrives: reports are late by at most HOLD_MS.
 * When stdin ends (the host closed it, or died), queued launches are dropped, every running task's group
 * gets SIGTERM and, 10 s later, SIGKILL (as the run's watcher does), and the loop exits once all have been
 * reaped. (The host sends SIGKILL itself first when it closes the loop at a run's end.)
 *
 * Linux, glibc 2.34 or later (posix_spawn_file_actions_addclosefrom_np); built by host/src/build/native.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct launch {
    struct launch *next;
    long long id;
    long cpus;
    long long memory;
    int end_group;
    int add_to_host;
    char *program, *dir, *out, *err;
    char **argv;
    char **envp; /* the whole environment, host's first where add_to_host */
    char *data;  /* the frame the strings point into */
} launch;

typedef struct {
    pid_t pid; /* 0: a free entry */
    long long id; /* -1: killed at its start (its line not written); its end is not reported */
    long cpus;
    long long memory;
    int end_group;
} task;

static long capacity_cpus;
static long long capacity_memory;
static long used_cpus;
static long long used_memory;
static long low_mark;
static long hold_ms;

static launch *queue_head, *queue_tail;
static long queued;
static task *tasks;
static size_t task_slots;
static size_t running;

static posix_spawnattr_t attributes;
static int launch_file = -1;

/* Reports and "-PID" lines not written yet. */
static char *reports;
static size_t reports_length, reports_size;
static char *ends;
static size_t ends_length, ends_size;
static long long first_unwritten = -1; /* monotonic milliseconds */
static int urgent;

/*
 * The loop's own memory high-water mark (VmHWM, kilobytes), read again before it starts tasks whenever
 * its memory may have grown (a request read, a buffer grown): a child shares the loop's memory until its
 * exec, and the kernel counts that memory's high-water mark as the child's too, so a child's figure at or
 * below this one may be the loop's. (getrusage's own figure would not do: it keeps the high-water mark of
 * whatever process execed the loop, the JVM.)
 */
static long own_peak_kb = -1;
static int own_status = -1;
static int may_have_grown = 1;

static void read_own_peak(void) {
    may_have_grown = 0;
    if (own_status < 0) own_status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (own_status < 0) return;
    char text[4096];
    ssize_t n = pread(own_status, text, sizeof text - 1, 0);
    if (n <= 0) return;
    text[n] = '\0';
    char *line = strstr(text, "\nVmHWM:");
    if (line) own_peak_kb = atol(line + 8);
}

static long long monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 0, or the errno of a failed write (EPIPE for stdout: the host is gone, stdin ends too, and the loop ends its tasks). */
static int write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += (size_t)written;
        length -= (size_t)written;
    }
    return 0;
}

/* Appends to a buffer that goes to fd; out of memory, writes what it holds there at once instead. */
static void append(int fd, char **buffer, size_t *length, size_t *size, const char *text, size_t n) {
    if (*length + n > *size) {
        size_t grown = *size ? *size * 2 : 8192;
        while (grown < *length + n) grown *= 2;
        char *bigger = realloc(*buffer, grown);
        if (!bigger) {
            if (fd >= 0) {
                write_all(fd, *buffer, *length);
                write_all(fd, text, n);
            }
            *length = 0;
            return;
        }
        *buffer = bigger;
        *size = grown;
        may_have_grown = 1;
    }
    memcpy(*buffer + *length, text, n);
    *length += n;
}

static void report(const char *line, int now) {
    if (first_unwritten < 0) first_unwritten = monotonic_ms();
    append(1, &reports, &reports_length, &reports_size, line, strlen(line));
    if (now) urgent = 1;
}

static void flush(void) {
    if (ends_length > 0 && launch_file >= 0) write_all(launch_file, ends, ends_length);
    ends_length = 0;
    if (reports_length > 0) write_all(1, reports, reports_length);
    reports_length = 0;
    first_unwritten = -1;
    urgent = 0;
}

static void fatal(int error, const char *what) {
    char line[256];
    snprintf(line, sizeof line, "X %d %s\n", error, what);
    report(line, 1);
    flush();
}

/* The next NUL-terminated field of a frame, or NULL past its end. */
static char *field(char **cursor, char *end) {
    char *s = *cursor;
    if (s >= end) return NULL;
    char *nul = memchr(s, '\0', (size_t)(end - s));
    if (!nul) return NULL;
    *cursor = nul + 1;
    return s;
}

static void free_launch(launch *l) {
    free(l->argv);
    free(l->envp);
    free(l->data);
    free(l);
}

/* Parses an L frame (data is taken over); NULL when it is malformed or memory ran out. */
static launch *parse_launch(char *data, size_t length) {
    char *cursor = data + 2, *end = data + length; /* after "L\0" */
    launch *l = calloc(1, sizeof *l);
    if (!l) {
        free(data);
        return NULL;
    }
    l->data = data;
    char *id = field(&cursor, end), *cpus = field(&cursor, end), *memory = field(&cursor, end);
    char *end_group = field(&cursor, end), *add = field(&cursor, end);
    char *argc_text = field(&cursor, end), *envc_text = field(&cursor, end);
    l->program = field(&cursor, end);
    l->dir = field(&cursor, end);
    l->out = field(&cursor, end);
    l->err = field(&cursor, end);
    if (!l->err) goto bad;
    l->id = atoll(id);
    l->cpus = atol(cpus);
    l->memory = atoll(memory);
    l->end_group = end_group[0] == '1';
    l->add_to_host = add[0] == '1';
    long argc = atol(argc_text), envc = atol(envc_text);
    if (argc <= 0 || envc < 0) goto bad;
    size_t hostc = 0;
    if (l->add_to_host) {
        while (environ[hostc]) hostc++;
    }
    /* One slot more than argv needs: a retry through /bin/sh puts it in front. */
    l->argv = calloc((size_t)argc + 2, sizeof(char *));
    l->envp = calloc(hostc + (size_t)envc + 1, sizeof(char *));
    if (!l->argv || !l->envp) goto bad;
    for (long i = 0; i < argc; i++) {
        if (!(l->argv[i + 1] = field(&cursor, end))) goto bad;
    }
    if (hostc) memcpy(l->envp, environ, hostc * sizeof(char *));
    for (long i = 0; i < envc; i++) {
        if (!(l->envp[hostc + (size_t)i] = field(&cursor, end))) goto bad;
    }
    return l;
bad:
    free_launch(l);
    return NULL;
}

static task *add_task(void) {
    for (size_t i = 0; i < task_slots; i++) {
        if (!tasks[i].pid) return &tasks[i];
    }
    size_t grown = task_slots ? task_slots * 2 : 16;
    task *bigger = realloc(tasks, grown * sizeof *tasks);
    if (!bigger) return NULL;
    memset(bigger + task_slots, 0, (grown - task_slots) * sizeof *bigger);
    tasks = bigger;
    task_slots = grown;
    return &tasks[task_slots / 2];
}

static task *find_task(pid_t pid) {
    for (size_t i = 0; i < task_slots; i++) {
        if (tasks[i].pid == pid) return &tasks[i];
    }
    return NULL;
}

/* posix_spawn as the host's native library does it: a session of its own, stdin /dev/null, no other descriptor. */
static int spawn(launch *l, const char *program, char **argv, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error) return error;
    int output = O_WRONLY | O_CREAT | O_TRUNC;
    error = posix_spawn_file_actions_addchdir_np(&actions, l->dir);
    if (!error) error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!error) error = posix_spawn_file_actions_addopen(&actions, 1, l->out, output, 0666);
    if (!error) error = posix_spawn_file_actions_addopen(&actions, 2, l->err, output, 0666);
    if (!error) error = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!error) error = posix_spawn(pid, program, &actions, &attributes, argv, l->envp);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}

static void start(launch *l) {
    char line[128];
    task *t = add_task();
    if (!t) {
        snprintf(line, sizeof line, "F %lld %d\n", l->id, ENOMEM);
        report(line, 1);
        free_launch(l);
        return;
    }
    pid_t pid = 0;
    int error = spawn(l, l->program, l->argv + 1, &pid);
    if (error == ENOEXEC) {
        /* As execvp does: a file the kernel cannot run (a script without "#!") is run by /bin/sh. */
        l->argv[0] = "/bin/sh";
        l->argv[1] = l->program;
        error = spawn(l, "/bin/sh", l->argv, &pid);
    }
    if (error) {
        snprintf(line, sizeof line, "F %lld %d\n", l->id, error);
        report(line, 1);
        free_launch(l);
        return;
    }
    /* Listed before anything else happens: a host killed now still has the group ended by its watcher. A
       task that cannot be listed would outlive such a host, so it does not run. */
    int n = snprintf(line, sizeof line, "+%d\n", (int)pid);
    int listed = write_all(launch_file, line, (size_t)n);
    *t = (task){.pid = pid, .id = l->id, .cpus = l->cpus, .memory = l->memory, .end_group = l->end_group};
    /* posix_spawn mapped the child's stack in the loop's memory. */
    may_have_grown = 1;
    running++;
    used_cpus += l->cpus;
    used_memory += l->memory;
    if (listed) {
        kill(-pid, SIGKILL);
        t->id = -1;
        t->end_group = 1;
        snprintf(line, sizeof line, "W %lld %d\n", l->id, listed);
        report(line, 1);
    } else {
        snprintf(line, sizeof line, "S %lld %d\n", l->id, (int)pid);
        report(line, 0);
    }
    free_launch(l);
}

static int fits(const launch *l) {
    if (running == 0) return 1; /* the host admits nothing larger than the whole capacity */
    return (capacity_cpus <= 0 || used_cpus + l->cpus <= capacity_cpus)
            && (capacity_memory <= 0 || used_memory + l->memory <= capacity_memory);
}

/* Starts, in order, every waiting launch that fits now. */
static void start_waiting(void) {
    launch **link = &queue_head, *previous = NULL;
    while (*link) {
        launch *l = *link;
        if (!fits(l)) {
            previous = l;
            link = &l->next;
            continue;
        }
        *link = l->next;
        if (queue_tail == l) queue_tail = previous;
        queued--;
        start(l);
    }
}

static void enqueue(launch *l) {
    l->next = NULL;
    if (queue_tail) queue_tail->next = l;
    else queue_head = l;
    queue_tail = l;
    queued++;
}

static void drop_queued(long long id) {
    launch **link = &queue_head, *previous = NULL;
    while (*link) {
        launch *l = *link;
        if (l->id == id) {
            *link = l->next;
            if (queue_tail == l) queue_tail = previous;
            queued--;
            char line[64];
            snprintf(line, sizeof line, "C %lld\n", id);
            report(line, 1);
            free_launch(l);
            return;
        }
        previous = l;
        link = &l->next;
    }
}

static void signal_task(long long id, int signal) {
    for (size_t i = 0; i < task_slots; i++) {
        /* Not reaped yet, so the pid (and the group's id) is still the task's. */
        if (tasks[i].pid > 1 && tasks[i].id == id) {
            kill(-tasks[i].pid, signal);
            /* A task asked to stop leaves nothing behind, even one that keeps its group: what ignored the
               signal is killed when the leader exits. */
            tasks[i].end_group = 1;
            return;
        }
    }
    drop_queued(id);
}

static void handle_frame(char *data, size_t length) {
    if (length >= 2 && data[0] == 'L' && data[1] == '\0') {
        launch *l = parse_launch(data, length);
        if (!l) {
            fatal(EINVAL, "a launch the loop cannot read");
            return;
        }
        enqueue(l);
        return;
    }
    if (length >= 2 && data[0] == 'K' && data[1] == '\0') {
        char *cursor = data + 2, *end = data + length;
        char *id = field(&cursor, end), *signal = field(&cursor, end);
        if (id && signal) signal_task(atoll(id), atoi(signal));
    }
    free(data);
}

/* Reaps every ended child: the group's SIGKILL first while the leader is a zombie, then wait4. */
static void reap(void) {
    for (;;) {
        siginfo_t info;
        info.si_pid = 0;
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0) return;
        pid_t pid = info.si_pid;
        task *t = find_task(pid);
        if (t && t->end_group) kill(-pid, SIGKILL);
        int status = 0;
        struct rusage usage;
        pid_t reaped;
        do {
            reaped = wait4(pid, &status, 0, &usage);
        } while (reaped < 0 && errno == EINTR);
        if (reaped <= 0 || !t) continue;
        char line[160];
        /* The loop's peak as the child saw it at its exec (its stack, a buffer grown since the last reading). */
        if (may_have_grown) read_own_peak();
        if (t->id >= 0) {
            snprintf(line, sizeof line, "E %lld %d %ld %ld\n", t->id, status, usage.ru_maxrss, own_peak_kb);
            report(line, 0);
            int n = snprintf(line, sizeof line, "-%d\n", (int)pid);
            append(launch_file, &ends, &ends_length, &ends_size, line, (size_t)n);
        }
        /* (A task killed at its start was never listed: no "-PID" for it.) */
        running--;
        used_cpus -= t->cpus;
        used_memory -= t->memory;
        t->pid = 0;
    }
}

/* When the host went away: SIGKILL to what is left of the groups at this monotonic time; -1: not yet. */
static long long kill_at = -1;
#define GRACE_MS 10000

static void signal_all(int signal) {
    for (size_t i = 0; i < task_slots; i++) {
        if (tasks[i].pid > 1) kill(-tasks[i].pid, signal);
    }
}

static void end_everything(void) {
    while (queue_head) {
        launch *l = queue_head;
        queue_head = l->next;
        char line[64];
        snprintf(line, sizeof line, "C %lld\n", l->id);
        report(line, 1);
        free_launch(l);
    }
    queue_tail = NULL;
    queued = 0;
    for (size_t i = 0; i < task_slots; i++) {
        if (tasks[i].pid > 1) tasks[i].end_group = 1;
    }
    signal_all(SIGTERM);
    kill_at = monotonic_ms() + GRACE_MS;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: sluice-task-loop LAUNCH_FILE CPUS MEMORY LOW HOLD_MS\n");
        return 2;
    }
    read_own_peak();
    capacity_cpus = atol(argv[2]);
    capacity_memory = atoll(argv[3]);
    low_mark = atol(argv[4]);
    hold_ms = atol(argv[5]);
    /* A host that is gone must not end the loop before the loop ends its tasks. */
    signal(SIGPIPE, SIG_IGN);
    launch_file = open(argv[1], O_WRONLY | O_APPEND | O_CLOEXEC);
    if (launch_file < 0) {
        fatal(errno, "the launch file");
        return 1;
    }

    sigset_t none, all, child;
    sigemptyset(&none);
    sigfillset(&all);
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    int error = posix_spawnattr_init(&attributes);
    if (!error) error = posix_spawnattr_setsigmask(&attributes, &none);
    if (!error) error = posix_spawnattr_setsigdefault(&attributes, &all);
    if (!error) {
        error = posix_spawnattr_setflags(&attributes,
                POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    if (error) {
        fatal(error, "posix_spawn's attributes");
        return 1;
    }
    sigprocmask(SIG_BLOCK, &child, NULL);
    int signals = signalfd(-1, &child, SFD_CLOEXEC | SFD_NONBLOCK);
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = 0};
    if (signals < 0 || epoll < 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, 0, &event) < 0) {
        fatal(errno, "signalfd or epoll");
        return 1;
    }
    event.data.u32 = 1;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, signals, &event) < 0) {
        fatal(errno, "epoll");
        return 1;
    }

    size_t input_size = 1 << 16, input_length = 0;
    char *input = malloc(input_size);
    if (!input) {
        fatal(ENOMEM, "memory");
        return 1;
    }
    int input_open = 1;
    report("R 1\n", 1);
    flush();
    for (;;) {
        long long now = monotonic_ms(), wake = -1;
        if (first_unwritten >= 0) wake = first_unwritten + hold_ms;
        if (kill_at >= 0 && (wake < 0 || kill_at < wake)) wake = kill_at;
        int timeout = wake < 0 ? -1 : wake <= now ? 0 : (int)(wake - now);
        struct epoll_event events[2];
        int ready = epoll_wait(epoll, events, 2, timeout);
        if (ready < 0 && errno != EINTR) {
            fatal(errno, "epoll_wait");
            end_everything();
            input_open = 0;
            ready = 0;
        }
        for (int k = 0; k < ready; k++) {
            if (events[k].data.u32 == 1) {
                struct signalfd_siginfo info;
                while (read(signals, &info, sizeof info) > 0) {
                }
                reap();
                continue;
            }
            if (input_length == input_size) {
                char *bigger = realloc(input, input_size * 2);
                if (!bigger) {
                    fatal(ENOMEM, "memory");
                    end_everything();
                    input_open = 0;
                    epoll_ctl(epoll, EPOLL_CTL_DEL, 0, NULL);
                    continue;
                }
                input = bigger;
                input_size *= 2;
            }
            ssize_t n = read(0, input + input_length, input_size - input_length);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                input_open = 0;
                epoll_ctl(epoll, EPOLL_CTL_DEL, 0, NULL);
                end_everything();
                continue;
            }
            input_length += (size_t)n;
            may_have_grown = 1;
            size_t at = 0;
            while (input_length - at >= 4) {
                uint32_t length;
                memcpy(&length, input + at, 4);
                if (length > (64u << 20)) {
                    /* No launch is that large: the stream is not the host's. */
                    fatal(EINVAL, "a request larger than 64 MB");
                    end_everything();
                    input_open = 0;
                    epoll_ctl(epoll, EPOLL_CTL_DEL, 0, NULL);
                    at = input_length;
                    break;
                }
                if (input_length - at - 4 < length) break;
                char *frame = malloc(length + 1);
                if (!frame) {
                    fatal(ENOMEM, "memory");
                    break;
                }
                memcpy(frame, input + at + 4, length);
                frame[length] = '\0';
                handle_frame(frame, length);
                at += 4 + length;
            }
            memmove(input, input + at, input_length - at);
            input_length -= at;
        }
        if (may_have_grown) read_own_peak();
        if (input_open) start_waiting();
        if (first_unwritten >= 0
                && (urgent || queued <= low_mark || running == 0 || !input_open
                        || monotonic_ms() >= first_unwritten + hold_ms)) {
            flush();
        }
        if (kill_at >= 0 && monotonic_ms() >= kill_at) {
            signal_all(SIGKILL);
            kill_at = -1;
        }
        if (!input_open && running == 0) {
            flush();
            return 0;
        }
    }
}
