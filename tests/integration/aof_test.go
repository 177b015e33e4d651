package integration

// The append-only file: what is acknowledged is in the file, a restart
// replays it, rewrites lose nothing written meanwhile, a torn tail is cut
// (or refused), and appendonlydir directories move between Tessera and the
// reference redis-server in both directions.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

func startAOF(t *testing.T, dir string, args ...string) *harness.Server {
	t.Helper()
	return startIn(t, dir, append([]string{"--appendonly", "yes", "--save", ""}, args...)...)
}

// aofFiles lists the names in dir/appendonlydir.
func aofFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	if err != nil {
		t.Fatalf("reading appendonlydir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// lastIncr is the path of the newest incr file the manifest names.
func lastIncr(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	last := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && f[0] == "file" && f[5] == "i" {
			last = f[1]
		}
	}
	if last == "" {
		t.Fatalf("no incr file in the manifest:\n%s", data)
	}
	return filepath.Join(dir, "appendonlydir", last)
}

func waitNoRewrite(t *testing.T, c *harness.Conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		info := c.DoStr("INFO", "persistence")
		if strings.Contains(info, "aof_rewrite_in_progress:0") &&
			strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the AOF rewrite did not finish:\n%s", c.DoStr("INFO", "persistence"))
}

func expectTTL(t *testing.T, c *harness.Conn, key string, lo, hi int) {
	t.Helper()
	got := c.DoStr("TTL", key)
	var ttl int
	if _, err := fmt.Sscanf(got, ":%d\r\n", &ttl); err != nil || ttl < lo || ttl > hi {
		t.Errorf("TTL %s = %q, want %d..%d", key, got, lo, hi)
	}
}

func TestAOFCreatesBaseAndReplaysAfterKill(t *testing.T) {
	dir := t.TempDir()
	srv := startAOF(t, dir)
	if got := aofFiles(t, dir); strings.Join(got, " ") !=
		"appendonly.aof.1.base.rdb appendonly.aof.1.incr.aof appendonly.aof.manifest" {
		t.Fatalf("appendonlydir after start = %v", got)
	}
	c := srv.Dial(t)
	fillStrings(c, 300)
	c.Expect("+OK\r\n", "SET", "ttl", "v", "EX", "1000")
	c.Expect(":1\r\n", "EXPIRE", "key:0", "2000")
	c.Expect("$4\r\n1.25\r\n", "INCRBYFLOAT", "f", "1.25")
	c.Expect("+OK\r\n", "SELECT", "5")
	c.Expect("+OK\r\n", "MSET", "five:a", "1", "five:b", "2")
	c.Expect("$1\r\n1\r\n", "GETDEL", "five:a")
	c.Expect("+OK\r\n", "SELECT", "0")
	c.Expect(":1\r\n", "DEL", "key:299")
	c.Expect("+OK\r\n", "SET", "gone", "x", "PX", "1")
	time.Sleep(20 * time.Millisecond)
	c.Expect("$-1\r\n", "GET", "gone") // expires on access: a DEL reaches the file
	srv.Kill()

	again := startAOF(t, dir)
	c2 := again.Dial(t)
	checkStrings(t, c2, 299)
	c2.Expect("$-1\r\n", "GET", "key:299")
	c2.Expect("$-1\r\n", "GET", "gone")
	c2.Expect("$4\r\n1.25\r\n", "GET", "f")
	expectTTL(t, c2, "key:0", 1990, 2000)
	expectTTL(t, c2, "ttl", 990, 1000)
	c2.Expect("+OK\r\n", "SELECT", "5")
	c2.Expect("*2\r\n$-1\r\n$1\r\n2\r\n", "MGET", "five:a", "five:b")
	if !strings.Contains(again.Log(), "DB loaded from append only file") {
		t.Errorf("start-up log does not report the AOF load:\n%s", again.LogTail(20))
	}
}

// Writers count what was acknowledged; after kill -9 every acknowledged
// write must be there (appendfsync always: written and synced before the
// reply leaves).
func TestAOFAlwaysKeepsEveryAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	srv := startAOF(t, dir, "--appendfsync", "always")
	const writers = 4
	var acked [writers]atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := harness.DialTimeout(srv.Addr(), 5*time.Second)
			if err != nil {
				return
			}
			defer c.Close()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := c.SendCmd("SET", fmt.Sprintf("w%d:%d", w, i), "v"); err != nil {
					return
				}
				reply, err := c.ReadReply(5 * time.Second)
				if err != nil || string(reply) != "+OK\r\n" {
					return
				}
				acked[w].Store(int64(i + 1))
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	srv.Kill()
	close(stop)
	wg.Wait()

	again := startAOF(t, dir)
	c := again.Dial(t)
	total := int64(0)
	for w := 0; w < writers; w++ {
		n := acked[w].Load()
		total += n
		for i := int64(0); i < n; i++ {
			if got := c.DoStr("EXISTS", fmt.Sprintf("w%d:%d", w, i)); got != ":1\r\n" {
				t.Fatalf("acknowledged write w%d:%d is missing after kill -9", w, i)
			}
		}
	}
	if total == 0 {
		t.Fatalf("no write was acknowledged before the kill")
	}
	t.Logf("%d acknowledged writes, all present after kill -9", total)
}

