package integration

// Clients and tools suite: redis-cli, redis-benchmark and go-redis v9 against the server.
// Where a tool's output is compared, the same invocation is also run against the reference
// redis-server and the two outputs must be identical.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"tessera/tests/integration/internal/harness"
)

type cliResult struct {
	stdout, stderr string
	code           int
}

// runTool runs a client tool with a deadline (no standard input unless given).
func runTool(t *testing.T, timeout time.Duration, stdin []byte, bin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else {
			t.Fatalf("%s %v: %v", bin, args, err)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within %v", bin, args, timeout)
	}
	return cliResult{stdout: out.String(), stderr: errb.String(), code: code}
}

func cli(t *testing.T, srv *harness.Server, stdin []byte, args ...string) cliResult {
	t.Helper()
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port)}, args...)
	return runTool(t, 2*time.Minute, stdin, harness.RedisCliBin(), full...)
}

func requireCli(t *testing.T) {
	t.Helper()
	harness.RequireBinary(t, harness.RedisCliBin())
}

// TestRedisCliOutputMatchesReference runs the same redis-cli invocations against the
// reference and the server under test, in order, and compares stdout and exit status.
func TestRedisCliOutputMatchesReference(t *testing.T) {
	requireCli(t)
	requireReference(t)
	ref := harness.Start(t, harness.Options{Reference: true})
	tess := harness.Start(t, harness.Options{})
	invocations := []struct {
		stdin string
		args  []string
	}{
		{"", []string{"SET", "k", "v"}},
		{"", []string{"GET", "k"}},
		{"", []string{"--no-raw", "GET", "k"}},
		{"", []string{"--raw", "GET", "k"}},
		{"", []string{"GET", "missing"}},
		{"", []string{"--no-raw", "GET", "missing"}},
		{"", []string{"INCR", "n"}},
		{"", []string{"--no-raw", "INCR", "n"}},
		{"", []string{"--no-raw", "INCRBYFLOAT", "f", "1.5"}},
		{"", []string{"--no-raw", "MGET", "k", "missing", "n"}},
		{"", []string{"--no-raw", "MGET", "missing"}},
		{"", []string{"MGET", "k", "missing", "n"}},
		{"", []string{"--no-raw", "NOSUCH", "x"}},
		{"", []string{"NOSUCH", "x"}},
		{"", []string{"--no-raw", "GET"}},
		{"", []string{"--no-raw", "SET", "k", "v", "NX"}},
		{"", []string{"--no-raw", "EXISTS", "k", "missing"}},
		{"", []string{"--no-raw", "TYPE", "k"}},
		{"", []string{"--no-raw", "TTL", "k"}},
		{"", []string{"--no-raw", "ECHO", "line1\nline2"}},
		{"", []string{"ECHO", "line1\nline2"}},
		{"", []string{"--no-raw", "ECHO", "bin\x01\xff"}},
		{"", []string{"--no-raw", "SET", "a", "ohmytext"}},
		{"", []string{"--no-raw", "SET", "b", "mynewtext"}},
		{"", []string{"--no-raw", "LCS", "a", "b", "IDX", "WITHMATCHLEN"}},
		{"", []string{"-3", "--no-raw", "LCS", "a", "b", "IDX", "WITHMATCHLEN"}},
		{"", []string{"-3", "--no-raw", "GET", "missing"}},
		{"", []string{"-3", "GET", "missing"}},
		{"", []string{"-3", "--no-raw", "MGET", "k", "missing"}},
		{"", []string{"-3", "--no-raw", "INCRBYFLOAT", "f", "0.25"}},
		{"", []string{"-3", "--no-raw", "CONFIG", "GET", "maxmemory"}},
		{"", []string{"--no-raw", "CONFIG", "GET", "maxmemory"}},
		{"", []string{"-3", "--no-raw", "NOSUCH"}},
		{"", []string{"-3", "--no-raw", "EXISTS", "k"}},
		{"", []string{"--no-raw", "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"}},
		{"", []string{"--no-raw", "OBJECT", "ENCODING", "n"}},
		{"", []string{"-n", "3", "--no-raw", "SET", "in3", "x"}},
		{"", []string{"-n", "3", "--no-raw", "DBSIZE"}},
		{"", []string{"--no-raw", "DBSIZE"}},
		{"from stdin", []string{"-x", "SET", "fromstdin"}},
		{"", []string{"--no-raw", "GET", "fromstdin"}},
		{"SET s1 1\nGET s1\nGET nosuch\nINCR s1\nMGET s1 nosuch\nNOSUCHCMD\nECHO \"a b\"\n", nil},
		{"SET s2 2\nGET s2\nGET nosuch\nINCR s2\nMGET s2 nosuch\nNOSUCHCMD\n", []string{"--no-raw"}},
		{"GET s2\nCLIENT SETNAME cli\nCLIENT GETNAME\nGET nosuch\n", []string{"-3", "--no-raw"}},
		{"", []string{"-r", "3", "--no-raw", "INCR", "rep"}},
		{"", []string{"--no-raw", "KEYS", "s1*"}},
		{"", []string{"--no-raw", "DEL", "s1", "s2"}},
	}
	for i, inv := range invocations {
		var stdin []byte
		if inv.stdin != "" {
			stdin = []byte(inv.stdin)
		}
		rr := cli(t, ref, stdin, inv.args...)
		rt := cli(t, tess, stdin, inv.args...)
		if rr.stdout != rt.stdout || rr.code != rt.code {
			t.Errorf("invocation %d: redis-cli %s (stdin %q)\n  redis:   exit %d stdout %q stderr %q\n  tessera: exit %d stdout %q stderr %q",
				i, harness.QuoteArgs(inv.args), inv.stdin, rr.code, rr.stdout, rr.stderr, rt.code, rt.stdout, rt.stderr)
		}
	}
}

