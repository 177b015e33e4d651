package integration

// MIGRATE between the server under test and a reference redis-server 7.0.15, in every
// direction (Tessera to Tessera, Tessera to Redis, Redis to Tessera, and Redis to Redis as the
// yardstick). Each scenario is run for every pair and its transcript of raw replies must be
// the same as Redis-to-Redis: that covers the reply texts of the source and, through the
// relayed errors, those of the target. The states the replies cannot show (values, TTLs,
// databases, which keys left the source) are checked directly.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

type migratePair struct {
	name     string
	src, dst *harness.Server
}

// migratePairs starts the servers for each direction. dstArgs go to both targets.
func migratePairs(t *testing.T, dstArgs []string, dstPassword string) []migratePair {
	t.Helper()
	requireReference(t)
	start := func(ref bool, args []string, pw string) *harness.Server {
		return harness.Start(t, harness.Options{Reference: ref, Args: args, Password: pw})
	}
	var pairs []migratePair
	for _, p := range []struct {
		name           string
		srcRef, dstRef bool
	}{
		{"redis->redis", true, true},
		{"tessera->tessera", false, false},
		{"tessera->redis", false, true},
		{"redis->tessera", true, false},
	} {
		pairs = append(pairs, migratePair{p.name, start(p.srcRef, nil, ""),
			start(p.dstRef, dstArgs, dstPassword)})
	}
	return pairs
}

// dialAuth connects and authenticates when a password is set.
func dialAuth(t *testing.T, s *harness.Server, password string) *harness.Conn {
	c := s.Dial(t)
	if password != "" {
		c.Expect("+OK\r\n", "AUTH", password)
	}
	return c
}

// transcript records replies under a label, so that runs can be compared line by line.
type transcript struct{ lines []string }

func (tr *transcript) add(label string, reply []byte) {
	tr.lines = append(tr.lines, label+" -> "+harness.Escape(reply))
}

// compareTranscripts reports every line that differs from the first pair's.
func compareTranscripts(t *testing.T, names []string, runs []*transcript) {
	t.Helper()
	for i := 1; i < len(runs); i++ {
		if len(runs[i].lines) != len(runs[0].lines) {
			t.Errorf("%s: %d steps, %s: %d", names[i], len(runs[i].lines), names[0], len(runs[0].lines))
			continue
		}
		for j, line := range runs[i].lines {
			if line != runs[0].lines[j] {
				t.Errorf("%s differs from %s:\n got:  %s\n want: %s", names[i], names[0], line,
					runs[0].lines[j])
			}
		}
	}
}

// otherConnections counts the clients of a server other than the one asking.
func otherConnections(c *harness.Conn) int {
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(harness.MustParse(c.Do("CLIENT", "LIST")).Str), "\n") {
		if line != "" && !strings.Contains(line, "cmd=client|list") {
			n++
		}
	}
	return n
}