// BGREWRITEAOF while clients keep writing: nothing written before,
// during or after a rewrite may be lost, and old files are removed.
func TestAOFRewriteUnderWritesLosesNothing(t *testing.T) {
	dir := t.TempDir()
	srv := startAOF(t, dir)
	var acked atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := harness.DialTimeout(srv.Addr(), 5*time.Second)
		if err != nil {
			return
		}
		defer c.Close()
		for i := 0; i < 20000; i++ {
			if c.SendCmd("SET", fmt.Sprintf("k:%d", i), fmt.Sprint(i)) != nil {
				return
			}
			if r, err := c.ReadReply(5 * time.Second); err != nil || string(r) != "+OK\r\n" {
				return
			}
			acked.Store(int64(i + 1))
		}
	}()
	c := srv.Dial(t)
	rewrites := 0
	for rewrites < 3 {
		r := c.DoStr("BGREWRITEAOF")
		if r == "+Background append only file rewriting started\r\n" ||
			r == "+Background append only file rewriting scheduled\r\n" {
			rewrites++
		}
		waitNoRewrite(t, c)
	}
	<-done
	if !strings.Contains(c.DoStr("INFO", "persistence"), "aof_last_bgrewrite_status:ok") {
		t.Fatalf("a rewrite failed:\n%s", srv.LogTail(30))
	}
	files := aofFiles(t, dir)
	if len(files) != 3 {
		t.Errorf("appendonlydir after rewrites = %v, want one base, one incr, the manifest", files)
	}
	srv.Kill()

	again := startAOF(t, dir)
	c2 := again.Dial(t)
	n := acked.Load()
	for i := int64(0); i < n; i++ {
		want := fmt.Sprint(i)
		c2.Expect(fmt.Sprintf("$%d\r\n%s\r\n", len(want), want), "GET", fmt.Sprintf("k:%d", i))
	}
	t.Logf("%d writes across %d rewrites, all present", n, rewrites)
}

