// clusterload: the client side of tests/bench/cluster_bench.sh.
//
//	clusterload keygen   -slots 0-5460[,...]            a key whose hash slot is in the ranges
//	clusterload populate -addr A -n N -size S -dir D    per-master RESP files of SETs
//	clusterload failover -addrs A,B -replica R -key K -t0 US -deadline S
//	clusterload counter  -addrs A,B -keys N -workers W -duration S [-wait] [-follow]
//
// Every subcommand prints one line of results on stdout (key=value pairs for the
// script to pick apart) and exits non-zero only when it could not do its job.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's own log lines (failed dials while a node is down are the
// expected state here, not news).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}

func main() {
	redis.SetLogger(quiet{})
	if len(os.Args) < 2 {
		fail("usage: clusterload keygen|populate|failover|counter [flags]")
	}
	args := os.Args[2:]
	var err error
	switch os.Args[1] {
	case "keygen":
		err = keygen(args)
	case "populate":
		err = populate(args)
	case "failover":
		err = failover(args)
	case "counter":
		err = counter(args)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "clusterload:", msg)
	os.Exit(1)
}

// ---- hash slots ----------------------------------------------------------------

// crc16 is the CCITT/XMODEM variant (polynomial 0x1021, initial value 0) that the
// cluster key space is defined with, computed bit by bit: the callers hash at most
// a few hundred thousand short keys, so a table would buy nothing.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// slotOf hashes only the part between the first '{' and the next '}' when that part
// is not empty, like every cluster client and server does.
func slotOf(key string) int {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if end := strings.IndexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	return int(crc16(key) & 16383)
}

type slotRange struct{ lo, hi int }

func parseRanges(spec string) ([]slotRange, error) {
	var out []slotRange
	for _, part := range strings.Split(spec, ",") {
		lo, hi, found := strings.Cut(part, "-")
		if !found {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b > 16383 || a > b {
			return nil, fmt.Errorf("bad slot range %q", part)
		}
		out = append(out, slotRange{a, b})
	}
	return out, nil
}

func inRanges(slot int, rs []slotRange) bool {
	for _, r := range rs {
		if slot >= r.lo && slot <= r.hi {
			return true
		}
	}
	return false
}

func keygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	slots := fs.String("slots", "", "slot ranges, e.g. 0-5460,6000")
	prefix := fs.String("prefix", "failover-probe:", "key prefix")
	_ = fs.Parse(args)
	rs, err := parseRanges(*slots)
	if err != nil {
		return err
	}
	for i := 0; i < 1000000; i++ {
		k := *prefix + strconv.Itoa(i)
		if inRanges(slotOf(k), rs) {
			fmt.Println(k)
			return nil
		}
	}
	return errors.New("no key found for " + *slots)
}

// ---- populate ------------------------------------------------------------------

