// Package clustertest gives a plugin's tests the local cluster (scripts/local-cluster): started
// when it is not running and stopped again afterwards, as the mocha suites do, with its settings
// read from `scripts/local-cluster env` so tests and script never disagree.
package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run ensures the cluster, hands its settings to setup, runs the tests, calls teardown, stops the
// cluster if it started it, and exits with the tests' code. script is the path to
// scripts/local-cluster relative to the test's directory.
func Run(m *testing.M, script string, setup func(env map[string]string) error, teardown func()) {
	script, _ = filepath.Abs(script)
	started := false
	if exec.Command(script, "status").Run() != nil {
		if out, err := exec.Command(script, "up").CombinedOutput(); err != nil {
			fail("scripts/local-cluster up: %v\n%s", err, out)
		}
		started = true
	}
	out, err := exec.Command(script, "env").Output()
	if err != nil {
		fail("scripts/local-cluster env: %v", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	if err := setup(env); err != nil {
		fail("test set-up: %v", err)
	}
	code := m.Run()
	if teardown != nil {
		teardown()
	}
	if started {
		_ = exec.Command(script, "down").Run()
	}
	os.Exit(code)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
