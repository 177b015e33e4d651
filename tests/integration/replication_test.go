package integration

// Replication: Tessera and the reference redis-server as primary and
// replica in every combination, full sync (diskless and from disk), the
// stream, partial resync after a dropped link, chains, promotion with
// REPLICAOF NO ONE, WAIT, and the replica-side rules (READONLY, hidden
// expired keys).

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// infoValue is an INFO field, or "" when absent (fields come and go with
// the role, unlike infoField's fatal lookup).
func infoValue(c *harness.Conn, section, field string) string {
	return harness.ParseInfo(harness.MustParse(c.Do("INFO", section)).Text())[field]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func waitLinkUp(t *testing.T, replica *harness.Conn) {
	t.Helper()
	waitFor(t, "master_link_status:up", func() bool {
		return infoValue(replica, "replication", "master_link_status") == "up"
	})
}

// waitCaughtUp waits until the replica's offset reaches the primary's.
func waitCaughtUp(t *testing.T, primary, replica *harness.Conn) {
	t.Helper()
	waitFor(t, "the replica to catch up", func() bool {
		p := infoValue(primary, "replication", "master_repl_offset")
		r := infoValue(replica, "replication", "slave_repl_offset")
		return p != "" && p == r
	})
}

type replOpts struct {
	primaryRef, replicaRef bool
	primaryArgs            []string
}

func startPair(t *testing.T, o replOpts) (*harness.Server, *harness.Server) {
	t.Helper()
	if o.primaryRef || o.replicaRef {
		harness.RequireBinary(t, harness.RedisServerBin())
	}
	args := append([]string{"--save", "", "--repl-diskless-sync-delay", "0"}, o.primaryArgs...)
	p := harness.Start(t, harness.Options{Reference: o.primaryRef, Args: args})
	r := harness.Start(t, harness.Options{Reference: o.replicaRef, Args: []string{"--save", "",
		"--replicaof", "127.0.0.1", strconv.Itoa(p.Port)}})
	return p, r
}

func checkPairStream(t *testing.T, p, r *harness.Server) {
	t.Helper()
	pc, rc := p.Dial(t), r.Dial(t)
	waitLinkUp(t, rc)
	fillStrings(pc, 100)
	pc.Expect("+OK\r\n", "SET", "ttl", "v", "EX", "1000")
	pc.Expect("$3\r\n1.5\r\n", "INCRBYFLOAT", "f", "1.5")
	pc.Expect("+OK\r\n", "SELECT", "4")
	pc.Expect("+OK\r\n", "SET", "in4", "x")
	pc.Expect("+OK\r\n", "SELECT", "0")
	pc.Expect(":1\r\n", "DEL", "key:99")
	waitCaughtUp(t, pc, rc)
	checkStrings(t, rc, 99)
	rc.Expect("$-1\r\n", "GET", "key:99")
	rc.Expect("$3\r\n1.5\r\n", "GET", "f")
	expectTTL(t, rc, "ttl", 990, 1000)
	rc.Expect("+OK\r\n", "SELECT", "4")
	rc.Expect("$1\r\nx\r\n", "GET", "in4")
	rc.Expect("-READONLY You can't write against a read only replica.\r\n", "SET", "k", "v")
}

func TestReplicationTesseraToTesseraDiskless(t *testing.T) {
	p, r := startPair(t, replOpts{})
	checkPairStream(t, p, r)
	rc := r.Dial(t)
	if role := rc.DoStr("ROLE"); !strings.HasPrefix(role, "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n") ||
		!strings.Contains(role, "$9\r\nconnected\r\n") {
		t.Errorf("ROLE on the replica = %q", role)
	}
	pc := p.Dial(t)
	if !strings.HasPrefix(pc.DoStr("ROLE"), "*3\r\n$6\r\nmaster\r\n") {
		t.Errorf("ROLE on the primary = %q", pc.DoStr("ROLE"))
	}
	if got := infoValue(pc, "replication", "connected_slaves"); got != "1" {
		t.Errorf("connected_slaves = %q", got)
	}
	if got := infoValue(pc, "replication", "slave0"); !strings.Contains(got, "state=online") ||
		!strings.Contains(got, fmt.Sprintf("port=%d", r.Port)) {
		t.Errorf("slave0 = %q", got)
	}
	if !strings.Contains(p.Log(), "target: replicas sockets") {
		t.Errorf("the sync was not diskless:\n%s", p.LogTail(10))
	}
}

func TestReplicationTesseraToTesseraFromDisk(t *testing.T) {
	p, r := startPair(t, replOpts{primaryArgs: []string{"--repl-diskless-sync", "no"}})
	checkPairStream(t, p, r)
	if !strings.Contains(p.Log(), "target: disk") {
		t.Errorf("the sync did not go through the disk:\n%s", p.LogTail(10))
	}
}

func TestReplicationTesseraPrimaryRedisReplica(t *testing.T) {
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			p, r := startPair(t, replOpts{replicaRef: true,
				primaryArgs: []string{"--repl-diskless-sync", diskless}})
			checkPairStream(t, p, r)
		})
	}
}