func TestAOFTornTail(t *testing.T) {
	dir := t.TempDir()
	srv := startAOF(t, dir)
	fillStrings(srv.Dial(t), 20)
	srv.Kill()
	incr := lastIncr(t, dir)
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := os.Stat(incr)
	if _, err := f.WriteString("*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nval"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// aof-load-truncated no: refuse, saying why.
	_, err = harness.StartServer(t, harness.Options{Args: []string{"--dir", dir, "--appendonly",
		"yes", "--save", "", "--aof-load-truncated", "no"}})
	if err == nil {
		t.Fatalf("a torn AOF tail was accepted with aof-load-truncated no")
	}

	// The default (yes): cut the torn command, keep the rest, say so.
	again := startAOF(t, dir)
	c := again.Dial(t)
	checkStrings(t, c, 20)
	c.Expect("$-1\r\n", "GET", "torn")
	if !strings.Contains(again.Log(), "aof-load-truncated is enabled") {
		t.Errorf("no warning about the cut:\n%s", again.LogTail(20))
	}
	if st, _ := os.Stat(incr); st.Size() != whole.Size() {
		t.Errorf("incr file is %d bytes after the cut, want %d", st.Size(), whole.Size())
	}
	// Appending continues after the cut: a later restart reads it all.
	c.Expect("+OK\r\n", "SET", "after", "1")
	again.Kill()
	third := startAOF(t, dir)
	third.Dial(t).Expect("$1\r\n1\r\n", "GET", "after")
}

func TestAOFCorruptionInTheMiddleStopsStartup(t *testing.T) {
	dir := t.TempDir()
	srv := startAOF(t, dir)
	fillStrings(srv.Dial(t), 20)
	srv.Kill()
	incr := lastIncr(t, dir)
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	mid := len(data) / 2
	bad := append(append(append([]byte{}, data[:mid]...), []byte("garbage!\r\n")...), data[mid:]...)
	if err := os.WriteFile(incr, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := harness.StartServer(t, harness.Options{Args: []string{"--dir", dir, "--appendonly",
		"yes", "--save", ""}})
	if err == nil {
		s.Kill()
		t.Fatalf("an AOF corrupt in the middle was loaded")
	}
}

func TestAOFMovesBetweenTesseraAndRedis(t *testing.T) {
	harness.RequireBinary(t, harness.RedisServerBin())
	dir := t.TempDir()
	ref := harness.Start(t, harness.Options{Reference: true,
		Args: []string{"--dir", dir, "--appendonly", "yes", "--save", ""}})
	r := ref.Dial(t)
	fillStrings(r, 200)
	r.Expect("+OK\r\n", "SET", "ex", "v", "EX", "5000")
	r.Expect("+OK\r\n", "SELECT", "2")
	r.Expect("+OK\r\n", "SET", "two", "2")
	ref.Kill()

	ours := startAOF(t, dir)
	c := ours.Dial(t)
	checkStrings(t, c, 200)
	expectTTL(t, c, "ex", 4990, 5000)
	c.Expect("+OK\r\n", "SELECT", "2")
	c.Expect("$1\r\n2\r\n", "GET", "two")
	c.Expect("+OK\r\n", "SET", "from-tessera", "yes")
	c.Expect("+Background append only file rewriting started\r\n", "BGREWRITEAOF")
	waitNoRewrite(t, c)
	c.Expect("+OK\r\n", "SET", "after-rewrite", "yes")
	ours.Kill()

	back := harness.Start(t, harness.Options{Reference: true,
		Args: []string{"--dir", dir, "--appendonly", "yes", "--save", ""}})
	b := back.Dial(t)
	checkStrings(t, b, 200)
	b.Expect("+OK\r\n", "SELECT", "2")
	b.Expect("$3\r\nyes\r\n", "GET", "from-tessera")
	b.Expect("$3\r\nyes\r\n", "GET", "after-rewrite")
}

func TestAOFSwitchedOnAtRuntime(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 100)
	c.Expect("+OK\r\n", "CONFIG", "SET", "appendonly", "yes")
	c.Expect("+OK\r\n", "SET", "during", "1")
	waitNoRewrite(t, c)
	if !strings.Contains(c.DoStr("INFO", "persistence"), "aof_enabled:1") {
		t.Fatalf("aof_enabled is not 1 after CONFIG SET appendonly yes")
	}
	c.Expect("+OK\r\n", "SET", "after", "1")
	srv.Kill()

	again := startAOF(t, dir)
	c2 := again.Dial(t)
	checkStrings(t, c2, 100)
	c2.Expect("$1\r\n1\r\n", "GET", "during")
	c2.Expect("$1\r\n1\r\n", "GET", "after")
}

// Turning appendonly on in the config of a server that ran with RDB only
// keeps the dataset (Redis would start empty here).
func TestAOFFirstStartKeepsTheRDBData(t *testing.T) {
	if harness.TargetIsReference() {
		t.Skip("redis-server ignores dump.rdb when it creates its first AOF")
	}
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 50)
	c.Expect("+OK\r\n", "SAVE")
	srv.Kill()
	again := startAOF(t, dir)
	checkStrings(t, again.Dial(t), 50)
	again.Kill()
	if err := os.Remove(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	third := startAOF(t, dir)
	checkStrings(t, third.Dial(t), 50)
}

// A pre-7.0 appendonly.aof (an RDB preamble followed by commands) in dir
// is moved into appendonlydir as the base, and both parts load.
func TestAOFUpgradesAnOldSingleFile(t *testing.T) {
	dir := t.TempDir()
	srv := startIn(t, dir, "--save", "")
	c := srv.Dial(t)
	fillStrings(c, 30)
	c.Expect("+OK\r\n", "SAVE")
	srv.Kill()
	rdb, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	old := append(rdb, harness.EncodeCmd("SELECT", "0")...)
	old = append(old, harness.EncodeCmd("SET", "tail", "from-commands")...)
	old = append(old, harness.EncodeCmd("DEL", "key:0")...)
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	again := startAOF(t, dir)
	c2 := again.Dial(t)
	c2.Expect("$13\r\nfrom-commands\r\n", "GET", "tail")
	c2.Expect("$-1\r\n", "GET", "key:0")
	c2.Expect("$7\r\nvalue:1\r\n", "GET", "key:1")
	if _, err := os.Stat(filepath.Join(dir, "appendonly.aof")); !os.IsNotExist(err) {
		t.Errorf("the old file is still in dir after the upgrade: %v", err)
	}
}
