// The floor of the local executor's per-task work: what a host must do for each task at the least
// (issue 14's list), in one C loop with nothing else: a work directory, stdout and stderr in files, a
// session of its own, the group killed at the leader's exit, an .exitcode, the journal's launch and
// success lines, the launch file's +PID and -PID lines, the two sizes a success record holds; P tasks
// of `true` at once. Not part of the host: a yardstick bench/run-dispatch runs beside xargs and sluice
// (bench/README.md). By hand:
//
//   cc -O2 -o /tmp/floor bench/src/floor/floor.c && time /tmp/floor 2000 2 /dev/shm/floor-work
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/resource.h>
extern char **environ;
int main(int argc, char **argv) {
    int n = atoi(argv[1]), p = atoi(argv[2]); const char *root = argv[3];
    char path[512], out[600], err[600], ec[600], line[128];
    snprintf(path, sizeof path, "%s/runs", root); mkdir(root, 0777); mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/runs/journal", root);
    int journal = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    snprintf(path, sizeof path, "%s/runs/local-tasks", root);
    int launches = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    pid_t *pids = calloc(n, sizeof(pid_t)); char (*dirs)[512] = calloc(n, 512);
    int started = 0, running = 0, done = 0;
    char *args[] = {"true", NULL};
    const char *program = access("/usr/bin/true", X_OK) == 0 ? "/usr/bin/true" : "/bin/true";
    while (done < n) {
        while (running < p && started < n) {
            int i = started++;
            snprintf(path, sizeof path, "%s/%02x", root, i & 0xff); mkdir(path, 0777);
            snprintf(dirs[i], 512, "%s/%02x/%08x%024x", root, i & 0xff, i, i); mkdir(dirs[i], 0777);
            snprintf(out, sizeof out, "%s/.command.out", dirs[i]); snprintf(err, sizeof err, "%s/.command.err", dirs[i]);
            posix_spawn_file_actions_t fa; posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_addchdir_np(&fa, dirs[i]);
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
            posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            posix_spawnattr_t at; posix_spawnattr_init(&at); posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
            pid_t pid; if (posix_spawn(&pid, program, &fa, &at, args, environ) != 0) { perror("spawn"); return 1; }
            posix_spawn_file_actions_destroy(&fa); posix_spawnattr_destroy(&at);
            pids[i] = pid; running++;
            int len = snprintf(line, sizeof line, "+%d\n", pid); write(launches, line, len);
            len = snprintf(line, sizeof line, "launched\t%08x\t1\n", i); write(journal, line, len);
        }
        int status; struct rusage ru; pid_t pid = wait4(-1, &status, 0, &ru);
        if (pid < 0) { perror("wait"); return 1; }
        kill(-pid, SIGKILL);
        int i; for (i = 0; i < started; i++) if (pids[i] == pid) break;
        running--; done++;
        int len = snprintf(line, sizeof line, "-%d\n", pid); write(launches, line, len);
        snprintf(ec, sizeof ec, "%s/.exitcode", dirs[i]);
        int fd = open(ec, O_WRONLY | O_CREAT | O_EXCL, 0666); len = snprintf(line, sizeof line, "%d\n", WEXITSTATUS(status)); write(fd, line, len); close(fd);
        struct stat st; stat(out, &st); stat(err, &st);
        len = snprintf(line, sizeof line, "succeeded\t%08x\t1\n", i); write(journal, line, len);
    }
    return 0;
}
