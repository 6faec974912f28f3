/** The size of a command's header (see `SUPERVISOR_SCRIPT`). */
export const SUPERVISOR_HEAD = 64;

/**
 * A reusable container's command (`python3 -u -c` this): reads `boot <size>` and the supervisor with its
 * arguments (see `supervisorBoot`) from stdin, and runs it as the main module.
 */
export const SUPERVISOR_BOOT = String.raw`
import os, sys
def take(size):
    data = b''
    while len(data) < size:
        more = os.read(0, size - len(data))
        if not more:
            os._exit(0)
        data += more
    return data
words = take(int(take(${SUPERVISOR_HEAD}).split()[1])).decode().split('\0')
source, sys.argv = words[0], ['-c'] + words[1:]
del words, take
exec(compile(source, 'arena-supervisor', 'exec'))
`;

/**
 * The main process of a reusable sandbox container, run as root (`python3 -u`, as the driver's own
 * interpreter, from `/`) when the container starts, before any program ran: it compiles the reset and the
 * driver and imports every module they use then, from the read-only root, so nothing a program writes later is
 * imported or run by a root process.
 *
 * It takes commands only on its stdin, which is the engine's attach stream: no process of the sandbox user can
 * reach it (the supervisor is root's, so its `/proc/<pid>/fd` is closed to them), and no child keeps it.
 * Commands are headers of `SUPERVISOR_HEAD` bytes (words, space-padded):
 *  - `reset <gen> <nonce>`: forget the last driver (its pipes are closed) and fork a child that runs the reset
 *    (`RESET_SCRIPT`: its steps and checks, unchanged) and exits; the container is then ready. A fork the
 *    kernel refuses (a program's processes filled the pids limit) is a failed reset, not a crash.
 *  - `job <gen> <bytes>` and that many bytes: fork the driver, a child that becomes the sandbox user (and
 *    dumpable again, as an exec would make it) and runs the driver's code in the forked interpreter as
 *    `python3 -u -c DRIVER -` would (same flags, paths, standard streams and exit); the job goes to its stdin,
 *    which is then closed. Its stdin, stdout and stderr are pipes of the supervisor. A refused fork ends the
 *    job at once: `x` with why instead of an exit code.
 *  - `close <gen>`: no job for this reset (a run of another language).
 * It answers in records on stdout, each a kind byte, the generation and the payload's length (big-endian
 * uint32s) then the payload, so that nothing a program prints can pass for one: `r` reset passed (payload:
 * the nonce), `f` reset failed (why), `o`/`e` the driver's stdout/stderr, `x` the driver exited (its exit
 * code as the engine gives it, 128 + a signal's number), after its pipes closed or 150 ms after its exit
 * (children it left may hold them open). Its stdin closing ends it, and the container with it.
 *
 * A job and a program's output move by splice(2) from pipe to pipe, never through this process's memory, and
 * the children are forks of it: no earlier program's job or output lies in a later one's memory (its exit
 * code and output sizes, this process's bookkeeping, do: see the residual risks in `docker.runner.ts`). At
 * rest the container holds this process only; a driver costs a fork when its job comes.
 * Arguments (`sys.argv[1:]`, set by `SUPERVISOR_BOOT`): the reset script, sandbox uid, sandbox gid, the
 * container's main uid, the driver's code.
 */
