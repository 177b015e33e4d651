package integration

// Docker: the image `make docker` builds, and the seed walk-through's Compose files
// (conf/seed-cluster, conf/seed-master-replica) used the way a reader of the walk-through uses
// them: render the configs with the walk-through's script, `docker compose up -d` (or
// docker-compose v1), `redis-cli --cluster create ... --cluster-replicas 1` from the host, the
// walk-through's go-redis program, its DEBUG SLEEP failover, then `down -v`.
//
// Containers use host networking on 127.0.0.1 ports 7000-7005 (cluster bus 17000-17005), as in
// the walk-through; the image checks publish one container port on 127.0.0.1:7000. The tests
// never run in parallel with each other, since they share those ports and the container names
// the Compose files fix. They skip, saying why, when no Docker engine answers, when no Compose
// tool is installed, or when the run tests another binary than the release build the image
// packs (the sanitizer run, the reference self-check).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"tessera/tests/integration/internal/harness"
)

const dockerImage = "tessera:latest"

// imageUID is the redis user of the image (docker/build-rootfs.sh).
const imageUID = 999

// ---- running tools ----

// runCmd runs a command in dir with a deadline and returns its combined output.
func runCmd(timeout time.Duration, dir string, stdin string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("did not finish within %v", timeout)
	}
	return out.String(), err
}

// mustCmd runs a command and fails the test when it fails.
func mustCmd(t *testing.T, timeout time.Duration, dir string, name string, args ...string) string {
	t.Helper()
	out, err := runCmd(timeout, dir, "", name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 60))
	}
	return out
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	return strings.TrimSpace(mustCmd(t, 2*time.Minute, "", "docker", args...))
}

// ---- preconditions ----

var (
	imageOnce sync.Once
	imageErr  error
	imageLog  string
)

// requireDocker skips the test unless a Docker engine answers and the run tests the release
// build; it then builds the image with `make docker` (once per run, so the image always holds
// the binary under test; unchanged layers come from the build cache).
func requireDocker(t *testing.T) {
	t.Helper()
	bin, _ := filepath.EvalSymlinks(harness.TesseraBin())
	release, _ := filepath.EvalSymlinks(filepath.Join(harness.RepoRoot(), "build", "release", "tessera-server"))
	if bin == "" || bin != release {
		t.Skipf("the image packs the release build; this run tests %s", harness.TesseraBin())
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker command: the Docker tests need a Docker engine")
	}
	if out, err := runCmd(30*time.Second, "", "", "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		t.Skipf("no Docker engine answers (docker version: %v: %s)", err, strings.TrimSpace(tail(out, 3)))
	}
	imageOnce.Do(func() {
		imageLog, imageErr = runCmd(10*time.Minute, harness.RepoRoot(), "", "make", "docker")
	})
	if imageErr != nil {
		t.Fatalf("make docker: %v\n%s", imageErr, tail(imageLog, 40))
	}
}

// composeTool returns the Compose command: the `docker compose` plugin if installed
// (scripts/setup.sh builds it), else Debian's docker-compose v1.
func composeTool(t *testing.T) []string {
	t.Helper()
	if _, err := runCmd(30*time.Second, "", "", "docker", "compose", "version"); err == nil {
		return []string{"docker", "compose"}
	}
	if _, err := exec.LookPath("docker-compose"); err == nil {
		return []string{"docker-compose"}
	}
	t.Skip("neither `docker compose` nor docker-compose is installed")
	return nil
}

// requireFreePorts fails the test when something already listens on one of ports (or on its
// cluster bus port when bus is set): the containers share the host's network.
func requireFreePorts(t *testing.T, ports []int, bus bool) {
	t.Helper()
	for _, p := range ports {
		check := []int{p}
		if bus {
			check = append(check, p+10000)
		}
		for _, q := range check {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(q))
			if err != nil {
				t.Fatalf("port %d is taken (%v); the Docker tests need 7000-7005 and 17000-17005", q, err)
			}
			l.Close()
		}
	}
}

// removeStaleContainers removes containers with the given names left by an earlier, aborted
// run of these tests; a container of that name from another image is left alone and fails
// the test instead.
func removeStaleContainers(t *testing.T, names []string) {
	t.Helper()
	for _, name := range names {
		out, err := runCmd(time.Minute, "", "", "docker", "container", "inspect", "--format", "{{.Config.Image}}", name)
		if err != nil {
			continue // no such container
		}
		if img := strings.TrimSpace(out); img != dockerImage {
			t.Fatalf("a container named %s (image %s) is in the way", name, img)
		}
		docker(t, "rm", "-f", "-v", name)
	}
}

