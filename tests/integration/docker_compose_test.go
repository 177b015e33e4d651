package integration

// docker/compose.yml: the cluster of 3 masters and 3 replicas that forms itself on a bridge
// network, used from the host the way its header says, then put through the faults users meet
// with containers: a master killed, paused, cut off from the others, all six restarted at once,
// and the whole stack taken down and brought back on new addresses.
//
// The host reaches the containers at their addresses on the stack's own network, which the
// test creates (a project name of its own) and removes with `down -v`. The walk-through's Go
// program (a ClusterClient, SET foo bar, GET foo) runs in the background the whole time, and a
// counter workload records every acknowledged increment, so that lost writes are counted
// rather than guessed.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"tessera/tests/integration/internal/harness"
)

// composeNodeTimeout is cluster-node-timeout in docker/cluster/redis.conf.
const composeNodeTimeout = 5 * time.Second

var composeServices = []string{"node1", "node2", "node3", "node4", "node5", "node6"}

// composeImageIsTessera: the stack runs our image, not the reference one the Docker benchmark
// swaps in through TESSERA_IMAGE (docker/compose.yml reads it), for which only Redis's own
// behaviour is expected.
func composeImageIsTessera() bool {
	img := os.Getenv("TESSERA_IMAGE")
	return img == "" || strings.HasPrefix(img, "tessera:")
}

// composeStack is one instance of docker/compose.yml under a project name of the test's own.
type composeStack struct {
	t       *testing.T
	tool    []string
	project string
	file    string
}

func startComposeStack(t *testing.T) *composeStack {
	t.Helper()
	tool := composeTool(t)
	if tool[0] != "docker" {
		t.Skip("docker/compose.yml needs `docker compose` (v2) for `up --wait`; only docker-compose v1 is installed")
	}
	s := &composeStack{
		t:       t,
		tool:    tool,
		project: fmt.Sprintf("tessera-it-%d", os.Getpid()),
		file:    filepath.Join(harness.RepoRoot(), "docker", "compose.yml"),
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := s.try(time.Minute, "logs", "--no-color", "--timestamps")
			t.Logf("container logs:\n%s", tail(out, 300))
			out, _ = s.try(time.Minute, "logs", "--no-color", "--timestamps", "cluster-keeper")
			t.Logf("cluster-keeper's log:\n%s", tail(out, 60))
		}
		if out, err := s.try(3*time.Minute, "down", "-v", "--timeout", "5"); err != nil {
			t.Errorf("compose down -v: %v\n%s", err, out)
		}
	})
	start := time.Now()
	s.run(4*time.Minute, "up", "-d", "--wait")
	t.Logf("`up -d --wait` returned after %v", time.Since(start).Round(100*time.Millisecond))
	return s
}

func (s *composeStack) try(timeout time.Duration, args ...string) (string, error) {
	all := append(append([]string{}, s.tool[1:]...), append([]string{"-p", s.project, "-f", s.file}, args...)...)
	return runCmd(timeout, "", "", s.tool[0], all...)
}

func (s *composeStack) run(timeout time.Duration, args ...string) string {
	s.t.Helper()
	out, err := s.try(timeout, args...)
	if err != nil {
		s.t.Fatalf("compose %s: %v\n%s", strings.Join(args, " "), err, tail(out, 60))
	}
	return out
}

func (s *composeStack) container(service string) string { return s.project + "-" + service + "-1" }
func (s *composeStack) network() string                 { return s.project + "_cluster" }