func TestRedisCliBasics(t *testing.T) {
	requireCli(t)
	srv := harness.Start(t, harness.Options{})
	if r := cli(t, srv, nil, "SET", "k", "hello"); r.stdout != "OK\n" || r.code != 0 {
		t.Errorf("SET: %+v", r)
	}
	if r := cli(t, srv, nil, "--no-raw", "GET", "k"); r.stdout != "\"hello\"\n" {
		t.Errorf("GET --no-raw: %+v", r)
	}
	if r := cli(t, srv, nil, "--no-raw", "INCR", "n"); r.stdout != "(integer) 1\n" {
		t.Errorf("INCR --no-raw: %+v", r)
	}
	if r := cli(t, srv, nil, "--no-raw", "GET", "missing"); r.stdout != "(nil)\n" {
		t.Errorf("GET missing --no-raw: %+v", r)
	}
	if r := cli(t, srv, nil, "-3", "--no-raw", "GET", "missing"); r.stdout != "(nil)\n" {
		t.Errorf("GET missing -3 --no-raw: %+v", r)
	}
	if r := cli(t, srv, nil, "PING"); r.stdout != "PONG\n" {
		t.Errorf("PING: %+v", r)
	}
	if r := cli(t, srv, nil, "--no-raw", "NOSUCH"); !strings.HasPrefix(r.stdout, "(error) ERR unknown command 'NOSUCH'") {
		t.Errorf("unknown command: %+v", r)
	}
}

