package integration

// RDB snapshots: what a clean stop writes, what a restart loads, and files
// exchanged with the reference redis-server in both directions.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// startIn starts the server under test with its data directory at dir.
func startIn(t *testing.T, dir string, args ...string) *harness.Server {
	t.Helper()
	return harness.Start(t, harness.Options{Args: append([]string{"--dir", dir}, args...)})
}

func fillStrings(c *harness.Conn, n int) {
	for i := 0; i < n; i++ {
		c.Expect("+OK\r\n", "SET", fmt.Sprintf("key:%d", i), fmt.Sprintf("value:%d", i))
	}
}

func checkStrings(t *testing.T, c *harness.Conn, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		want := fmt.Sprintf("value:%d", i)
		c.Expect(fmt.Sprintf("$%d\r\n%s\r\n", len(want), want), "GET", fmt.Sprintf("key:%d", i))
	}
}

func TestPersistenceShutdownSaveAndRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 500)
	c.Expect("+OK\r\n", "SET", "ttl", "v", "EX", "1000")
	c.Expect("+OK\r\n", "SELECT", "3")
	c.Expect("+OK\r\n", "SET", "in3", "x")
	// SHUTDOWN SAVE writes a snapshot although no save point is configured.
	_ = c.SendCmd("SHUTDOWN", "SAVE")
	if code, err := srv.ExitCode(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("SHUTDOWN SAVE: exit %d, %v", code, err)
	}
	srv.MarkStopped()
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatalf("no dump.rdb after SHUTDOWN SAVE: %v", err)
	}

	again := startIn(t, dir, "--save", "")
	c2 := again.Dial(t)
	checkStrings(t, c2, 500)
	ttl := c2.DoStr("TTL", "ttl")
	if ttl == ":-1\r\n" || ttl == ":-2\r\n" {
		t.Errorf("TTL after reload = %q, want a positive TTL", ttl)
	}
	c2.Expect("+OK\r\n", "SELECT", "3")
	c2.Expect("$1\r\nx\r\n", "GET", "in3")
	if !strings.Contains(again.Log(), "Done loading RDB, keys loaded: 502") {
		t.Errorf("start-up log does not report the load:\n%s", again.LogTail(20))
	}
}

func TestPersistenceSigtermSavesWithSavePoints(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "3600 1")
	c := srv.Dial(t)
	fillStrings(c, 50)
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := srv.ExitCode(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("SIGTERM: exit %d, %v", code, err)
	}
	srv.MarkStopped()
	if !strings.Contains(srv.Log(), "DB saved on disk") {
		t.Errorf("SIGTERM with save points did not save:\n%s", srv.LogTail(20))
	}
	again := startIn(t, dir, "--save", "")
	checkStrings(t, again.Dial(t), 50)
}

func TestPersistenceShutdownNosaveWritesNothing(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "3600 1")
	c := srv.Dial(t)
	fillStrings(c, 10)
	_ = c.SendCmd("SHUTDOWN", "NOSAVE")
	if code, err := srv.ExitCode(30 * time.Second); err != nil || code != 0 {
		t.Fatalf("SHUTDOWN NOSAVE: exit %d, %v", code, err)
	}
	srv.MarkStopped()
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil {
		t.Errorf("SHUTDOWN NOSAVE wrote dump.rdb")
	}
}

func TestPersistenceBgsaveAndSavePoints(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "1 1")
	c := srv.Dial(t)
	fillStrings(c, 2000)
	c.Expect("+Background saving started\r\n", "BGSAVE")
	// The parent keeps serving while the child writes.
	c.Expect("+PONG\r\n", "PING")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		info := c.DoStr("INFO", "persistence")
		if strings.Contains(info, "rdb_bgsave_in_progress:0") && strings.Contains(info, "rdb_saves:") &&
			!strings.Contains(info, "rdb_saves:0\r\n") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	info := c.DoStr("INFO", "persistence")
	if !strings.Contains(info, "rdb_last_bgsave_status:ok") {
		t.Fatalf("BGSAVE did not succeed:\n%s", info)
	}
	// The child reports what copy-on-write cost it (its private pages are
	// never none: it writes its own buffers).
	if strings.Contains(info, "rdb_last_cow_size:0\r\n") || !strings.Contains(info, "rdb_last_cow_size:") {
		t.Errorf("rdb_last_cow_size not reported after BGSAVE:\n%s", info)
	}
	// One more change: the "save 1 1" point writes it within a few seconds
	// without being asked.
	before := c.DoStr("LASTSAVE")
	c.Expect("+OK\r\n", "SET", "late", "1")
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && c.DoStr("LASTSAVE") == before {
		time.Sleep(100 * time.Millisecond)
	}
	if c.DoStr("LASTSAVE") == before {
		t.Errorf("the save point did not trigger a save:\n%s", srv.LogTail(20))
	}
	if !strings.Contains(c.DoStr("INFO", "persistence"), "rdb_changes_since_last_save:0") {
		t.Errorf("changes still counted after the automatic save")
	}
	srv.Kill()
	again := startIn(t, dir, "--save", "")
	c2 := again.Dial(t)
	checkStrings(t, c2, 2000)
	c2.Expect("$1\r\n1\r\n", "GET", "late")
}

