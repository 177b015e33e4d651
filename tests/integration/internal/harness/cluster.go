package harness

// Cluster helpers: nodes started from the walk-through's config template, a cluster formed with
// `redis-cli --cluster create`, CLUSTER NODES parsing, and waits for the cluster to settle.
// Everything here talks to the nodes through fresh short-lived connections and returns errors
// instead of failing, so that it can be polled from wait loops.

import (
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
	"syscall"
	"testing"
	"time"
)

// NumSlots is the size of the key space of a cluster.
const NumSlots = 16384

// ClusterOptions describe the nodes of one cluster.
type ClusterOptions struct {
	// NodeTimeout is cluster-node-timeout in milliseconds (default 2000: short keeps tests fast).
	NodeTimeout int
	// Extra config lines appended to the template ("directive value").
	Extra []string
	// Verbatim keeps to the walk-through's directives. Otherwise replicas start their full
	// sync at once (repl-diskless-sync-delay 0) instead of after the default 5 s, which only
	// makes every cluster start and every rejoin of a replica quicker.
	Verbatim bool
}

func (o ClusterOptions) nodeTimeout() int {
	if o.NodeTimeout > 0 {
		return o.NodeTimeout
	}
	return 2000
}

// ClusterNodeConfig is the walk-through's template (port, protected-mode no, cluster-enabled,
// cluster-config-file nodes.conf, cluster-node-timeout, appendonly yes), bound to loopback.
// The reference needs enable-debug-command for DEBUG SLEEP; the server under test allows DEBUG
// from local connections by default.
func ClusterNodeConfig(o ClusterOptions) string {
	var b strings.Builder
	b.WriteString("port ${PORT}\n")
	b.WriteString("bind 127.0.0.1\n")
	b.WriteString("protected-mode no\n")
	b.WriteString("cluster-enabled yes\n")
	b.WriteString("cluster-config-file nodes.conf\n")
	fmt.Fprintf(&b, "cluster-node-timeout %d\n", o.nodeTimeout())
	b.WriteString("appendonly yes\n")
	if TargetIsReference() {
		b.WriteString("enable-debug-command local\n")
	}
	if !o.Verbatim {
		b.WriteString("repl-diskless-sync-delay 0\n")
	}
	for _, l := range o.Extra {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// StartClusterNode starts one empty cluster node of the server under test.
func StartClusterNode(t testing.TB, o ClusterOptions) *Server {
	t.Helper()
	return Start(t, Options{Config: ClusterNodeConfig(o), ClusterBus: true})
}

// StartReferenceClusterNode starts one empty cluster node of the reference redis-server from
// the same template, for clusters that mix the two implementations. Like every reference server
// of the harness it keeps no snapshot and no AOF, so a restarted one comes back with its
// nodes.conf but without keys, and gets them again from its master.
func StartReferenceClusterNode(t testing.TB, o ClusterOptions) *Server {
	t.Helper()
	cfg := ClusterNodeConfig(o)
	if !TargetIsReference() {
		cfg += "enable-debug-command local\n"
	}
	return Start(t, Options{Config: cfg, ClusterBus: true, Reference: true})
}

// IsReference reports whether s runs the reference redis-server (Options.Reference).
func (s *Server) IsReference() bool { return s.Name == "redis" }

// Cluster is a set of cluster nodes started by one test.
type Cluster struct {
	T     testing.TB
	Opts  ClusterOptions
	Nodes []*Server
}

// NodeTimeout is the configured cluster-node-timeout.
func (c *Cluster) NodeTimeout() time.Duration {
	return time.Duration(c.Opts.nodeTimeout()) * time.Millisecond
}

// StartClusterNodes starts n empty nodes (no cluster formed yet).
func StartClusterNodes(t testing.TB, n int, o ClusterOptions) *Cluster {
	t.Helper()
	c := &Cluster{T: t, Opts: o}
	for i := 0; i < n; i++ {
		c.Nodes = append(c.Nodes, StartClusterNode(t, o))
	}
	return c
}

// StartCluster starts six nodes, forms three masters with one replica each through
// `redis-cli --cluster create --cluster-replicas 1`, and waits until the cluster settles.
func StartCluster(t testing.TB, o ClusterOptions) *Cluster {
	t.Helper()
	c := StartClusterNodes(t, 6, o)
	if r := c.Create(1); r.Code != 0 {
		t.Fatalf("redis-cli --cluster create exited with %d:\n%s", r.Code, r.Out)
	}
	c.WaitHealthy(c.Nodes, 60*time.Second)
	return c
}

// AddNode starts one more empty node and adds it to c.Nodes (not to the cluster).
func (c *Cluster) AddNode() *Server {
	c.T.Helper()
	s := StartClusterNode(c.T, c.Opts)
	c.Nodes = append(c.Nodes, s)
	return s
}

// Create runs `redis-cli --cluster create <all nodes> --cluster-replicas N --cluster-yes`.
func (c *Cluster) Create(replicas int) CliResult {
	c.T.Helper()
	args := []string{"--cluster", "create"}
	for _, s := range c.Nodes {
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	return RunCli(c.T, 2*time.Minute, "", args...)
}

// CliResult is the outcome of one redis-cli run.
type CliResult struct {
	Out  string // standard output and standard error, interleaved
	Code int
	Took time.Duration
}

// RunCli runs redis-cli with a deadline; stdin is fed when not empty. A run that does not end
// in time is killed (by its PID, through the context) and fails the test.
func RunCli(t testing.TB, timeout time.Duration, stdin string, args ...string) CliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, RedisCliBin(), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	start := time.Now()
	err := cmd.Run()
	r := CliResult{Out: StripANSI(out.String()), Took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("redis-cli %s did not finish within %v; output so far:\n%s", strings.Join(args, " "), timeout, r.Out)
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("redis-cli %s: %v", strings.Join(args, " "), err)
		}
		r.Code = ee.ExitCode()
	}
	return r
}

// StripANSI removes the colour escapes redis-cli --cluster prints even when not on a tty.
func StripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ---- key slots ----

func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// KeySlot computes the slot of a key (CRC16/XMODEM of the key or of its non-empty hash tag).
func KeySlot(key string) int {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if n := strings.IndexByte(key[open+1:], '}'); n > 0 {
			key = key[open+1 : open+1+n]
		}
	}
	return int(crc16([]byte(key)) % NumSlots)
}