// populate asks one node for the slot map and writes, for every master, a file
// <dir>/<port>.resp holding "SET key:<i> <value>" for exactly the keys that hash
// into its slots, for redis-cli --pipe (which does not follow redirections). The
// keys are spread over all slots, so moving slots moves keys.
func populate(args []string) error {
	fs := flag.NewFlagSet("populate", flag.ExitOnError)
	addr := fs.String("addr", "", "any cluster node")
	n := fs.Int("n", 100000, "keys")
	size := fs.Int("size", 32, "value bytes")
	dir := fs.String("dir", ".", "output directory")
	_ = fs.Parse(args)

	c := redis.NewClient(&redis.Options{Addr: *addr, DialTimeout: 2 * time.Second})
	defer c.Close()
	slots, err := c.ClusterSlots(context.Background()).Result()
	if err != nil {
		return fmt.Errorf("CLUSTER SLOTS on %s: %w", *addr, err)
	}
	var owner [16384]string
	for _, s := range slots {
		for i := s.Start; i <= s.End; i++ {
			owner[i] = s.Nodes[0].Addr
		}
	}
	for i, o := range owner {
		if o == "" {
			return fmt.Errorf("slot %d has no owner", i)
		}
	}

	writers := map[string]*bufio.Writer{}
	counts := map[string]int{}
	value := strings.Repeat("v", *size)
	for i := 0; i < *n; i++ {
		key := "key:" + strconv.Itoa(i)
		a := owner[slotOf(key)]
		w := writers[a]
		if w == nil {
			_, port, _ := net.SplitHostPort(a)
			f, err := os.Create(filepath.Join(*dir, port+".resp"))
			if err != nil {
				return err
			}
			defer f.Close()
			w = bufio.NewWriterSize(f, 1<<20)
			writers[a] = w
		}
		fmt.Fprintf(w, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
		counts[a]++
	}
	var parts []string
	for a, w := range writers {
		if err := w.Flush(); err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s=%d", a, counts[a]))
	}
	fmt.Println(strings.Join(parts, " "))
	return nil
}

// ---- failover ------------------------------------------------------------------

// failover times the recovery from a fault injected at t0 (microseconds since the
// epoch, taken by the script just before the fault). Two pollers run side by side,
// each every 20 ms: ROLE on the replica of the failed master (promoted = the first
// reply that says master), and a SET of a key in the failed master's slots through
// a ClusterClient (written = the first OK). A failed SET asks the client to reload
// the slot map: a long-lived ClusterClient otherwise only reloads on MOVED or when
// its map is 10 s old, and a dead master sends no MOVED. Both times are printed in
// seconds since t0, or "-" when the deadline passed first, with the address that
// took the write.
func failover(args []string) error {
	fs := flag.NewFlagSet("failover", flag.ExitOnError)
	addrs := fs.String("addrs", "", "cluster nodes, comma separated")
	replica := fs.String("replica", "", "the replica expected to take over")
	key := fs.String("key", "", "a key in the failed master's slots")
	t0us := fs.Int64("t0", 0, "fault time, microseconds since the epoch")
	deadline := fs.Float64("deadline", 45, "seconds after t0 to give up")
	_ = fs.Parse(args)
	t0 := time.UnixMicro(*t0us)
	end := t0.Add(time.Duration(*deadline * float64(time.Second)))

	const tickEvery = 20 * time.Millisecond
	short := 200 * time.Millisecond
	var wg sync.WaitGroup
	promoted := "-"
	written, writer := "-", "-"
	since := func() string { return fmt.Sprintf("%.3f", time.Since(t0).Seconds()) }

	wg.Add(2)
	go func() {
		defer wg.Done()
		rc := redis.NewClient(&redis.Options{Addr: *replica, DialTimeout: short,
			ReadTimeout: short, WriteTimeout: short, MaxRetries: -1, PoolSize: 1})
		defer rc.Close()
		for time.Now().Before(end) {
			next := time.Now().Add(tickEvery)
			ctx, cancel := context.WithTimeout(context.Background(), 2*short)
			v, err := rc.Do(ctx, "ROLE").Slice()
			cancel()
			if err == nil && len(v) > 0 && v[0] == "master" {
				promoted = since()
				return
			}
			time.Sleep(time.Until(next))
		}
	}()
	go func() {
		defer wg.Done()
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ","),
			DialTimeout: short, ReadTimeout: short, WriteTimeout: short,
			MaxRedirects: 2, MaxRetries: -1, PoolSize: 2})
		defer cc.Close()
		for time.Now().Before(end) {
			next := time.Now().Add(tickEvery)
			ctx, cancel := context.WithTimeout(context.Background(), 2*short)
			err := cc.Set(ctx, *key, "after-fault", 0).Err()
			if err == nil {
				written = since()
				if m, err := cc.MasterForKey(ctx, *key); err == nil {
					writer = m.Options().Addr
				}
				cancel()
				return
			}
			cancel()
			cc.ReloadState(context.Background())
			time.Sleep(time.Until(next))
		}
	}()
	wg.Wait()
	fmt.Printf("promoted=%s written=%s writer=%s\n", promoted, written, writer)
	return nil
}

// ---- counter -------------------------------------------------------------------