// ip is the service's address on the stack's network, "" while it has none.
func (s *composeStack) ip(service string) string {
	out, err := runCmd(time.Minute, "", "", "docker", "inspect", "--format",
		"{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", s.container(service))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// nodes are handles on the six servers at their current addresses.
func (s *composeStack) nodes() []*harness.Server {
	s.t.Helper()
	var nodes []*harness.Server
	for _, svc := range composeServices {
		ip := s.ip(svc)
		if ip == "" {
			s.t.Fatalf("%s has no address", svc)
		}
		nodes = append(nodes, &harness.Server{Name: svc, Host: ip, Port: 6379})
	}
	return nodes
}

// ids maps each service to its node id.
func (s *composeStack) ids(nodes []*harness.Server) map[string]string {
	s.t.Helper()
	ids := map[string]string{}
	for _, n := range nodes {
		id, err := harness.QueryText(n, "CLUSTER", "MYID")
		if err != nil {
			s.t.Fatalf("%s: CLUSTER MYID: %v", n.Name, err)
		}
		ids[n.Name] = id
	}
	return ids
}

// exec runs a command inside the service's container.
func (s *composeStack) exec(service string, args ...string) (string, error) {
	out, err := runCmd(time.Minute, "", "", "docker", append([]string{"exec", s.container(service)}, args...)...)
	return strings.TrimSpace(out), err
}

func (s *composeStack) waitHealthy(timeout time.Duration) []*harness.Server {
	s.t.Helper()
	var nodes []*harness.Server
	waitUntil(s.t, timeout, "a healthy cluster", func() error {
		nodes = nil
		for _, svc := range composeServices {
			ip := s.ip(svc)
			if ip == "" {
				return fmt.Errorf("%s has no address yet", svc)
			}
			nodes = append(nodes, &harness.Server{Name: svc, Host: ip, Port: 6379})
		}
		return harness.Healthy(nodes)
	})
	return nodes
}

// shard is a master and its replica, by service name.
type shard struct{ master, replica *harness.Server }

// shardOf returns the shard whose master is the given service.
func shardOf(t *testing.T, nodes []*harness.Server, master string) shard {
	t.Helper()
	var m *harness.Server
	for _, n := range nodes {
		if n.Name == master {
			m = n
		}
	}
	v, err := harness.ClusterNodes(m)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := v.Myself()
	if !me.IsMaster() {
		t.Fatalf("%s is not a master: %s", master, me.Raw)
	}
	reps := v.ReplicasOf(me.ID)
	if len(reps) != 1 {
		t.Fatalf("%s has %d replicas", master, len(reps))
	}
	for _, n := range nodes {
		if n.Host == reps[0].IP {
			return shard{master: m, replica: n}
		}
	}
	t.Fatalf("no container at %s, the address of %s's replica", reps[0].IP, master)
	return shard{}
}

// waitRejoined waits until the shard's old master, back from a fault (perhaps on a new
// address), follows the replica that took its place.
func waitRejoined(t *testing.T, stack *composeStack, sh shard, newMasterID string) {
	t.Helper()
	waitUntil(t, 2*time.Minute, sh.master.Name+" to rejoin as a replica", func() error {
		ip := stack.ip(sh.master.Name)
		if ip == "" {
			return errors.New("no address yet")
		}
		m := &harness.Server{Name: sh.master.Name, Host: ip, Port: 6379}
		if harness.IsReplicaOf(m, newMasterID) {
			return nil
		}
		return fmt.Errorf("%s is not a replica of %s", sh.master.Name, sh.replica.Name)
	})
}

// checkReplicasInSync waits until every replica holds as many keys as its master (no writes
// run meanwhile), so that a replica that would lose data when promoted is caught now.
func checkReplicasInSync(t *testing.T, nodes []*harness.Server) {
	t.Helper()
	waitUntil(t, time.Minute, "every replica to hold its master's keys", func() error {
		byID := map[string]*harness.Server{}
		views := map[*harness.Server]harness.View{}
		for _, n := range nodes {
			v, err := harness.ClusterNodes(n)
			if err != nil {
				return err
			}
			me, _ := v.Myself()
			byID[me.ID] = n
			views[n] = v
		}
		for _, n := range nodes {
			me, _ := views[n].Myself()
			if !me.IsReplica() {
				continue
			}
			m := byID[me.Master]
			if m == nil {
				return fmt.Errorf("%s follows an unknown master", n.Name)
			}
			rs, err1 := harness.Query(n, "DBSIZE")
			ms, err2 := harness.Query(m, "DBSIZE")
			if err1 != nil || err2 != nil {
				return fmt.Errorf("DBSIZE: %v %v", err1, err2)
			}
			if rs.Int() != ms.Int() {
				return fmt.Errorf("replica %s holds %d keys, its master %s %d", n.Name, rs.Int(), m.Name, ms.Int())
			}
		}
		return nil
	})
}

// aMaster picks a service that is a master now.
func aMaster(t *testing.T, nodes []*harness.Server, skip ...string) string {
	t.Helper()
	for _, n := range nodes {
		if harness.IsMaster(n) && !contains(skip, n.Name) {
			return n.Name
		}
	}
	t.Fatal("no master")
	return ""
}

// ---- the walk-through's program, running all along ----

// seedLoop runs the walk-through's SET foo bar / GET foo with go-redis's default retries,
// back to back, and remembers the longest stretch without a success.
type seedLoop struct {
	rdb           *redis.ClusterClient
	ok, failed    atomic.Int64
	mu            sync.Mutex
	lastOK        time.Time
	longestOutage time.Duration
	lastErr       error
	stop          atomic.Bool
	done          chan struct{}
}

func startSeedLoop(t *testing.T, nodes []*harness.Server) *seedLoop {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.Addr())
	}
	l := &seedLoop{
		rdb:    redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}),
		lastOK: time.Now(),
		done:   make(chan struct{}),
	}
	go func() {
		defer close(l.done)
		ctx := context.Background()
		for !l.stop.Load() {
			err := l.rdb.Set(ctx, "foo", "bar", 0).Err()
			if err == nil {
				var v string
				v, err = l.rdb.Get(ctx, "foo").Result()
				if err == nil && v != "bar" {
					err = fmt.Errorf("GET foo: %q", v)
				}
			}
			l.mu.Lock()
			now := time.Now()
			if err == nil {
				l.ok.Add(1)
				if gap := now.Sub(l.lastOK); gap > l.longestOutage {
					l.longestOutage = gap
				}
				l.lastOK = now
			} else {
				l.failed.Add(1)
				l.lastErr = err
			}
			l.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(l.close)
	return l
}

func (l *seedLoop) close() {
	if !l.stop.Swap(true) {
		<-l.done
		l.rdb.Close()
	}
}

// resetOutage starts a new measurement of the longest outage.
func (l *seedLoop) resetOutage() {
	l.mu.Lock()
	l.longestOutage = 0
	l.mu.Unlock()
}

// recovered waits until the program succeeds again and reports the longest outage since the
// last reset.
func (l *seedLoop) recovered(t *testing.T, what string) {
	t.Helper()
	since := time.Now()
	waitUntil(t, time.Minute, "the walk-through's program to succeed again", func() error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.lastOK.After(since) {
			return nil
		}
		return fmt.Errorf("last error: %v", l.lastErr)
	})
	l.mu.Lock()
	t.Logf("%s: SET foo bar / GET foo back to back, longest time without a success %v (%d ok, %d failed so far)",
		what, l.longestOutage.Round(10*time.Millisecond), l.ok.Load(), l.failed.Load())
	l.mu.Unlock()
}

