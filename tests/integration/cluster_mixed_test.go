package integration

// Clusters that mix the two implementations: real redis-server 7.0 nodes and nodes of the server
// under test in one cluster formed by `redis-cli --cluster create`, with failover from one kind
// to the other, slots resharded between a Redis master and one of ours (MIGRATE and
// RESTORE-ASKING across implementations, both ways), the rueidis cluster client through a
// hand-made slot migration and a failover, and `redis-cli --cluster import` from standalone
// servers of both kinds.
//
// With TESSERA_BIN pointing at redis-server every node is a redis-server, which checks the tests
// themselves.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"tessera/tests/integration/internal/harness"
)

// ---- helpers ----

// startMixedNodes starts one empty cluster node per letter of kinds, in order: 'R' for the
// reference redis-server, 'T' for the server under test.
func startMixedNodes(t *testing.T, kinds string, o harness.ClusterOptions) *harness.Cluster {
	t.Helper()
	c := &harness.Cluster{T: t, Opts: o}
	for _, k := range kinds {
		switch k {
		case 'R':
			c.Nodes = append(c.Nodes, harness.StartReferenceClusterNode(t, o))
		case 'T':
			c.Nodes = append(c.Nodes, harness.StartClusterNode(t, o))
		default:
			t.Fatalf("unknown node kind %q", k)
		}
	}
	return c
}

// formCluster runs --cluster create over all nodes, waits until they agree, and runs
// --cluster check, which must exit 0.
func formCluster(t *testing.T, c *harness.Cluster, replicas int) {
	t.Helper()
	r := c.Create(replicas)
	if r.Code != 0 {
		t.Fatalf("redis-cli --cluster create exited with %d:\n%s", r.Code, tail(r.Out, 60))
	}
	t.Logf("--cluster create of %d nodes took %v", len(c.Nodes), r.Took.Round(time.Millisecond))
	c.WaitHealthy(c.Nodes, 60*time.Second)
	chk := mustCli(t, time.Minute, "", "--cluster", "check", c.Nodes[0].Addr())
	expectContains(t, "--cluster check", chk.Out,
		"[OK] All nodes agree about slots configuration.", "[OK] All 16384 slots covered.")
}

// kind names the implementation of a node for messages.
func kind(s *harness.Server) string {
	if s.IsReference() {
		return "redis-server " + s.Addr()
	}
	return "tessera " + s.Addr()
}

// dbsize is DBSIZE of one node (an error is returned, not fatal, so that it can be polled).
func dbsize(s *harness.Server) (int64, error) {
	v, err := harness.Query(s, "DBSIZE")
	if err != nil {
		return 0, err
	}
	if v.Type != ':' {
		return 0, fmt.Errorf("DBSIZE on %s: %+v", s.Addr(), v)
	}
	return v.Int(), nil
}