func TestReplicationRedisPrimaryTesseraReplica(t *testing.T) {
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			p, r := startPair(t, replOpts{primaryRef: true,
				primaryArgs: []string{"--repl-diskless-sync", diskless}})
			checkPairStream(t, p, r)
		})
	}
}

// A dropped link resumes from the backlog: sync_partial_ok rises and no
// second full sync happens.
func TestReplicationPartialResyncAfterKill(t *testing.T) {
	for _, ref := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis-primary-%v", ref), func(t *testing.T) {
			p, r := startPair(t, replOpts{primaryRef: ref})
			pc, rc := p.Dial(t), r.Dial(t)
			waitLinkUp(t, rc)
			fillStrings(pc, 50)
			waitCaughtUp(t, pc, rc)
			// The stream is in db 4 when the link drops: after the partial
			// resync it goes on there without a new SELECT.
			pc.Expect("+OK\r\n", "SELECT", "4")
			pc.Expect("+OK\r\n", "SET", "in4", "before")
			waitCaughtUp(t, pc, rc)
			rc.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "master")
			pc.Expect("+OK\r\n", "SET", "in4b", "after")
			pc.Expect("+OK\r\n", "SELECT", "0")
			pc.Expect("+OK\r\n", "SET", "during", "gap")
			waitLinkUp(t, rc)
			waitCaughtUp(t, pc, rc)
			rc.Expect("$3\r\ngap\r\n", "GET", "during")
			rc.Expect("+OK\r\n", "SELECT", "4")
			rc.Expect("*2\r\n$6\r\nbefore\r\n$5\r\nafter\r\n", "MGET", "in4", "in4b")
			if got := infoValue(pc, "stats", "sync_partial_ok"); got != "1" {
				t.Errorf("sync_partial_ok = %q, want 1", got)
			}
			if got := infoValue(pc, "stats", "sync_full"); got != "1" {
				t.Errorf("sync_full = %q, want 1", got)
			}
		})
	}
}

// Writes that arrive while the snapshot is made and sent are all on the
// replica afterwards.
func TestReplicationWritesDuringFullSync(t *testing.T) {
	p := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0"}})
	pc := p.Dial(t)
	c := p.Dial(t)
	for i := 0; i < 20000; i++ {
		_ = c.SendCmd("SET", fmt.Sprintf("pre:%d", i), strings.Repeat("x", 100))
	}
	for i := 0; i < 20000; i++ {
		c.Read()
	}
	var acked atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		w, err := harness.DialTimeout(p.Addr(), 5*time.Second)
		if err != nil {
			return
		}
		defer w.Close()
		for i := 0; i < 5000; i++ {
			if w.SendCmd("SET", fmt.Sprintf("during:%d", i), "v") != nil {
				return
			}
			if rep, err := w.ReadReply(5 * time.Second); err != nil || string(rep) != "+OK\r\n" {
				return
			}
			acked.Store(int64(i + 1))
		}
	}()
	r := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1",
		strconv.Itoa(p.Port)}})
	rc := r.Dial(t)
	<-done
	waitLinkUp(t, rc)
	waitCaughtUp(t, pc, rc)
	n := acked.Load()
	if got, want := rc.DoStr("DBSIZE"), fmt.Sprintf(":%d\r\n", 20000+n); got != want {
		t.Fatalf("replica DBSIZE = %q, want %q", got, want)
	}
	t.Logf("%d writes during the sync, all on the replica", n)
}