// TestRedisCliStdinSession feeds commands on standard input with no command arguments:
// redis-cli then starts its interactive session (which first asks for COMMAND DOCS) and
// reads the commands line by line.
func TestRedisCliStdinSession(t *testing.T) {
	requireCli(t)
	srv := harness.Start(t, harness.Options{})
	mon := srv.Dial(t)
	mon.Expect("+OK\r\n", "MONITOR")
	r := cli(t, srv, []byte("SET a 1\nGET a\nGET nosuch\nINCR a\nMGET a b\nECHO \"x y\"\n"))
	want := "OK\n1\n\n2\n2\n\nx y\n"
	if r.stdout != want || r.code != 0 {
		t.Errorf("stdin session: exit %d stdout %q stderr %q, want %q", r.code, r.stdout, r.stderr, want)
	}
	// The session's first request is COMMAND DOCS (redis-cli's help initialisation).
	var seen []string
	for len(seen) < 2 {
		line, err := mon.ReadReply(harness.ReplyTimeout)
		if err != nil {
			t.Fatalf("MONITOR feed: %v (seen %q)", err, seen)
		}
		seen = append(seen, string(line))
	}
	if !strings.Contains(strings.ToUpper(seen[0]), `"COMMAND" "DOCS"`) {
		t.Errorf("first request of the session seen by MONITOR: %q, want COMMAND DOCS", seen[0])
	}
	if !strings.Contains(seen[1], `"SET" "a" "1"`) {
		t.Errorf("second request seen by MONITOR: %q, want SET a 1", seen[1])
	}
}