// counterClient is a ClusterClient with short timeouts, so that a counter worker stuck on an
// unreachable container gives up and moves on.
func counterClient(t *testing.T, nodes []*harness.Server) *redis.ClusterClient {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.Addr())
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DialTimeout: 2 * time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// ---- the test ----

func TestDockerComposeCluster(t *testing.T) {
	requireDocker(t)
	harness.RequireBinary(t, harness.RedisCliBin())
	stack := startComposeStack(t)
	nodes := stack.waitHealthy(time.Minute)
	ids := stack.ids(nodes)

	// As a user on the host would: redis-cli -c at any node's address.
	r := mustCli(t, 30*time.Second, "", "-c", "-h", nodes[0].Host, "-p", "6379", "set", "greeting", "hello")
	if strings.TrimSpace(r.Out) != "OK" {
		t.Fatalf("redis-cli -c set: %q", r.Out)
	}
	r = mustCli(t, 30*time.Second, "", "-c", "-h", nodes[5].Host, "-p", "6379", "get", "greeting")
	if strings.TrimSpace(r.Out) != "hello" {
		t.Fatalf("redis-cli -c get: %q", r.Out)
	}
	keeperLog := stack.run(time.Minute, "logs", "--no-color", "cluster-keeper")
	expectContains(t, "cluster-keeper's log", keeperLog, "creating the cluster of", "[OK] All 16384 slots covered", "cluster ok")

	// The walk-through's program, once as written, then all along.
	seed := startSeedLoop(t, nodes)
	seed.recovered(t, "start")
	const nkeys = 2000
	keys := newClusterClient(t, nodes)
	setKeys(t, keys, "k", nkeys)

	t.Run("kill", func(t *testing.T) {
		composeFault(t, stack, seed, "docker kill", func(svc string) { docker(t, "kill", stack.container(svc)) },
			func(svc string) { docker(t, "start", stack.container(svc)) })
	})
	t.Run("pause", func(t *testing.T) {
		composeFault(t, stack, seed, "docker pause", func(svc string) { docker(t, "pause", stack.container(svc)) },
			func(svc string) { docker(t, "unpause", stack.container(svc)) })
	})
	t.Run("partition", func(t *testing.T) { composePartition(t, stack, seed) })
	t.Run("restart-all", func(t *testing.T) {
		seed.resetOutage()
		start := time.Now()
		stack.run(3*time.Minute, "restart", "--timeout", "10")
		nodes := stack.waitHealthy(2 * time.Minute)
		t.Logf("all six restarted: healthy after %v", time.Since(start).Round(100*time.Millisecond))
		if got := stack.ids(nodes); !sameIDs(got, ids) {
			t.Errorf("node ids changed: %v, were %v", got, ids)
		}
		checkKeys(t, newClusterClient(t, nodes), "k", nkeys)
		seed.recovered(t, "restart of all six")
		checkReplicasInSync(t, nodes)
	})
	t.Run("lost-volume", func(t *testing.T) {
		// A master's container and volume are gone (a disk lost): recreated empty, it must
		// come back into the cluster by itself, as a replica of the replica that took over.
		nodes := stack.waitHealthy(2 * time.Minute)
		svc := aMaster(t, nodes)
		oldID := ids[svc]
		seed.resetOutage()
		stack.run(2*time.Minute, "rm", "--stop", "--force", svc)
		docker(t, "volume", "rm", stack.project+"_data"+strings.TrimPrefix(svc, "node"))
		start := time.Now()
		stack.run(4*time.Minute, "up", "-d", "--wait")
		nodes = stack.waitHealthy(2 * time.Minute)
		t.Logf("%s recreated with an empty volume: cluster healthy %v after `up`", svc, time.Since(start).Round(100*time.Millisecond))
		got := stack.ids(nodes)
		if got[svc] == oldID {
			t.Fatalf("%s kept its id %s with an empty volume", svc, oldID)
		}
		masters, replicas := 0, 0
		for _, n := range nodes {
			v, err := harness.ClusterNodes(n)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := v.ByID(oldID); ok {
				t.Errorf("%s still knows %s's former id", n.Name, svc)
			}
			me, _ := v.Myself()
			if me.IsMaster() {
				masters++
				if len(v.ReplicasOf(me.ID)) != 1 {
					t.Errorf("master %s has %d replicas", n.Name, len(v.ReplicasOf(me.ID)))
				}
			} else {
				replicas++
			}
		}
		if masters != 3 || replicas != 3 {
			t.Errorf("%d masters and %d replicas", masters, replicas)
		}
		keeperLog := stack.run(time.Minute, "logs", "--no-color", "cluster-keeper")
		expectContains(t, "cluster-keeper's log", keeperLog, svc+" came back empty", svc+" joins as a replica")
		checkKeys(t, newClusterClient(t, nodes), "k", nkeys)
		seed.recovered(t, "lost volume")
		ids = got
	})
	t.Run("down-up-new-addresses", func(t *testing.T) {
		seed.close() // its addresses go away with the network
		before := map[string]string{}
		for _, svc := range composeServices {
			before[svc] = stack.ip(svc)
		}
		stack.run(3*time.Minute, "down", "--timeout", "10")
		// Recreate the containers, then start them in the reverse order: each one gets an
		// address another one had.
		stack.run(3*time.Minute, "up", "--no-start")
		for i := len(composeServices) - 1; i >= 0; i-- {
			docker(t, "start", stack.container(composeServices[i]))
		}
		start := time.Now()
		stack.run(4*time.Minute, "up", "-d", "--wait")
		nodes := stack.waitHealthy(2 * time.Minute)
		t.Logf("stack down and up again: healthy %v after the containers started", time.Since(start).Round(100*time.Millisecond))
		moved := 0
		for _, svc := range composeServices {
			if stack.ip(svc) != before[svc] {
				moved++
			}
		}
		t.Logf("%d of 6 containers came back on another address", moved)
		if moved == 0 {
			t.Errorf("no container changed address; the test did not test that")
		}
		if got := stack.ids(nodes); !sameIDs(got, ids) {
			t.Errorf("node ids changed: %v, were %v", got, ids)
		}
		rdb := newClusterClient(t, nodes)
		checkKeys(t, rdb, "k", nkeys)
		if v, err := rdb.Get(context.Background(), "foo").Result(); err != nil || v != "bar" {
			t.Errorf("GET foo: %q %v", v, err)
		}
		keeperLog := stack.run(time.Minute, "logs", "--no-color", "cluster-keeper")
		expectContains(t, "cluster-keeper's log", keeperLog, "cluster ok")
		if strings.Contains(keeperLog, "creating the cluster") || strings.Contains(keeperLog, "came back empty") {
			t.Errorf("the keeper rebuilt what the volumes kept:\n%s", tail(keeperLog, 20))
		}
	})
}