// A -> B -> C: the middle replica passes the stream on.
func TestReplicationChain(t *testing.T) {
	a := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0"}})
	b := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0",
		"--replicaof", "127.0.0.1", strconv.Itoa(a.Port)}})
	c := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1",
		strconv.Itoa(b.Port)}})
	ac, bc, cc := a.Dial(t), b.Dial(t), c.Dial(t)
	waitLinkUp(t, bc)
	waitLinkUp(t, cc)
	fillStrings(ac, 30)
	waitCaughtUp(t, ac, bc)
	waitFor(t, "C to catch up", func() bool {
		return infoValue(cc, "replication", "slave_repl_offset") ==
			infoValue(ac, "replication", "master_repl_offset")
	})
	checkStrings(t, cc, 30)
	if infoValue(cc, "replication", "master_replid") != infoValue(ac, "replication", "master_replid") {
		t.Errorf("C's replication id differs from A's")
	}
}

// B is promoted; C, which followed A too, continues from B with a
// partial resync thanks to replid2.
func TestReplicationPromotionKeepsSiblingsPartial(t *testing.T) {
	a := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0"}})
	b := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0",
		"--replicaof", "127.0.0.1", strconv.Itoa(a.Port)}})
	c := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1",
		strconv.Itoa(a.Port)}})
	ac, bc, cc := a.Dial(t), b.Dial(t), c.Dial(t)
	waitLinkUp(t, bc)
	waitLinkUp(t, cc)
	fillStrings(ac, 40)
	waitCaughtUp(t, ac, bc)
	waitCaughtUp(t, ac, cc)
	oldID := infoValue(bc, "replication", "master_replid")
	bc.Expect("+OK\r\n", "REPLICAOF", "NO", "ONE")
	if infoValue(bc, "replication", "master_replid2") != oldID {
		t.Errorf("after promotion master_replid2 is not the old id")
	}
	bc.Expect("+OK\r\n", "SET", "after", "promotion")
	cc.Expect("+OK\r\n", "REPLICAOF", "127.0.0.1", strconv.Itoa(b.Port))
	waitLinkUp(t, cc)
	waitCaughtUp(t, bc, cc)
	cc.Expect("$9\r\npromotion\r\n", "GET", "after")
	checkStrings(t, cc, 40)
	if got := infoValue(bc, "stats", "sync_partial_ok"); got != "1" {
		t.Errorf("B's sync_partial_ok = %q, want 1 (C should continue, not resync)", got)
	}
	cc.Expect("+OK Already connected to specified master\r\n", "REPLICAOF", "127.0.0.1",
		strconv.Itoa(b.Port))
}

func TestReplicationWait(t *testing.T) {
	p, r := startPair(t, replOpts{})
	pc, rc := p.Dial(t), r.Dial(t)
	waitLinkUp(t, rc)
	pc.Expect("+OK\r\n", "SET", "k", "v")
	pc.Expect(":1\r\n", "WAIT", "1", "5000")
	start := time.Now()
	pc.Expect(":1\r\n", "WAIT", "2", "300")
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("WAIT 2 300 returned after %v, before its timeout", d)
	}
	rc.Expect("-ERR WAIT cannot be used with replica instances. Please also note that since "+
		"Redis 4.0 if a replica is configured to be writable (which is not the default) writes "+
		"to replicas are just local and are not propagated.\r\n", "WAIT", "1", "0")
}

// A replica that was down comes back and catches up.
func TestReplicationReplicaRestartCatchesUp(t *testing.T) {
	p, r := startPair(t, replOpts{})
	pc, rc := p.Dial(t), r.Dial(t)
	waitLinkUp(t, rc)
	fillStrings(pc, 20)
	waitCaughtUp(t, pc, rc)
	r.Kill()
	pc.Expect("+OK\r\n", "SET", "while", "down")
	r2 := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1",
		strconv.Itoa(p.Port)}})
	rc2 := r2.Dial(t)
	waitLinkUp(t, rc2)
	waitCaughtUp(t, pc, rc2)
	rc2.Expect("$4\r\ndown\r\n", "GET", "while")
	checkStrings(t, rc2, 20)
}

