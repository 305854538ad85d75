/*
 * The host's own native library: the C library calls the local executor makes (posix_spawn with a
 * session of the task's own, pidfds, epoll, wait4, kill), as JNI methods of
 * dev.sluice.host.executor.local.NativeLibrary. The JVM binds a JNI method with a symbol look-up, where
 * the Foreign Function API generates classes and code at run time for every binding, which the host's
 * start and the compiler paid for (docs/adr/2026-12-05-native-library.md).
 *
 * Every call returns what it made (a pid, a descriptor, a count) or a negative errno; none throws.
 * Built by host/src/build/native.sh; Linux with glibc 2.34 or later.
 */
#define _GNU_SOURCE
#include <jni.h>

#include <features.h>
/* posix_spawn_file_actions_addclosefrom_np is glibc 2.34's; elsewhere the host uses the Foreign Function
   API or the JDK, and the build says so. */
#if !defined(__GLIBC__)
#error "the host's native library needs glibc (2.34 or later)"
#elif !__GLIBC_PREREQ(2, 34)
#error "the host's native library needs glibc 2.34 or later"
#endif

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* NativeLibrary.VERSION: a library left from another build is refused rather than half-bound. */
#define ABI_VERSION 3
#define MAX_EVENTS 64

/* What every launch shares, made once (init); posix_spawn only reads it. */
static posix_spawnattr_t spawn_attributes;
static pthread_once_t spawn_attributes_once = PTHREAD_ONCE_INIT;
static int spawn_attributes_error;

/*
 * The host's environment as the JVM read it at its start (Java's System.getenv), handed over once by
 * setHostEnvironment: launches add to it without reading environ, which the process may change.
 */
static char *host_block;
static char **host_environment;
static size_t host_count;
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;

#define METHOD(name) Java_dev_sluice_host_executor_local_NativeLibrary_00024Calls_##name

JNIEXPORT jint JNICALL METHOD(version)(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return ABI_VERSION;
}