func sameIDs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// composeFault takes a master down with `down`, waits for its replica to be promoted, brings
// it back with `up` and waits for it to rejoin as the replica of its former replica, with the
// counter workload running from the host all along.
func composeFault(t *testing.T, stack *composeStack, seed *seedLoop, what string, down, up func(svc string)) {
	nodes := stack.waitHealthy(2 * time.Minute)
	ids := stack.ids(nodes)
	sh := shardOf(t, nodes, aMaster(t, nodes))
	ctr := startCounterLoad(t, counterClient(t, nodes), strings.ReplaceAll(what, " ", "-")+":", 1000, 8, nil)
	waitUntil(t, 30*time.Second, "the counter workload to get going", func() error {
		if n := ctr.acked(); n < 1000 {
			return fmt.Errorf("%d increments so far", n)
		}
		return nil
	})
	seed.resetOutage()

	t0 := time.Now()
	down(sh.master.Name)
	waitUntil(t, composeNodeTimeout+30*time.Second, sh.replica.Name+" to be promoted", func() error {
		if harness.IsMaster(sh.replica) {
			return nil
		}
		return errors.New("still a replica")
	})
	promoted := time.Since(t0)
	t.Logf("%s %s: %s promoted after %v (node timeout %v)", what, sh.master.Name, sh.replica.Name,
		promoted.Round(10*time.Millisecond), composeNodeTimeout)
	// The target: the node timeout plus a few seconds for the election on a busy machine.
	if promoted > composeNodeTimeout+10*time.Second {
		t.Errorf("promotion took %v", promoted)
	}
	seed.recovered(t, what)

	up(sh.master.Name)
	waitRejoined(t, stack, sh, ids[sh.replica.Name])
	stack.waitHealthy(2 * time.Minute)
	st := ctr.finish(t)
	checkReplicasInSync(t, stack.waitHealthy(2*time.Minute))
	t.Logf("counter workload through %s: %d increments acknowledged, %d failed, %d acknowledged but lost, %d applied without acknowledgement",
		what, st.acked, st.failed, st.lost, st.unacked)
}