// ---- looking at a container ----

// serverProcess returns the host PID of the container's main process.
func serverProcess(t *testing.T, container string) int {
	t.Helper()
	pid, err := strconv.Atoi(docker(t, "inspect", "--format", "{{.State.Pid}}", container))
	if err != nil || pid <= 0 {
		t.Fatalf("%s: no running process (pid %q)", container, pid)
	}
	return pid
}

// procStatus returns one field of /proc/<pid>/status.
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("process %d: no %s in its status", pid, field)
	return ""
}

// requireUnprivilegedServer checks that the container's main process is the server, running
// as the image's redis user with the private umask the entry point sets.
func requireUnprivilegedServer(t *testing.T, container string) {
	t.Helper()
	pid := serverProcess(t, container)
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if args := strings.Split(string(cmdline), "\x00"); args[0] != "redis-server" {
		t.Errorf("%s: main process is %q, want redis-server", container, strings.Join(args, " "))
	}
	want := fmt.Sprintf("%d\t%d\t%d\t%d", imageUID, imageUID, imageUID, imageUID)
	if uid := procStatus(t, pid, "Uid"); uid != want {
		t.Errorf("%s: server runs with uids %q, want %q", container, uid, want)
	}
	if gid := procStatus(t, pid, "Gid"); gid != want {
		t.Errorf("%s: server runs with gids %q, want %q", container, gid, want)
	}
	if um := procStatus(t, pid, "Umask"); um != "0077" {
		t.Errorf("%s: server umask %s, want 0077", container, um)
	}
}