// KeyInSlot returns the first key "<prefix><n>" (n = 0, 1, ...) that hashes to slot.
func KeyInSlot(prefix string, slot int) string {
	for n := 0; ; n++ {
		k := prefix + strconv.Itoa(n)
		if KeySlot(k) == slot {
			return k
		}
	}
}

// ---- one-shot queries ----

// Query sends one command on a fresh connection and parses the reply.
func Query(s *Server, args ...string) (Value, error) {
	raw, err := QueryRaw(s, args...)
	if err != nil {
		return Value{}, err
	}
	return Parse(raw)
}

// QueryRaw sends one command on a fresh connection and returns the raw reply.
func QueryRaw(s *Server, args ...string) ([]byte, error) {
	c, err := DialTimeout(s.Addr(), 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.SendCmd(args...); err != nil {
		return nil, err
	}
	return c.ReadReply(5 * time.Second)
}

// QueryText returns the text of a bulk or verbatim reply; an error reply becomes an error.
func QueryText(s *Server, args ...string) (string, error) {
	v, err := Query(s, args...)
	if err != nil {
		return "", err
	}
	if v.IsError() {
		return "", fmt.Errorf("%s: %s", strings.Join(args, " "), v.Str)
	}
	return v.Text(), nil
}

// ClusterInfo is CLUSTER INFO of a node as a field map.
func ClusterInfo(s *Server) (map[string]string, error) {
	txt, err := QueryText(s, "CLUSTER", "INFO")
	if err != nil {
		return nil, err
	}
	return ParseInfo(txt), nil
}

// InfoField is one field of INFO <section>.
func InfoField(s *Server, section, field string) (string, error) {
	txt, err := QueryText(s, "INFO", section)
	if err != nil {
		return "", err
	}
	return ParseInfo(txt)[field], nil
}

// ---- CLUSTER NODES ----

// NodeLine is one parsed line of CLUSTER NODES (or of nodes.conf).
type NodeLine struct {
	Raw      string
	ID       string
	IP       string
	Port     int
	BusPort  int
	Hostname string
	Flags    []string
	Master   string // "-" for masters
	PingSent int64
	PongRecv int64
	Epoch    int64
	Link     string
	Slots    []string // slot specs as printed, open slots ("[...]") included
}

// Has reports whether the line carries a flag.
func (n NodeLine) Has(flag string) bool {
	for _, f := range n.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// IsMaster and IsReplica read the role flags.
func (n NodeLine) IsMaster() bool  { return n.Has("master") }
func (n NodeLine) IsReplica() bool { return n.Has("slave") }

// OwnedSlots expands the slot ranges (open-slot entries are skipped).
func (n NodeLine) OwnedSlots() []int {
	var out []int
	for _, spec := range n.Slots {
		if strings.HasPrefix(spec, "[") {
			continue
		}
		lo, hi, err := ParseSlotRange(spec)
		if err != nil {
			continue
		}
		for s := lo; s <= hi; s++ {
			out = append(out, s)
		}
	}
	return out
}

// RangeSpecs are the slot specs without the open-slot entries.
func (n NodeLine) RangeSpecs() []string {
	var out []string
	for _, spec := range n.Slots {
		if !strings.HasPrefix(spec, "[") {
			out = append(out, spec)
		}
	}
	return out
}

// ParseSlotRange parses "N" or "A-B".
func ParseSlotRange(spec string) (int, int, error) {
	a, b, isRange := strings.Cut(spec, "-")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, fmt.Errorf("bad slot spec %q", spec)
	}
	hi := lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil {
			return 0, 0, fmt.Errorf("bad slot spec %q", spec)
		}
	}
	if lo < 0 || hi >= NumSlots || lo > hi {
		return 0, 0, fmt.Errorf("bad slot spec %q", spec)
	}
	return lo, hi, nil
}

