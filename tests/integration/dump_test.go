package integration

// DUMP and RESTORE between the server under test and a reference redis-server 7.0.15: for
// values of every string encoding and of sizes the corpus cannot carry (up to a few MB,
// compressible or not), both servers must DUMP the same bytes, and a payload from either one
// must RESTORE into the other to the same value. Access data given to RESTORE (IDLETIME,
// FREQ) and TTLs are checked here with tolerances, since they depend on the clock.

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"tessera/tests/integration/internal/harness"
)

// dumpValues are the values exchanged: integers at the encoding boundaries, strings around
// the length-prefix and LZF limits, and large compressible and incompressible ones.
func dumpValues() map[string][]byte {
	r := rand.New(rand.NewSource(7))
	random := func(n int) []byte {
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	pattern := func(n int) []byte {
		words := []string{"tessera ", "redis ", "dump ", "restore ", "payload "}
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[r.Intn(len(words))])
		}
		return b.Bytes()[:n]
	}
	vals := map[string][]byte{}
	for _, n := range []int64{0, 1, -1, 127, -128, 128, -129, 32767, -32768, 32768, 2147483647,
		-2147483648, 2147483648, -2147483649, 9223372036854775807, -9223372036854775808} {
		vals["int:"+strconv.FormatInt(n, 10)] = []byte(strconv.FormatInt(n, 10))
	}
	for _, s := range []string{"", "007", "+1", " 1", "1.5", "-0", "12345678901234567890"} {
		vals["text:"+s] = []byte(s)
	}
	for _, n := range []int{1, 20, 21, 44, 45, 63, 64, 100, 16383, 16384, 100000, 1 << 20} {
		vals[fmt.Sprintf("random:%d", n)] = random(n)
	}
	for _, n := range []int{21, 22, 100, 10000, 1 << 20, 3 << 20} {
		vals[fmt.Sprintf("pattern:%d", n)] = pattern(n)
	}
	vals["zeros:100000"] = make([]byte, 100000)
	return vals
}

func bulk(b []byte) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(b), b) }

// bulkValue returns the payload of a bulk-string reply, failing the test otherwise.
func bulkValue(t *testing.T, what string, raw []byte) []byte {
	t.Helper()
	v := harness.MustParse(raw)
	if v.Type != '$' || v.Null {
		t.Fatalf("%s: want a bulk string, got %s", what, harness.Escape(raw))
	}
	return []byte(v.Str)
}

func TestDumpRestoreAcrossServers(t *testing.T) {
	requireReference(t)
	ref := harness.Start(t, harness.Options{Reference: true}).Dial(t)
	tes := harness.Start(t, harness.Options{}).Dial(t)
	vals := dumpValues()
	for _, compression := range []string{"yes", "no"} {
		ref.Expect("+OK\r\n", "CONFIG", "SET", "rdbcompression", compression)
		tes.Expect("+OK\r\n", "CONFIG", "SET", "rdbcompression", compression)
		for name, v := range vals {
			what := fmt.Sprintf("%s (rdbcompression %s)", name, compression)
			ref.Expect("+OK\r\n", "SET", "k", string(v))
			tes.Expect("+OK\r\n", "SET", "k", string(v))
			fromRef := bulkValue(t, what+": redis DUMP", ref.Do("DUMP", "k"))
			fromTes := bulkValue(t, what+": tessera DUMP", tes.Do("DUMP", "k"))
			if !bytes.Equal(fromRef, fromTes) {
				t.Errorf("%s: DUMP differs\n redis:   %s\n tessera: %s", what,
					harness.Escape(fromRef), harness.Escape(fromTes))
				continue
			}
			// Each side restores the other's payload, reads the value back and dumps it
			// again: the same bytes must come out.
			tes.Expect("+OK\r\n", "RESTORE", "copy", "0", string(fromRef), "REPLACE")
			ref.Expect("+OK\r\n", "RESTORE", "copy", "0", string(fromTes), "REPLACE")
			tes.Expect(bulk(v), "GET", "copy")
			ref.Expect(bulk(v), "GET", "copy")
			tes.Expect(bulk(fromRef), "DUMP", "copy")
			// Same encoding chosen on load (int, embstr, raw).
			want := ref.DoStr("OBJECT", "ENCODING", "copy")
			tes.Expect(want, "OBJECT", "ENCODING", "copy")
		}
	}
	ref.Expect("+OK\r\n", "CONFIG", "SET", "rdbcompression", "yes")
	tes.Expect("+OK\r\n", "CONFIG", "SET", "rdbcompression", "yes")
}