func TestPersistenceDebugReload(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 100)
	c.Expect("+OK\r\n", "DEBUG", "RELOAD")
	checkStrings(t, c, 100)
	c.Expect(":100\r\n", "DBSIZE")
}

func TestPersistenceFilesMoveBetweenTesseraAndRedis(t *testing.T) {
	harness.RequireBinary(t, harness.RedisServerBin())
	dir := t.TempDir()
	ours := startIn(t, dir, "--save", "")
	c := ours.Dial(t)
	fillStrings(c, 300)
	c.Expect("+OK\r\n", "SET", "long", strings.Repeat("abcdefgh", 200))
	c.Expect("+OK\r\n", "SAVE")
	ours.Kill()

	ref := harness.Start(t, harness.Options{Reference: true, Args: []string{"--dir", dir}})
	r := ref.Dial(t)
	checkStrings(t, r, 300)
	if got := r.DoStr("STRLEN", "long"); got != ":1600\r\n" {
		t.Errorf("redis-server read STRLEN long = %q", got)
	}
	r.Expect("+OK\r\n", "SET", "from-redis", "yes")
	r.Expect("+OK\r\n", "SAVE")
	ref.Kill()

	back := startIn(t, dir, "--save", "")
	b := back.Dial(t)
	checkStrings(t, b, 300)
	b.Expect("$3\r\nyes\r\n", "GET", "from-redis")
}

func TestPersistenceCorruptFileStopsStartup(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 100)
	c.Expect("+OK\r\n", "SAVE")
	srv.Kill()
	path := filepath.Join(dir, "dump.rdb")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	bad, err := harness.StartServer(t, harness.Options{Args: []string{"--dir", dir, "--save", ""}})
	if err == nil {
		bad.Kill()
		t.Fatalf("a truncated dump.rdb was accepted")
	}
	// The error carries the server's log: the refusal must name the file
	// and the offset.
	if msg := err.Error(); !strings.Contains(msg, "dump.rdb") || !strings.Contains(msg, "offset") {
		t.Errorf("the refusal does not name the file and the offset:\n%s", msg)
	}
}

// While a large snapshot loads, clients are answered with LOADING (not left
// hanging), and INFO says loading:1; afterwards everything is there.
func TestPersistenceLoadingReply(t *testing.T) {
	if harness.TargetIsReference() {
		t.Skip("timing depends on the server under test")
	}
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	c.Expect("+OK\r\n", "DEBUG", "POPULATE", "2000000")
	c.Expect("+OK\r\n", "SAVE")
	srv.Kill()

	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(harness.TesseraBin(), "--port", strconv.Itoa(port), "--dir", dir, "--save", "")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	sawLoading, sawInfo := false, false
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := harness.DialTimeout(addr, time.Second)
		if err != nil {
			time.Sleep(2 * time.Millisecond)
			continue
		}
		reply, err := conn.DoErr("PING")
		if err == nil && string(reply) == "-LOADING Redis is loading the dataset in memory\r\n" {
			sawLoading = true
			if info, err := conn.DoErr("INFO", "persistence"); err == nil &&
				strings.Contains(string(info), "loading:1") {
				sawInfo = true
			}
			// What would change the keyspace under the loader waits: a key
			// it added first would make the loader see a duplicate and stop
			// the server (the DBSIZE below then fails). Once the load is
			// over, POPULATE finds every key there and adds nothing.
			if r, err := conn.DoErr("DEBUG", "POPULATE", "10"); err == nil &&
				string(r) != "-LOADING Redis is loading the dataset in memory\r\n" &&
				string(r) != "+OK\r\n" {
				t.Errorf("DEBUG POPULATE during the load replied %q", r)
			}
		}
		conn.Close()
		if err == nil && string(reply) == "+PONG\r\n" {
			break
		}
	}
	if !sawLoading {
		t.Errorf("no LOADING reply seen while the snapshot loaded")
	}
	if sawLoading && !sawInfo {
		t.Errorf("INFO persistence did not say loading:1 during the load")
	}
	conn, err := harness.DialTimeout(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Expect(":2000000\r\n", "DBSIZE")
}
