package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// The redis-cli --cluster subcommands the other cluster tests do not run: info, call,
// set-timeout and backup (compat.md §4.3, §4.9, §4.10, §4.12).
func TestClusterTools(t *testing.T) {
	requireCli(t)
	c := harness.StartCluster(t, harness.ClusterOptions{})
	entry := c.Nodes[0].Addr()
	rdb := newClusterClient(t, c.Nodes)
	setKeys(t, rdb, "tool", 300)

	info := mustCli(t, time.Minute, "", "--cluster", "info", entry)
	expectContains(t, "--cluster info", info.Out, "[OK] 300 keys in 3 masters.")

	// call runs the command on every node; DBSIZE of the masters adds up to the keys.
	call := mustCli(t, time.Minute, "", "--cluster", "call", entry, "DBSIZE")
	lines := 0
	for _, l := range strings.Split(call.Out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(harness.StripANSI(l)), "127.0.0.1:") {
			lines++
		}
	}
	if lines != 6 {
		t.Errorf("--cluster call DBSIZE answered on %d nodes, want 6:\n%s", lines, call.Out)
	}
	onlyMasters := mustCli(t, time.Minute, "", "--cluster", "call", entry, "ROLE", "--cluster-only-masters")
	if strings.Contains(onlyMasters.Out, "slave") {
		t.Errorf("--cluster-only-masters reached a replica:\n%s", onlyMasters.Out)
	}

	// set-timeout: CONFIG SET then CONFIG REWRITE on every node (the harness starts each
	// node from a config file, so the rewrite succeeds).
	st := harness.RunCli(t, time.Minute, "", "--cluster", "set-timeout", entry, "3000")
	expectContains(t, "--cluster set-timeout", st.Out, "New node timeout set.")
	for _, s := range c.Nodes {
		v, err := harness.Query(s, "CONFIG", "GET", "cluster-node-timeout")
		if err != nil || len(v.Elems) != 2 || v.Elems[1].Str != "3000" {
			t.Errorf("%s: cluster-node-timeout after set-timeout: %+v %v", s.Addr(), v, err)
		}
	}

	// backup: nodes.json plus one RDB per master, read with SYNC.
	dir := t.TempDir()
	bk := mustCli(t, 2*time.Minute, "", "--cluster", "backup", entry, dir)
	expectContains(t, "--cluster backup", bk.Out, "[OK] Backup created into:")
	raw, err := os.ReadFile(filepath.Join(dir, "nodes.json"))
	if err != nil {
		t.Fatalf("nodes.json: %v", err)
	}
	var nodes []map[string]any
	if err := json.Unmarshal(raw, &nodes); err != nil {
		t.Fatalf("nodes.json does not parse: %v\n%s", err, raw)
	}
	if len(nodes) != 6 {
		t.Errorf("nodes.json lists %d nodes, want 6", len(nodes))
	}
	rdbs, _ := filepath.Glob(filepath.Join(dir, "redis-node-*.rdb"))
	if len(rdbs) != 3 {
		t.Fatalf("backup wrote %d RDB files, want 3 (one per master): %v", len(rdbs), rdbs)
	}
	for _, f := range rdbs {
		b, err := os.ReadFile(f)
		if err != nil || !strings.HasPrefix(string(b), "REDIS0010") {
			t.Errorf("%s: not an RDB file (%v)", f, err)
		}
	}
}