// intReply parses an integer reply.
func intReply(t *testing.T, what string, raw []byte) int64 {
	t.Helper()
	v := harness.MustParse(raw)
	if v.Type != ':' {
		t.Fatalf("%s: want an integer, got %s", what, harness.Escape(raw))
	}
	return v.Int()
}

func TestRestoreTTLAndAccessData(t *testing.T) {
	servers := map[string]*harness.Conn{"tessera": harness.Start(t, harness.Options{}).Dial(t)}
	if !harness.TargetIsReference() {
		requireReference(t)
		servers["redis"] = harness.Start(t, harness.Options{Reference: true}).Dial(t)
	}
	for name, c := range servers {
		c.Expect("+OK\r\n", "SET", "src", "some value")
		p := string(bulkValue(t, name+": DUMP", c.Do("DUMP", "src")))

		c.Expect("+OK\r\n", "RESTORE", "ttl", "5000000", p)
		if ms := intReply(t, name+": PTTL", c.Do("PTTL", "ttl")); ms <= 4000000 || ms > 5000000 {
			t.Errorf("%s: PTTL after RESTORE with ttl 5000000 = %d", name, ms)
		}
		// ABSTTL keeps the instant exactly.
		c.Expect("+OK\r\n", "RESTORE", "abs", "4102444800123", p, "ABSTTL")
		c.Expect(":4102444800123\r\n", "PEXPIRETIME", "abs")

		c.Expect("+OK\r\n", "RESTORE", "idle", "0", p, "IDLETIME", "1000")
		if s := intReply(t, name+": OBJECT IDLETIME", c.Do("OBJECT", "IDLETIME", "idle")); s < 1000 || s > 1100 {
			t.Errorf("%s: OBJECT IDLETIME after RESTORE IDLETIME 1000 = %d", name, s)
		}
		// Without IDLETIME the key is fresh.
		c.Expect("+OK\r\n", "RESTORE", "fresh", "0", p)
		if s := intReply(t, name+": OBJECT IDLETIME", c.Do("OBJECT", "IDLETIME", "fresh")); s > 100 {
			t.Errorf("%s: OBJECT IDLETIME of a fresh RESTORE = %d", name, s)
		}

		c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
		c.Expect("+OK\r\n", "RESTORE", "freq", "0", p, "FREQ", "200")
		// One point of decay per minute may pass between the two commands.
		if f := intReply(t, name+": OBJECT FREQ", c.Do("OBJECT", "FREQ", "freq")); f < 199 || f > 200 {
			t.Errorf("%s: OBJECT FREQ after RESTORE FREQ 200 = %d", name, f)
		}
		// REPLACE makes a new value: the counter starts again at 5 (LFU_INIT_VAL).
		c.Expect("+OK\r\n", "RESTORE", "freq", "0", p, "REPLACE")
		if f := intReply(t, name+": OBJECT FREQ", c.Do("OBJECT", "FREQ", "freq")); f > 5 {
			t.Errorf("%s: OBJECT FREQ after RESTORE REPLACE = %d, want at most 5", name, f)
		}
		c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "noeviction")

		// RESTORE counts as a change for the save points (rdb_changes_since_last_save).
		before := changesSinceSave(t, c)
		c.Expect("+OK\r\n", "RESTORE", "dirty", "0", p)
		c.Expect("-BUSYKEY Target key name already exists.\r\n", "RESTORE", "dirty", "0", p)
		if after := changesSinceSave(t, c); after != before+1 {
			t.Errorf("%s: changes since save went from %d to %d, want +1", name, before, after)
		}
	}
}

func changesSinceSave(t *testing.T, c *harness.Conn) int64 {
	t.Helper()
	info := harness.ParseInfo(harness.MustParse(c.Do("INFO", "persistence")).Text())
	n, err := strconv.ParseInt(strings.TrimSpace(info["rdb_changes_since_last_save"]), 10, 64)
	if err != nil {
		t.Fatalf("rdb_changes_since_last_save: %v", err)
	}
	return n
}