// counter INCRs keys counter:0..N-1 (spread over all slots) from W workers while the
// script kills a master or reshards the cluster, then reads every key back. The load
// ends after -duration seconds or at SIGUSR1, whichever comes first.
//
// Each INCR is sent to the master the client's slot map names and is never sent
// again once its fate is open: a resent INCR that had in fact been applied would
// count twice and hide a loss. Without -follow any refusal (MOVED, CLUSTERDOWN...)
// just asks for a fresh slot map and the worker moves on to another key. With
// -follow the worker does what a cluster client does with the replies that say the
// command was not executed: MOVED is followed to the node it names (and the slot
// map reloaded in the background), ASK is followed with ASKING + INCR to the node
// it names, TRYAGAIN is retried on the same node after a short pause, up to
// tryAgainLimit times. A chain of more than hopLimit redirections fails ("hops";
// it would be an ASK or MOVED loop). Per key the worker counts
//
//	acked: INCRs that returned a value (with -wait: and whose WAIT 1 100, sent on
//	       the same connection right behind it, said at least one replica has it);
//	maybe: INCRs whose fate is unknown (timeouts, resets after sending, and with
//	       -wait the INCRs that were applied but not confirmed by WAIT);
//	top:   the highest value an acknowledged INCR returned.
//
// Afterwards value < acked means acknowledged increments were lost: lost is the sum
// of acked - value over those keys; regressed counts the keys whose final value is
// below top (a read after an acknowledged write went back in time). value > acked +
// maybe would mean increments were applied twice or invented (extra). keys_moved
// counts the keys whose slot has another master at the end than at the start.
// -fill stores filler keys beside each counter before the load starts; -ready
// names a file created when it starts.
func counter(args []string) error {
	fs := flag.NewFlagSet("counter", flag.ExitOnError)
	addrs := fs.String("addrs", "", "cluster nodes, comma separated")
	nkeys := fs.Int("keys", 1000, "counters")
	workers := fs.Int("workers", 16, "concurrent clients")
	duration := fs.Float64("duration", 15, "seconds of load at most (SIGUSR1 ends it earlier)")
	settle := fs.Float64("settle", 60, "seconds to wait for every key to be readable")
	useWait := fs.Bool("wait", false, "acknowledge only after WAIT 1 100 returns >= 1")
	follow := fs.Bool("follow", false, "follow MOVED and ASK, retry TRYAGAIN")
	fill := fs.Int("fill", 0, "filler keys stored beside each counter, in its slot")
	ready := fs.String("ready", "", "file to create once the load starts")
	_ = fs.Parse(args)

	// Armed before anything else, so an early signal cannot kill the process.
	stopSig := make(chan os.Signal, 1)
	signal.Notify(stopSig, syscall.SIGUSR1)

	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ","),
		DialTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
		WriteTimeout: time.Second, MaxRedirects: -1, MaxRetries: -1,
		PoolSize: *workers + 4})
	defer cc.Close()
	w := &incrWriter{cc: cc, wait: *useWait, follow: *follow, poolSize: *workers + 4,
		clients: map[string]*redis.Client{}, failedBy: map[string]int64{}}
	defer w.close()

	keys := make([]string, *nkeys)
	for i := range keys {
		keys[i] = "counter:" + strconv.Itoa(i)
	}
	if err := fillSlots(cc, keys, *fill); err != nil {
		return err
	}
	ownersBefore, err := slotOwners(cc)
	if err != nil {
		return err
	}
	acked := make([]atomic.Int64, *nkeys)
	maybe := make([]atomic.Int64, *nkeys)
	top := make([]atomic.Int64, *nkeys)
	// The longest time any key went without an acknowledged INCR: for the keys
	// of the killed master that is the outage the workload saw.
	start := time.Now()
	lastAck := make([]atomic.Int64, *nkeys)
	for i := range lastAck {
		lastAck[i].Store(start.UnixNano())
	}
	var maxGap atomic.Int64

	var stopped atomic.Bool
	go func() {
		<-stopSig
		stopped.Store(true)
	}()
	if *ready != "" {
		if err := os.WriteFile(*ready, nil, 0o644); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(time.Duration(*duration * float64(time.Second)))
	var wg sync.WaitGroup
	for n := 0; n < *workers; n++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for !stopped.Load() && time.Now().Before(deadline) {
				i := rng.Intn(*nkeys)
				out, v := w.incr(keys[i])
				switch out {
				case outcomeAcked:
					acked[i].Add(1)
					raiseTo(&top[i], v)
					now := time.Now().UnixNano()
					raiseTo(&maxGap, now-lastAck[i].Swap(now))
				case outcomeUnconfirmed:
					maybe[i].Add(1)
				case outcomeMaybe, outcomeFailed:
					if out == outcomeMaybe {
						maybe[i].Add(1)
					}
					cc.ReloadState(context.Background())
					time.Sleep(10 * time.Millisecond)
				}
			}
		}(int64(n + 1))
	}
	wg.Wait()
	end := time.Now().UnixNano()
	for i := range lastAck {
		raiseTo(&maxGap, end-lastAck[i].Load())
	}

	// The reads may be redirected as often as needed: a GET sent twice does no harm,
	// and a reshard that stopped half way leaves slots only ASK reaches.
	reader := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(*addrs, ","),
		DialTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
		WriteTimeout: time.Second, MaxRedirects: 8, MaxRetries: -1})
	defer reader.Close()
	values, err := readAll(reader, keys, time.Duration(*settle*float64(time.Second)))
	if err != nil {
		return err
	}
	ownersAfter, err := slotOwners(cc)
	if err != nil {
		return err
	}
	replicaDiff, err := compareReplicas(cc, keys, values)
	if err != nil {
		return err
	}
	var lost, lostKeys, extra, extraKeys, regressed, keysMoved int64
	for i, k := range keys {
		a, m, v := acked[i].Load(), maybe[i].Load(), values[i]
		if v < a {
			lost += a - v
			lostKeys++
		}
		if v > a+m {
			extra += v - a - m
			extraKeys++
		}
		if v < top[i].Load() {
			regressed++
			fmt.Fprintf(os.Stderr, "clusterload: %s (slot %d) ends at %d, below the acknowledged %d\n",
				k, slotOf(k), v, top[i].Load())
		}
		if s := slotOf(k); ownersBefore[s] != ownersAfter[s] {
			keysMoved++
		}
	}
	fmt.Printf("acked=%d failed=%d maybe=%d unconfirmed=%d lost=%d lost_keys=%d extra=%d extra_keys=%d "+
		"max_gap=%.2f regressed=%d moved=%d ask=%d tryagain=%d failed_by=%s keys_moved=%d replica_diff=%d\n",
		w.acked.Load(), w.failed.Load(), w.maybe.Load(), w.unconfirmed.Load(), lost, lostKeys, extra,
		extraKeys, float64(maxGap.Load())/1e9, regressed, w.moved.Load(), w.ask.Load(),
		w.tryAgain.Load(), w.failedSummary(), keysMoved, replicaDiff)
	return nil
}

