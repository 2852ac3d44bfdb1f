package system

import (
	"os/exec"
	"testing"
)

const statusOutOfMemory = 114 // internal/exitstatus.OutOfMemory

// Running out of memory is reported clearly and ends the run with its own
// status, instead of hanging or faulting at random.
func TestOutOfMemory(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	elf := buildKernel(t, "oom")
	bootSlots <- struct{}{}
	defer func() { <-bootSlots }()
	cmd := exec.Command(qemurun, "-timeout", "90s", elf)
	cmd.Env = append(bootEnv(bootConfig{}), "GOPREEMPT_MEM=128M")
	out, _ := cmd.CombinedOutput()
	r := bootResult{output: string(out), status: cmd.ProcessState.ExitCode()}
	r.wantStatus(t, statusOutOfMemory)
	r.wantOutput(t, "Out of memory", "frames free")
}
