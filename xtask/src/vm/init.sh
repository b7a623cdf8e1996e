#!/bin/sh
# /init of the VM kernel matrix (`cargo xtask vm-test`): mount what a node has, load the modules
# the tests need, print the probe's answer, run every test of every packed test binary in its
# own process, report each on the console as a `@@rampart-vm` line, power off.
#
# Lines the host parses (xtask/src/vm/report.rs):
#   @@rampart-vm begin <uname -r> <uname -m> <active LSM list>
#   @@rampart-vm probe <rampart-agent probe -o json, on one line>
#   @@rampart-vm test <file> <test> ok|flaky|failed|timeout|ignored <seconds>
#   @@rampart-vm error <what went wrong outside a test>
#   @@rampart-vm startup <the slowest agent start to ready, in ms>
#   @@rampart-vm done
# A failing test's output is printed between `@@rampart-vm output <file> <test>` and
# `@@rampart-vm output-end`; the kernel log follows `@@rampart-vm dmesg` at the end.

/bin/busybox --install
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp CI=true RUST_BACKTRACE=1
M='@@rampart-vm'

mnt() { mount -t "$1" "$1" "$2" || echo "$M error mounting $1 on $2"; }
mkdir -p /proc /sys /dev /tmp /run
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mnt tmpfs /tmp
mnt tmpfs /run
mnt bpf /sys/fs/bpf
mnt tracefs /sys/kernel/tracing
mnt securityfs /sys/kernel/security
mnt cgroup2 /sys/fs/cgroup
# Kernel messages go to the log at the end, not between the lines above.
dmesg -n 1

for arg in $(cat /proc/cmdline); do
    case "$arg" in
        rampart.kernel=*) export RAMPART_VM="${arg#*=}" ;;
        rampart.timeout=*) TIMEOUT="${arg#*=}" ;;
    esac
done
: "${TIMEOUT:=300}"
# The tests' first agent start may take most of a test's time under TCG; later starts are held
# to a multiple of the slowest one measured (tests/src/agent.rs).
export RAMPART_AGENT_FIRST_START_LIMIT=$(( TIMEOUT > 60 ? TIMEOUT - 30 : TIMEOUT ))

release=$(uname -r)
while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$release/$m" || echo "$M error insmod $m"; }
done < "/lib/modules/$release/order"
ip link set lo up
hostname rampart-vm
cd /tmp

echo "$M begin $release $(uname -m) $(cat /sys/kernel/security/lsm 2>/dev/null)"
probe_start=$(date +%s)
if /rampart/rampart-agent probe -o json > /tmp/probe.json 2> /tmp/probe.err; then
    echo "$M probe $(tr -d '\n' < /tmp/probe.json)"
    # The probe engages every tier of every concern: the tests bound an agent's start by it.
    export RAMPART_PROBE_MS=$(( ($(date +%s) - probe_start + 1) * 1000 ))
else
    echo "$M error probe failed: $(tr '\n' ' ' < /tmp/probe.err)"
fi

# Each line of /rampart/tests: a test file, then the tests to run (all when none are named).
while read -r file only; do
    bin="/rampart/deps/$file"
    ignored=$("$bin" --list --ignored 2>/dev/null | sed -n 's/: test$//p')
    [ -n "$only" ] || only=$("$bin" --list 2>/dev/null | sed -n 's/: test$//p')
    for t in $only; do
        if echo "$ignored" | grep -qxF "$t"; then
            echo "$M test $file $t ignored 0"
            continue
        fi
        start=$(date +%s)
        timeout "$TIMEOUT" "$bin" --exact "$t" --test-threads=1 > /tmp/test.out 2>&1
        rc=$?
        case $rc in
            0) status=ok ;;
            124|143) status=timeout ;;
            *) status=failed ;;
        esac
        # A name that matches no test (renamed, or a typo in a `vm-test:` line) runs zero
        # tests and exits 0: that is not a pass.
        if [ $status = ok ] && ! grep -q '^running 1 test$' /tmp/test.out; then
            status=not-run
        fi
        if [ $status != ok ]; then
            echo "$M output $file $t"
            cat /tmp/test.out
            echo "$M output-end"
        fi
        # A failure (not a timeout) runs once more: passing then, the test is reported
        # `flaky` with the first run's output above, and the matrix says so.
        if [ $status = failed ]; then
            timeout "$TIMEOUT" "$bin" --exact "$t" --test-threads=1 > /tmp/test.out 2>&1 && status=flaky
        fi
        secs=$(( $(date +%s) - start ))
        echo "$M test $file $t $status $secs"
    done
done < /rampart/tests

# The slowest agent start the tests measured (tests/src/agent.rs keeps it).
[ -f /tmp/rampart-tests.agent-start-ms ] && echo "$M startup $(cat /tmp/rampart-tests.agent-start-ms)"
# Each agent's start-up steps, for the kernel's log (target/vm/logs/<kernel>.log).
[ -f /tmp/rampart-tests.agent-starts.log ] && cat /tmp/rampart-tests.agent-starts.log
echo "$M dmesg"
dmesg
echo "$M done"
sync
poweroff -f