// fillSlots stores n small keys {counter:i}:fill:j in the slot of every counter.
// A slot with many keys takes many MIGRATE calls to move, and all that time the
// counter in it may be on either side, which is the window where ASK matters.
func fillSlots(cc *redis.ClusterClient, keys []string, n int) error {
	if n <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, k := range keys {
		_, err := cc.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j := 0; j < n; j++ {
				p.Set(ctx, "{"+k+"}:fill:"+strconv.Itoa(j), "f", 0)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("filling the slot of %s: %w", k, err)
		}
	}
	return nil
}

// compareReplicas counts the masters whose replicas, given a few seconds to catch
// up, still disagree with them: a different DBSIZE (a migrated key not deleted
// on the source's replica, or not restored on the target's) or a counter with
// another value. Each disagreement is described on stderr.
func compareReplicas(cc *redis.ClusterClient, keys []string, values []int64) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("CLUSTER SLOTS: %w", err)
	}
	// The keys of each master, by its address.
	byMaster := map[string][]int{}
	replicas := map[string][]string{}
	for _, s := range slots {
		m := s.Nodes[0].Addr
		for _, n := range s.Nodes[1:] {
			if !contains(replicas[m], n.Addr) {
				replicas[m] = append(replicas[m], n.Addr)
			}
		}
	}
	for i, k := range keys {
		for _, s := range slots {
			if slot := slotOf(k); slot >= int(s.Start) && slot <= int(s.End) {
				byMaster[s.Nodes[0].Addr] = append(byMaster[s.Nodes[0].Addr], i)
			}
		}
	}
	diff := 0
	for m, reps := range replicas {
		for _, r := range reps {
			if why := replicaDisagrees(m, r, keys, values, byMaster[m]); why != "" {
				diff++
				fmt.Fprintf(os.Stderr, "clusterload: replica %s of %s: %s\n", r, m, why)
			}
		}
	}
	return diff, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// replicaDisagrees gives "" once the replica agrees with its master, or after
