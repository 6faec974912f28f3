/** The places a reset empties: the writable tmpfs mounts of a sandbox container (see `sandboxContainerSpec`). */
/**
 * The real and saved uid of the reset (see `RESET_SCRIPT`, step 1): a uid no process in a sandbox container
 * runs as, nor any account of the image or of this host, so that no process a program left can signal the
 * reset. Not 0: with a real uid of root, the reset's `kill(-1)` would reach the supervisor and PID 1 (root's).
 * Not the sandbox uid: then the program's processes could stop or prlimit it.
 */
export const RESET_UID = 65533;

export const EMPTIED_MOUNTS = ['/sandbox', '/tmp', '/dev/shm', '/dev/mqueue'] as const;

/**
 * The reset of a used container, run as root in a child of its supervisor (see `SUPERVISOR_SCRIPT`), with
 * this code compiled and every module it uses imported when the container started, before any program ran,
 * from the read-only root: nothing a program wrote is imported or run. Steps, each verified; any failure or
 * surprise prints `arena-reset-failed: …` and exits 70, and the pool removes the container:
 *  1. Drop to the sandbox gid and to mixed uids: the sandbox uid as the effective one, `RESET_UID` as the real
 *     and saved ones. The kernel lets a process signal another when its real or effective uid is the other's
 *     real or saved uid: this one may signal every process of the sandbox user, and none of those may signal
 *     it (a leftover looping on `kill(-1, SIGSTOP)` froze the reset until its timeout) or change its rlimits
 *     (prlimit needs all three uids to match) or I/O priority (`ioprio_set` looks at its real uid). Changing
 *     credentials makes the kernel mark this process non-dumpable, so no process of the sandbox user can
 *     ptrace it (checked: `PR_GET_DUMPABLE` is 0).
 *     Until then it is root, which those processes can neither signal nor ptrace.
 *     From then until step 2 the sandbox user's processes may still change this process's nice value,
 *     scheduling policy and CPU affinity (the kernel checks those against the effective uid): they are taken
 *     as root first, with the rlimits and the I/O priority, and must be unchanged once the kill is done.
 *  2. `kill(-1, SIGKILL)` with the sandbox user's effective uid: every process of that user at once (the
 *     kernel holds the task list while it signals, so a fork cannot slip through), never PID 1 or the
 *     container's supervisor (root's). Repeated until `/proc` shows no process but PID 1's tree of the
 *     container's main user and this one (zombies included: they are waited for); more than 3 s is a failure.
 *  3. Every mount of the container is checked (`/proc/self/mountinfo`): the root must be read-only; each
 *     writable mount must be one this reset empties, `/proc` or `/dev/pts` (per-process state, gone with the
 *     processes), a device node, or a file or tree the sandbox user cannot write anywhere (the engine's
 *     `/etc/hosts`, `/dev`, `/sys/fs/cgroup`). Anything else is a surprise.
 *  4. `/sandbox`, `/tmp`, `/dev/shm` and `/dev/mqueue` (POSIX message queues) are emptied without following
 *     links (directories the program locked are opened up first), then found empty; `/sandbox` gets its
 *     mode back and loses any extended attribute the program set on it.
 *  5. SysV shared memory, semaphores and message queues of the container's IPC namespace are removed
 *     (`IPC_RMID`: the sandbox user created them all, so it may), and `/proc/sysvipc/*` is found empty.
 *  6. The processes are checked again; then `arena-reset-ok <nonce>` is printed (to the supervisor, which
 *     checks it) and this process exits; the supervisor forks the Python driver when a job comes (see
 *     `SUPERVISOR_SCRIPT`): the container is warm again.
 * Before all this, the reset refuses a container without a seccomp filter (an engine or container with seccomp
 * unconfined): the filter is what keeps keyrings, which no namespace separates here, from carrying state.
 * Arguments: nonce, sandbox uid, sandbox gid, the container's main uid.
 */
