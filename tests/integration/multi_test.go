package integration

// Transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH) compared with the reference redis-server:
// the single-connection corpus testdata/multi_corpus.txt, scenarios with several connections and
// the passing of time (another client's writes, expiry, eviction, flushes, EXEC refused by
// memory, replica or role checks, CLIENT LIST, INFO commandstats, MONITOR, SLOWLOG), go-redis
// TxPipeline and WATCH under contention, and the write stream: the append-only file holds
// MULTI/EXEC around a transaction of several writes (byte for byte as the reference writes it),
// a restart replays it, and replicas in every combination end with the same data.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"tessera/tests/integration/internal/harness"
)

func TestMultiDifferential(t *testing.T) {
	requireReference(t)
	sections := loadCorpus(t, filepath.Join("testdata", "multi_corpus.txt"))
	common := []string{"--save", "", "--appendonly", "no", "--enable-debug-command", "local"}
	p := &diffPair{
		refSrv:  harness.Start(t, harness.Options{Reference: true, Args: common}),
		tessSrv: harness.Start(t, harness.Options{Args: common}),
	}
	defer p.close()
	var report strings.Builder
	for _, mode := range diffModes {
		t.Run(mode.name, func(t *testing.T) {
			mismatches, total := runCorpus(t, p, sections, mode)
			fmt.Fprintf(&report, "== %s: %d commands, %d mismatches\n", mode.name, total, len(mismatches))
			for _, m := range mismatches {
				report.WriteString(m.String())
				report.WriteString("\n")
				t.Errorf("mismatch: %s", m)
			}
			t.Logf("%s: %d corpus commands compared, %d mismatches", mode.name, total, len(mismatches))
		})
	}
	writeReport(t, "multi-differential-report.txt", report.String())
}

// ---- scenarios over several connections ----

// A scenario step: a command on connection conn (1-based), a pause, or reading one more reply
// (a MONITOR line) from conn. norm, when set, reduces the reply to what is compared.
type txStep struct {
	conn  int
	cmd   string
	pause time.Duration
	read  bool
	norm  func([]byte) string
}

func on(conn int, cmd string) txStep { return txStep{conn: conn, cmd: cmd} }
func pause(d time.Duration) txStep   { return txStep{pause: d} }
func normed(conn int, cmd string, f func([]byte) string) txStep {
	return txStep{conn: conn, cmd: cmd, norm: f}
}
func readMore(conn int, f func([]byte) string) txStep { return txStep{conn: conn, read: true, norm: f} }

type txScenario struct {
	name  string
	steps []txStep
}

// dumpRef replaces the argument "$DUMP" with the payload of the last DUMP reply on that server.
var dumpPayload = regexp.MustCompile(`^\$\d+\r\n`)

// runTxScenario runs the steps on one server with fresh connections and returns one line per
// step: the command and its (normalised) reply.
func runTxScenario(t *testing.T, srv *harness.Server, sc txScenario) []string {
	t.Helper()
	conns := map[int]*harness.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	conn := func(i int) *harness.Conn {
		if conns[i] == nil {
			c, err := harness.DialTimeout(srv.Addr(), 10*time.Second)
			if err != nil {
				t.Fatalf("dial %s: %v", srv.Name, err)
			}
			conns[i] = c
		}
		return conns[i]
	}
	conn(1).Expect("+OK\r\n", "FLUSHALL")
	var out []string
	lastDump := ""
	for _, st := range sc.steps {
		if st.pause > 0 {
			time.Sleep(st.pause)
			continue
		}
		c := conn(st.conn)
		var raw []byte
		var err error
		what := fmt.Sprintf("%d: %s", st.conn, st.cmd)
		if st.read {
			what = fmt.Sprintf("%d: (next reply)", st.conn)
			raw, err = c.ReadReply(harness.ReplyTimeout)
		} else {
			args, perr := harness.SplitArgs(st.cmd)
			if perr != nil {
				t.Fatalf("scenario %s: %v", sc.name, perr)
			}
			for i, a := range args {
				if a == "$DUMP" {
					args[i] = lastDump
				}
			}
			raw, err = c.DoErr(args...)
			if strings.EqualFold(args[0], "DUMP") && err == nil {
				lastDump = string(raw[len(dumpPayload.Find(raw)) : len(raw)-2])
			}
		}
		if err != nil {
			t.Fatalf("scenario %s on %s: %s: %v", sc.name, srv.Name, what, err)
		}
		reply := harness.Escape(raw)
		if st.norm != nil {
			reply = st.norm(raw)
		}
		out = append(out, what+" -> "+reply)
	}
	return out
}