// five seconds what still differs.
func replicaDisagrees(master, replica string, keys []string, values []int64, idx []int) string {
	opts := func(addr string) *redis.Options {
		return &redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second,
			MaxRetries: -1, PoolSize: 1,
			OnConnect: func(ctx context.Context, cn *redis.Conn) error {
				return cn.ReadOnly(ctx).Err()
			}}
	}
	mc, rc := redis.NewClient(opts(master)), redis.NewClient(opts(replica))
	defer mc.Close()
	defer rc.Close()
	ctx := context.Background()
	why := ""
	for end := time.Now().Add(5 * time.Second); ; {
		why = ""
		md, err1 := mc.DBSize(ctx).Result()
		rd, err2 := rc.DBSize(ctx).Result()
		switch {
		case err1 != nil || err2 != nil:
			why = fmt.Sprintf("DBSIZE failed: %v / %v", err1, err2)
		case md != rd:
			why = fmt.Sprintf("DBSIZE %d on the master, %d on the replica", md, rd)
		}
		for _, i := range idx {
			if why != "" {
				break
			}
			v, err := rc.Get(ctx, keys[i]).Int64()
			if err == redis.Nil {
				v, err = 0, nil
			}
			if err != nil || v != values[i] {
				why = fmt.Sprintf("%s is %d on the master, %d on the replica (%v)", keys[i], values[i], v, err)
			}
		}
		if why == "" || time.Now().After(end) {
			return why
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// slotOwners maps every slot to the address of its master, "" where none.
func slotOwners(cc *redis.ClusterClient) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER SLOTS: %w", err)
	}
	owners := make([]string, 16384)
	for _, s := range slots {
		for i := s.Start; i <= s.End && i < len(owners); i++ {
			owners[i] = s.Nodes[0].Addr
		}
	}
	return owners, nil
}

func raiseTo(max *atomic.Int64, v int64) {
	for {
		cur := max.Load()
		if v <= cur || max.CompareAndSwap(cur, v) {
			return
		}
	}
}

type outcome int

const (
	outcomeAcked       outcome = iota
	outcomeFailed              // certainly not applied (refused connection, MOVED, CLUSTERDOWN...)
	outcomeMaybe               // may or may not have been applied
	outcomeUnconfirmed         // applied, but WAIT did not see a replica acknowledge it
)

const (
	hopLimit      = 5  // MOVED/ASK followed for one INCR
	tryAgainLimit = 5  // TRYAGAIN retries for one INCR
	failLogLimit  = 20 // failures described on stderr
)

// incrWriter sends the INCRs of all workers and keeps the tallies.
type incrWriter struct {
	cc       *redis.ClusterClient
	wait     bool
	follow   bool
	poolSize int

	acked, failed, maybe, unconfirmed atomic.Int64
	moved, ask, tryAgain              atomic.Int64 // followed / retried, not failures

	mu       sync.Mutex
	clients  map[string]*redis.Client // redirection targets by address
	failedBy map[string]int64         // failures by the first word of the error
	logged   int
}

// client gives a connection pool to the node a redirection names.
func (w *incrWriter) client(addr string) *redis.Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.clients[addr]
	if c == nil {
		c = redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond,
			ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1,
			PoolSize: w.poolSize})
		w.clients[addr] = c
	}
	return c
}

func (w *incrWriter) close() {
	for _, c := range w.clients {
		c.Close()
	}
}

func (w *incrWriter) fail(kind, key, addr string, err error) outcome {
	w.failed.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failedBy[kind]++
	if w.logged < failLogLimit {
		w.logged++
		fmt.Fprintf(os.Stderr, "clusterload: %s INCR %s (slot %d) at %s failed: %v\n",
			time.Now().Format("15:04:05.000"), key, slotOf(key), addr, err)
	}
	return outcomeFailed
}