func TestMigrateKeysBetweenServers(t *testing.T) {
	pairs := migratePairs(t, nil, "")
	var names []string
	var runs []*transcript
	for _, p := range pairs {
		tr := &transcript{}
		src, dst := p.src.Dial(t), p.dst.Dial(t)
		host, port := "127.0.0.1", strconv.Itoa(p.dst.Port)
		do := func(label string, args ...string) []byte {
			r := src.Do(args...)
			tr.add(label, r)
			return r
		}
		src.Expect("+OK\r\n", "SET", "k1", "v1")
		src.Expect("+OK\r\n", "SET", "k2", "value two", "PX", "100000")
		src.Expect("+OK\r\n", "SET", "k3", "12345")
		do("single key", "MIGRATE", host, port, "k1", "0", "5000")
		dst.Expect("$2\r\nv1\r\n", "GET", "k1")
		src.Expect(":0\r\n", "EXISTS", "k1")

		// Several keys, one missing, into database 3; the TTL goes with the key.
		do("keys", "MIGRATE", host, port, "", "3", "5000", "KEYS", "k2", "missing", "k3")
		src.Expect(":0\r\n", "EXISTS", "k2", "k3")
		dst.Expect("+OK\r\n", "SELECT", "3")
		dst.Expect("$9\r\nvalue two\r\n", "GET", "k2")
		dst.Expect("$5\r\n12345\r\n", "GET", "k3")
		if ms := intReply(t, p.name+": PTTL", dst.Do("PTTL", "k2")); ms <= 90000 || ms > 100000 {
			t.Errorf("%s: PTTL of the migrated key = %d, want about 100000", p.name, ms)
		}
		dst.Expect(":-1\r\n", "PTTL", "k3")
		dst.Expect("+OK\r\n", "SELECT", "0")

		// The target has k1 already: BUSYKEY relayed, the key stays here; REPLACE overwrites.
		src.Expect("+OK\r\n", "SET", "k1", "newer")
		do("busykey", "MIGRATE", host, port, "k1", "0", "5000")
		src.Expect(":1\r\n", "EXISTS", "k1")
		do("replace", "MIGRATE", host, port, "k1", "0", "5000", "REPLACE")
		dst.Expect("$5\r\nnewer\r\n", "GET", "k1")
		src.Expect(":0\r\n", "EXISTS", "k1")

		// COPY keeps the source key.
		src.Expect("+OK\r\n", "SET", "c", "copied")
		do("copy", "MIGRATE", host, port, "c", "0", "5000", "COPY")
		src.Expect("$6\r\ncopied\r\n", "GET", "c")
		dst.Expect("$6\r\ncopied\r\n", "GET", "c")
		do("copy again", "MIGRATE", host, port, "c", "0", "5000", "COPY")
		do("copy replace", "MIGRATE", host, port, "c", "0", "5000", "COPY", "REPLACE")

		// Nothing to move, and argument errors.
		do("nokey", "MIGRATE", host, port, "nothing", "0", "5000")
		do("nokey keys", "MIGRATE", host, port, "", "0", "5000", "KEYS", "x", "y")
		do("keys with key", "MIGRATE", host, port, "c", "0", "5000", "KEYS", "x")
		do("bad db", "MIGRATE", host, port, "c", "x", "5000")
		do("bad timeout", "MIGRATE", host, port, "c", "0", "x")
		do("db out of range", "MIGRATE", host, port, "c", "99", "5000")
		src.Expect("$6\r\ncopied\r\n", "GET", "c")

		// Every MIGRATE above went over one cached connection.
		if n := otherConnections(dst); n != 1 {
			t.Errorf("%s: the target has %d connections besides ours, want 1 (cached):\n%s",
				p.name, n, dst.DoStr("CLIENT", "LIST"))
		}
		names = append(names, p.name)
		runs = append(runs, tr)
	}
	compareTranscripts(t, names, runs)
}

func TestMigrateAuthentication(t *testing.T) {
	pairs := migratePairs(t, []string{"--requirepass", "s3cret"}, "s3cret")
	var names []string
	var runs []*transcript
	for _, p := range pairs {
		tr := &transcript{}
		src, dst := p.src.Dial(t), dialAuth(t, p.dst, "s3cret")
		host, port := "127.0.0.1", strconv.Itoa(p.dst.Port)
		do := func(label string, args ...string) {
			tr.add(label, src.Do(args...))
		}
		for i := 0; i < 4; i++ {
			src.Expect("+OK\r\n", "SET", fmt.Sprintf("a%d", i), "v")
		}
		do("no auth", "MIGRATE", host, port, "a0", "0", "5000")
		do("wrong password", "MIGRATE", host, port, "a0", "0", "5000", "AUTH", "nope")
		do("wrong user", "MIGRATE", host, port, "a0", "0", "5000", "AUTH2", "nobody", "s3cret")
		src.Expect(":1\r\n", "EXISTS", "a0")
		do("auth", "MIGRATE", host, port, "a0", "0", "5000", "AUTH", "s3cret")
		do("auth2", "MIGRATE", host, port, "", "2", "5000", "AUTH2", "default", "s3cret", "KEYS",
			"a1", "a2")
		do("auth dangling", "MIGRATE", host, port, "a3", "0", "5000", "AUTH")
		do("auth2 dangling", "MIGRATE", host, port, "a3", "0", "5000", "AUTH2", "default")
		dst.Expect("$1\r\nv\r\n", "GET", "a0")
		dst.Expect("+OK\r\n", "SELECT", "2")
		dst.Expect(":2\r\n", "EXISTS", "a1", "a2")
		src.Expect(":0\r\n", "EXISTS", "a0", "a1", "a2")
		names = append(names, p.name)
		runs = append(runs, tr)
	}
	compareTranscripts(t, names, runs)
}