func TestRedisCliPipeMassInsert(t *testing.T) {
	requireCli(t)
	srv := harness.Start(t, harness.Options{})
	const n = 200000
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		k := "key:" + strconv.Itoa(i)
		v := "value:" + strconv.Itoa(i)
		fmt.Fprintf(&buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	r := cli(t, srv, buf.Bytes(), "--pipe")
	if r.code != 0 {
		t.Fatalf("--pipe exit %d, stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Errorf("--pipe summary missing: %q", r.stdout)
	}
	c := srv.Dial(t)
	c.Expect(fmt.Sprintf(":%d\r\n", n), "DBSIZE")
	c.Expect("$12\r\nvalue:123456\r\n", "GET", "key:123456")
}

func TestRedisCliScanPattern(t *testing.T) {
	requireCli(t)
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	var want []string
	args := []string{"MSET"}
	for i := 0; i < 300; i++ {
		args = append(args, fmt.Sprintf("user:%d", i), "x", fmt.Sprintf("other:%d", i), "y")
		want = append(want, fmt.Sprintf("user:%d", i))
	}
	c.Expect("+OK\r\n", args...)
	r := cli(t, srv, nil, "--scan", "--pattern", "user:*")
	if r.code != 0 {
		t.Fatalf("--scan exit %d: %q", r.code, r.stderr)
	}
	got := strings.Fields(r.stdout)
	sort.Strings(got)
	sort.Strings(want)
	// SCAN may return a key more than once; the set must match exactly.
	got = dedupe(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("--scan --pattern user:* returned %d keys, want %d", len(got), len(want))
	}
	r = cli(t, srv, nil, "--scan", "--pattern", "nomatch*")
	if r.stdout != "" {
		t.Errorf("--scan nomatch: %q", r.stdout)
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func TestRedisBenchmark(t *testing.T) {
	harness.RequireBinary(t, harness.RedisBenchmarkBin())
	srv := harness.Start(t, harness.Options{})
	r := runTool(t, 3*time.Minute, nil, harness.RedisBenchmarkBin(), "-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port),
		"-t", "set,get,incr,mset", "-n", "20000", "-P", "16", "-q")
	if r.code != 0 {
		t.Fatalf("redis-benchmark exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	out := r.stdout + r.stderr
	for _, name := range []string{"SET:", "GET:", "INCR:", "MSET (10 keys):"} {
		if !strings.Contains(out, name) {
			t.Errorf("redis-benchmark output lacks %q: %q", name, out)
		}
	}
	lower := strings.ToLower(out)
	if strings.Contains(lower, "error") || strings.Contains(out, "ERR") {
		t.Errorf("redis-benchmark reported errors: %q", out)
	}
	c := srv.Dial(t)
	// key:__rand_int__ (SET, GET, MSET) and counter:__rand_int__ (INCR).
	c.Expect(":2\r\n", "DBSIZE")
	c.Expect("$5\r\n20000\r\n", "GET", "counter:__rand_int__")
}

// ---- go-redis ----

func newGoRedis(srv *harness.Server, protocol int) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:         srv.Addr(),
		Protocol:     protocol,
		DialTimeout:  10 * time.Second,
		ReadTimeout:  20 * time.Second,
		WriteTimeout: 20 * time.Second,
	})
}

func TestGoRedis(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "local"}})
	for _, proto := range []int{3, 2} {
		proto := proto
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			var rdb *redis.Client
			if proto == 3 {
				// The default protocol of go-redis v9 is 3 (HELLO 3 at connect).
				rdb = redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 10 * time.Second})
			} else {
				rdb = newGoRedis(srv, 2)
			}
			defer rdb.Close()
			p := fmt.Sprintf("p%d:", proto)
			check := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			check("FlushDB", rdb.FlushDB(ctx).Err())
			if v, err := rdb.Ping(ctx).Result(); err != nil || v != "PONG" {
				t.Errorf("Ping: %q %v", v, err)
			}
			info, err := rdb.ClientInfo(ctx).Result()
			if err != nil {
				t.Errorf("ClientInfo (parsed by go-redis): %v", err)
			} else if info.Resp != proto {
				t.Errorf("ClientInfo resp=%d, want %d (HELLO negotiation)", info.Resp, proto)
			}
			check("Set", rdb.Set(ctx, p+"k", "v", 0).Err())
			if v, err := rdb.Get(ctx, p+"k").Result(); err != nil || v != "v" {
				t.Errorf("Get: %q %v", v, err)
			}
			if _, err := rdb.Get(ctx, p+"missing").Result(); !errors.Is(err, redis.Nil) {
				t.Errorf("Get missing: want redis.Nil, got %v", err)
			}
			if v, err := rdb.Incr(ctx, p+"n").Result(); err != nil || v != 1 {
				t.Errorf("Incr: %d %v", v, err)
			}
			if v, err := rdb.IncrByFloat(ctx, p+"f", 2.5).Result(); err != nil || v != 2.5 {
				t.Errorf("IncrByFloat: %v %v", v, err)
			}
			check("MSet", rdb.MSet(ctx, p+"a", "1", p+"b", "2").Err())
			vals, err := rdb.MGet(ctx, p+"a", p+"missing", p+"b").Result()
			if err != nil || len(vals) != 3 || vals[0] != "1" || vals[1] != nil || vals[2] != "2" {
				t.Errorf("MGet: %#v %v", vals, err)
			}
			if ok, err := rdb.Expire(ctx, p+"k", 100*time.Second).Result(); err != nil || !ok {
				t.Errorf("Expire: %v %v", ok, err)
			}
			if d, err := rdb.TTL(ctx, p+"k").Result(); err != nil || d <= 0 || d > 100*time.Second {
				t.Errorf("TTL: %v %v", d, err)
			}
			if d, err := rdb.TTL(ctx, p+"a").Result(); err != nil || d != -1 {
				t.Errorf("TTL without expiry: %v %v", d, err)
			}
			if v, err := rdb.SetArgs(ctx, p+"k", "w", redis.SetArgs{Get: true, KeepTTL: true}).Result(); err != nil || v != "v" {
				t.Errorf("SetArgs GET KEEPTTL: %q %v", v, err)
			}
			if v, err := rdb.GetEx(ctx, p+"k", 0).Result(); err != nil || v != "w" {
				t.Errorf("GetEx: %q %v", v, err)
			}
			if n, err := rdb.Exists(ctx, p+"a", p+"b", p+"missing").Result(); err != nil || n != 2 {
				t.Errorf("Exists: %d %v", n, err)
			}
			if n, err := rdb.Del(ctx, p+"a", p+"missing").Result(); err != nil || n != 1 {
				t.Errorf("Del: %d %v", n, err)
			}
			if s, err := rdb.GetRange(ctx, p+"k", 0, -1).Result(); err != nil || s != "w" {
				t.Errorf("GetRange: %q %v", s, err)
			}
			if s, err := rdb.ObjectEncoding(ctx, p+"n").Result(); err != nil || s != "int" {
				t.Errorf("ObjectEncoding: %q %v", s, err)
			}
			check("MSet lcs", rdb.MSet(ctx, p+"l1", "ohmytext", p+"l2", "mynewtext").Err())
			lcs, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: p + "l1", Key2: p + "l2", Idx: true, WithMatchLen: true}).Result()
			if err != nil || lcs.Len != 6 || len(lcs.Matches) != 2 || lcs.Matches[0].MatchLen != 4 {
				t.Errorf("LCS IDX WITHMATCHLEN: %+v %v", lcs, err)
			}
			if s, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: p + "l1", Key2: p + "l2"}).Result(); err != nil || s.MatchString != "mytext" {
				t.Errorf("LCS: %+v %v", s, err)
			}

			// Scan iterator over a keyspace larger than one batch.
			want := map[string]bool{}
			pipe := rdb.Pipeline()
			for i := 0; i < 1000; i++ {
				k := fmt.Sprintf("%sscan:%d", p, i)
				want[k] = true
				pipe.Set(ctx, k, i, 0)
			}
			cmds, err := pipe.Exec(ctx)
			if err != nil || len(cmds) != 1000 {
				t.Fatalf("Pipeline of 1000 SET: %d cmds, %v", len(cmds), err)
			}
			got := map[string]bool{}
			iter := rdb.Scan(ctx, 0, p+"scan:*", 50).Iterator()
			for iter.Next(ctx) {
				got[iter.Val()] = true
			}
			check("Scan iterator", iter.Err())
			if len(got) != len(want) {
				t.Errorf("Scan iterator found %d keys, want %d", len(got), len(want))
			}
			for k := range want {
				if !got[k] {
					t.Errorf("Scan iterator missed %s", k)
					break
				}
			}

			// Pipeline with mixed results, replies matched to commands in order.
			pipe = rdb.Pipeline()
			g1 := pipe.Get(ctx, p+"scan:7")
			g2 := pipe.Get(ctx, p+"nosuchkey")
			in := pipe.Incr(ctx, p+"n")
			bad := pipe.Incr(ctx, p+"k")
			_, _ = pipe.Exec(ctx)
			if g1.Val() != "7" || !errors.Is(g2.Err(), redis.Nil) || in.Val() != 2 ||
				bad.Err() == nil || !strings.Contains(bad.Err().Error(), "value is not an integer") {
				t.Errorf("Pipeline results: %v / %v / %v / %v", g1, g2, in, bad)
			}

			// A transaction (more in multi_test.go), then the client stays usable.
			var txIncr *redis.IntCmd
			_, txErr := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				pipe.Set(ctx, p+"tx", "1", 0)
				txIncr = pipe.Incr(ctx, p+"tx")
				return nil
			})
			if txErr != nil || txIncr.Val() != 2 {
				t.Errorf("TxPipeline: %v %v", txIncr, txErr)
			}
			for i := 0; i < 5; i++ {
				if v, err := rdb.Get(ctx, p+"scan:42").Result(); err != nil || v != "42" {
					t.Errorf("Get after TxPipeline: %q %v", v, err)
				}
			}

			// Connection-scoped commands.
			conn := rdb.Conn()
			check("ClientSetName", conn.ClientSetName(ctx, "itest-"+strconv.Itoa(proto)).Err())
			if n, err := conn.ClientGetName(ctx).Result(); err != nil || n != "itest-"+strconv.Itoa(proto) {
				t.Errorf("ClientGetName: %q %v", n, err)
			}
			ci, err := conn.ClientInfo(ctx).Result()
			if err != nil || ci.Name != "itest-"+strconv.Itoa(proto) || ci.ID <= 0 || ci.DB != 0 {
				t.Errorf("ClientInfo on named conn: %+v %v", ci, err)
			}
			id, err := conn.ClientID(ctx).Result()
			if err != nil || id != ci.ID {
				t.Errorf("ClientID %d, CLIENT INFO id %d (%v)", id, ci.ID, err)
			}
			list, err := rdb.ClientList(ctx).Result()
			if err != nil {
				t.Errorf("ClientList: %v", err)
			} else {
				found := false
				for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
					f, perr := parseClientLine(line)
					if perr != nil {
						t.Errorf("ClientList line %q: %v", line, perr)
						continue
					}
					if f["name"] == "itest-"+strconv.Itoa(proto) {
						found = true
						if f["id"] != strconv.FormatInt(id, 10) || f["resp"] != strconv.Itoa(proto) {
							t.Errorf("ClientList entry %q: id/resp mismatch (want id=%d resp=%d)", line, id, proto)
						}
					}
				}
				if !found {
					t.Errorf("ClientList does not list the named connection:\n%s", list)
				}
			}
			conn.Close()

			infoText, err := rdb.Info(ctx, "server").Result()
			if err != nil || !strings.Contains(infoText, "redis_version:7.0.15\r\n") {
				t.Errorf("Info server: %v %q", err, trunc([]byte(infoText), 200))
			}
			infoAll, err := rdb.Info(ctx).Result()
			if err != nil || !strings.Contains(infoAll, "# Keyspace\r\ndb0:keys=") {
				t.Errorf("Info: %v (no db0 line in keyspace)", err)
			}
			cfg, err := rdb.ConfigGet(ctx, "maxmemory").Result()
			if err != nil || cfg["maxmemory"] != "0" || len(cfg) != 1 {
				t.Errorf("ConfigGet maxmemory: %v %v", cfg, err)
			}

			// Context deadline: the command is abandoned client-side and the pool recovers.
			// go-redis applies context deadlines to the socket only with ContextTimeoutEnabled.
			drdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto, ContextTimeoutEnabled: true,
				DialTimeout: 10 * time.Second})
			defer drdb.Close()
			if err := drdb.Ping(ctx).Err(); err != nil {
				t.Errorf("Ping (deadline client): %v", err)
			}
			dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			err = drdb.Do(dctx, "DEBUG", "SLEEP", "2").Err()
			cancel()
			if err == nil || !(errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err)) {
				t.Errorf("DEBUG SLEEP with a 200ms deadline: want a deadline error, got %v", err)
			}
			for i := 0; i < 3; i++ {
				if v, err := drdb.Get(ctx, p+"scan:1").Result(); err != nil || v != "1" {
					t.Errorf("Get after deadline: %q %v", v, err)
				}
			}
			// Errors come back as redis errors with Redis's texts.
			err = rdb.Do(ctx, "NOSUCHCMD", "a").Err()
			if err == nil || err.Error() != "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' " {
				t.Errorf("unknown command error: %v", err)
			}
			err = rdb.Do(ctx, "GET").Err()
			if err == nil || err.Error() != "ERR wrong number of arguments for 'get' command" {
				t.Errorf("arity error: %v", err)
			}
		})
	}
}

func isNetTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// parseClientLine checks one CLIENT LIST line the way go-redis parses CLIENT INFO: space
// separated key=value pairs with known keys only.
func parseClientLine(line string) (map[string]string, error) {
	known := map[string]bool{"id": true, "addr": true, "laddr": true, "fd": true, "name": true, "age": true,
		"idle": true, "flags": true, "db": true, "sub": true, "psub": true, "ssub": true, "multi": true,
		"qbuf": true, "qbuf-free": true, "argv-mem": true, "multi-mem": true, "rbs": true, "rbp": true,
		"obl": true, "oll": true, "omem": true, "tot-mem": true, "events": true, "cmd": true, "user": true,
		"redir": true, "resp": true, "lib-name": true, "lib-ver": true, "watch": true, "io-thread": true,
		"tot-net-in": true, "tot-net-out": true, "tot-cmds": true}
	f := map[string]string{}
	for _, kv := range strings.Split(line, " ") {
		parts := strings.Split(kv, "=")
		if len(parts) != 2 {
			return nil, fmt.Errorf("field %q is not key=value", kv)
		}
		if !known[parts[0]] {
			return nil, fmt.Errorf("unknown field %q", parts[0])
		}
		f[parts[0]] = parts[1]
	}
	for _, k := range []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "cmd", "resp"} {
		if _, ok := f[k]; !ok {
			return nil, fmt.Errorf("field %q missing", k)
		}
	}
	return f, nil
}