// failedSummary is "-" or "KIND:n,KIND:n" in a fixed order.
func (w *incrWriter) failedSummary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	kinds := make([]string, 0, len(w.failedBy))
	for k := range w.failedBy {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s:%d", k, w.failedBy[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// incr runs one INCR to its end; with the outcome goes the value an acknowledged
// INCR returned.
func (w *incrWriter) incr(key string) (outcome, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	node, err := w.cc.MasterForKey(ctx, key)
	if err != nil {
		return w.fail("map", key, "-", err), 0
	}
	asking := false
	for hops, tries := 0, 0; ; {
		v, replicas, err := sendIncr(ctx, node, key, asking, w.wait)
		if err == nil {
			if w.wait && replicas < 1 {
				w.unconfirmed.Add(1)
				return outcomeUnconfirmed, 0
			}
			w.acked.Add(1)
			return outcomeAcked, v
		}
		addr := node.Options().Addr
		if !w.follow {
			return w.settle(key, addr, err), 0
		}
		if to, ok := redis.IsMovedError(err); ok {
			if hops++; hops > hopLimit {
				return w.fail("hops", key, addr, err), 0
			}
			w.moved.Add(1)
			w.cc.ReloadState(ctx)
			node, asking = w.client(to), false
			continue
		}
		if to, ok := redis.IsAskError(err); ok {
			if hops++; hops > hopLimit {
				return w.fail("hops", key, addr, err), 0
			}
			w.ask.Add(1)
			node, asking = w.client(to), true
			continue
		}
		if redis.IsTryAgainError(err) && tries < tryAgainLimit {
			tries++
			w.tryAgain.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		return w.settle(key, addr, err), 0
	}
}

// settle classifies an error that ends the INCR: a reply from the server or a
// failed dial proves it was not applied; anything else leaves it open.
func (w *incrWriter) settle(key, addr string, err error) outcome {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		kind, _, _ := strings.Cut(rerr.Error(), " ")
		return w.fail(kind, key, addr, err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return w.fail("dial", key, addr, err)
	}
	w.maybe.Add(1)
	return outcomeMaybe
}

// sendIncr sends [ASKING] INCR [WAIT 1 100] as one pipeline on one connection
// and returns INCR's value and, with WAIT, how many replicas it reported (-1
// when WAIT failed).
func sendIncr(ctx context.Context, node *redis.Client, key string, asking, useWait bool) (int64, int64, error) {
	if !asking && !useWait {
		v, err := node.Incr(ctx, key).Result()
		return v, 0, err
	}
	var incr *redis.IntCmd
	var wait *redis.Cmd
	_, _ = node.Pipelined(ctx, func(p redis.Pipeliner) error {
		if asking {
			p.Do(ctx, "ASKING")
		}
		incr = p.Incr(ctx, key)
		if useWait {
			// Pipeliner has no Wait method; the reply timeout is the connection's.
			wait = p.Do(ctx, "WAIT", 1, 100)
		}
		return nil
	})
	v, err := incr.Result()
	if err != nil || wait == nil {
		return v, 0, err
	}
	n, werr := wait.Int64()
	if werr != nil {
		n = -1
	}
	return v, n, nil
}

// readAll GETs every key through the cluster, retrying until all have answered
// or the time is up (the cluster may still be settling after the failover).
func readAll(cc *redis.ClusterClient, keys []string, within time.Duration) ([]int64, error) {
	values := make([]int64, len(keys))
	done := make([]bool, len(keys))
	left := len(keys)
	end := time.Now().Add(within)
	var lastErr error
	for left > 0 {
		for i, k := range keys {
			if done[i] {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			s, err := cc.Get(ctx, k).Result()
			cancel()
			switch {
			case err == redis.Nil:
				done[i] = true
				left--
			case err == nil:
				v, perr := strconv.ParseInt(s, 10, 64)
				if perr != nil {
					return nil, fmt.Errorf("%s holds %q", k, s)
				}
				values[i] = v
				done[i] = true
				left--
			default:
				lastErr = err
			}
		}
		if left > 0 {
			if time.Now().After(end) {
				return nil, fmt.Errorf("%d keys still unreadable after %v: %v", left, within, lastErr)
			}
			cc.ReloadState(context.Background())
			time.Sleep(200 * time.Millisecond)
		}
	}
	return values, nil
}