/* A task starts as from a fresh login: a session of its own, nothing blocked, every signal at its default. */
static void make_spawn_attributes(void) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int error = posix_spawnattr_init(&spawn_attributes);
    if (!error) error = posix_spawnattr_setsigmask(&spawn_attributes, &none);
    if (!error) error = posix_spawnattr_setsigdefault(&spawn_attributes, &all);
    if (!error) {
        error = posix_spawnattr_setflags(&spawn_attributes,
                POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    spawn_attributes_error = error;
}

/* Once per process, however many times the library is loaded and initialised: 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(init)(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    pthread_once(&spawn_attributes_once, make_spawn_attributes);
    return -spawn_attributes_error;
}

/* variables: count NUL-terminated "NAME=value" strings, copied; the first call wins. 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(setHostEnvironment)(JNIEnv *env, jclass cls, jbyteArray variables, jint length,
        jint count) {
    (void)cls;
    if (length < 0 || count < 0) return -EINVAL;
    pthread_mutex_lock(&host_lock);
    int result = 0;
    if (!host_environment) {
        char *block = malloc((size_t)length + 1);
        char **array = calloc((size_t)count + 1, sizeof(char *));
        if (!block || !array) {
            free(block);
            free(array);
            result = -ENOMEM;
        } else {
            (*env)->GetByteArrayRegion(env, variables, 0, length, (jbyte *)block);
            block[length] = '\0';
            char *cursor = block, *end = block + length;
            size_t n = 0;
            while (n < (size_t)count && cursor < end) {
                array[n++] = cursor;
                cursor += strlen(cursor) + 1;
            }
            host_block = block;
            host_count = n;
            host_environment = array;
        }
    }
    pthread_mutex_unlock(&host_lock);
    return result;
}

/* The next NUL-terminated string of a request, or NULL past its end. */
static char *next(char **cursor, const char *end) {
    char *s = *cursor;
    if (s >= end) return NULL;
    char *nul = memchr(s, '\0', (size_t)(end - s));
    if (!nul) return NULL;
    *cursor = nul + 1;
    return s;
}

/*
 * request: program, work directory, stdout file, stderr file, the argc arguments, the envc variables
 * ("NAME=value"), each ending with a NUL. With addToHost the variables come after the host's own
 * (setHostEnvironment; none of which they name); otherwise they are the whole environment. stdin is
 * /dev/null, or the descriptor stdinFd when it is not negative; stdout is the stdout file, or the
 * descriptor stdoutFd when it is not negative. Returns the pid or -errno.
 */
JNIEXPORT jint JNICALL METHOD(spawn)(JNIEnv *env, jclass cls, jbyteArray request, jint length, jint argc,
        jint envc, jboolean addToHost, jint stdinFd, jint stdoutFd) {
    (void)cls;
    if (length <= 0 || argc <= 0 || envc < 0) return -EINVAL;
    char *buffer = malloc((size_t)length);
    char **argv = calloc((size_t)argc + 1, sizeof(char *));
    size_t hostc = addToHost ? host_count : 0;
    char **envp = calloc(hostc + (size_t)envc + 1, sizeof(char *));
    int result = -ENOMEM;
    if (!buffer || !argv || !envp) goto done;
    (*env)->GetByteArrayRegion(env, request, 0, length, (jbyte *)buffer);
    char *cursor = buffer, *end = buffer + length;
    char *program = next(&cursor, end), *dir = next(&cursor, end);
    char *out = next(&cursor, end), *err = next(&cursor, end);
    result = -EINVAL;
    if (!program || !dir || !out || !err) goto done;
    for (jint i = 0; i < argc; i++) {
        if (!(argv[i] = next(&cursor, end))) goto done;
    }
    if (hostc) memcpy(envp, host_environment, hostc * sizeof(char *));
    for (jint i = 0; i < envc; i++) {
        if (!(envp[hostc + (size_t)i] = next(&cursor, end))) goto done;
    }

    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (error) {
        result = -error;
        goto done;
    }
    int output = O_WRONLY | O_CREAT | O_TRUNC;
    error = posix_spawn_file_actions_addchdir_np(&actions, dir);
    if (!error) {
        error = stdinFd >= 0 ? posix_spawn_file_actions_adddup2(&actions, stdinFd, 0)
                : posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    if (!error) {
        error = stdoutFd >= 0 ? posix_spawn_file_actions_adddup2(&actions, stdoutFd, 1)
                : posix_spawn_file_actions_addopen(&actions, 1, out, output, 0666);
    }
    if (!error) error = posix_spawn_file_actions_addopen(&actions, 2, err, output, 0666);
    /* The JVM's own descriptors are not all close-on-exec; a task must not hold any of them. */
    if (!error) error = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = 0;
    if (!error) error = posix_spawn(&pid, program, &actions, &spawn_attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    result = error ? -error : (jint)pid;
done:
    free(envp);
    free(argv);
    free(buffer);
    return result;
}

/* A close-on-exec pipe: fds[0] reads, fds[1] writes. 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(pipe)(JNIEnv *env, jclass cls, jintArray fds) {
    (void)cls;
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0) return -errno;
    jint values[2] = {ends[0], ends[1]};
    (*env)->SetIntArrayRegion(env, fds, 0, 2, values);
    return 0;
}

/* Writes length bytes of data from offset, all of them unless an error comes first: 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(write)(JNIEnv *env, jclass cls, jint fd, jbyteArray data, jint offset, jint length) {
    (void)cls;
    if (offset < 0 || length < 0 || length > 4096) return -EINVAL;
    char buffer[4096];
    (*env)->GetByteArrayRegion(env, data, offset, length, (jbyte *)buffer);
    for (jint done = 0; done < length;) {
        ssize_t written = write(fd, buffer + done, (size_t)(length - done));
        if (written < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        done += (jint)written;
    }
    return 0;
}

/* Reads at most length bytes into data at offset: the count (0 at the end), or -errno. */
JNIEXPORT jint JNICALL METHOD(read)(JNIEnv *env, jclass cls, jint fd, jbyteArray data, jint offset, jint length) {
    (void)cls;
    if (offset < 0 || length < 0 || length > 16384) return -EINVAL;
    char buffer[16384];
    ssize_t count;
    do {
        count = read(fd, buffer, (size_t)length);
    } while (count < 0 && errno == EINTR);
    if (count < 0) return -errno;
    (*env)->SetByteArrayRegion(env, data, offset, (jsize)count, (jbyte *)buffer);
    return (jint)count;
}

JNIEXPORT jint JNICALL METHOD(pidfdOpen)(JNIEnv *env, jclass cls, jint pid) {
    (void)env;
    (void)cls;
    long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
    return fd < 0 ? -errno : (jint)fd;
}

JNIEXPORT jint JNICALL METHOD(epollCreate)(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

JNIEXPORT jint JNICALL METHOD(epollAdd)(JNIEnv *env, jclass cls, jint epoll, jint fd, jlong key) {
    (void)env;
    (void)cls;
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = (uint64_t)key};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) < 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL METHOD(epollRemove)(JNIEnv *env, jclass cls, jint epoll, jint fd) {
    (void)env;
    (void)cls;
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

/* Waits for ready descriptors and writes their keys into keys; the count, or -errno (EINTR included). */
JNIEXPORT jint JNICALL METHOD(epollWait)(JNIEnv *env, jclass cls, jint epoll, jlongArray keys) {
    (void)cls;
    struct epoll_event events[MAX_EVENTS];
    jsize max = (*env)->GetArrayLength(env, keys);
    if (max > MAX_EVENTS) max = MAX_EVENTS;
    if (max <= 0) return -EINVAL;
    int ready = epoll_wait(epoll, events, max, -1);
    if (ready < 0) return -errno;
    jlong found[MAX_EVENTS];
    for (int i = 0; i < ready; i++) found[i] = (jlong)events[i].data.u64;
    (*env)->SetLongArrayRegion(env, keys, 0, ready, found);
    return ready;
}

JNIEXPORT jint JNICALL METHOD(eventfd)(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    int fd = eventfd(0, EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Adds 1 to an eventfd (wakes its reader), or takes its count (read); 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(eventfdAdd)(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    uint64_t one = 1;
    return write(fd, &one, sizeof one) < 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL METHOD(eventfdTake)(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    uint64_t count;
    return read(fd, &count, sizeof count) < 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL METHOD(close)(JNIEnv *env, jclass cls, jint fd) {
    (void)env;
    (void)cls;
    return close(fd) < 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL METHOD(kill)(JNIEnv *env, jclass cls, jint pid, jint signal) {
    (void)env;
    (void)cls;
    return kill(pid, signal) < 0 ? -errno : 0;
}

/*
 * wait4(pid, options): the pid reaped, 0 (WNOHANG, still running) or -errno. Then ended holds the wait
 * status, the child's peak memory and the host's own (kilobytes; -1 when unknown).
 */
JNIEXPORT jint JNICALL METHOD(reap)(JNIEnv *env, jclass cls, jint pid, jint options, jlongArray ended) {
    (void)cls;
    int status = 0;
    struct rusage child, self;
    pid_t reaped;
    do {
        reaped = wait4(pid, &status, options, &child);
    } while (reaped < 0 && errno == EINTR);
    if (reaped <= 0) return reaped < 0 ? -errno : 0;
    jlong values[3] = {status, child.ru_maxrss, getrusage(RUSAGE_SELF, &self) == 0 ? self.ru_maxrss : -1};
    (*env)->SetLongArrayRegion(env, ended, 0, 3, values);
    return (jint)reaped;
}

/* Waits for the child to end without reaping it (its pid, and so its group's id, stay its own); 0 or -errno. */
JNIEXPORT jint JNICALL METHOD(awaitExit)(JNIEnv *env, jclass cls, jint pid) {
    (void)env;
    (void)cls;
    siginfo_t info;
    int result;
    do {
        result = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
    } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : 0;
}

JNIEXPORT jstring JNICALL METHOD(strerror)(JNIEnv *env, jclass cls, jint error) {
    (void)cls;
    char text[256];
    /* The GNU strerror_r: returns the text, in text or a static string. */
    return (*env)->NewStringUTF(env, strerror_r(error, text, sizeof text));
}