export const RESET_SCRIPT = String.raw`
import os, sys, stat, time
import _signal as signal  # the C module: the signal module imports enum, memory the supervisor would keep
def fail(why):
    os.write(1, ('arena-reset-failed: %s\n' % why).encode('utf-8', 'replace'))
    os._exit(70)
try:
    nonce, uid, gid, main_uid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if os.getresuid() != (0, 0, 0):
        fail('not started as root')
    # The engine's seccomp filter is what keeps the sandbox user's kernel keyrings (shared with the host: no
    # user namespace) and new namespaces out of a program's reach: without it, a program could leave a key for
    # the next one. Mode 2 is a filter; an engine run with seccomp unconfined gives 0.
    with open('/proc/self/status') as status:
        if not any(line.split() == ['Seccomp:', '2'] for line in status):
            fail('no seccomp filter: the sandbox user could keep state in its kernel keyrings')
    me = os.getpid()
    os.chdir('/')
    import ctypes, resource
    libc = ctypes.CDLL(None, use_errno=True)
    # Open, once this process has the sandbox user's effective uid, to any process of that user (setpriority,
    # sched_setscheduler/setaffinity; not prlimit or ioprio_set, which look at its real uid): taken now, with
    # the rlimits and the I/O priority, and found unchanged after the kill.
    ioprio_get = {'x86_64': 252, 'aarch64': 31}.get(os.uname().machine)
    def own_state():
        return ([resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource)) if name.startswith('RLIMIT_')],
                os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0), sorted(os.sched_getaffinity(0)),
                libc.syscall(ioprio_get, 1, 0) if ioprio_get else None)
    before = own_state()
    os.setgroups([gid])
    os.setresgid(gid, gid, gid)
    os.setresuid(${RESET_UID}, uid, ${RESET_UID})
    if os.getresuid() != (${RESET_UID}, uid, ${RESET_UID}) or os.getresgid() != (gid, gid, gid) or os.getgroups() != [gid]:
        fail('could not become the sandbox user')
    if libc.prctl(3, 0, 0, 0, 0) != 0:
        fail('the reset process is still dumpable')

    def others():
        found = []
        for name in os.listdir('/proc'):
            if not name.isdigit() or int(name) == me:
                continue
            try:
                with open('/proc/%s/status' % name) as f:
                    fields = dict(line.split(':', 1) for line in f.read().splitlines() if ':' in line)
            except (FileNotFoundError, ProcessLookupError):
                continue
            uids = {int(x) for x in fields.get('Uid', '').split()}
            gids = {int(x) for x in fields.get('Gid', '').split()}
            if uids != {main_uid} or gid in gids:
                found.append('%s(%s,%s)' % (name, fields.get('Name', '?').strip(), fields.get('State', '?').strip()))
        return found

    def kill_all():
        deadline = time.monotonic() + 3
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            left = others()
            if not left:
                return
            if time.monotonic() > deadline:
                fail('processes left: ' + ' '.join(left[:10]))
            time.sleep(0.005)

    kill_all()
    if own_state() != before:
        fail('a program changed the limits, priority, scheduling or CPUs of the reset')

    def unescape(path):
        return path.replace('\\040', ' ').replace('\\011', '\t').replace('\\012', '\n').replace('\\134', '\\')

    mounts = []
    with open('/proc/self/mountinfo') as f:
        for line in f.read().splitlines():
            head, _, tail = line.partition(' - ')
            parts = head.split()
            mounts.append((unescape(parts[4]), parts[5].split(','), tail.split()[0]))
    points = {m[0] for m in mounts}
    emptied = ('/sandbox', '/tmp', '/dev/shm', '/dev/mqueue')

    def writable_by_sandbox(st):
        if st.st_uid == uid:
            return True
        if st.st_gid == gid and st.st_mode & 0o020:
            return True
        return bool(st.st_mode & 0o002)

    for point, options, fstype in mounts:
        if point == '/':
            if 'ro' not in options:
                fail('the root file system is writable')
            continue
        if 'rw' not in options:
            continue
        if point in emptied and fstype in ('tmpfs', 'mqueue'):
            continue
        if (point, fstype) in (('/proc', 'proc'), ('/dev/pts', 'devpts')):
            continue
        st = os.lstat(point)
        if stat.S_ISCHR(st.st_mode):
            continue
        if stat.S_ISREG(st.st_mode) and not writable_by_sandbox(st):
            continue
        if stat.S_ISDIR(st.st_mode):
            # A tree the sandbox user cannot write to anywhere (the engine's /dev, /sys/fs/cgroup): small.
            for root, dirs, files in os.walk(point):
                dirs[:] = [d for d in dirs if os.path.join(root, d) not in points]
                # Directories and regular files; a link's own mode means nothing, a device keeps no state.
                for path in [root] + [os.path.join(root, name) for name in dirs + files]:
                    st = os.lstat(path)
                    if (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)) and writable_by_sandbox(st):
                        fail('%s is writable by the sandbox user' % path)
            continue
        fail('unexpected writable mount %s (%s)' % (point, fstype))

    def clear(fd, depth):
        if depth > 64:
            fail('directories nested too deep')
        with os.scandir(fd) as it:
            names = [entry.name for entry in it]
        for name in names:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                if st.st_uid == uid and stat.S_IMODE(st.st_mode) & 0o700 != 0o700:
                    os.chmod(name, 0o700, dir_fd=fd)
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                try:
                    clear(sub, depth + 1)
                finally:
                    os.close(sub)
                os.rmdir(name, dir_fd=fd)
            else:
                os.unlink(name, dir_fd=fd)

    for point in emptied:
        if point not in points:
            if point in ('/sandbox', '/tmp', '/dev/shm'):
                fail('%s is not a mount' % point)
            continue
        fd = os.open(point, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            st = os.fstat(fd)
            if st.st_uid == uid:
                os.fchmod(fd, 0o700)
                for name in os.listxattr(fd):
                    os.removexattr(fd, name)
            clear(fd, 0)
            if os.listdir(fd):
                fail('%s is not empty' % point)
            if st.st_uid == uid and (stat.S_IMODE(os.fstat(fd).st_mode) != 0o700 or os.listxattr(fd)):
                fail('%s kept its mode or attributes' % point)
        finally:
            os.close(fd)

    removers = {'shm': lambda i: libc.shmctl(i, 0, None), 'sem': lambda i: libc.semctl(i, 0, 0), 'msg': lambda i: libc.msgctl(i, 0, None)}
    def ipc_ids(kind):
        with open('/proc/sysvipc/' + kind) as f:
            return [int(line.split()[1]) for line in f.read().splitlines()[1:] if line.strip()]
    for kind, remove in removers.items():
        for ident in ipc_ids(kind):
            if remove(ident) != 0:
                fail('could not remove SysV %s %d (errno %d)' % (kind, ident, ctypes.get_errno()))
        if ipc_ids(kind):
            fail('SysV %s left' % kind)

    left = others()
    if left:
        fail('processes came back: ' + ' '.join(left[:10]))
    os.chdir('/sandbox')
    os.write(1, ('arena-reset-ok %s\n' % nonce).encode())
except SystemExit:
    raise
except BaseException as error:
    fail(repr(error))
`;

/** How long a reset may take before the container is given up. */
export const RESET_TIMEOUT_MS = 10_000;
