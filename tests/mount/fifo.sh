#!/bin/bash
# A file of SOURCE swapped for a FIFO while readers open it (REVIEW hole 2):
# the mount opens with O_NONBLOCK and checks the type after the open, so no
# daemon thread ever waits in fifo_open for a writer. Readers race a loop
# that renames a FIFO and a Mach-O over the same name. Readers open with
# O_NONBLOCK themselves (a FIFO the mount mirrors is the kernel's to block
# on, as on SOURCE); every read must finish within its time bound, and no
# daemon thread may sit in the kernel's FIFO open (wait_for_partner).
. "$(dirname "$0")/lib.sh"
require_fuse

S=$WORK/src
mkdir -p "$S"
LIB=$CORPUS/files/codex-libffi-dylib/libffi.8.dylib
cp "$LIB" "$S/bin"
M=$WORK/mnt
# attr/entry timeouts 0: every open resolves afresh, so it races the swap
sigfs_mount "$M" -o attr_timeout=0,entry_timeout=0,negative_timeout=0 "$S" || die "mount"

# The race, tight: one process renames a FIFO and a hard link of the
# Mach-O over `bin` as fast as it can; another opens bin and bin.sig files
# (O_NONBLOCK), each open under a 5 s alarm.
cp "$LIB" "$S/.keep"
python3 - "$S" "$M" "${PIDS[$M]}" <<'PY' >"$WORK/race.out" 2>&1 &
import os, signal, sys, time, glob
S, M, pid = sys.argv[1:]
end = time.time() + 3
if os.fork() == 0:
    n = 0
    while time.time() < end:
        try:
            os.mkfifo(S + "/.f"); os.rename(S + "/.f", S + "/bin")
            os.link(S + "/.keep", S + "/.b"); os.rename(S + "/.b", S + "/bin")
        except OSError:
            pass
        n += 1
    os._exit(0)
def blocked():
    return sum(1 for w in glob.glob("/proc/%s/task/*/wchan" % pid)
               if any(k in open(w).read() for k in ("fifo", "wait_for_partner")))
def alarm(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, alarm)
reads = timeouts = 0
while time.time() < end:
    for p in ("bin", "bin.sig/cdhash", "bin.sig/info.txt"):
        signal.alarm(5)
        try:
            fd = os.open(M + "/" + p, os.O_RDONLY | os.O_NONBLOCK)
            try: os.read(fd, 4096)
            except OSError: pass
            os.close(fd)
        except TimeoutError:
            timeouts += 1
        except OSError:
            pass
        signal.alarm(0)
        reads += 1
os.wait()
print(reads, timeouts, blocked())
PY
racer=$!
for _ in $(seq 200); do kill -0 $racer 2>/dev/null || break; sleep 0.1; done
if kill -0 $racer 2>/dev/null; then
	# A reader waits on a daemon thread stuck in fifo_open: no signal
	# reaches a FUSE request the daemon holds, so end the daemon.
	waits=$(grep -h . /proc/"${PIDS[$M]}"/task/*/wchan 2>/dev/null | tr '\n' ' ')
	kill -9 "${PIDS[$M]}" $racer 2>/dev/null
	die "a reader blocked for 20 s; daemon threads wait in: $waits"
fi
wait $racer
read -r reads timeouts blocked <"$WORK/race.out" || fail "race: $(cat "$WORK/race.out")"
[ "${blocked:-1}" -eq 0 ] || fail "$blocked daemon threads wait in a FIFO open"
[ "$timeouts" -eq 0 ] || fail "$timeouts of $reads reads blocked for 5 s"
timeout 5 stat "$M/bin" >/dev/null || fail "stat after the swaps blocked or failed"
daemon_alive "$M" || fail "sigfs died"
sigfs_umount "$M"
[ "$FAILED" -eq 0 ] && ok "$reads reads raced FIFO swaps, none blocked"
finish