// composePartition cuts a master off the stack's network while a client inside its container
// (the minority side) keeps incrementing a key of its own. After the node timeout the master
// refuses writes; the others promote its replica; reconnected, it becomes a replica and the
// increments it acknowledged while cut off are the ones at risk: they are counted.
func composePartition(t *testing.T, stack *composeStack, seed *seedLoop) {
	nodes := stack.waitHealthy(2 * time.Minute)
	ids := stack.ids(nodes)
	sh := shardOf(t, nodes, aMaster(t, nodes))
	v, err := harness.ClusterNodes(sh.master)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := v.Myself()
	key := harness.KeyInSlot("minority:", me.OwnedSlots()[0])

	// The minority side's client: redis-cli inside the master's container, over loopback, one
	// INCR every 10 ms, one reply per line.
	cmd := exec.Command("docker", "exec", stack.container(sh.master.Name),
		"redis-cli", "-p", "6379", "-r", "100000", "-i", "0.01", "INCR", key)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type ack struct {
		value int64
		at    time.Time
	}
	var amu sync.Mutex
	var acks []ack
	var refusals []string
	var firstRefusal time.Time
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			amu.Lock()
			if n, err := strconv.ParseInt(line, 10, 64); err == nil {
				acks = append(acks, ack{n, time.Now()})
			} else if line != "" {
				refusals = append(refusals, line)
				if firstRefusal.IsZero() && strings.HasPrefix(line, "CLUSTERDOWN") {
					firstRefusal = time.Now()
				}
			}
			amu.Unlock()
		}
	}()
	stopWriter := func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
		cmd.Wait()
		<-readDone
	}
	t.Cleanup(stopWriter)
	waitUntil(t, 30*time.Second, "the minority-side client to get going", func() error {
		amu.Lock()
		defer amu.Unlock()
		if len(acks) < 50 {
			return fmt.Errorf("%d increments so far", len(acks))
		}
		return nil
	})
	ctr := startCounterLoad(t, counterClient(t, nodes), "partition:", 1000, 8, nil)
	waitUntil(t, 30*time.Second, "the counter workload to get going", func() error {
		if n := ctr.acked(); n < 1000 {
			return fmt.Errorf("%d increments so far", n)
		}
		return nil
	})
	seed.resetOutage()

	// Everything acknowledged up to here is on the replica: read it there first.
	before, err := harness.QueryText(sh.master, "GET", key)
	if err != nil {
		t.Fatal(err)
	}
	valueBefore, _ := strconv.ParseInt(before, 10, 64)
	t0 := time.Now()
	docker(t, "network", "disconnect", stack.network(), stack.container(sh.master.Name))

	waitUntil(t, composeNodeTimeout+30*time.Second, sh.master.Name+" to refuse writes", func() error {
		info, err := stack.exec(sh.master.Name, "redis-cli", "-p", "6379", "cluster", "info")
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:fail") {
			return errors.New("cluster_state is still ok")
		}
		return nil
	})
	refusedAt := time.Since(t0)
	waitUntil(t, composeNodeTimeout+30*time.Second, sh.replica.Name+" to be promoted", func() error {
		if harness.IsMaster(sh.replica) {
			return nil
		}
		return errors.New("still a replica")
	})
	promoted := time.Since(t0)
	seed.recovered(t, "partition")
	// The minority master's writes fail from now on: check that a few of them do.
	waitUntil(t, 10*time.Second, "the minority-side client to be refused", func() error {
		amu.Lock()
		defer amu.Unlock()
		for _, r := range refusals {
			if strings.HasPrefix(r, "CLUSTERDOWN") {
				return nil
			}
		}
		return fmt.Errorf("refusals so far: %q", refusals)
	})

	// With the service's name as alias, as Compose attached it: without it the name would no
	// longer resolve on the network.
	docker(t, "network", "connect", "--alias", sh.master.Name, stack.network(), stack.container(sh.master.Name))
	reconnected := time.Now()
	waitRejoined(t, stack, sh, ids[sh.replica.Name])
	t.Logf("%s rejoined as a replica %v after the reconnection", sh.master.Name, time.Since(reconnected).Round(10*time.Millisecond))
	stopWriter()
	nodes = stack.waitHealthy(2 * time.Minute)

	final, err := harness.QueryText(sh.replica, "GET", key)
	if err != nil {
		t.Fatal(err)
	}
	valueAfter, _ := strconv.ParseInt(final, 10, 64)
	amu.Lock()
	var inWindow, lastAcked int64
	var lastAckAt time.Duration
	for _, a := range acks {
		if a.value > valueBefore {
			inWindow++
			lastAckAt = a.at.Sub(t0)
		}
		if a.value > lastAcked {
			lastAcked = a.value
		}
	}
	firstRefusalAt := firstRefusal.Sub(t0)
	amu.Unlock()
	lost := lastAcked - valueAfter
	t.Logf("partition of %s: first write refused %v after the cut, cluster_state:fail after %v, %s promoted after %v",
		sh.master.Name, firstRefusalAt.Round(10*time.Millisecond), refusedAt.Round(10*time.Millisecond),
		sh.replica.Name, promoted.Round(10*time.Millisecond))
	t.Logf("minority side: %d increments acknowledged after the cut (the last %v after it); %d of them lost",
		inWindow, lastAckAt.Round(10*time.Millisecond), lost)
	if valueAfter < valueBefore {
		t.Errorf("the key went back to %d, below the %d acknowledged before the cut", valueAfter, valueBefore)
	}
	if lost > inWindow {
		t.Errorf("%d increments lost, more than the %d acknowledged while cut off", lost, inWindow)
	}
	// Tessera's master refuses writes once a majority has been silent for half the node
	// timeout; the margin covers the last ping before the cut (up to 1 s) and a busy machine.
	limit := composeNodeTimeout + 5*time.Second
	if composeImageIsTessera() {
		limit = composeNodeTimeout/2 + 2*time.Second
	}
	if lastAckAt > limit {
		t.Errorf("the minority master acknowledged writes %v after the cut", lastAckAt)
	}
	st := ctr.finish(t)
	checkReplicasInSync(t, stack.waitHealthy(2*time.Minute))
	t.Logf("majority side's counter workload through the partition: %d increments acknowledged, %d failed, %d acknowledged but lost, %d applied without acknowledgement",
		st.acked, st.failed, st.lost, st.unacked)
}
