# gdb commands for looking at gopreempt's preemption state.
#
# Loaded by `make debug` (gdb/debug.sh) with `source gdb/gopreempt-gdb.py`,
# next to the Go runtime's own runtime-gdb.py. docs/debugging.md walks
# through a session.
#
# Where the state lives. Each CPU's GS base points at its CPULocal block
# (arch/amd64/cpu_local.go), whose Current field (GS:8) is the running
# task. The task struct embeds amd64.TaskContext first, so that address is
# also the *kernel.Task, and Task.ThreadInfo holds the flags
# (TIF_NEED_RESCHED) and the preempt_count (kernel/thread_info.go,
# kernel/preempt.go). QEMU shows each virtual CPU to gdb as a thread
# (`thread 2` is CPU 1), and $gs_base is the selected CPU's, so every
# command below answers for the CPU gdb is looking at.
#
# Nothing of the layout is copied here: the types and the PREEMPT_* and
# TIF_* constants come from the kernel's DWARF, which the Go linker writes
# for every named constant. A kernel that renames them makes these
# commands fail with a message, not print wrong numbers.
#
# Before boot installs the per-CPU block (the 32-bit entry, the first
# instructions in long mode) $gs_base is 0 and there is no current task;
# the commands say so instead of reading address 8.
#
# Why Python: gdb's Go expression parser does not accept a cast to a type
# whose name has a slash in it ('gopreempt/kernel.Task'); its C parser
# does, but switching the language prints a warning at every use.

import gdb


def kernel_const(name):
    """The value of the kernel package's constant name, from the DWARF."""
    try:
        return int(gdb.parse_and_eval("'gopreempt/kernel.%s'" % name))
    except gdb.error:
        raise gdb.GdbError(
            "gopreempt/kernel.%s is not in the symbols: is the file gdb "
            "loaded a gopreempt kernel (bin/gopreempt.elf or a test binary)?" % name)


def kernel_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise gdb.GdbError("type %s is not in the symbols: not a gopreempt kernel?" % name)


def cpu_local():
    """The selected CPU's CPULocal block, found through GS base."""
    gs = int(gdb.parse_and_eval("$gs_base"))
    if gs == 0:
        raise gdb.GdbError(
            "GS base is 0: this CPU has no per-CPU block yet "
            "(boot sets it up before the first task runs)")
    block = kernel_type("gopreempt/arch/amd64.CPULocal").pointer()
    return gdb.Value(gs).cast(block).dereference()


def current_task():
    """A *kernel.Task for the task running on the selected CPU."""
    cur = int(cpu_local()["Current"])
    if cur == 0:
        raise gdb.GdbError("GS:8 (CPULocal.Current) is 0: no task runs on this CPU yet")
    return gdb.Value(cur).cast(kernel_type("gopreempt/kernel.Task").pointer())


def task_name(task):
    name = task.dereference()["Name"]
    lo, hi = name.type.range()
    raw = bytes(int(name[i]) for i in range(lo, hi + 1))
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def describe_preempt_count(pc):
    """preempt_count split into Linux's fields (kernel/preempt.go)."""
    parts = []
    if pc & kernel_const("PREEMPT_ACTIVE"):
        parts.append("PREEMPT_ACTIVE")
    for field in ("PREEMPT", "SOFTIRQ", "HARDIRQ"):
        depth = (pc & kernel_const(field + "_MASK")) >> kernel_const(field + "_SHIFT")
        parts.append("%s %d" % (field.lower(), depth))
    return ", ".join(parts)


class CurrentTask(gdb.Command):
    """Show the task running on the selected CPU (GS:8).

The task itself is $current_task(), a *gopreempt/kernel.Task:
`p *$current_task()`, `p $current_task().ThreadInfo`."""

    def __init__(self):
        super().__init__("current_task", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        task = current_task()
        t = task.dereference()
        print("CPU %d: task %#x pid %d \"%s\" state %d, on CPU %d" % (
            int(cpu_local()["ID"]), int(task), int(t["Pid"]), task_name(task),
            int(t["State"]), int(t["ThreadInfo"]["CPU"])))


class PreemptCount(gdb.Command):
    """Show the current task's preempt_count, field by field.

$preempt_count() is the same number in expressions. The layout is
Linux's (kernel/preempt.go): preemption depth in bits 0-7, softirq depth
8-15, hardirq depth 16-27, PREEMPT_ACTIVE bit 28."""

    def __init__(self):
        super().__init__("preempt_count", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        task = current_task()
        pc = int(task.dereference()["ThreadInfo"]["PreemptCount"])
        print("preempt_count = %#010x (%s) of pid %d \"%s\"" % (
            pc, describe_preempt_count(pc), int(task.dereference()["Pid"]), task_name(task)))


class NeedResched(gdb.Command):
    """Show whether TIF_NEED_RESCHED is set for the current task."""

    def __init__(self):
        super().__init__("need_resched", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags = int(current_task().dereference()["ThreadInfo"]["Flags"])
        state = "set" if flags & kernel_const("TIF_NEED_RESCHED") else "clear"
        print("TIF_NEED_RESCHED %s (thread_info flags %#x)" % (state, flags))


class CurrentTaskFunction(gdb.Function):
    """$current_task() is the *kernel.Task running on the selected CPU."""

    def __init__(self):
        super().__init__("current_task")

    def invoke(self):
        return current_task()


class PreemptCountFunction(gdb.Function):
    """$preempt_count() is the current task's preempt_count, for conditions:
    break 'gopreempt/kernel.schedule' if $preempt_count() != 0x10000000"""

    def __init__(self):
        super().__init__("preempt_count")

    def invoke(self):
        return gdb.Value(int(current_task().dereference()["ThreadInfo"]["PreemptCount"]))


CurrentTask()
PreemptCount()
NeedResched()
CurrentTaskFunction()
PreemptCountFunction()