// ParseNodeLine parses one line (without its LF).
func ParseNodeLine(line string) (NodeLine, error) {
	f := strings.Split(line, " ")
	if len(f) < 8 {
		return NodeLine{}, fmt.Errorf("line has %d fields: %q", len(f), line)
	}
	n := NodeLine{Raw: line, ID: f[0], Master: f[3], Link: f[7], Slots: f[8:]}
	addr := f[1]
	if i := strings.IndexByte(addr, ','); i >= 0 {
		n.Hostname = addr[i+1:]
		addr = addr[:i]
	}
	at := strings.LastIndexByte(addr, '@')
	colon := strings.LastIndexByte(addr, ':')
	if at < 0 || colon < 0 || colon > at {
		return NodeLine{}, fmt.Errorf("bad address %q in %q", f[1], line)
	}
	n.IP = addr[:colon]
	var err1, err2, err3, err4, err5 error
	n.Port, err1 = strconv.Atoi(addr[colon+1 : at])
	n.BusPort, err2 = strconv.Atoi(addr[at+1:])
	n.Flags = strings.Split(f[2], ",")
	n.PingSent, err3 = strconv.ParseInt(f[4], 10, 64)
	n.PongRecv, err4 = strconv.ParseInt(f[5], 10, 64)
	n.Epoch, err5 = strconv.ParseInt(f[6], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return NodeLine{}, fmt.Errorf("bad number in %q: %v", line, err)
	}
	return n, nil
}

// ParseClusterNodes parses CLUSTER NODES text: LF-terminated lines.
func ParseClusterNodes(text string) ([]NodeLine, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("CLUSTER NODES text does not end with LF: %q", text)
	}
	var out []NodeLine
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n, err := ParseNodeLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// View is one node's CLUSTER NODES.
type View []NodeLine