// A key past its expiry is hidden on the replica at once and removed
// when the primary's DEL arrives.
func TestReplicationExpiredKeysOnReplica(t *testing.T) {
	p, r := startPair(t, replOpts{})
	pc, rc := p.Dial(t), r.Dial(t)
	waitLinkUp(t, rc)
	pc.Expect("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	pc.Expect("+OK\r\n", "SET", "short", "v", "PX", "100")
	waitCaughtUp(t, pc, rc)
	time.Sleep(200 * time.Millisecond)
	rc.Expect("$-1\r\n", "GET", "short")
	rc.Expect(":1\r\n", "DBSIZE") // still there, hidden
	pc.Expect("$-1\r\n", "GET", "short")
	waitCaughtUp(t, pc, rc)
	rc.Expect(":0\r\n", "DBSIZE")
}

func TestReplicationMinReplicasToWrite(t *testing.T) {
	p := harness.Start(t, harness.Options{Args: []string{"--save", "", "--min-replicas-to-write", "1"}})
	pc := p.Dial(t)
	pc.Expect("-NOREPLICAS Not enough good replicas to write.\r\n", "SET", "k", "v")
	pc.Expect("$-1\r\n", "GET", "k")
	r := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof", "127.0.0.1",
		strconv.Itoa(p.Port)}})
	waitLinkUp(t, r.Dial(t))
	waitFor(t, "writes to be accepted", func() bool { return pc.DoStr("SET", "k", "v") == "+OK\r\n" })
}

// A primary with requirepass: the replica authenticates with masterauth
// (and masteruser), against Tessera and against redis-server.
func TestReplicationMasterauth(t *testing.T) {
	for _, ref := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis-primary-%v", ref), func(t *testing.T) {
			if ref {
				harness.RequireBinary(t, harness.RedisServerBin())
			}
			p := harness.Start(t, harness.Options{Reference: ref, Password: "s3cret",
				Args: []string{"--save", "", "--repl-diskless-sync-delay", "0", "--requirepass", "s3cret"}})
			r := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof",
				"127.0.0.1", strconv.Itoa(p.Port), "--masteruser", "default", "--masterauth", "s3cret"}})
			pc := p.Dial(t)
			pc.Expect("+OK\r\n", "AUTH", "s3cret")
			pc.Expect("+OK\r\n", "SET", "k", "v")
			rc := r.Dial(t)
			waitLinkUp(t, rc)
			waitCaughtUp(t, pc, rc)
			rc.Expect("$1\r\nv\r\n", "GET", "k")

			// A wrong password keeps the link down and says why.
			bad := harness.Start(t, harness.Options{Args: []string{"--save", "", "--replicaof",
				"127.0.0.1", strconv.Itoa(p.Port), "--masterauth", "wrong"}})
			if !bad.WaitLog("Unable to AUTH to MASTER", 10*time.Second) {
				t.Errorf("no AUTH failure in the log:\n%s", bad.LogTail(10))
			}
			if got := infoValue(bad.Dial(t), "replication", "master_link_status"); got != "down" {
				t.Errorf("master_link_status with a wrong password = %q", got)
			}
		})
	}
}

// A replica with appendonly yes keeps what it received in its own AOF:
// restarted as a standalone server from that file, it has the data.
func TestReplicationReplicaWithAOF(t *testing.T) {
	p := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0"}})
	pc := p.Dial(t)
	fillStrings(pc, 20)
	dir := t.TempDir()
	r := harness.Start(t, harness.Options{Args: []string{"--dir", dir, "--save", "", "--appendonly", "yes",
		"--replicaof", "127.0.0.1", strconv.Itoa(p.Port)}})
	rc := r.Dial(t)
	waitLinkUp(t, rc)
	pc.Expect("+OK\r\n", "SET", "streamed", "yes")
	waitCaughtUp(t, pc, rc)
	waitNoRewrite(t, rc)
	r.Kill()
	alone := startAOF(t, dir)
	ac := alone.Dial(t)
	checkStrings(t, ac, 20)
	ac.Expect("$3\r\nyes\r\n", "GET", "streamed")
}