export const SUPERVISOR_SCRIPT = String.raw`
import os, sys, select, struct, time, builtins, atexit, gc, _signal
import stat, ctypes, resource, binascii
reset_code = compile(sys.argv[1], 'arena-reset', 'exec')
uid, gid, main_uid = (int(word) for word in sys.argv[2:5])
driver_code = compile(sys.argv[5], '<string>', 'exec')
del sys.argv[1:]
GRACE = 0.15
HEAD = ${SUPERVISOR_HEAD}
libc = ctypes.CDLL(None, use_errno=True)
wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
_signal.set_wakeup_fd(wake_w)
_signal.signal(_signal.SIGCHLD, lambda *_: None)
# Program output moves through this pipe by splice(2), never through this process's memory.
relay_r, relay_w = os.pipe2(os.O_CLOEXEC)

def trim():
    # Freed memory goes back to the system: this process is what a container costs at rest.
    gc.collect()
    libc.malloc_trim(0)

trim()

def exit_code(error):
    # What the interpreter makes of a SystemExit at its top level.
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xff
    try:
        sys.stderr.write(str(code) + '\n')
    except BaseException:
        pass
    return 1

def drive():
    # The driver's code at the top level of an interpreter, and that interpreter's way out.
    sys.argv = ['-c', '-']
    try:
        exec(driver_code, {'__name__': '__main__', '__doc__': None, '__builtins__': builtins})
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    except BaseException as error:
        try:
            sys.excepthook(type(error), error, error.__traceback__)
        except BaseException:
            pass
        code = 1
    try:
        if 'threading' in sys.modules:
            sys.modules['threading']._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as error:
        code = exit_code(error)
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code)

def spawn(fds, body):
    # A child with these as its stdin, stdout and stderr, and nothing else of this process's descriptors.
    pid = os.fork()
    if pid == 0:
        try:
            _signal.set_wakeup_fd(-1)
            _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            os.closerange(3, 65536)
            body()
        finally:
            os._exit(70)
    return pid

def reset(nonce):
    sys.argv = ['arena-reset', nonce, str(uid), str(gid), str(main_uid)]
    exec(reset_code, {'__name__': 'arena_reset', '__builtins__': builtins})
    os._exit(0)

def become_driver():
    # The sandbox user, as the reset left it: a fresh child of this root process, whose limits and priority
    # no program could reach. An exec would make the process dumpable again: so does this.
    os.chdir('/')
    os.setgroups([gid])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or libc.prctl(4, 1, 0, 0, 0) != 0:
        os._exit(70)
    os.chdir('/sandbox')
    drive()

def send(kind, gen, payload=b''):
    data = struct.pack('>cII', kind, gen, len(payload)) + payload
    while data:
        data = data[os.write(1, data):]

def forward(kind, gen, fd):
    # Up to 64 KiB from a driver's pipe as one record: its size, or 0 at the pipe's end.
    try:
        size = os.splice(fd, relay_w, 65536)
    except BlockingIOError:
        return None
    if size:
        head = struct.pack('>cII', kind, gen, size)
        while head:
            head = head[os.write(1, head):]
        left = size
        while left:
            left -= os.splice(relay_r, 1, left)
    return size

class Child:
    """One generation: the reset, then (given a job) the driver."""
    def __init__(self, gen, nonce):
        self.gen, self.nonce, self.phase = gen, nonce, 'reset'
        self.expected = ('arena-reset-ok %s\n' % nonce).encode()
        self.head = b''
        refused = self.start(lambda: reset(nonce))
        if refused:
            self.fail('could not fork the reset: ' + refused)

    def start(self, body):
        # Why the child could not be started (a program may have filled the pids limit), or None.
        self.status = None
        self.exited_at = None
        self.pid = None
        self.stdin = None
        self.pipes = {}
        fds = []
        try:
            in_r, self.stdin = os.pipe2(os.O_CLOEXEC)
            fds.append(in_r)
            out_r, out_w = os.pipe2(os.O_CLOEXEC)
            fds += [out_r, out_w]
            err_r, err_w = os.pipe2(os.O_CLOEXEC)
            fds += [err_r, err_w]
            self.pid = spawn((in_r, out_w, err_w), body)
        except OSError as error:
            for fd in fds:
                os.close(fd)
            self.close_stdin()
            return '%s (errno %s)' % (error.strerror, error.errno)
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        self.pipes = {out_r: b'o', err_r: b'e'}
        for fd in self.pipes:
            os.set_blocking(fd, False)
        return None

    def close_stdin(self):
        if self.stdin is not None:
            os.close(self.stdin)
            self.stdin = None

    def drop(self):
        self.close_stdin()
        for fd in self.pipes:
            os.close(fd)
        self.pipes = {}

    def fail(self, why):
        if self.phase in ('reset', 'passed'):
            self.phase = 'failed'
            send(b'f', self.gen, why.encode('utf-8', 'replace')[:500])

    def readable(self, fd):
        kind = self.pipes[fd]
        if self.phase == 'run':
            if forward(kind, self.gen, fd) != 0:
                return
        else:
            data = os.read(fd, 4096)
            if data:
                return self.said(kind, data)
        os.close(fd)
        del self.pipes[fd]

    def said(self, kind, data):
        # The reset's own words: exactly its line of success, or why it failed.
        if self.phase != 'reset':
            return self.fail('the reset said more: ' + data.decode('utf-8', 'replace'))
        if kind == b'e':
            return self.fail('the reset wrote on stderr: ' + data.decode('utf-8', 'replace'))
        self.head += data
        if self.head == self.expected:
            self.phase = 'passed'
        elif not self.expected.startswith(self.head):
            self.fail(self.head.decode('utf-8', 'replace').strip() or 'the reset said something unexpected')

    def done(self):
        if self.status is None:
            return False
        return not self.pipes or time.monotonic() - self.exited_at >= GRACE

    def finish(self):
        self.drop()
        self.pid = None
        status, self.status = self.status, None
        if self.phase == 'run':
            code = os.waitstatus_to_exitcode(status)
            send(b'x', self.gen, str(code if code >= 0 else 128 - code).encode())
            self.phase = 'ended'
        elif self.phase == 'passed' and status == 0:
            self.phase = 'ready'
            send(b'r', self.gen, self.nonce.encode())
            trim()
        else:
            self.fail(self.head.decode('utf-8', 'replace').strip() or 'the reset ended early')

    def job(self, size):
        self.phase = 'run'
        refused = self.start(become_driver)
        if refused:
            self.phase = 'ended'
            while size:
                size -= len(os.read(0, min(size, 65536)))
            return send(b'x', self.gen, ('could not fork the driver: ' + refused).encode())
        try:
            while size:
                size -= os.splice(0, self.stdin, size)
        except BrokenPipeError:
            # The driver is gone: the rest of the job is read and dropped.
            while size:
                size -= len(os.read(0, min(size, 65536)))
        self.close_stdin()

def command():
    line = b''
    while len(line) < HEAD:
        data = os.read(0, HEAD - len(line))
        if not data:
            os._exit(0)
        line += data
    verb, gen, arg = (line.split() + [b'', b''])[:3]
    return verb, int(gen), arg

child = None
while True:
    fds = [0, wake_r] + (list(child.pipes) if child else [])
    timeout = None
    if child and child.status is not None:
        timeout = max(0, child.exited_at + GRACE - time.monotonic())
    readable = select.select(fds, [], [], timeout)[0]
    if wake_r in readable:
        try:
            while os.read(wake_r, 512):
                pass
        except BlockingIOError:
            pass
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        if child and pid == child.pid:
            child.status, child.exited_at = status, time.monotonic()
    if child:
        for fd in [fd for fd in readable if fd in child.pipes]:
            child.readable(fd)
        if child.status is not None and child.done():
            child.finish()
    if 0 in readable:
        verb, gen, arg = command()
        if verb == b'reset':
            if child:
                child.drop()
            child = Child(gen, arg.decode())
        elif verb == b'job':
            if child and child.gen == gen and child.phase == 'ready':
                child.job(int(arg))
            else:
                size = int(arg)
                while size:
                    size -= len(os.read(0, min(size, 65536)))
                send(b'x', gen, b'no driver')
        elif verb == b'close':
            if child and child.gen == gen and child.phase == 'ready':
                child.phase = 'ended'
        else:
            sys.stderr.write('unknown command\n')
            os._exit(1)
`;