// ClusterNodes fetches and parses CLUSTER NODES of a node.
func ClusterNodes(s *Server) (View, error) {
	txt, err := QueryText(s, "CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	return ParseClusterNodes(txt)
}

// Myself is the line flagged myself.
func (v View) Myself() (NodeLine, bool) {
	for _, n := range v {
		if n.Has("myself") {
			return n, true
		}
	}
	return NodeLine{}, false
}

// ByID finds a line by node id.
func (v View) ByID(id string) (NodeLine, bool) {
	for _, n := range v {
		if n.ID == id {
			return n, true
		}
	}
	return NodeLine{}, false
}

// ByPort finds a line by client port.
func (v View) ByPort(port int) (NodeLine, bool) {
	for _, n := range v {
		if n.Port == port {
			return n, true
		}
	}
	return NodeLine{}, false
}

// Owner is the line whose ranges contain slot.
func (v View) Owner(slot int) (NodeLine, bool) {
	for _, n := range v {
		for _, spec := range n.RangeSpecs() {
			lo, hi, err := ParseSlotRange(spec)
			if err == nil && slot >= lo && slot <= hi {
				return n, true
			}
		}
	}
	return NodeLine{}, false
}

// ReplicasOf lists the lines replicating the given master id.
func (v View) ReplicasOf(id string) []NodeLine {
	var out []NodeLine
	for _, n := range v {
		if n.IsReplica() && n.Master == id {
			out = append(out, n)
		}
	}
	return out
}

// MastersWithSlots lists masters that own at least one slot.
func (v View) MastersWithSlots() []NodeLine {
	var out []NodeLine
	for _, n := range v {
		if n.IsMaster() && len(n.RangeSpecs()) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// ---- cluster-level helpers (fatal on error) ----

// View is CLUSTER NODES of s (fatal on error).
func (c *Cluster) View(s *Server) View {
	c.T.Helper()
	v, err := ClusterNodes(s)
	if err != nil {
		c.T.Fatalf("CLUSTER NODES on %s: %v", s.Addr(), err)
	}
	return v
}

// ID is the node id of s (from its own myself line).
func (c *Cluster) ID(s *Server) string {
	c.T.Helper()
	me, ok := c.View(s).Myself()
	if !ok {
		c.T.Fatalf("%s: no myself line in CLUSTER NODES", s.Addr())
	}
	return me.ID
}

// ByPort maps a port back to one of the cluster's servers.
func (c *Cluster) ByPort(port int) *Server {
	for _, s := range c.Nodes {
		if s.Port == port {
			return s
		}
	}
	return nil
}

// ByID maps a node id, as seen by via, to one of the cluster's servers.
func (c *Cluster) ByID(via *Server, id string) *Server {
	c.T.Helper()
	n, ok := c.View(via).ByID(id)
	if !ok {
		c.T.Fatalf("%s does not know node %s", via.Addr(), id)
	}
	return c.ByPort(n.Port)
}

// OwnerOf is the master serving slot, as seen by via.
func (c *Cluster) OwnerOf(via *Server, slot int) *Server {
	c.T.Helper()
	n, ok := c.View(via).Owner(slot)
	if !ok {
		c.T.Fatalf("%s: slot %d has no owner", via.Addr(), slot)
	}
	return c.ByPort(n.Port)
}

// ReplicaOf is the (first) replica of master, as seen by via.
func (c *Cluster) ReplicaOf(via, master *Server) *Server {
	c.T.Helper()
	reps := c.View(via).ReplicasOf(c.ID(master))
	if len(reps) == 0 {
		c.T.Fatalf("%s: master %s has no replica", via.Addr(), master.Addr())
	}
	return c.ByPort(reps[0].Port)
}

// Masters are the slot-owning masters, as seen by via, in the order of its CLUSTER NODES.
func (c *Cluster) Masters(via *Server) []*Server {
	c.T.Helper()
	var out []*Server
	for _, n := range c.View(via).MastersWithSlots() {
		out = append(out, c.ByPort(n.Port))
	}
	return out
}

// Others is c.Nodes without the given servers.
func (c *Cluster) Others(except ...*Server) []*Server {
	var out []*Server
	for _, s := range c.Nodes {
		skip := false
		for _, e := range except {
			skip = skip || s == e
		}
		if !skip {
			out = append(out, s)
		}
	}
	return out
}

// ---- waiting for the cluster to settle ----

// Healthy returns nil when every node in nodes reports cluster_state:ok, none of them sees
// another one of them as failing or in handshake, they all agree on slot ownership and roles
// (the same test redis-cli makes before it touches a cluster), and every replica among them
// has its replication link up.
func Healthy(nodes []*Server) error {
	var ref string
	var refNode *Server
	ids := map[string]*Server{}
	views := map[*Server]View{}
	for _, s := range nodes {
		v, err := ClusterNodes(s)
		if err != nil {
			return fmt.Errorf("%s: %v", s.Addr(), err)
		}
		me, ok := v.Myself()
		if !ok {
			return fmt.Errorf("%s: no myself line", s.Addr())
		}
		ids[me.ID] = s
		views[s] = v
	}
	for _, s := range nodes {
		info, err := ClusterInfo(s)
		if err != nil {
			return fmt.Errorf("%s: %v", s.Addr(), err)
		}
		if info["cluster_state"] != "ok" {
			return fmt.Errorf("%s: cluster_state:%s", s.Addr(), info["cluster_state"])
		}
		v := views[s]
		for id, peer := range ids {
			n, ok := v.ByID(id)
			if !ok {
				return fmt.Errorf("%s does not know %s yet", s.Addr(), peer.Addr())
			}
			for _, bad := range []string{"fail?", "fail", "handshake", "noaddr"} {
				if n.Has(bad) {
					return fmt.Errorf("%s sees %s as %s", s.Addr(), peer.Addr(), bad)
				}
			}
		}
		sig := signature(v, ids)
		if refNode == nil {
			ref, refNode = sig, s
		} else if sig != ref {
			return fmt.Errorf("%s and %s disagree:\n  %s\n  %s", refNode.Addr(), s.Addr(), ref, sig)
		}
		me, _ := v.Myself()
		if me.IsReplica() {
			link, err := InfoField(s, "replication", "master_link_status")
			if err != nil {
				return err
			}
			if link != "up" {
				return fmt.Errorf("replica %s: master_link_status:%s", s.Addr(), link)
			}
		}
	}
	return nil
}

// signature: slot ranges of every node that has some, plus the roles of the live nodes.
func signature(v View, live map[string]*Server) string {
	var parts []string
	for _, n := range v {
		if specs := n.RangeSpecs(); len(specs) > 0 {
			parts = append(parts, n.ID+":"+strings.Join(specs, ","))
		}
		if _, ok := live[n.ID]; ok {
			role := "master"
			if n.IsReplica() {
				role = "replica-of-" + n.Master
			}
			parts = append(parts, n.ID+"="+role)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// WaitHealthy waits until Healthy(nodes) holds; the test fails with the last reason otherwise.
func (c *Cluster) WaitHealthy(nodes []*Server, timeout time.Duration) {
	c.T.Helper()
	var last error
	if !WaitFor(timeout, func() bool { last = Healthy(nodes); return last == nil }) {
		c.T.Fatalf("cluster not healthy after %v: %v", timeout, last)
	}
}

// WaitState waits until every node reports cluster_state:<state>.
func (c *Cluster) WaitState(nodes []*Server, state string, timeout time.Duration) {
	c.T.Helper()
	var last string
	ok := WaitFor(timeout, func() bool {
		for _, s := range nodes {
			info, err := ClusterInfo(s)
			if err != nil {
				last = err.Error()
				return false
			}
			if info["cluster_state"] != state {
				last = fmt.Sprintf("%s: cluster_state:%s", s.Addr(), info["cluster_state"])
				return false
			}
		}
		return true
	})
	if !ok {
		c.T.Fatalf("cluster_state:%s not reached within %v: %s", state, timeout, last)
	}
}

// IsMaster reports whether s calls itself a master in CLUSTER NODES.
func IsMaster(s *Server) bool {
	v, err := ClusterNodes(s)
	if err != nil {
		return false
	}
	me, ok := v.Myself()
	return ok && me.IsMaster()
}

// IsReplicaOf reports whether s calls itself a replica of the node with id masterID.
func IsReplicaOf(s *Server, masterID string) bool {
	v, err := ClusterNodes(s)
	if err != nil {
		return false
	}
	me, ok := v.Myself()
	return ok && me.IsReplica() && me.Master == masterID
}

// ---- process control ----

// Running reports whether the process has not exited.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Restart starts the server again with the same binary, arguments, directory and port, after
// it has exited. The previous log is kept as server.log.<n>.
func (s *Server) Restart() error {
	if s.cmd == nil || s.Running() {
		return fmt.Errorf("%s (pid %d) is still running", s.Name, s.Pid)
	}
	s.closeLog()
	for n := 1; ; n++ {
		old := fmt.Sprintf("%s.%d", s.LogPath, n)
		if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(s.LogPath, old); err != nil {
				return err
			}
			break
		}
	}
	s.mu.Lock()
	s.stopped = false
	s.mu.Unlock()
	return s.Exec(s.args, s.password)
}

// Terminate stops the server with SIGTERM (by PID) and marks the stop as intended.
func (s *Server) Terminate() (int, error) {
	s.MarkStopped()
	return s.Stop()
}

// KillNow sends SIGKILL (by PID), waits, and marks the stop as intended.
func (s *Server) KillNow() {
	s.MarkStopped()
	s.Kill()
}

// Pause sends SIGSTOP; the returned function sends SIGCONT (also registered as a cleanup so
// that a failing test does not leave a stopped process behind).
func (s *Server) Pause(t testing.TB) func() {
	t.Helper()
	if err := s.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %d: %v", s.Pid, err)
	}
	resume := func() {
		if s.Running() {
			_ = s.Signal(syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	return resume
}

// FilePath is a path inside the server's directory.
func (s *Server) FilePath(name string) string { return filepath.Join(s.Dir, name) }

// FreeClusterPort is a free port whose bus port (port+10000) is free as well.
func FreeClusterPort() (int, error) { return freePort(true) }