// readonlyClient is a plain go-redis client that sends READONLY on every new connection, for
// reads from a replica.
func readonlyClient(t *testing.T, s *harness.Server) *redis.Client {
	rdb := redis.NewClient(&redis.Options{
		Addr:         s.Addr(),
		DialTimeout:  5 * time.Second,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
		OnConnect: func(ctx context.Context, cn *redis.Conn) error {
			return cn.ReadOnly(ctx).Err()
		},
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// replicaMismatch reads keys from a replica (READONLY) and compares them with want.
func replicaMismatch(rdb *redis.Client, want map[string]string) error {
	ctx := context.Background()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	nbad := 0
	var first string
	for i, cmd := range cmds {
		got, err := cmd.Result()
		if err != nil || got != want[keys[i]] {
			if nbad == 0 {
				first = fmt.Sprintf("%s = %q, %v (want %q)", keys[i], shortVal(got), err, shortVal(want[keys[i]]))
			}
			nbad++
		}
	}
	if nbad > 0 {
		return fmt.Errorf("%d of %d keys wrong or missing, e.g. %s", nbad, len(keys), first)
	}
	return nil
}

func shortVal(s string) string {
	if len(s) > 40 {
		return s[:40] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// ownedBy splits the keys of want by the master that owns their slot (in view v).
func ownedBy(v harness.View, want map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for k, val := range want {
		owner, ok := v.Owner(harness.KeySlot(k))
		if !ok {
			continue
		}
		if out[owner.ID] == nil {
			out[owner.ID] = map[string]string{}
		}
		out[owner.ID][k] = val
	}
	return out
}

// waitReplicasHold waits until every replica in c (as seen by via) holds, under READONLY, the
// keys of want that its master owns.
func waitReplicasHold(t *testing.T, c *harness.Cluster, via *harness.Server, want map[string]string) {
	t.Helper()
	v := c.View(via)
	byMaster := ownedBy(v, want)
	for _, n := range v {
		if !n.IsReplica() {
			continue
		}
		s := c.ByPort(n.Port)
		if s == nil || !s.Running() {
			continue
		}
		rdb := readonlyClient(t, s)
		exp := byMaster[n.Master]
		if len(exp) == 0 {
			t.Errorf("replica %s: its master owns none of the %d keys", kind(s), len(want))
			continue
		}
		waitUntil(t, 30*time.Second, fmt.Sprintf("replica %s to hold its master's %d keys", kind(s), len(exp)), func() error {
			return replicaMismatch(rdb, exp)
		})
	}
}

// waitSameDBSize waits until every replica in c has as many keys as its master.
func waitSameDBSize(t *testing.T, c *harness.Cluster, via *harness.Server) {
	t.Helper()
	v := c.View(via)
	for _, n := range v {
		if !n.IsReplica() {
			continue
		}
		r := c.ByPort(n.Port)
		ml, _ := v.ByID(n.Master)
		m := c.ByPort(ml.Port)
		waitUntil(t, 30*time.Second, fmt.Sprintf("replica %s to have as many keys as master %s", kind(r), kind(m)), func() error {
			a, err := dbsize(m)
			if err != nil {
				return err
			}
			b, err := dbsize(r)
			if err != nil {
				return err
			}
			if a != b {
				return fmt.Errorf("master %d keys, replica %d", a, b)
			}
			return nil
		})
	}
}

// shardsSignature is CLUSTER SHARDS with the shards sorted (their order follows each node's
// own table) and replication offsets left out (they move all the time).
func shardsSignature(v harness.Value) (string, error) {
	if v.Type != '*' {
		return "", fmt.Errorf("CLUSTER SHARDS reply %+v", v)
	}
	var shards []string
	for _, sh := range v.Elems {
		if len(sh.Elems) != 4 || sh.Elems[0].Str != "slots" || sh.Elems[2].Str != "nodes" {
			return "", fmt.Errorf("CLUSTER SHARDS entry %+v", sh)
		}
		var b strings.Builder
		for _, sl := range sh.Elems[1].Elems {
			fmt.Fprintf(&b, "%s ", sl.Str)
		}
		for _, n := range sh.Elems[3].Elems {
			b.WriteString("|")
			for i := 0; i+1 < len(n.Elems); i += 2 {
				if n.Elems[i].Str != "replication-offset" {
					fmt.Fprintf(&b, "%s=%s ", n.Elems[i].Str, n.Elems[i+1].Str)
				}
			}
		}
		shards = append(shards, b.String())
	}
	sort.Strings(shards)
	return strings.Join(shards, "\n"), nil
}

// waitSameTopology waits until CLUSTER SLOTS is byte for byte the same on every node, and
// CLUSTER SHARDS the same up to shard order and offsets: both implementations must describe
// one cluster identically to the clients that route by it.
func waitSameTopology(t *testing.T, nodes []*harness.Server) {
	t.Helper()
	waitUntil(t, 20*time.Second, "every node to describe the cluster alike", func() error {
		var refSlots []byte
		var refShards string
		for i, s := range nodes {
			raw, err := harness.QueryRaw(s, "CLUSTER", "SLOTS")
			if err != nil {
				return fmt.Errorf("%s: %v", s.Addr(), err)
			}
			v, err := harness.Query(s, "CLUSTER", "SHARDS")
			if err != nil {
				return fmt.Errorf("%s: %v", s.Addr(), err)
			}
			shards, err := shardsSignature(v)
			if err != nil {
				return fmt.Errorf("%s: %v", s.Addr(), err)
			}
			if i == 0 {
				refSlots, refShards = raw, shards
				continue
			}
			if !bytes.Equal(raw, refSlots) {
				return fmt.Errorf("CLUSTER SLOTS of %s and %s differ:\n  %s\n  %s", kind(nodes[0]), kind(s), harness.Escape(refSlots), harness.Escape(raw))
			}
			if shards != refShards {
				return fmt.Errorf("CLUSTER SHARDS of %s and %s differ:\n%s\n----\n%s", kind(nodes[0]), kind(s), refShards, shards)
			}
		}
		return nil
	})
}

// seqValues is prefix:i -> v:i, the values setKeys writes.
func seqValues(prefix string, n int) map[string]string {
	out := make(map[string]string, n)
	for i := 0; i < n; i++ {
		out[fmt.Sprintf("%s:%d", prefix, i)] = fmt.Sprintf("v:%d", i)
	}
	return out
}

// oddValues are string values whose DUMP payloads take the less common paths of the RDB
// encoding: integers (Redis dumps them in its integer encodings), long repetitive text (Redis
// compresses it with LZF), incompressible bytes, binary with CR/LF/NUL, the empty string.
func oddValues(seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	random := make([]byte, 100_000)
	rng.Read(random)
	return []string{
		"0", "7", "-42", "255", "65536", "123456789", "-2147483649", "9223372036854775807",
		"-9223372036854775808", "18446744073709551616", "007", "1e3", " 1",
		"",
		strings.Repeat("abcdefgh", 6000),
		strings.Repeat("x", 21),
		string(random),
		"a\r\nb\x00c\xff",
	}
}

// ---- 1, 2. mixed masters and replicas, failover across implementations ----

func TestClusterMixedRedisMasters(t *testing.T)   { testMixedFailover(t, "RRRTTT") }
func TestClusterMixedTesseraMasters(t *testing.T) { testMixedFailover(t, "TTTRRR") }

// testMixedFailover forms a cluster of six nodes whose first three (the masters redis-cli
// picks when all nodes share one IP) are of one kind and the last three of the other, checks it
// end to end, kills a master with SIGKILL, and checks that its replica of the other kind takes
// over and that the old master comes back as a replica of it.
func testMixedFailover(t *testing.T, kinds string) {
	requireCli(t)
	harness.RequireBinary(t, harness.RedisServerBin())
	start := time.Now()
	c := startMixedNodes(t, kinds, harness.ClusterOptions{})
	formCluster(t, c, 1)
	masters, replicas := c.Nodes[:3], c.Nodes[3:]
	entry := replicas[0]

	// Roles: the first three own the slots, each of the others replicates one of them.
	view := c.View(entry)
	isMaster := map[string]bool{}
	for _, m := range masters {
		line, ok := view.ByPort(m.Port)
		if !ok || !line.IsMaster() || len(line.RangeSpecs()) == 0 {
			t.Fatalf("%s is not a master with slots: %q", kind(m), line.Raw)
		}
		isMaster[line.ID] = true
	}
	seen := map[string]bool{}
	for _, r := range replicas {
		line, _ := view.ByPort(r.Port)
		if !line.IsReplica() || !isMaster[line.Master] || seen[line.Master] {
			t.Fatalf("%s is not the only replica of one of the first three nodes: %q", kind(r), line.Raw)
		}
		seen[line.Master] = true
	}
	for _, s := range c.Nodes {
		info := clusterInfoOf(t, s)
		if info["cluster_state"] != "ok" || info["cluster_known_nodes"] != "6" || info["cluster_size"] != "3" ||
			info["cluster_slots_ok"] != "16384" {
			t.Errorf("%s: CLUSTER INFO %v", kind(s), info)
		}
	}

	// go-redis through the whole cluster; every replica has its master's keys.
	rdb := newClusterClient(t, c.Nodes)
	setKeys(t, rdb, "mx", 1000)
	checkKeys(t, rdb, "mx", 1000)
	for _, m := range masters {
		if n, err := dbsize(m); err != nil || n < 200 {
			t.Errorf("master %s holds %d of 1000 keys (%v)", kind(m), n, err)
		}
	}
	if n := sumDBSize(t, masters); n != 1000 {
		t.Errorf("masters hold %d keys, want 1000", n)
	}
	before := seqValues("mx", 1000)
	waitReplicasHold(t, c, entry, before)
	waitSameTopology(t, c.Nodes)

	// kill -9 one master: its replica, of the other kind, takes over.
	m := masters[1]
	r := c.ReplicaOf(entry, m)
	mID, rID := c.ID(m), c.ID(r)
	mLine, _ := view.ByID(mID)
	t0 := time.Now()
	m.KillNow()
	waitUntil(t, c.NodeTimeout()+30*time.Second, fmt.Sprintf("replica %s to be promoted", kind(r)), func() error {
		if !harness.IsMaster(r) {
			return errors.New("still a replica")
		}
		return nil
	})
	took := time.Since(t0)
	t.Logf("%s promoted %v after kill -9 of %s (node timeout %v)", kind(r), took.Round(time.Millisecond), kind(m), c.NodeTimeout())
	if took > c.NodeTimeout()+10*time.Second {
		t.Errorf("promotion took %v, more than node timeout + 10 s", took)
	}
	// A replica asks for votes only once its master is FAIL, and it broadcasts FAIL when it
	// marks it so; a Redis master that still sees the old master up refuses (and logs it), and
	// the election then waits for its retry window.
	for _, s := range c.Others(m) {
		if line := lastLine(s.Log(), "Failover auth denied"); s.IsReference() && line != "" {
			t.Errorf("%s refused its vote: %s", kind(s), line)
		}
	}
	survivors := c.Others(m)
	c.WaitState(survivors, "ok", 30*time.Second)
	waitUntil(t, 30*time.Second, "the survivors to agree on the new owner", func() error {
		for _, s := range survivors {
			v, err := harness.ClusterNodes(s)
			if err != nil {
				return err
			}
			old, _ := v.ByID(mID)
			if !old.Has("fail") || len(old.RangeSpecs()) > 0 {
				return fmt.Errorf("%s sees the old master as %q", s.Addr(), old.Raw)
			}
			nu, _ := v.ByID(rID)
			if !nu.IsMaster() || strings.Join(nu.RangeSpecs(), " ") != strings.Join(mLine.RangeSpecs(), " ") {
				return fmt.Errorf("%s sees the new master as %q", s.Addr(), nu.Raw)
			}
		}
		return nil
	})
	rdb2 := newClusterClient(t, survivors)
	checkKeys(t, rdb2, "mx", 1000)
	setKeys(t, rdb2, "mx2", 1000)
	checkKeys(t, rdb2, "mx2", 1000)

	// The old master, restarted in its directory, follows the new one and syncs from it.
	if err := m.Restart(); err != nil {
		t.Fatalf("restart %s: %v", kind(m), err)
	}
	waitUntil(t, 60*time.Second, "the old master to become a replica of the promoted node", func() error {
		if !harness.IsReplicaOf(m, rID) {
			v, _ := harness.ClusterNodes(m)
			me, _ := v.Myself()
			return fmt.Errorf("%s says %q", kind(m), me.Raw)
		}
		return nil
	})
	c.WaitHealthy(c.Nodes, 60*time.Second)
	waitUntil(t, 30*time.Second, "the old master to hold as many keys as the new one", func() error {
		a, err := dbsize(r)
		if err != nil {
			return err
		}
		b, err := dbsize(m)
		if err != nil {
			return err
		}
		if a != b || a == 0 {
			return fmt.Errorf("new master %d keys, old master %d", a, b)
		}
		return nil
	})
	all := seqValues("mx", 1000)
	for k, v := range seqValues("mx2", 1000) {
		all[k] = v
	}
	if err := replicaMismatch(readonlyClient(t, m), ownedBy(c.View(entry), all)[rID]); err != nil {
		t.Errorf("old master %s as a replica: %v", kind(m), err)
	}
	waitSameTopology(t, c.Nodes)
	chk := mustCli(t, time.Minute, "", "--cluster", "check", entry.Addr())
	expectContains(t, "--cluster check", chk.Out, "[OK] All 16384 slots covered.")
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}

// ---- 3. reshard between a Redis master and one of ours ----

func TestClusterMixedReshard(t *testing.T) {
	requireCli(t)
	harness.RequireBinary(t, harness.RedisServerBin())
	start := time.Now()
	// Masters alternate: redis, tessera, redis; the replicas are of both kinds.
	c := startMixedNodes(t, "RTRTRT", harness.ClusterOptions{})
	formCluster(t, c, 1)
	entry := c.Nodes[1]
	src, dst := c.Nodes[0], c.Nodes[1] // owners of 0-5460 and 5461-10922
	srcID, dstID := c.ID(src), c.ID(dst)
	if me, _ := c.View(src).Myself(); strings.Join(me.RangeSpecs(), " ") != "0-5460" {
		t.Fatalf("%s owns %v, want 0-5460", kind(src), me.RangeSpecs())
	}
	rdb := newClusterClient(t, c.Nodes)
	ctx := context.Background()
	setKeys(t, rdb, "rs", 3000)
	want := seqValues("rs", 3000)
	// Values with unusual encodings in the slots that move, some with a TTL.
	ttlKeys := map[string]bool{}
	odd := oddValues(1)
	for slot := 0; slot < 500; slot += 40 {
		for j, v := range odd {
			k := harness.KeyInSlot(fmt.Sprintf("odd:%d:%d:", slot, j), slot)
			want[k] = v
			exp := time.Duration(0)
			if j%3 == 0 {
				exp = 10 * time.Minute
				ttlKeys[k] = true
			}
			if err := rdb.Set(ctx, k, v, exp).Err(); err != nil {
				t.Fatalf("SET %s: %v", k, err)
			}
		}
	}
	moving := 0
	for k := range want {
		if harness.KeySlot(k) < 500 {
			moving++
		}
	}
	checkAll := func(stage string) {
		t.Helper()
		var bad []string
		for k, v := range want {
			got, err := rdb.Get(ctx, k).Result()
			if err != nil || got != v {
				bad = append(bad, fmt.Sprintf("%s = %q, %v (want %q)", k, shortVal(got), err, shortVal(v)))
			}
			pttl, err := rdb.PTTL(ctx, k).Result()
			if ttlKeys[k] && (err != nil || pttl <= 0 || pttl > 10*time.Minute) {
				bad = append(bad, fmt.Sprintf("PTTL %s = %v, %v (want up to 10m)", k, pttl, err))
			}
			if !ttlKeys[k] && (err != nil || pttl >= 0) {
				bad = append(bad, fmt.Sprintf("PTTL %s = %v, %v (want none)", k, pttl, err))
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			t.Errorf("%s: %d problems, e.g.\n  %s", stage, len(bad), strings.Join(bad[:min(len(bad), 8)], "\n  "))
		}
		if n := sumDBSize(t, c.Masters(entry)); n != int64(len(want)) {
			t.Errorf("%s: masters hold %d keys, want %d", stage, n, len(want))
		}
		waitSameDBSize(t, c, entry)
		waitSameTopology(t, c.Nodes)
		chk := harness.RunCli(t, time.Minute, "", "--cluster", "check", entry.Addr())
		if chk.Code != 0 || strings.Contains(chk.Out, "[WARNING]") || strings.Contains(chk.Out, "[ERR]") {
			t.Errorf("%s: --cluster check exited with %d:\n%s", stage, chk.Code, tail(chk.Out, 30))
		}
	}
	checkAll("before resharding")

	// Redis master -> our master: redis-cli moves the source's lowest slots first.
	n0, _ := dbsize(dst)
	r := mustCli(t, 3*time.Minute, "", "--cluster", "reshard", entry.Addr(),
		"--cluster-from", srcID, "--cluster-to", dstID, "--cluster-slots", "500", "--cluster-yes")
	t.Logf("500 slots (%d keys) from %s to %s in %v", moving, kind(src), kind(dst), r.Took.Round(time.Millisecond))
	c.WaitHealthy(c.Nodes, 30*time.Second)
	if me, _ := c.View(dst).Myself(); strings.Join(me.RangeSpecs(), " ") != "0-499 5461-10922" {
		t.Errorf("after the first reshard %s owns %v, want 0-499 5461-10922", kind(dst), me.RangeSpecs())
	}
	if n1, _ := dbsize(dst); n1-n0 != int64(moving) {
		t.Errorf("%s gained %d keys, want %d", kind(dst), n1-n0, moving)
	}
	for _, slot := range []int{0, 40, 480} {
		src.Dial(t).Expect(":0\r\n", "CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot))
	}
	checkAll("after moving slots from redis-server to tessera")

	// And back: our master -> the Redis master.
	r = mustCli(t, 3*time.Minute, "", "--cluster", "reshard", entry.Addr(),
		"--cluster-from", dstID, "--cluster-to", srcID, "--cluster-slots", "500", "--cluster-yes")
	t.Logf("500 slots (%d keys) from %s to %s in %v", moving, kind(dst), kind(src), r.Took.Round(time.Millisecond))
	c.WaitHealthy(c.Nodes, 30*time.Second)
	if me, _ := c.View(src).Myself(); strings.Join(me.RangeSpecs(), " ") != "0-5460" {
		t.Errorf("after moving back %s owns %v, want 0-5460", kind(src), me.RangeSpecs())
	}
	if n2, _ := dbsize(dst); n2 != n0 {
		t.Errorf("%s holds %d keys after moving back, had %d before", kind(dst), n2, n0)
	}
	checkAll("after moving the slots back to redis-server")
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}

// ---- 4. rueidis ----

// trackingWorks tells whether a node accepts the CLIENT TRACKING that rueidis sends when its
// client-side cache is on.
func trackingWorks(t *testing.T, s *harness.Server) (bool, string) {
	conn := s.Dial(t)
	conn.Do("HELLO", "3")
	got := conn.Do("CLIENT", "TRACKING", "ON", "OPTIN")
	return bytes.Equal(got, []byte("+OK\r\n")), strings.TrimSpace(string(got))
}

// asking is the number of ASKING commands a node has served (INFO commandstats).
func asking(s *harness.Server) int64 {
	txt, err := harness.QueryText(s, "INFO", "commandstats")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(txt, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_asking:calls="); ok {
			n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
			return n
		}
	}
	return 0
}

// moveSlotByHand migrates one slot the way redis-cli does, but stops half-way until clients
// have been sent to the target with ASK at least once more (or a few seconds have passed).
func moveSlotByHand(t *testing.T, c *harness.Cluster, src, dst *harness.Server, slot int) {
	t.Helper()
	sl := strconv.Itoa(slot)
	srcID, dstID := c.ID(src), c.ID(dst)
	sc, dc := src.Dial(t), dst.Dial(t)
	dc.Expect("+OK\r\n", "CLUSTER", "SETSLOT", sl, "IMPORTING", srcID)
	sc.Expect("+OK\r\n", "CLUSTER", "SETSLOT", sl, "MIGRATING", dstID)
	migrate := func(limit int) int {
		v := harness.MustParse(sc.Do("CLUSTER", "GETKEYSINSLOT", sl, strconv.Itoa(limit)))
		if len(v.Elems) == 0 {
			return 0
		}
		args := []string{"MIGRATE", "127.0.0.1", strconv.Itoa(dst.Port), "", "0", "5000", "KEYS"}
		for _, e := range v.Elems {
			args = append(args, e.Str)
		}
		sc.Expect("+OK\r\n", args...)
		return len(v.Elems)
	}
	migrate(1)
	before := asking(dst)
	harness.WaitFor(5*time.Second, func() bool { return asking(dst) > before })
	for migrate(100) > 0 {
	}
	dc.Expect("+OK\r\n", "CLUSTER", "SETSLOT", sl, "NODE", dstID)
	sc.Expect("+OK\r\n", "CLUSTER", "SETSLOT", sl, "NODE", dstID)
	for _, m := range c.Masters(dst) {
		if m != src && m != dst {
			m.Dial(t).Expect("+OK\r\n", "CLUSTER", "SETSLOT", sl, "NODE", dstID)
		}
	}
}

// rueidisLoad drives SET-then-GET on random keys from several goroutines and records, per key,
// every acknowledged value and when the last one was acknowledged.
type rueidisLoad struct {
	client rueidis.Client
	keys   []string
	stop   atomic.Bool
	wg     sync.WaitGroup
	ops    atomic.Int64
	fails  atomic.Int64

	mu       sync.Mutex
	acked    []map[string]bool
	tried    []map[string]bool // every value sent, acknowledged or not
	last     []string
	lastAt   []time.Time
	errs     []string
	ackedFor func(i int, at time.Time) // hook, under mu
}

func newRueidisLoad(client rueidis.Client, keys []string) *rueidisLoad {
	l := &rueidisLoad{client: client, keys: keys, acked: make([]map[string]bool, len(keys)),
		tried: make([]map[string]bool, len(keys)), last: make([]string, len(keys)), lastAt: make([]time.Time, len(keys))}
	for i := range l.acked {
		l.acked[i] = map[string]bool{}
		l.tried[i] = map[string]bool{}
	}
	return l
}

func (l *rueidisLoad) start(workers int, tag string) {
	l.stop.Store(false)
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func(w int) {
			defer l.wg.Done()
			rng := rand.New(rand.NewSource(int64(w) + time.Now().UnixNano()))
			for n := 0; !l.stop.Load(); n++ {
				// Each worker owns the keys i ≡ w (mod workers), so the last value is well defined.
				i := w + workers*rng.Intn(len(l.keys)/workers)
				val := fmt.Sprintf("%s:%d:%d", tag, w, n)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				l.mu.Lock()
				l.tried[i][val] = true
				l.mu.Unlock()
				err := l.client.Do(ctx, l.client.B().Set().Key(l.keys[i]).Value(val).Build()).Error()
				at := time.Now()
				if err == nil {
					l.mu.Lock()
					l.acked[i][val] = true
					l.last[i], l.lastAt[i] = val, at
					if l.ackedFor != nil {
						l.ackedFor(i, at)
					}
					l.mu.Unlock()
					var got string
					got, err = l.client.Do(ctx, l.client.B().Get().Key(l.keys[i]).Build()).ToString()
					if err == nil && got != val {
						err = fmt.Errorf("read %q after writing %q", got, val)
					}
				}
				cancel()
				l.ops.Add(1)
				if err != nil {
					l.fails.Add(1)
					l.mu.Lock()
					if len(l.errs) < 10 {
						l.errs = append(l.errs, fmt.Sprintf("%s: %v", l.keys[i], err))
					}
					l.mu.Unlock()
					time.Sleep(20 * time.Millisecond)
				}
			}
		}(w)
	}
}

func (l *rueidisLoad) halt() {
	l.stop.Store(true)
	l.wg.Wait()
}

// sameWorkerLater: values are "tag:worker:n"; is got a later write of the same worker than last?
func sameWorkerLater(got, last string) bool {
	gi, li := strings.LastIndexByte(got, ':'), strings.LastIndexByte(last, ':')
	if gi < 0 || li < 0 || got[:gi] != last[:li] {
		return false
	}
	gn, err1 := strconv.Atoi(got[gi+1:])
	ln, err2 := strconv.Atoi(last[li+1:])
	return err1 == nil && err2 == nil && gn > ln
}

func TestClusterRueidis(t *testing.T) {
	requireCli(t)
	start := time.Now()
	c := harness.StartCluster(t, harness.ClusterOptions{})
	entry := c.Nodes[0]
	tracking, reply := trackingWorks(t, entry)
	t.Logf("CLIENT TRACKING ON OPTIN answers %s; rueidis client-side cache %s", reply,
		map[bool]string{true: "on", false: "off (DisableCache)"}[tracking])
	var addrs []string
	for _, s := range c.Nodes {
		addrs = append(addrs, s.Addr())
	}
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:      addrs,
		DisableCache:     !tracking,
		ConnWriteTimeout: 3 * time.Second,
		Dialer:           net.Dialer{Timeout: 2 * time.Second},
	})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(client.Close)
	ctx := context.Background()

	// 1000 keys across all slots, pipelined (rueidis splits the batch by slot), then read back
	// one by one.
	var sets rueidis.Commands
	for i := 0; i < 1000; i++ {
		sets = append(sets, client.B().Set().Key(fmt.Sprintf("ru:%d", i)).Value(fmt.Sprintf("v:%d", i)).Build())
	}
	for i, res := range client.DoMulti(ctx, sets...) {
		if err := res.Error(); err != nil {
			t.Fatalf("SET ru:%d: %v", i, err)
		}
	}
	for i := 0; i < 1000; i++ {
		got, err := client.Do(ctx, client.B().Get().Key(fmt.Sprintf("ru:%d", i)).Build()).ToString()
		if err != nil || got != fmt.Sprintf("v:%d", i) {
			t.Fatalf("GET ru:%d = %q, %v", i, got, err)
		}
	}
	masters := c.Masters(entry)
	for _, m := range masters {
		if n, _ := dbsize(m); n < 200 {
			t.Errorf("master %s holds only %d of 1000 keys", m.Addr(), n)
		}
	}
	if n := sumDBSize(t, masters); n != 1000 {
		t.Errorf("masters hold %d keys, want 1000", n)
	}

	// Slots moved by hand while the load runs: the load meets ASK during each move and MOVED
	// after it; no operation may fail.
	src, dst := masters[0], masters[1]
	srcLine, _ := c.View(entry).ByID(c.ID(src))
	moving := srcLine.OwnedSlots()[:8]
	var keys []string
	for _, s := range moving {
		for j := 0; j < 8; j++ {
			keys = append(keys, harness.KeyInSlot(fmt.Sprintf("ruhot:%d:%d:", s, j), s))
		}
	}
	for i := 0; i < 1000; i++ {
		keys = append(keys, fmt.Sprintf("ru:%d", i))
	}
	load := newRueidisLoad(client, keys)
	for i, k := range keys {
		if err := client.Do(ctx, client.B().Set().Key(k).Value("init").Build()).Error(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
		load.acked[i]["init"] = true
		load.last[i] = "init"
	}
	askBefore := asking(dst)
	load.start(4, "reshard")
	t0 := time.Now()
	for _, s := range moving {
		moveSlotByHand(t, c, src, dst, s)
	}
	reshardTook := time.Since(t0)
	// Some operations after the move, which meet MOVED first.
	opsAtEnd := load.ops.Load()
	harness.WaitFor(10*time.Second, func() bool { return load.ops.Load() > opsAtEnd+2000 })
	load.halt()
	t.Logf("moved %d slots by hand in %v; %d rueidis operations meanwhile, %d failed; %d ASKING on the target",
		len(moving), reshardTook.Round(time.Millisecond), load.ops.Load(), load.fails.Load(), asking(dst)-askBefore)
	if load.fails.Load() > 0 {
		t.Errorf("rueidis saw %d failures during the reshard, e.g. %s", load.fails.Load(), strings.Join(load.errs, "; "))
	}
	if asking(dst) == askBefore {
		t.Errorf("the target served no ASKING: the load never met an ASK redirection")
	}
	for _, s := range moving {
		if c.OwnerOf(entry, s) != dst {
			t.Errorf("slot %d not owned by the target after the move", s)
		}
	}
	for i, k := range keys {
		got, err := client.Do(ctx, client.B().Get().Key(k).Build()).ToString()
		if err != nil || got != load.last[i] {
			t.Errorf("after the reshard %s = %q, %v; want %q", k, got, err, load.last[i])
		}
	}
	c.WaitHealthy(c.Nodes, 30*time.Second)

	// kill -9 a master while the load runs: operations on its slots fail until the replica is
	// promoted and rueidis has found it; every other key keeps its last acknowledged value.
	victim := masters[2]
	replica := c.ReplicaOf(entry, victim)
	victimLine := mustLine(t, c, entry, victim)
	victimSlots := map[int]bool{}
	for _, s := range victimLine.OwnedSlots() {
		victimSlots[s] = true
	}
	var killedAt time.Time
	var servedAgain atomic.Int64
	var firstServed time.Time
	load.mu.Lock()
	load.errs = nil
	load.ackedFor = func(i int, at time.Time) {
		if !killedAt.IsZero() && at.After(killedAt) && victimSlots[harness.KeySlot(keys[i])] {
			if servedAgain.Add(1) == 1 {
				firstServed = at
			}
		}
	}
	load.mu.Unlock()
	load.fails.Store(0)
	load.start(4, "failover")
	opsBefore := load.ops.Load()
	harness.WaitFor(10*time.Second, func() bool { return load.ops.Load() > opsBefore+1000 })
	// killedAt is taken once the process is gone: every acknowledgement after it came from
	// the promoted replica.
	killStart := time.Now()
	victim.KillNow()
	load.mu.Lock()
	killedAt = time.Now()
	load.mu.Unlock()
	waitUntil(t, c.NodeTimeout()+30*time.Second, "the replica to be promoted", func() error {
		if !harness.IsMaster(replica) {
			return errors.New("still a replica")
		}
		return nil
	})
	promotedAfter := time.Since(killStart)
	waitUntil(t, 30*time.Second, "rueidis to write to the failed-over slots again", func() error {
		if n := servedAgain.Load(); n < 200 {
			return fmt.Errorf("%d writes there since the kill", n)
		}
		return nil
	})
	load.halt()
	load.mu.Lock()
	served := firstServed.Sub(killStart)
	load.mu.Unlock()
	t.Logf("kill -9: replica promoted after %v, rueidis served the slots again after %v; %d operations failed meanwhile (e.g. %s)",
		promotedAfter.Round(time.Millisecond), served.Round(time.Millisecond), load.fails.Load(), strings.Join(load.errs[:min(len(load.errs), 2)], "; "))

	// Final values: exact where the last acknowledgement came after the kill (the new master
	// gave it) or the key lives elsewhere; an older acknowledged value is tolerated only for
	// keys of the killed master acknowledged before the kill (asynchronous replication).
	stale, unacked := 0, 0
	for i, k := range keys {
		var got string
		waitUntil(t, 20*time.Second, "a final read of "+k, func() error {
			var err error
			got, err = client.Do(ctx, client.B().Get().Key(k).Build()).ToString()
			return err
		})
		if got == load.last[i] {
			continue
		}
		if victimSlots[harness.KeySlot(k)] && load.lastAt[i].Before(killedAt) && load.acked[i][got] {
			stale++
			continue
		}
		// A write whose reply was lost (the connection died with the master after it applied and
		// replicated the SET) may win; it must then be newer than the last acknowledged one.
		if load.tried[i][got] && !load.acked[i][got] && sameWorkerLater(got, load.last[i]) {
			unacked++
			continue
		}
		t.Errorf("after the failover %s = %q; last acknowledged %q at %v (kill at %v)", k, got, load.last[i],
			load.lastAt[i].Format("15:04:05.000"), killedAt.Format("15:04:05.000"))
	}
	t.Logf("%d keys of the killed master hold an older acknowledged value (writes not yet replicated at the kill), %d a newer value whose write failed at the client", stale, unacked)
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}

// ---- 5. --cluster import ----

// importKeys describes what a source holds: key -> value, and which keys carry a TTL.
type importKeys struct {
	vals map[string]string
	ttl  map[string]bool
	set  time.Time
}

const importTTL = 10 * time.Minute

// fillSource writes n string keys <prefix>:<i> (every fourth with a TTL) plus the odd values
// to a standalone server; tag goes into the values so that a rewrite is visible.
func fillSource(t *testing.T, src *redis.Client, prefix, tag string, n int) importKeys {
	t.Helper()
	ctx := context.Background()
	ks := importKeys{vals: map[string]string{}, ttl: map[string]bool{}, set: time.Now()}
	for i := 0; i < n; i++ {
		ks.vals[fmt.Sprintf("%s:%d", prefix, i)] = fmt.Sprintf("%s:%d", tag, i)
	}
	for j, v := range oddValues(int64(len(tag))) {
		ks.vals[fmt.Sprintf("%s:odd:%d", prefix, j)] = tag + v
		if j%2 == 0 {
			ks.vals[fmt.Sprintf("%s:oddraw:%d", prefix, j)] = v
		}
	}
	i := 0
	_, err := src.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, v := range ks.vals {
			exp := time.Duration(0)
			if i%4 == 0 {
				exp = importTTL
				ks.ttl[k] = true
			}
			p.Set(ctx, k, v, exp)
			i++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fill the source: %v", err)
	}
	return ks
}

// checkImported reads every key through the cluster client: value, and TTL within what can
// have passed since the source was filled.
func checkImported(t *testing.T, stage string, rdb *redis.ClusterClient, ks importKeys) {
	t.Helper()
	ctx := context.Background()
	keys := make([]string, 0, len(ks.vals))
	for k := range ks.vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	gets := make([]*redis.StringCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
			ttls[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatalf("%s: pipelined reads: %v", stage, err)
	}
	elapsed := time.Since(ks.set)
	var bad []string
	for i, k := range keys {
		got, err := gets[i].Result()
		if err != nil || got != ks.vals[k] {
			bad = append(bad, fmt.Sprintf("%s = %q, %v (want %q)", k, shortVal(got), err, shortVal(ks.vals[k])))
			continue
		}
		ttl, err := ttls[i].Result()
		if ks.ttl[k] {
			if err != nil || ttl > importTTL || ttl < importTTL-elapsed-time.Second {
				bad = append(bad, fmt.Sprintf("PTTL %s = %v, %v (want %v less at most %v)", k, ttl, err, importTTL, elapsed))
			}
		} else if err != nil || ttl >= 0 {
			bad = append(bad, fmt.Sprintf("PTTL %s = %v, %v (want no TTL)", k, ttl, err))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d of %d keys wrong, e.g.\n  %s", stage, len(bad), len(keys), strings.Join(bad[:min(len(bad), 8)], "\n  "))
	}
}

func TestClusterImport(t *testing.T) {
	requireCli(t)
	harness.RequireBinary(t, harness.RedisServerBin())
	start := time.Now()
	c := harness.StartClusterNodes(t, 3, harness.ClusterOptions{})
	formCluster(t, c, 0)
	entry := c.Nodes[0]
	rdb := newClusterClient(t, c.Nodes)
	ctx := context.Background()
	total := int64(0)

	sources := []struct {
		name string
		opts harness.Options
	}{
		{"tessera", harness.Options{}},
		{"redis", harness.Options{Reference: true}},
	}
	for _, srcDef := range sources {
		t.Run("from "+srcDef.name, func(t *testing.T) {
			src := harness.Start(t, srcDef.opts)
			sc := redis.NewClient(&redis.Options{Addr: src.Addr(), DialTimeout: 5 * time.Second, ReadTimeout: 20 * time.Second})
			t.Cleanup(func() { sc.Close() })
			if info, _ := harness.InfoField(src, "cluster", "cluster_enabled"); info != "0" {
				t.Fatalf("source %s: cluster_enabled:%s", src.Addr(), info)
			}
			importCli := func(flags ...string) harness.CliResult {
				args := append([]string{"--cluster", "import", entry.Addr(), "--cluster-from", src.Addr()}, flags...)
				return harness.RunCli(t, 3*time.Minute, "", args...)
			}
			mustImport := func(stage string, ks importKeys, flags ...string) {
				t.Helper()
				r := importCli(flags...)
				if r.Code != 0 {
					t.Fatalf("%s: --cluster import %v exited with %d:\n%s", stage, flags, r.Code, tail(r.Out, 30))
				}
				expectContains(t, stage, r.Out, fmt.Sprintf("*** Importing %d keys from DB 0", len(ks.vals)))
				if n := strings.Count(r.Out, ": OK\n"); n != len(ks.vals) {
					t.Errorf("%s: %d keys reported migrated, want %d", stage, n, len(ks.vals))
				}
				t.Logf("%s: %d keys in %v", stage, len(ks.vals), r.Took.Round(time.Millisecond))
			}
			srcSize := func() int64 {
				n, err := sc.DBSize(ctx).Result()
				if err != nil {
					t.Fatalf("DBSIZE on the source: %v", err)
				}
				return n
			}
			p := "imp" + srcDef.name

			// Plain import moves the keys: the source ends up empty.
			ks := fillSource(t, sc, p+"-move", "a", 1100)
			mustImport("move", ks)
			if n := srcSize(); n != 0 {
				t.Errorf("move: the source still holds %d keys", n)
			}
			checkImported(t, "move", rdb, ks)
			total += int64(len(ks.vals))

			// --cluster-copy leaves them in place.
			ks = fillSource(t, sc, p+"-copy", "b", 1100)
			mustImport("copy", ks, "--cluster-copy")
			if n := srcSize(); n != int64(len(ks.vals)) {
				t.Errorf("copy: the source holds %d keys, want %d", n, len(ks.vals))
			}
			checkImported(t, "copy", rdb, ks)
			total += int64(len(ks.vals))

			// The same keys with new values: without --cluster-replace the target refuses.
			older := ks
			ks = fillSource(t, sc, p+"-copy", "c", 1100)
			r := importCli("--cluster-copy")
			if r.Code == 0 || !strings.Contains(r.Out, "BUSYKEY") {
				t.Errorf("copy onto existing keys: exit %d, want a failure naming BUSYKEY:\n%s", r.Code, tail(r.Out, 10))
			}
			if got, err := rdb.Get(ctx, p+"-copy:0").Result(); err != nil || got != older.vals[p+"-copy:0"] {
				t.Errorf("a refused import changed %s-copy:0 to %q, %v", p, got, err)
			}
			mustImport("copy+replace", ks, "--cluster-copy", "--cluster-replace")
			if n := srcSize(); n != int64(len(ks.vals)) {
				t.Errorf("copy+replace: the source holds %d keys, want %d", n, len(ks.vals))
			}
			checkImported(t, "copy+replace", rdb, ks)

			// --cluster-replace without copy: overwritten in the cluster, gone from the source.
			ks = fillSource(t, sc, p+"-copy", "d", 1100)
			mustImport("replace", ks, "--cluster-replace")
			if n := srcSize(); n != 0 {
				t.Errorf("replace: the source still holds %d keys", n)
			}
			checkImported(t, "replace", rdb, ks)
		})
	}
	if n := sumDBSize(t, c.Nodes); n != total {
		t.Errorf("the cluster holds %d keys, want %d", n, total)
	}
	chk := mustCli(t, time.Minute, "", "--cluster", "check", entry.Addr())
	expectContains(t, "--cluster check", chk.Out, "[OK] All 16384 slots covered.")
	t.Logf("test took %v", time.Since(start).Round(time.Millisecond))
}