// TestGoRedisConnectionSetup checks what go-redis sends on every new connection: HELLO 3,
// then CLIENT SETINFO (a Redis 7.2 command that Tessera implements).
func TestGoRedisConnectionSetup(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ClientName: "setup-test", DialTimeout: 10 * time.Second})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatalf("ClientList: %v", err)
	}
	var line string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, " name=setup-test ") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("connection named by HELLO SETNAME not listed:\n%s", list)
	}
	f, err := parseClientLine(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("CLIENT LIST line %q: %v", line, err)
	}
	if f["resp"] != "3" {
		t.Errorf("resp=%s, want 3", f["resp"])
	}
	if harness.TargetIsReference() {
		t.Log("reference target: CLIENT SETINFO is a 7.2 command, lib-name not checked")
		return
	}
	if !strings.HasPrefix(f["lib-name"], "go-redis") || f["lib-ver"] == "" {
		t.Errorf("CLIENT SETINFO not recorded: lib-name=%q lib-ver=%q", f["lib-name"], f["lib-ver"])
	}
}

// ---- helpers used by several suites ----

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// Busy polling (busy-poll-us): under a steady load the loop catches requests
// by polling; an idle server stops polling after its last reply; turning it
// off stops it.
func TestBusyPolling(t *testing.T) {
	if harness.TargetIsReference() {
		t.Skip("busy-poll-us is Tessera's own")
	}
	harness.RequireBinary(t, harness.RedisBenchmarkBin())
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	bench := func() {
		t.Helper()
		r := runTool(t, 3*time.Minute, nil, harness.RedisBenchmarkBin(), "-h", "127.0.0.1",
			"-p", strconv.Itoa(srv.Port), "-c", "50", "-n", "20000", "-t", "get", "-q")
		if r.code != 0 {
			t.Fatalf("redis-benchmark exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
		}
	}
	c.Expect("*2\r\n$12\r\nbusy-poll-us\r\n$3\r\n100\r\n", "CONFIG", "GET", "busy-poll-us")
	bench()
	hits := infoInt(t, c, "stats", "busy_poll_hits")
	if hits == 0 {
		t.Fatalf("busy_poll_hits is 0 after 20000 requests from 50 connections")
	}

	// Idle: every reply may start one poll that runs out (a miss); nothing
	// else may. A loop that kept polling would also burn a whole core.
	time.Sleep(300 * time.Millisecond)
	misses := infoInt(t, c, "stats", "busy_poll_misses")
	cpu0 := processCPU(t, srv.Pid)
	time.Sleep(time.Second)
	cpu := processCPU(t, srv.Pid) - cpu0
	if d := infoInt(t, c, "stats", "busy_poll_misses") - misses; d > 1 {
		t.Errorf("busy_poll_misses grew by %d while idle (at most 1, after the INFO reply)", d)
	}
	if cpu > 300*time.Millisecond {
		t.Errorf("idle server used %v of CPU in 1 s", cpu)
	}

	c.Expect("+OK\r\n", "CONFIG", "SET", "busy-poll-us", "0")
	hits = infoInt(t, c, "stats", "busy_poll_hits")
	misses = infoInt(t, c, "stats", "busy_poll_misses")
	bench()
	if h := infoInt(t, c, "stats", "busy_poll_hits"); h != hits {
		t.Errorf("busy_poll_hits went from %d to %d with busy-poll-us 0", hits, h)
	}
	if m := infoInt(t, c, "stats", "busy_poll_misses"); m != misses {
		t.Errorf("busy_poll_misses went from %d to %d with busy-poll-us 0", misses, m)
	}
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'busy-poll-us') - argument must be between 0 and 10000 inclusive\r\n",
		"CONFIG", "SET", "busy-poll-us", "10001")
}

// CPU time a process has used so far (first field of /proc/PID/schedstat).
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		t.Fatalf("schedstat: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		t.Fatalf("schedstat: empty")
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		t.Fatalf("schedstat: %v", err)
	}
	return time.Duration(ns)
}
