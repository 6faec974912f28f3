/**
 * The main process of a reusable sandbox container, run as root (`python3 -u`, as the driver's own
 * interpreter, from `/`) when the container starts, before any program ran: it compiles the reset and the
 * driver and imports every module they use then, from the read-only root, so nothing a program writes later is
 * imported or run by a root process.
 *
 * It takes commands only on its stdin, which is the engine's attach stream: no process of the sandbox user can
 * reach it (the supervisor is root's, so its `/proc/<pid>/fd` is closed to them), and no child keeps it.
 * Commands, one per line:
 *  - `reset <gen> <nonce>`: forget the last driver (its pipes are closed) and have a new child run the reset
 *    (`RESET_SCRIPT`, its steps and checks); once it passed, that child, now the sandbox user's, is the armed
 *    Python driver, waiting for its job. Its stdin, stdout and stderr are pipes of the supervisor.
 *  - `job <gen> <json>`: the run's job, written to that driver's stdin, which is then closed.
 *  - `close <gen>`: close the driver's stdin without a job (a run of another language): it exits.
 * It answers in records on stdout, each a kind byte, the generation and the payload's length (big-endian
 * uint32s) then the payload, so that nothing a program prints can pass for one: `r` reset passed (payload:
 * the nonce), `f` reset failed (why), `o`/`e` the driver's stdout/stderr, `x` the driver exited (its exit
 * code as the engine gives it, 128 + a signal's number), after its pipes closed or 150 ms after its exit
 * (children it left may hold them open). Its stdin closing ends it, and the container with it.
 *
 * The children are forked by a zygote, a copy of the supervisor made before it read anything: the jobs and
 * the output of programs pass through the supervisor only, so a driver's memory (a copy of the zygote's) holds
 * nothing of an earlier program. A driver is no new interpreter: it runs the driver code in the forked
 * interpreter, as `python3 -u -c DRIVER -` would (same flags, paths, standard streams and exit), and is made
 * dumpable again, as an exec would.
 * Arguments: the reset script, sandbox uid, sandbox gid, the container's main uid, the driver's code.
 */
export const SUPERVISOR_SCRIPT = String.raw`
import os, sys, select, signal, socket, struct, time, gc, builtins
import stat, ctypes, resource, json, binascii, traceback, atexit
reset_code = compile(sys.argv[1], 'arena-reset', 'exec')
ids = sys.argv[2:5]
driver_code = compile(sys.argv[5], '<string>', 'exec')
GRACE = 0.15
libc = ctypes.CDLL(None, use_errno=True)

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

def child(gen, nonce, fds):
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, 65536)
        sys.argv = ['arena-reset', nonce] + ids
        exec(reset_code, {'__name__': 'arena_reset', '__builtins__': builtins})
        # Passed: the sandbox user, in /sandbox, no process of that user left. An exec would make the
        # process dumpable again (its own user may read its /proc files, as any program's).
        if libc.prctl(4, 1, 0, 0, 0) != 0:
            os.write(2, b'could not make the driver dumpable\n')
            os._exit(70)
        drive()
    finally:
        os._exit(70)

def reaped():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status

def zygote(ctl):
    # Nothing of the attach stream: its own stdin and stdout are /dev/null; stderr says what went wrong.
    null = os.open('/dev/null', os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    kids = {}
    while True:
        readable = select.select([ctl, wake_r], [], [])[0]
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        for pid, status in reaped():
            if pid in kids:
                ctl.send(b'%d %d' % (kids.pop(pid), status))
        if ctl in readable:
            message, fds, _, _ = socket.recv_fds(ctl, 256, 3)
            if not message:
                os._exit(0)
            gen, nonce = message.decode().split(' ')
            pid = os.fork()
            if pid == 0:
                os.close(ctl.detach())
                child(int(gen), nonce, fds)
            for fd in fds:
                os.close(fd)
            kids[pid] = int(gen)

ctl, zygote_ctl = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
gc.freeze()
if os.fork() == 0:
    try:
        ctl.close()
        zygote(zygote_ctl)
    finally:
        os._exit(70)
zygote_ctl.close()

def send(kind, gen, payload=b''):
    data = struct.pack('>cII', kind, gen, len(payload)) + payload
    while data:
        data = data[os.write(1, data):]

class Child:
    def __init__(self, gen, nonce):
        self.gen, self.nonce, self.phase = gen, nonce, 'reset'
        self.expected = ('arena-reset-ok %s\n' % nonce).encode()
        self.head = b''
        self.status = None
        self.exited_at = None
        in_r, self.stdin = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        socket.send_fds(ctl, [b'%d %s' % (gen, nonce.encode())], [in_r, out_w, err_w])
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        self.pipes = {out_r: b'o', err_r: b'e'}
        for fd in self.pipes:
            os.set_blocking(fd, False)

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
        if self.phase == 'reset':
            self.phase = 'failed'
            send(b'f', self.gen, why.encode('utf-8', 'replace')[:500])

    def output(self, kind, data):
        if self.phase == 'run':
            return send(kind, self.gen, data)
        if self.phase != 'reset':
            return
        if kind == b'e':
            return self.fail('the reset wrote on stderr: ' + data.decode('utf-8', 'replace'))
        self.head += data
        if self.head.startswith(self.expected):
            self.phase = 'run'
            send(b'r', self.gen, self.nonce.encode())
            rest = self.head[len(self.expected):]
            if rest:
                send(b'o', self.gen, rest)
        elif not self.expected.startswith(self.head):
            self.fail(self.head.decode('utf-8', 'replace').strip() or 'the reset said something unexpected')

    def done(self):
        if self.status is None:
            return False
        return not self.pipes or time.monotonic() - self.exited_at >= GRACE

    def finish(self):
        self.drop()
        if self.phase == 'reset':
            self.fail(self.head.decode('utf-8', 'replace').strip() or 'the reset ended early')
        elif self.phase == 'run':
            code = os.waitstatus_to_exitcode(self.status)
            send(b'x', self.gen, str(code if code >= 0 else 128 - code).encode())

child = None
pending = b''
while True:
    fds = [0, ctl] + (list(child.pipes) if child else [])
    timeout = None
    if child and child.status is not None:
        timeout = max(0, child.exited_at + GRACE - time.monotonic())
    readable = select.select(fds, [], [], timeout)[0]
    if ctl in readable:
        message = ctl.recv(64)
        if not message:
            sys.stderr.write('the zygote ended\n')
            os._exit(1)
        gen, status = (int(word) for word in message.split(b' '))
        if child and child.gen == gen:
            child.status, child.exited_at = status, time.monotonic()
    if child:
        for fd in [fd for fd in readable if fd in child.pipes]:
            data = os.read(fd, 65536)
            if data:
                child.output(child.pipes[fd], data)
            else:
                os.close(fd)
                del child.pipes[fd]
        if child.done():
            child.finish()
            child = None
    if 0 in readable:
        data = os.read(0, 1 << 20)
        if not data:
            os._exit(0)
        pending += data
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            verb, gen, arg = (line.split(b' ', 2) + [b''])[:3]
            gen = int(gen)
            if verb == b'reset':
                if child:
                    child.drop()
                child = Child(gen, arg.decode())
            elif child and child.gen == gen and child.phase == 'run' and child.stdin is not None:
                if verb == b'job':
                    data = arg + b'\n'
                    try:
                        while data:
                            data = data[os.write(child.stdin, data):]
                    except BrokenPipeError:
                        pass
                child.close_stdin()
            elif verb == b'job':
                send(b'x', gen, b'no driver')
`;
