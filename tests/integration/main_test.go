package integration

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"tessera/tests/integration/internal/harness"
)

// TestMain checks that the server under test exists before anything starts, so that a
// missing build is one clear message instead of a failure per test.
func TestMain(m *testing.M) {
	bin := harness.TesseraBin()
	if _, err := exec.LookPath(bin); err != nil {
		fmt.Fprintf(os.Stderr, "server under test not found: %s (set TESSERA_BIN or run make first)\n", bin)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "server under test: %s (reference as target: %v)\n", bin, harness.TargetIsReference())
	os.Exit(m.Run())
}

// requireReference skips a test that needs the reference redis-server.
func requireReference(t *testing.T) {
	t.Helper()
	harness.RequireBinary(t, harness.RedisServerBin())
}