// clientRow keeps the CLIENT LIST / CLIENT INFO fields that do not depend on ports, ids,
// timing or memory layout, one line per client.
func clientRow(raw []byte) string {
	return clientRowText(harness.MustParse(raw).Text())
}

func clientRowText(text string) string {
	keep := map[string]bool{"flags": true, "db": true, "multi": true, "multi-mem": true, "cmd": true}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var fields []string
		for _, f := range strings.Fields(line) {
			if k, _, ok := strings.Cut(f, "="); ok && keep[k] {
				fields = append(fields, f)
			}
		}
		rows = append(rows, strings.Join(fields, " "))
	}
	return strings.Join(rows, " | ")
}

var usecFields = regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+,`)

// commandStats keeps the commandstats lines without their timings, sorted.
func commandStats(raw []byte) string {
	var lines []string
	for _, l := range strings.Split(harness.MustParse(raw).Text(), "\r\n") {
		if strings.HasPrefix(l, "cmdstat_") {
			lines = append(lines, usecFields.ReplaceAllString(l, ""))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, " ")
}

func infoLines(prefix string) func([]byte) string {
	return func(raw []byte) string {
		var lines []string
		for _, l := range strings.Split(harness.MustParse(raw).Text(), "\r\n") {
			if strings.HasPrefix(l, prefix) {
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		return strings.Join(lines, " ")
	}
}

var monitorPrefix = regexp.MustCompile(`^\+\d+\.\d+ \[(\d+) [^\]]+\]`)

func monitorLine(raw []byte) string {
	return monitorPrefix.ReplaceAllString(string(raw), "+<time> [$1 <addr>]")
}

// slowlogCommands keeps the arguments of each SLOWLOG GET entry.
func slowlogCommands(raw []byte) string {
	v := harness.MustParse(raw)
	var entries []string
	for _, e := range v.Elems {
		if len(e.Elems) < 4 {
			continue
		}
		var args []string
		for _, a := range e.Elems[3].Elems {
			args = append(args, a.Str)
		}
		entries = append(entries, strings.Join(args, " "))
	}
	return strings.Join(entries, " / ")
}

// A key another connection changes between WATCH and EXEC, for every kind of change.
func watchedChange(name string, setup []string, change string) txScenario {
	var steps []txStep
	for _, s := range setup {
		steps = append(steps, on(2, s))
	}
	steps = append(steps, on(1, "WATCH k"), on(2, change), on(1, "MULTI"), on(1, "GET k"), on(1, "EXEC"))
	return txScenario{name: name, steps: steps}
}

func txScenarios(unusedPort int) []txScenario {
	ms := 20 * time.Millisecond
	sc := []txScenario{
		watchedChange("SET by another client", nil, "SET k 1"),
		watchedChange("SET NX that does nothing", []string{"SET k 1"}, "SET k 2 NX"),
		watchedChange("DEL of the key", []string{"SET k 1"}, "DEL k"),
		watchedChange("DEL of other keys only", []string{"SET k 1"}, "DEL x y"),
		watchedChange("UNLINK", []string{"SET k 1"}, "UNLINK k"),
		watchedChange("INCR in place", []string{"SET k 1"}, "INCR k"),
		watchedChange("APPEND in place", []string{"SET k abc", "APPEND k d"}, "APPEND k e"),
		watchedChange("SETRANGE", []string{"SET k abc"}, "SETRANGE k 1 x"),
		watchedChange("INCRBYFLOAT", []string{"SET k 1"}, "INCRBYFLOAT k 0.5"),
		watchedChange("MSET", nil, "MSET a 1 k 2"),
		watchedChange("MSETNX refused", []string{"SET k 1"}, "MSETNX a 1 k 2"),
		watchedChange("EXPIRE", []string{"SET k 1"}, "EXPIRE k 100"),
		watchedChange("EXPIRE on a missing key", nil, "EXPIRE k 100"),
		watchedChange("PEXPIREAT in the past", []string{"SET k 1"}, "PEXPIREAT k 1"),
		watchedChange("PERSIST without TTL", []string{"SET k 1"}, "PERSIST k"),
		watchedChange("GETEX PERSIST", []string{"SET k 1 EX 100"}, "GETEX k PERSIST"),
		watchedChange("GETEX plain", []string{"SET k 1 EX 100"}, "GETEX k"),
		watchedChange("GETDEL", []string{"SET k 1"}, "GETDEL k"),
		watchedChange("RENAME onto it", []string{"SET a 1"}, "RENAME a k"),
		watchedChange("RENAME away", []string{"SET k 1"}, "RENAME k a"),
		watchedChange("RENAMENX refused", []string{"SET k 1", "SET a 1"}, "RENAMENX a k"),
		watchedChange("COPY onto it", []string{"SET a 1"}, "COPY a k"),
		watchedChange("COPY from it", []string{"SET k 1"}, "COPY k a"),
		watchedChange("MOVE away", []string{"SET k 1"}, "MOVE k 1"),
		watchedChange("FLUSHDB of another db", []string{"SET k 1", "SELECT 1"}, "FLUSHDB"),
		watchedChange("FLUSHALL with the key", []string{"SET k 1"}, "FLUSHALL"),
		watchedChange("FLUSHALL without the key", []string{"SET a 1"}, "FLUSHALL"),
		watchedChange("SWAPDB bringing it", []string{"SELECT 1", "SET k 1"}, "SWAPDB 0 1"),
		watchedChange("SWAPDB of empty sides", []string{"SET a 1"}, "SWAPDB 0 1"),
		watchedChange("GET and TOUCH", []string{"SET k 1"}, "TOUCH k"),
		watchedChange("DEBUG RELOAD", []string{"SET k 1"}, "DEBUG RELOAD"),
		{name: "RESTORE onto it", steps: []txStep{
			on(2, "SET src payload"), normed(2, "DUMP src", func([]byte) string { return "(payload)" }),
			on(1, "WATCH k"), on(2, "RESTORE k 0 $DUMP"), on(1, "MULTI"), on(1, "EXEC"),
			on(1, "WATCH k"), on(2, "RESTORE k 0 $DUMP"), on(1, "MULTI"), on(1, "EXEC"),
			on(1, "WATCH k"), on(2, "RESTORE k 0 $DUMP REPLACE"), on(1, "MULTI"), on(1, "EXEC")}},
		{name: "a watch in another database", steps: []txStep{
			on(1, "SELECT 2"), on(1, "WATCH k"), on(2, "SET k 1"), on(1, "MULTI"), on(1, "EXEC"),
			on(1, "WATCH k"), on(2, "SELECT 2"), on(2, "SET k 1"), on(1, "MULTI"), on(1, "EXEC")}},
		{name: "two watchers of one key", steps: []txStep{
			on(1, "WATCH k"), on(3, "WATCH k other"), on(2, "SET k 1"),
			on(1, "MULTI"), on(1, "EXEC"), on(3, "MULTI"), on(3, "EXEC")}},
		{name: "a transaction touches another client's watch", steps: []txStep{
			on(1, "WATCH k"), on(2, "MULTI"), on(2, "SET k 1"), on(1, "MULTI"), on(1, "EXEC"),
			on(1, "WATCH k"), on(2, "EXEC"), on(1, "MULTI"), on(1, "EXEC")}},
		{name: "expiry between WATCH and EXEC", steps: []txStep{
			on(1, "DEBUG SET-ACTIVE-EXPIRE 0"),
			// Live when watched, expired at EXEC although still stored: EXEC fails.
			on(2, "SET k v PX 100"), on(1, "WATCH k"), pause(200 * time.Millisecond),
			on(1, "MULTI"), on(1, "EXEC"),
			// Already expired when watched: its removal is no change.
			on(2, "SET k v PX 1"), pause(ms), on(1, "WATCH k"), on(2, "GET k"),
			on(1, "MULTI"), on(1, "EXEC"),
			on(2, "SET k v PX 1"), pause(ms), on(1, "WATCH k"), on(1, "MULTI"), on(1, "EXEC"),
			// ...but writing it is.
			on(2, "SET k v PX 1"), pause(ms), on(1, "WATCH k"), on(2, "SET k w"),
			on(1, "MULTI"), on(1, "EXEC"),
			// Removed by a lookup after it expired: a change.
			on(2, "SET k v PX 100"), on(1, "WATCH k"), pause(200 * time.Millisecond), on(2, "GET k"),
			on(1, "MULTI"), on(1, "EXEC"),
			// Swapped in already expired.
			on(2, "SELECT 1"), on(2, "SET k v PX 1"), pause(ms), on(1, "WATCH k"), on(2, "SWAPDB 0 1"),
			on(1, "MULTI"), on(1, "EXEC"),
			on(1, "DEBUG SET-ACTIVE-EXPIRE 1")}},
		{name: "removed by the active expiry cycle", steps: []txStep{
			on(2, "SET k v PX 50"), on(1, "WATCH k"), pause(600 * time.Millisecond),
			on(2, "DBSIZE"), on(1, "MULTI"), on(1, "EXEC")}},
		{name: "evicted", steps: []txStep{
			on(2, "CONFIG SET maxmemory-policy allkeys-random"), on(2, "SET k 1"), on(2, "SET j 1"),
			on(1, "WATCH k"), on(2, "CONFIG SET maxmemory 1"), on(2, "SET x y"), on(2, "DBSIZE"),
			on(1, "MULTI"), on(1, "EXEC"),
			on(2, "CONFIG SET maxmemory 0"), on(2, "CONFIG SET maxmemory-policy noeviction")}},
		{name: "EXEC refused for memory", steps: []txStep{
			on(1, "MULTI"), on(1, "SET x 1"), on(2, "CONFIG SET maxmemory 1"), on(1, "EXEC"),
			on(2, "CONFIG SET maxmemory 0"),
			on(1, "MULTI"), on(1, "GET x"), on(2, "CONFIG SET maxmemory 1"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "DISCARD"), on(1, "MULTI"), on(1, "QUIT"),
			on(2, "CONFIG SET maxmemory 0")}},
		{name: "EXEC refused for lack of replicas", steps: []txStep{
			on(1, "MULTI"), on(1, "SET x 1"), on(2, "CONFIG SET min-replicas-to-write 1"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "GET x"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "GET x"), on(1, "SET x 2"), on(1, "EXEC"),
			on(2, "CONFIG SET min-replicas-to-write 0")}},
		{name: "EXEC on a node that became a replica", steps: []txStep{
			on(1, "MULTI"), on(1, "SET x 1"), on(1, "GET x"),
			on(2, "REPLICAOF 127.0.0.1 "+strconv.Itoa(unusedPort)), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "GET x"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "FLUSHALL"), on(1, "EXEC"),
			on(2, "CONFIG SET replica-serve-stale-data no"),
			on(1, "MULTI"), on(1, "GET x"), on(1, "PING"), on(1, "EXEC"),
			on(2, "CONFIG SET replica-serve-stale-data yes"),
			on(1, "MULTI"), on(1, "GET x"), on(2, "CONFIG SET replica-serve-stale-data no"), on(1, "EXEC"),
			on(2, "CONFIG SET replica-serve-stale-data yes"), on(2, "REPLICAOF NO ONE")}},
		{name: "CLIENT LIST and CLIENT INFO", steps: []txStep{
			on(1, "MULTI"), on(1, "SET x 1"), on(1, "GET x"), on(1, "CLIENT INFO"),
			normed(2, "CLIENT LIST", clientRow),
			on(1, "NOSUCH"), on(1, "GET y"), normed(2, "CLIENT LIST", clientRow),
			on(1, "DISCARD"), normed(2, "CLIENT LIST", clientRow),
			on(1, "WATCH k"), on(2, "SET k 1"), normed(2, "CLIENT LIST", clientRow),
			on(1, "MULTI"), normed(2, "CLIENT LIST", clientRow), normed(1, "EXEC", nil),
			on(1, "MULTI"), on(1, "SELECT 4"), on(1, "CLIENT INFO"),
			normed(1, "EXEC", func(raw []byte) string {
				v := harness.MustParse(raw)
				if len(v.Elems) != 2 {
					return harness.Escape(raw)
				}
				return v.Elems[0].Str + " / " + clientRowText(v.Elems[1].Text())
			}),
			normed(1, "CLIENT INFO", clientRow)}},
		{name: "commandstats and errorstats", steps: []txStep{
			on(1, "CONFIG RESETSTAT"), on(1, "SET s abc"),
			on(1, "MULTI"), on(1, "SET x 1"), on(1, "INCR s"), on(1, "GET x"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "NOSUCH"), on(1, "INCR"), on(1, "EXEC"), on(1, "EXEC"),
			on(1, "MULTI"), on(1, "EXEC x"), on(1, "MULTI"), on(1, "DISCARD"),
			on(1, "WATCH x"), on(1, "UNWATCH"),
			normed(1, "INFO commandstats", commandStats), normed(1, "INFO errorstats", infoLines("errorstat_")),
			normed(1, "INFO stats", infoLines("total_commands_processed"))}},
		{name: "MONITOR", steps: []txStep{
			on(3, "MONITOR"), on(1, "SET k 1"), readMore(3, monitorLine),
			on(1, "MULTI"), on(1, "SET k 2"), on(1, "SELECT 1"), on(1, "GET k"), on(1, "EXEC"),
			readMore(3, monitorLine), readMore(3, monitorLine), readMore(3, monitorLine),
			readMore(3, monitorLine), readMore(3, monitorLine),
			on(1, "MULTI"), on(1, "NOSUCH"), on(1, "EXEC"), readMore(3, monitorLine), readMore(3, monitorLine),
			on(1, "MULTI"), on(1, "EXEC x"), readMore(3, monitorLine), readMore(3, monitorLine),
			on(1, "PING"), readMore(3, monitorLine)}},
		{name: "SLOWLOG", steps: []txStep{
			on(1, "CONFIG SET slowlog-log-slower-than 0"), on(1, "SLOWLOG RESET"),
			on(1, "MULTI"), on(1, "SET k 1"), on(1, "GET k"), on(1, "EXEC"),
			normed(1, "SLOWLOG GET", slowlogCommands),
			on(1, "CONFIG SET slowlog-log-slower-than 10000")}},
		{name: "disconnect and RESET free the state", steps: []txStep{
			on(1, "WATCH k"), on(1, "MULTI"), on(1, "SET q 1"), on(1, "QUIT"),
			on(2, "SET k 1"), on(2, "GET q"),
			on(3, "WATCH k"), on(3, "MULTI"), on(3, "SET q 1"), on(3, "RESET"), on(2, "SET k 2"),
			on(3, "MULTI"), on(3, "GET k"), on(3, "EXEC"), normed(2, "CLIENT LIST", clientRow)}},
	}
	return sc
}

func TestMultiScenarios(t *testing.T) {
	requireReference(t)
	common := []string{"--save", "", "--appendonly", "no", "--enable-debug-command", "local"}
	ref := harness.Start(t, harness.Options{Reference: true, Args: common})
	tess := harness.Start(t, harness.Options{Args: common})
	// A port nobody listens on, for REPLICAOF.
	unused, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range txScenarios(unused) {
		sc := sc
		t.Run(sc.name, func(t *testing.T) {
			want := runTxScenario(t, ref, sc)
			got := runTxScenario(t, tess, sc)
			for i := range want {
				if i >= len(got) || got[i] != want[i] {
					g := "(missing)"
					if i < len(got) {
						g = got[i]
					}
					t.Errorf("step %d differs\n    redis:   %s\n    tessera: %s", i+1, want[i], g)
				}
			}
		})
	}
}

// ---- go-redis ----

func TestMultiGoRedis(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	for _, proto := range []int{3, 2} {
		proto := proto
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx := context.Background()
			rdb := newGoRedis(srv, proto)
			defer rdb.Close()
			p := fmt.Sprintf("p%d:", proto)

			var incr *redis.IntCmd
			var get *redis.StringCmd
			cmds, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				pipe.Set(ctx, p+"tx", "1", 0)
				incr = pipe.Incr(ctx, p+"tx")
				get = pipe.Get(ctx, p+"tx")
				return nil
			})
			if err != nil || len(cmds) != 3 || incr.Val() != 2 || get.Val() != "2" {
				t.Errorf("TxPipelined: %v %v / %v / %v", cmds, err, incr, get)
			}

			// An error inside EXEC belongs to its command; the others run.
			rdb.Set(ctx, p+"str", "abc", 0)
			var bad *redis.IntCmd
			var after *redis.StatusCmd
			_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				bad = pipe.Incr(ctx, p+"str")
				after = pipe.Set(ctx, p+"after", "x", 0)
				return nil
			})
			if err == nil || bad.Err() == nil || !strings.Contains(bad.Err().Error(), "not an integer") ||
				after.Err() != nil || rdb.Get(ctx, p+"after").Val() != "x" {
				t.Errorf("TxPipelined with a failing command: %v / %v / %v", err, bad, after)
			}

			// A queue-time error aborts the whole transaction.
			_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				pipe.Set(ctx, p+"never", "x", 0)
				pipe.Do(ctx, "NOSUCHCMD")
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "EXECABORT") {
				t.Errorf("TxPipelined with an unknown command: want EXECABORT, got %v", err)
			}
			if n := rdb.Exists(ctx, p+"never").Val(); n != 0 {
				t.Errorf("a write of an aborted transaction ran")
			}

			// WATCH: a change by another client makes the transaction fail.
			err = rdb.Watch(ctx, func(tx *redis.Tx) error {
				if err := rdb.Set(ctx, p+"w", "other", 0).Err(); err != nil {
					return err
				}
				_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
					pipe.Set(ctx, p+"w", "mine", 0)
					return nil
				})
				return err
			}, p+"w")
			if !errors.Is(err, redis.TxFailedErr) || rdb.Get(ctx, p+"w").Val() != "other" {
				t.Errorf("Watch with a concurrent change: %v, value %q", err, rdb.Get(ctx, p+"w").Val())
			}

			// Optimistic increments from several clients: none lost, none doubled.
			const workers, each = 6, 40
			var wg sync.WaitGroup
			var conflicts, failures sync.Map
			for w := 0; w < workers; w++ {
				w := w
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := newGoRedis(srv, proto)
					defer c.Close()
					for i := 0; i < each; i++ {
						for attempt := 0; ; attempt++ {
							err := c.Watch(ctx, func(tx *redis.Tx) error {
								n, err := tx.Get(ctx, p+"counter").Int()
								if err != nil && !errors.Is(err, redis.Nil) {
									return err
								}
								_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
									pipe.Set(ctx, p+"counter", n+1, 0)
									return nil
								})
								return err
							}, p+"counter")
							if err == nil {
								break
							}
							if errors.Is(err, redis.TxFailedErr) && attempt < 10000 {
								conflicts.Store(w, true)
								continue
							}
							failures.Store(w, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			failures.Range(func(k, v any) bool {
				t.Errorf("worker %v: %v", k, v)
				return true
			})
			if n, err := rdb.Get(ctx, p+"counter").Int(); err != nil || n != workers*each {
				t.Errorf("counter = %d (%v), want %d", n, err, workers*each)
			}
			// The connection is usable after all of it.
			if v, err := rdb.Ping(ctx).Result(); err != nil || v != "PONG" {
				t.Errorf("Ping after transactions: %q %v", v, err)
			}
		})
	}
}

// ---- the write stream ----

// A sequence of transactions whose stream does not depend on time.
var txSequence = [][]string{
	{"MULTI"}, {"SET", "one", "1"}, {"EXEC"}, // a single write: no MULTI in the stream
	{"MULTI"}, {"GET", "one"}, {"EXEC"}, // reads only: nothing
	{"MULTI"}, {"SET", "a", "1"}, {"INCR", "a"}, {"SELECT", "3"}, {"SET", "b", "x"}, {"MSET", "c", "1", "d", "2"}, {"EXEC"},
	{"SET", "after", "1"}, // still in db 3
	{"SELECT", "0"},
	{"MULTI"}, {"SET", "e", "1", "NX"}, {"SET", "e", "2", "NX"}, {"DEL", "nokey"}, {"INCRBYFLOAT", "f", "2.5"}, {"EXEC"},
	{"MULTI"}, {"SET", "g", "1"}, {"NOSUCH"}, {"EXEC"}, // aborted: nothing
	{"MULTI"}, {"SET", "h", "1"}, {"DISCARD"}, // discarded: nothing
	{"MULTI"}, {"FLUSHDB"}, {"SET", "i", "1"}, {"PEXPIREAT", "i", "99999999999999"}, {"PERSIST", "i"}, {"EXEC"},
}

func runTxSequence(t *testing.T, c *harness.Conn) {
	t.Helper()
	for _, args := range txSequence {
		if _, err := c.DoErr(args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

func TestMultiAppendOnlyFile(t *testing.T) {
	requireReference(t)
	refDir, ourDir := t.TempDir(), t.TempDir()
	aofArgs := []string{"--appendonly", "yes", "--save", "", "--appendfsync", "always"}
	ref := harness.Start(t, harness.Options{Reference: true, Args: append([]string{"--dir", refDir}, aofArgs...)})
	ours := harness.Start(t, harness.Options{Args: append([]string{"--dir", ourDir}, aofArgs...)})
	rc, oc := ref.Dial(t), ours.Dial(t)
	runTxSequence(t, rc)
	runTxSequence(t, oc)

	want, err := os.ReadFile(lastIncr(t, refDir))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(lastIncr(t, ourDir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("incr file differs from the reference's\n    redis:   %q\n    tessera: %q", want, got)
	}
	multi, exec := "*1\r\n$5\r\nMULTI\r\n", "*1\r\n$4\r\nEXEC\r\n"
	if n := strings.Count(string(got), multi); n != 3 || strings.Count(string(got), exec) != 3 {
		t.Errorf("want 3 MULTI/EXEC pairs in the file, got %d:\n%s", n, got)
	}
	if !strings.HasPrefix(string(got), "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\none\r\n$1\r\n1\r\n"+multi) {
		t.Errorf("a single-write transaction must not be wrapped:\n%s", got)
	}

	// Both files replay to the same data on Tessera; Tessera's loads in the reference too.
	ours.Kill()
	ref.Kill()
	check := func(c *harness.Conn) {
		t.Helper()
		// The last transaction flushed database 0 before writing i.
		c.Expect("*7\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\n1\r\n", "MGET", "one", "a", "g", "e", "f", "h", "i")
		c.Expect(":-1\r\n", "TTL", "i")
		c.Expect("+OK\r\n", "SELECT", "3")
		c.Expect("*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n", "MGET", "b", "c", "d", "after")
	}
	check(startAOF(t, ourDir).Dial(t))
	check(startAOF(t, refDir).Dial(t))
	back := harness.Start(t, harness.Options{Reference: true, Args: append([]string{"--dir", ourDir}, aofArgs...)})
	check(back.Dial(t))
}

// keysOf reads the listed keys of databases 0 and 3.
func keysOf(t *testing.T, c *harness.Conn) string {
	t.Helper()
	var b strings.Builder
	for _, db := range []string{"0", "3"} {
		c.Expect("+OK\r\n", "SELECT", db)
		b.WriteString(harness.Escape(c.Do("MGET", "one", "a", "b", "c", "d", "e", "f", "g", "h", "i", "after")))
	}
	c.Expect("+OK\r\n", "SELECT", "0")
	return b.String()
}

func TestMultiReplicated(t *testing.T) {
	for _, combo := range []struct {
		name                   string
		primaryRef, replicaRef bool
	}{{"tessera-to-tessera", false, false}, {"redis-to-tessera", true, false}, {"tessera-to-redis", false, true}} {
		combo := combo
		t.Run(combo.name, func(t *testing.T) {
			p, r := startPair(t, replOpts{primaryRef: combo.primaryRef, replicaRef: combo.replicaRef})
			pc, rc := p.Dial(t), r.Dial(t)
			waitLinkUp(t, rc)
			runTxSequence(t, pc)
			// A lazily expired key inside a transaction travels in the same unit.
			pc.Expect("+OK\r\n", "SET", "gone", "x", "PX", "1")
			time.Sleep(20 * time.Millisecond)
			pc.Expect("+OK\r\n", "MULTI")
			pc.Expect("+QUEUED\r\n", "GET", "gone")
			pc.Expect("+QUEUED\r\n", "SET", "h", "late")
			pc.Expect("*2\r\n$-1\r\n+OK\r\n", "EXEC")
			waitCaughtUp(t, pc, rc)
			if got, want := keysOf(t, rc), keysOf(t, pc); got != want {
				t.Errorf("replica data differs\n    primary: %s\n    replica: %s", want, got)
			}
			rc.Expect(":0\r\n", "EXISTS", "gone")
			// The replica itself runs transactions of reads, and refuses writes at queue time.
			rc.Expect("+OK\r\n", "MULTI")
			rc.Expect("+QUEUED\r\n", "GET", "h")
			rc.Expect("-READONLY You can't write against a read only replica.\r\n", "SET", "h", "x")
			rc.Expect("-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
		})
	}
}

// A replica whose link drops in the middle of a transaction must not count the half it
// received as applied: it resumes from before the MULTI, and the primary sends the whole
// transaction again. The primary here is a fake one that cuts the stream on purpose.
func TestMultiReplicaLinkDropsInsideATransaction(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	replica := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1", strconv.Itoa(port)}})
	rc := replica.Dial(t)

	const replid = "0123456789abcdef0123456789abcdef01234567"
	enc := func(args ...string) string { return string(harness.EncodeCmd(args...)) }
	selectDB := enc("SELECT", "0")
	before := enc("SET", "before", "1")
	txn := enc("MULTI") + enc("SET", "a", "1") + enc("SET", "b", "2")
	rest := enc("EXEC")

	// First connection: full sync with an empty snapshot, a plain write, then half a
	// transaction, then the link drops.
	conn := acceptReplica(t, ln, "PSYNC ? -1")
	emptyRDB := "REDIS0009\xff\x00\x00\x00\x00\x00\x00\x00\x00"
	fmt.Fprintf(conn, "+FULLRESYNC %s 0\r\n$%d\r\n%s", replid, len(emptyRDB), emptyRDB)
	fmt.Fprint(conn, selectDB+before+txn)
	applied := len(selectDB + before)
	waitFor(t, "the plain write", func() bool { return rc.DoStr("GET", "before") == "$1\r\n1\r\n" })
	// Give the replica time to read the half transaction too.
	time.Sleep(200 * time.Millisecond)
	if got := infoValue(rc, "replication", "slave_repl_offset"); got != strconv.Itoa(applied) {
		t.Errorf("slave_repl_offset inside the transaction = %s, want %d (before the MULTI)", got, applied)
	}
	rc.Expect("$-1\r\n", "GET", "a")
	conn.Close()

	// Second connection: the replica asks to continue from before the MULTI.
	want := fmt.Sprintf("PSYNC %s %d", replid, applied+1)
	conn = acceptReplica(t, ln, want)
	defer conn.Close()
	fmt.Fprintf(conn, "+CONTINUE\r\n")
	fmt.Fprint(conn, txn+rest)
	waitFor(t, "the transaction", func() bool {
		return rc.DoStr("MGET", "a", "b") == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
	})
	if got := infoValue(rc, "replication", "slave_repl_offset"); got != strconv.Itoa(applied+len(txn+rest)) {
		t.Errorf("slave_repl_offset after EXEC = %s, want %d", got, applied+len(txn+rest))
	}
}

// acceptReplica accepts the replica's connection and answers its handshake up to the PSYNC,
// which must start with psync (then the caller answers it).
func acceptReplica(t *testing.T, ln net.Listener, psync string) net.Conn {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept the replica: %v", err)
	}
	r := bufio.NewReader(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		v, err := readRequest(r)
		if err != nil {
			t.Fatalf("replica handshake: %v", err)
		}
		cmd := strings.ToUpper(v[0])
		switch cmd {
		case "PING":
			fmt.Fprint(conn, "+PONG\r\n")
		case "REPLCONF":
			fmt.Fprint(conn, "+OK\r\n")
		case "PSYNC":
			if got := strings.Join(v, " "); got != psync {
				t.Fatalf("replica sent %q, want %q", got, psync)
			}
			return conn
		default:
			fmt.Fprint(conn, "+OK\r\n")
		}
	}
}

// readRequest reads one multibulk request.
func readRequest(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not a multibulk request: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([]string, 0, n)
	for i := 0; i < n; i++ {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(hdr[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:size]))
	}
	return args, nil
}