// silentTarget accepts connections and reads what comes, never answering.
func silentTarget(t *testing.T) int {
	t.Helper()
	var l net.Listener
	for i := 0; i < 20 && l == nil; i++ {
		port, err := harness.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		l, _ = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	if l == nil {
		t.Fatal("no port for the silent target")
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestMigrateIOErrors(t *testing.T) {
	requireReference(t)
	silent := strconv.Itoa(silentTarget(t))
	closed, err := harness.FreePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var runs []*transcript
	for _, ref := range []bool{true, false} {
		name := map[bool]string{true: "redis", false: "tessera"}[ref]
		src := harness.Start(t, harness.Options{Reference: ref}).Dial(t)
		tr := &transcript{}
		src.Expect("+OK\r\n", "SET", "k", "v")
		tr.add("refused", src.Do("MIGRATE", "127.0.0.1", strconv.Itoa(closed), "k", "0", "500"))
		tr.add("no reply", src.Do("MIGRATE", "127.0.0.1", silent, "k", "0", "200"))
		tr.add("no host", src.Do("MIGRATE", "", "1", "k", "0", "200"))
		src.Expect(":1\r\n", "EXISTS", "k")
		names = append(names, name)
		runs = append(runs, tr)
	}
	compareTranscripts(t, names, runs)
	if !strings.Contains(runs[1].lines[0], "IOERR") || !strings.Contains(runs[1].lines[1], "reading") {
		t.Errorf("unexpected transcript: %v", runs[1].lines)
	}
}

func TestMigrateClosesIdleConnections(t *testing.T) {
	src := harness.Start(t, harness.Options{}).Dial(t)
	dstSrv := harness.Start(t, harness.Options{})
	dst := dstSrv.Dial(t)
	src.Expect("+OK\r\n", "SET", "k", "v")
	src.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", strconv.Itoa(dstSrv.Port), "k", "0", "5000")
	if n := otherConnections(dst); n != 1 {
		t.Fatalf("the target has %d connections besides ours after MIGRATE, want 1", n)
	}
	// Closed by the source's cron once idle for more than 10 seconds.
	if !harness.WaitFor(40*time.Second, func() bool { return otherConnections(dst) == 0 }) {
		t.Fatalf("the cached MIGRATE connection is still open:\n%s", dst.DoStr("CLIENT", "LIST"))
	}
}

func TestMigratePropagatesDel(t *testing.T) {
	dir := t.TempDir()
	dstSrv := harness.Start(t, harness.Options{})
	srv := startAOF(t, dir)
	c := srv.Dial(t)
	for _, k := range []string{"m1", "m2", "stay"} {
		c.Expect("+OK\r\n", "SET", k, "v:"+k)
	}
	c.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", strconv.Itoa(dstSrv.Port), "", "0", "5000", "KEYS",
		"m1", "nope", "m2")
	c.Expect("+OK\r\n", "MIGRATE", "127.0.0.1", strconv.Itoa(dstSrv.Port), "stay", "0", "5000",
		"COPY")
	// Redis compat: the moved keys replay as one DEL of the keys the target took.
	data, err := os.ReadFile(lastIncr(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "*3\r\n$3\r\nDEL\r\n$2\r\nm1\r\n$2\r\nm2\r\n") {
		t.Errorf("the AOF does not hold DEL m1 m2:\n%s", harness.Escape(data))
	}
	if strings.Contains(strings.ToUpper(string(data)), "MIGRATE") {
		t.Errorf("the AOF holds MIGRATE itself:\n%s", harness.Escape(data))
	}
	srv.Kill()
	c2 := startAOF(t, dir).Dial(t)
	c2.Expect(":0\r\n", "EXISTS", "m1", "m2")
	c2.Expect("$6\r\nv:stay\r\n", "GET", "stay")
}