// A replica stopped with a final snapshot resumes with a partial resync
// after a restart: the snapshot records the replication id and offset.
func TestReplicationReplicaRestartResumesPartially(t *testing.T) {
	for _, ref := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis-primary-%v", ref), func(t *testing.T) {
			if ref {
				harness.RequireBinary(t, harness.RedisServerBin())
			}
			p := harness.Start(t, harness.Options{Reference: ref,
				Args: []string{"--save", "", "--repl-diskless-sync-delay", "0"}})
			pc := p.Dial(t)
			dir := t.TempDir()
			replicaArgs := []string{"--dir", dir, "--save", "", "--replicaof", "127.0.0.1",
				strconv.Itoa(p.Port)}
			r := harness.Start(t, harness.Options{Args: replicaArgs})
			rc := r.Dial(t)
			waitLinkUp(t, rc)
			pc.Expect("+OK\r\n", "SELECT", "2")
			fillStrings(pc, 30)
			waitCaughtUp(t, pc, rc)
			_ = rc.SendCmd("SHUTDOWN", "SAVE")
			if code, err := r.ExitCode(30 * time.Second); err != nil || code != 0 {
				t.Fatalf("SHUTDOWN SAVE: exit %d, %v", code, err)
			}
			r.MarkStopped()
			pc.Expect("+OK\r\n", "SET", "while", "down") // still db 2, no new SELECT
			r2 := harness.Start(t, harness.Options{Args: replicaArgs})
			rc2 := r2.Dial(t)
			waitLinkUp(t, rc2)
			waitCaughtUp(t, pc, rc2)
			rc2.Expect("+OK\r\n", "SELECT", "2")
			rc2.Expect("$4\r\ndown\r\n", "GET", "while")
			checkStrings(t, rc2, 30)
			if got := infoValue(pc, "stats", "sync_partial_ok"); got != "1" {
				t.Errorf("sync_partial_ok = %q, want 1 (the restart should resume)", got)
			}
			if got := infoValue(pc, "stats", "sync_full"); got != "1" {
				t.Errorf("sync_full = %q, want 1", got)
			}
		})
	}
}

// redis-cli --rdb takes a snapshot over the replication protocol
// (REPLCONF rdb-only, SYNC); the file it writes loads into a new server.
func TestReplicationRedisCliRdbBackup(t *testing.T) {
	harness.RequireBinary(t, harness.RedisCliBin())
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			p := harness.Start(t, harness.Options{Args: []string{"--save", "",
				"--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"}})
			fillStrings(p.Dial(t), 200)
			dir := t.TempDir()
			out, err := exec.Command(harness.RedisCliBin(), "-p", strconv.Itoa(p.Port), "--rdb",
				filepath.Join(dir, "dump.rdb")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Transfer finished with success") {
				t.Fatalf("redis-cli --rdb: %v\n%s", err, out)
			}
			restored := startIn(t, dir, "--save", "")
			checkStrings(t, restored.Dial(t), 200)
			// The backup connection is gone, not left as a replica.
			waitFor(t, "connected_slaves:0", func() bool {
				return infoValue(p.Dial(t), "replication", "connected_slaves") == "0"
			})
		})
	}
}

// A primary that stops answering (DEBUG SLEEP) is dropped after
// repl-timeout; when it wakes the replica resumes with a partial resync.
func TestReplicationPrimaryTimeout(t *testing.T) {
	p := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-diskless-sync-delay", "0",
		"--repl-ping-replica-period", "1"}})
	r := harness.Start(t, harness.Options{Args: []string{"--save", "", "--repl-timeout", "2",
		"--replicaof", "127.0.0.1", strconv.Itoa(p.Port)}})
	pc, rc := p.Dial(t), r.Dial(t)
	waitLinkUp(t, rc)
	pc.Expect("+OK\r\n", "SET", "k", "v")
	waitCaughtUp(t, pc, rc)
	pc.Expect("+OK\r\n", "DEBUG", "SLEEP", "4")
	if !r.WaitLog("MASTER timeout", 10*time.Second) {
		t.Fatalf("the replica did not notice the silent primary:\n%s", r.LogTail(10))
	}
	waitLinkUp(t, rc)
	pc.Expect("+OK\r\n", "SET", "after", "sleep")
	waitCaughtUp(t, pc, rc)
	rc.Expect("$5\r\nsleep\r\n", "GET", "after")
	if got := infoValue(pc, "stats", "sync_partial_ok"); got != "1" {
		t.Errorf("sync_partial_ok = %q, want 1", got)
	}
}