// fileOwner is the uid owning path.
func fileOwner(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

// removeTree removes a folder the containers wrote into. Files the server created belong to its
// user and are private, so a caller that is not root removes them through a container.
func removeTree(t *testing.T, dir string) {
	if err := os.RemoveAll(dir); err == nil {
		return
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if out, err := runCmd(time.Minute, "", "", "docker", "run", "--rm", "--user", "0", "--entrypoint", "rm",
		"-v", parent+":/work", dockerImage, "-rf", "/work/"+base); err != nil {
		t.Errorf("removing %s: %v\n%s", dir, err, out)
	}
	os.RemoveAll(dir)
}

// copySeedDir copies conf/<name> (the walk-through's files) into a fresh folder.
func copySeedDir(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(harness.RepoRoot(), "conf", name)
	dir, err := os.MkdirTemp("", "tessera-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue // rendered folders of a manual run stay behind
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := e.Info()
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// composeUp starts the Compose file in dir and registers `down -v` (with the containers' logs
// when the test failed) as a cleanup.
func composeUp(t *testing.T, dir string) func(args ...string) string {
	t.Helper()
	compose := composeTool(t)
	t.Logf("compose tool: %s", strings.Join(compose, " "))
	run := func(args ...string) string {
		t.Helper()
		all := append(append([]string{}, compose[1:]...), args...)
		return mustCmd(t, 3*time.Minute, dir, compose[0], all...)
	}
	t.Cleanup(func() {
		all := append(append([]string{}, compose[1:]...), "logs", "--no-color")
		if t.Failed() {
			out, _ := runCmd(time.Minute, dir, "", compose[0], all...)
			t.Logf("container logs:\n%s", tail(out, 200))
		}
		all = append(append([]string{}, compose[1:]...), "down", "-v")
		if out, err := runCmd(3*time.Minute, dir, "", compose[0], all...); err != nil {
			t.Errorf("%s down -v: %v\n%s", strings.Join(compose, " "), err, out)
		}
	})
	run("up", "-d")
	return run
}

// hostNodes are handles on the servers the containers run on the host's network.
func hostNodes(ports ...int) []*harness.Server {
	var nodes []*harness.Server
	for _, p := range ports {
		nodes = append(nodes, &harness.Server{Name: fmt.Sprintf("redis%d", p), Port: p})
	}
	return nodes
}

func waitPong(t *testing.T, nodes []*harness.Server) {
	t.Helper()
	for _, s := range nodes {
		waitUntil(t, time.Minute, s.Name+" to answer PING", func() error {
			v, err := harness.Query(s, "PING")
			if err != nil {
				return err
			}
			if v.Str != "PONG" {
				return fmt.Errorf("PING: %q", v.Str)
			}
			return nil
		})
	}
}

// ---- the image ----

// TestDockerImage: the commands and layout users of the official Redis image rely on, the
// server running unprivileged, protected mode off unless the config file turns it on, a
// bind-mounted data folder made writable for the server, and a clean stop.
func TestDockerImage(t *testing.T) {
	requireDocker(t)

	for _, args := range [][]string{{"redis-server", "--version"}, {"tessera-server", "--version"}, {"--version"}} {
		out := docker(t, append([]string{"run", "--rm", dockerImage}, args...)...)
		if !strings.HasPrefix(out, "Tessera server v=") {
			t.Errorf("docker run %s: %q", strings.Join(args, " "), out)
		}
	}
	if out := docker(t, "run", "--rm", dockerImage, "redis-cli", "--version"); !strings.HasPrefix(out, "redis-cli 7.0.") {
		t.Errorf("redis-cli --version: %q", out)
	}
	// The server does not depend on the name it runs under: redis-server is a link.
	if out := docker(t, "run", "--rm", dockerImage, "readlink", "/usr/local/bin/redis-server"); out != "tessera-server" {
		t.Errorf("/usr/local/bin/redis-server links to %q", out)
	}
	layout := docker(t, "run", "--rm", dockerImage, "sh", "-c",
		"stat -c '%n %u %g %a' /data /tmp /usr/local/etc/redis; id -u; grep '^redis:' /etc/passwd")
	for _, want := range []string{"/data 999 999 755", "/tmp 0 0 1777", "/usr/local/etc/redis 0 0 755",
		"\n0\n", "redis:x:999:999:"} {
		if !strings.Contains(layout, want) {
			t.Errorf("image layout: no %q in\n%s", want, layout)
		}
	}

	var cfg struct {
		WorkingDir   string
		Cmd          []string
		Entrypoint   []string
		ExposedPorts map[string]struct{}
		Volumes      map[string]struct{}
	}
	if err := json.Unmarshal([]byte(docker(t, "image", "inspect", "--format", "{{json .Config}}", dockerImage)), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.WorkingDir != "/data" || strings.Join(cfg.Cmd, " ") != "redis-server" ||
		strings.Join(cfg.Entrypoint, " ") != "docker-entrypoint.sh" {
		t.Errorf("image config: workdir %q cmd %q entrypoint %q", cfg.WorkingDir, cfg.Cmd, cfg.Entrypoint)
	}
	if _, ok := cfg.ExposedPorts["6379/tcp"]; !ok {
		t.Errorf("image does not expose 6379/tcp: %v", cfg.ExposedPorts)
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("image does not declare /data a volume: %v", cfg.Volumes)
	}

	t.Run("default-command", func(t *testing.T) { dockerDefaultCommand(t) })
	t.Run("config-keeps-protected-mode", func(t *testing.T) { dockerProtectedByConfig(t) })
	t.Run("names-resolve", func(t *testing.T) { dockerNamesResolve(t) })
}

// dockerNamesResolve: on a user-defined network, containers find each other by name, through
// Docker's /etc/hosts and DNS server and the image's nsswitch.conf, both in redis-cli and in
// the server (REPLICAOF by name).
func dockerNamesResolve(t *testing.T) {
	const network = "tessera-it-net"
	names := []string{"tessera-it-a", "tessera-it-b"}
	removeStaleContainers(t, names)
	if _, err := runCmd(time.Minute, "", "", "docker", "network", "inspect", network); err == nil {
		docker(t, "network", "rm", network)
	}
	docker(t, "network", "create", network)
	t.Cleanup(func() { runCmd(time.Minute, "", "", "docker", "network", "rm", network) })
	for _, n := range names {
		docker(t, "run", "-d", "--name", n, "--network", network, dockerImage)
		t.Cleanup(func() { runCmd(time.Minute, "", "", "docker", "rm", "-f", "-v", n) })
	}
	waitUntil(t, time.Minute, "tessera-it-a to reach tessera-it-b by name", func() error {
		out, err := runCmd(30*time.Second, "", "", "docker", "exec", names[0], "redis-cli", "-h", names[1], "ping")
		if err != nil || strings.TrimSpace(out) != "PONG" {
			return fmt.Errorf("redis-cli -h %s ping: %v %q", names[1], err, out)
		}
		return nil
	})
	if out := docker(t, "exec", names[0], "redis-cli", "replicaof", names[1], "6379"); out != "OK" {
		t.Fatalf("REPLICAOF %s 6379: %q", names[1], out)
	}
	docker(t, "exec", names[1], "redis-cli", "set", "k", "v")
	waitUntil(t, time.Minute, "tessera-it-a to replicate from tessera-it-b", func() error {
		out, err := runCmd(30*time.Second, "", "", "docker", "exec", names[0], "redis-cli", "get", "k")
		if err != nil || strings.TrimSpace(out) != "v" {
			return fmt.Errorf("GET k on the replica: %v %q", err, out)
		}
		return nil
	})
}

// dockerDefaultCommand runs the image's default command with a published port and a
// bind-mounted data folder that belongs to the host's user.
func dockerDefaultCommand(t *testing.T) {
	const name = "tessera-it-default"
	removeStaleContainers(t, []string{name})
	requireFreePorts(t, []int{7000}, false)
	data, err := os.MkdirTemp("", "tessera-docker-data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, data) })
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	docker(t, "run", "-d", "--name", name, "-p", "127.0.0.1:7000:6379", "-v", data+":/data", dockerImage)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := runCmd(time.Minute, "", "", "docker", "logs", name)
			t.Logf("%s log:\n%s", name, tail(out, 80))
		}
		runCmd(time.Minute, "", "", "docker", "rm", "-f", "-v", name)
	})

	// Through the published port the server sees the bridge's gateway, not loopback: PONG
	// means protected mode is off, as in the official image.
	node := hostNodes(7000)
	waitPong(t, node)
	if v, err := harness.Query(node[0], "CONFIG", "GET", "protected-mode"); err != nil || len(v.Elems) != 2 || v.Elems[1].Str != "no" {
		t.Errorf("CONFIG GET protected-mode: %+v %v", v, err)
	}
	requireUnprivilegedServer(t, name)

	// The entry point gave the host's folder to the server's user, so it can save there.
	if v, err := harness.Query(node[0], "SET", "k", "v"); err != nil || v.IsError() {
		t.Fatalf("SET: %+v %v", v, err)
	}
	if v, err := harness.Query(node[0], "SAVE"); err != nil || v.IsError() {
		t.Fatalf("SAVE: %+v %v", v, err)
	}
	dump := filepath.Join(data, "dump.rdb")
	if owner := fileOwner(t, dump); owner != imageUID {
		t.Errorf("dump.rdb belongs to uid %d, want %d", owner, imageUID)
	}
	if fi, err := os.Stat(dump); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("dump.rdb: %v %v, want mode 0600", fi.Mode(), err)
	}

	// docker stop sends SIGTERM to the server itself (it is PID 1): a clean shutdown.
	docker(t, "stop", "-t", "30", name)
	if code := docker(t, "inspect", "--format", "{{.State.ExitCode}}", name); code != "0" {
		t.Errorf("exit code after docker stop: %s", code)
	}
	logs := mustCmd(t, time.Minute, "", "docker", "logs", name)
	if !strings.Contains(logs, "DB saved on disk") {
		t.Errorf("no final save in the log:\n%s", tail(logs, 20))
	}
}

// dockerProtectedByConfig: a config file that sets protected-mode keeps it; the entry point
// adds "--protected-mode no" only where nothing says otherwise.
func dockerProtectedByConfig(t *testing.T) {
	const name = "tessera-it-protected"
	removeStaleContainers(t, []string{name})
	requireFreePorts(t, []int{7000}, false)
	conf, err := os.MkdirTemp("", "tessera-docker-conf-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, conf) })
	os.Chmod(conf, 0o755)
	if err := os.WriteFile(filepath.Join(conf, "redis.conf"), []byte("protected-mode yes\nsave \"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	docker(t, "run", "-d", "--name", name, "-p", "127.0.0.1:7000:6379", "-v", conf+":/usr/local/etc/redis",
		dockerImage, "redis-server", "/usr/local/etc/redis/redis.conf")
	t.Cleanup(func() { runCmd(time.Minute, "", "", "docker", "rm", "-f", "-v", name) })

	waitUntil(t, time.Minute, "the server to answer inside its container", func() error {
		out, err := runCmd(30*time.Second, "", "", "docker", "exec", name, "redis-cli", "ping")
		if err != nil || strings.TrimSpace(out) != "PONG" {
			return fmt.Errorf("redis-cli ping: %v %q", err, out)
		}
		return nil
	})
	raw, err := harness.QueryRaw(hostNodes(7000)[0], "PING")
	if err != nil {
		t.Fatalf("PING through the published port: %v", err)
	}
	if !strings.HasPrefix(string(raw), "-DENIED") {
		t.Errorf("PING from outside the container with protected-mode yes: %q", harness.Escape(raw))
	}
	pid := serverProcess(t, name)
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if strings.Contains(string(cmdline), "protected-mode") {
		t.Errorf("entry point added protected-mode to a config that sets it: %q", cmdline)
	}
}

// ---- the walk-through's cluster ----

// TestDockerSeedCluster follows the walk-through's cluster section with our image.
func TestDockerSeedCluster(t *testing.T) {
	requireDocker(t)
	if _, err := exec.LookPath("envsubst"); err != nil {
		t.Fatal("envsubst not found: the walk-through's script needs Debian's gettext-base (scripts/setup.sh)")
	}
	harness.RequireBinary(t, harness.RedisCliBin())
	ports := []int{7000, 7001, 7002, 7003, 7004, 7005}
	var names []string
	for _, p := range ports {
		names = append(names, fmt.Sprintf("redis%d", p))
	}
	removeStaleContainers(t, names)
	requireFreePorts(t, ports, true)

	dir := copySeedDir(t, "seed-cluster")
	mustCmd(t, time.Minute, dir, "bash", "./redis-cluster-config.sh")
	composeUp(t, dir)
	nodes := hostNodes(ports...)
	waitPong(t, nodes)
	for _, n := range names {
		requireUnprivilegedServer(t, n)
	}

	// The walk-through answers redis-cli's question by typing yes.
	var addrs []string
	for _, s := range nodes {
		addrs = append(addrs, s.Addr())
	}
	r := mustCli(t, 2*time.Minute, "yes\n", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1")...)
	if !strings.Contains(r.Out, "[OK] All 16384 slots covered") {
		t.Fatalf("cluster create:\n%s", tail(r.Out, 40))
	}
	waitUntil(t, 2*time.Minute, "a healthy cluster (cluster_state:ok everywhere)", func() error { return harness.Healthy(nodes) })

	// The image's own redis-cli sees the same cluster.
	out := mustCmd(t, time.Minute, "", "docker", "exec", "redis7003", "redis-cli", "--cluster", "check", "127.0.0.1:7000")
	if !strings.Contains(out, "[OK] All 16384 slots covered") {
		t.Errorf("redis-cli --cluster check inside the container:\n%s", tail(out, 30))
	}
	for _, n := range names {
		if owner := fileOwner(t, filepath.Join(dir, "redis-cluster", strings.TrimPrefix(n, "redis"), "data", "nodes.conf")); owner != imageUID {
			t.Errorf("%s: nodes.conf belongs to uid %d", n, owner)
		}
	}

	// The walk-through's Go program: a ClusterClient on localhost:7000-7005, SET foo bar, GET foo.
	rdb := seedClusterClient(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "foo", "bar", 0).Err(); err != nil {
		t.Fatalf("SET foo bar: %v", err)
	}
	if v, err := rdb.Get(ctx, "foo").Result(); err != nil || v != "bar" {
		t.Fatalf("GET foo: %q %v", v, err)
	}

	seedFailover(t, nodes)
	if v, err := rdb.Get(ctx, "foo").Result(); err != nil || v != "bar" {
		t.Fatalf("GET foo after the failover: %q %v", v, err)
	}
}

func seedClusterClient(t *testing.T) *redis.ClusterClient {
	var addrs []string
	for port := 7000; port < 7006; port++ {
		addrs = append(addrs, fmt.Sprintf("localhost:%d", port))
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// seedFailover: the walk-through puts 7000 to sleep (DEBUG SLEEP) and watches its replica take
// over; once awake, 7000 rejoins as that replica's replica.
func seedFailover(t *testing.T, nodes []*harness.Server) {
	t.Helper()
	first := nodes[0]
	v, err := harness.ClusterNodes(first)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := v.Myself()
	if !me.IsMaster() {
		t.Fatalf("7000 is not a master after cluster create: %s", me.Raw)
	}
	reps := v.ReplicasOf(me.ID)
	if len(reps) != 1 {
		t.Fatalf("7000 has %d replicas, want 1", len(reps))
	}
	replica := hostNodes(reps[0].Port)[0]

	// Longer than the node timeout (5000 ms in the template) plus an election.
	const sleep = 15
	slept := make(chan error, 1)
	go func() {
		c, err := harness.DialTimeout(first.Addr(), 5*time.Second)
		if err != nil {
			slept <- err
			return
		}
		defer c.Close()
		if err := c.SendCmd("DEBUG", "SLEEP", strconv.Itoa(sleep)); err != nil {
			slept <- err
			return
		}
		reply, err := c.ReadReply((sleep + 30) * time.Second)
		if err == nil && string(reply) != "+OK\r\n" {
			err = fmt.Errorf("DEBUG SLEEP: %q", reply)
		}
		slept <- err
	}()
	start := time.Now()
	waitUntil(t, (sleep+30)*time.Second, replica.Name+" to be promoted", func() error {
		if harness.IsMaster(replica) {
			return nil
		}
		return fmt.Errorf("%s is still a replica", replica.Name)
	})
	t.Logf("%s promoted %v after DEBUG SLEEP on 7000", replica.Name, time.Since(start).Round(10*time.Millisecond))
	if err := <-slept; err != nil {
		t.Fatalf("DEBUG SLEEP on 7000: %v", err)
	}
	rv, err := harness.ClusterNodes(replica)
	if err != nil {
		t.Fatal(err)
	}
	newMaster, _ := rv.Myself()
	waitUntil(t, time.Minute, "7000 to follow "+replica.Name, func() error {
		if harness.IsReplicaOf(first, newMaster.ID) {
			return nil
		}
		return fmt.Errorf("7000 is not a replica of %s", replica.Name)
	})
	waitUntil(t, 2*time.Minute, "a healthy cluster after the failover", func() error { return harness.Healthy(nodes) })
}

// ---- the walk-through's primary and replicas ----

// TestDockerSeedMasterReplica runs the walk-through's primary/replica Compose file (without
// its Sentinel services: Tessera has no Sentinel mode yet). Its configs name ports 6090-6092,
// outside what this suite may use, so the copy under test moves them to 7000-7002; the Compose
// file and the layout script run unchanged.
func TestDockerSeedMasterReplica(t *testing.T) {
	requireDocker(t)
	ports := []int{7000, 7001, 7002}
	names := []string{"redis6090", "redis6091", "redis6092"}
	removeStaleContainers(t, names)
	requireFreePorts(t, ports, false)

	dir := copySeedDir(t, "seed-master-replica")
	for i, seedPort := range []int{6090, 6091, 6092} {
		path := filepath.Join(dir, fmt.Sprintf("redis-%d.conf", seedPort))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), fmt.Sprintf("port %d", seedPort), fmt.Sprintf("port %d", ports[i]))
		text = strings.ReplaceAll(text, "slaveof 127.0.0.1 6090", fmt.Sprintf("slaveof 127.0.0.1 %d", ports[0]))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustCmd(t, time.Minute, dir, "bash", "./redis-master-replica-config.sh")
	composeUp(t, dir)
	nodes := hostNodes(ports...)
	waitPong(t, nodes)
	for _, n := range names {
		requireUnprivilegedServer(t, n)
	}

	primary := nodes[0]
	for _, r := range nodes[1:] {
		waitUntil(t, time.Minute, r.Name+" to replicate 7000", func() error {
			link, err := harness.InfoField(r, "replication", "master_link_status")
			if err != nil {
				return err
			}
			if link != "up" {
				return fmt.Errorf("master_link_status:%s", link)
			}
			return nil
		})
	}
	if v, err := harness.Query(primary, "SET", "foo", "bar"); err != nil || v.IsError() {
		t.Fatalf("SET on the primary: %+v %v", v, err)
	}
	for _, r := range nodes[1:] {
		waitUntil(t, 30*time.Second, r.Name+" to have foo", func() error {
			v, err := harness.Query(r, "GET", "foo")
			if err != nil {
				return err
			}
			if v.Str != "bar" {
				return fmt.Errorf("GET foo: %+v", v)
			}
			return nil
		})
		if v, err := harness.Query(r, "SET", "x", "y"); err != nil || !strings.HasPrefix(v.Str, "READONLY") {
			t.Errorf("%s: SET on a replica: %+v %v", r.Name, v, err)
		}
	}
}
