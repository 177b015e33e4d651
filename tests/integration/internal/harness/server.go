// Package harness starts and stops server processes for the integration tests and gives the
// tests raw RESP connections to them.
//
// Every server runs in its own temporary directory, on a free 127.0.0.1 port picked from
// 21000-22700, with its standard output and error captured to a log file. Servers are stopped
// by PID only (SIGTERM, then SIGKILL after a deadline), never by name, because other test runs
// may share the machine. When a test fails, the logs of the servers it started are printed.
package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand"
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
)

// Port range shared with other test runs on the machine; collisions are handled by retrying.
// TESSERA_IT_PORTS=lo-hi narrows it (inside or outside these bounds), so that concurrent runs
// on one machine can each keep to a range of their own.
const (
	portMin = 21000
	portMax = 22700
)

// portRange is the range FreePort draws from.
func portRange() (int, int) {
	lo, hi := portMin, portMax
	if env := os.Getenv("TESSERA_IT_PORTS"); env != "" {
		a, b, ok := strings.Cut(env, "-")
		l, errL := strconv.Atoi(a)
		h, errH := strconv.Atoi(b)
		if ok && errL == nil && errH == nil && l > 0 && l <= h && h < 65536 {
			lo, hi = l, h
		}
	}
	return lo, hi
}

// Generous deadlines: the machine is shared and noisy, so these only bound a hang.
const (
	StartTimeout = 30 * time.Second
	StopTimeout  = 30 * time.Second
	ReplyTimeout = 20 * time.Second
)

// TesseraBin is the server under test: $TESSERA_BIN, else <repo>/build/tessera-server.
func TesseraBin() string {
	if b := os.Getenv("TESSERA_BIN"); b != "" {
		return b
	}
	return filepath.Join(RepoRoot(), "build", "tessera-server")
}

// RedisServerBin is the reference server: $REDIS_SERVER_BIN, else redis-server from PATH.
func RedisServerBin() string { return toolBin("REDIS_SERVER_BIN", "redis-server") }

// RedisCliBin is redis-cli: $REDIS_CLI_BIN, else redis-cli from PATH.
func RedisCliBin() string { return toolBin("REDIS_CLI_BIN", "redis-cli") }

// RedisBenchmarkBin is redis-benchmark: $REDIS_BENCHMARK_BIN, else from PATH.
func RedisBenchmarkBin() string { return toolBin("REDIS_BENCHMARK_BIN", "redis-benchmark") }

func toolBin(env, name string) string {
	if b := os.Getenv(env); b != "" {
		return b
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// RepoRoot is the repository root: two levels above tests/integration.
func RepoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Makefile")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "tests", "integration")); err == nil {
				return d
			}
		}
	}
	return filepath.Join(wd, "..", "..")
}

var (
	refOnce   sync.Once
	targetRef bool
)

// TargetIsReference reports whether TESSERA_BIN actually points at a Redis server (used for
// the harness self-check); a few assertions about Tessera-only output are skipped then.
func TargetIsReference() bool {
	refOnce.Do(func() {
		out, _ := exec.Command(TesseraBin(), "--version").CombinedOutput()
		targetRef = strings.HasPrefix(string(out), "Redis server")
	})
	return targetRef
}

// RequireBinary skips the test when the binary cannot be found.
func RequireBinary(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		t.Skipf("binary %q not available: %v", bin, err)
	}
}

// Options describe one server start.
type Options struct {
	// Reference starts redis-server instead of the server under test.
	Reference bool
	// Config, if not empty, is written to <dir>/server.conf and passed as the first argument.
	Config string
	// Args are extra command-line arguments (directives as "--name", "value", ...).
	Args []string
	// Password is used for the readiness PING (AUTH first) when requirepass is set.
	Password string
	// ClusterBus picks a port whose cluster bus port (port+10000) is free as well.
	ClusterBus bool
}

// Server is one running server process.
type Server struct {
	Name    string
	Host    string // address to dial; "" means 127.0.0.1
	Bin     string
	Port    int
	Dir     string
	LogPath string
	Pid     int

	cmd      *exec.Cmd
	args     []string // as last passed to Exec, for Restart
	password string
	logFile  *os.File
	exited   chan struct{}
	waitErr  error
	stopped  bool
	mu       sync.Mutex
}

// Addr is "<host>:<port>", the host being 127.0.0.1 unless Host says otherwise.
func (s *Server) Addr() string {
	host := s.Host
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(s.Port))
}

// Start starts a server and registers its shutdown (and log dump on failure) as a cleanup.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := StartServer(t, o)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		code, err := s.Stop()
		if err != nil {
			t.Errorf("%s (pid %d) stop: %v", s.Name, s.Pid, err)
		} else if code != 0 && !s.stoppedByTest() {
			t.Logf("%s (pid %d) exited with status %d", s.Name, s.Pid, code)
		}
		// A sanitizer build reports memory errors, undefined behaviour and
		// leaks in its log; any of them fails the test that ran the server.
		for _, mark := range []string{"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"} {
			if strings.Contains(s.Log(), mark) {
				t.Errorf("%s (pid %d) log reports %q", s.Name, s.Pid, mark)
			}
		}
		if t.Failed() {
			t.Logf("---- log of %s (pid %d, port %d) ----\n%s---- end of log ----",
				s.Name, s.Pid, s.Port, s.LogTail(200))
		}
		os.RemoveAll(s.Dir)
	})
	return s
}

// StartServer starts a server without registering cleanups (the caller stops it).
// On a bind failure it retries on another port.
func StartServer(t testing.TB, o Options) (*Server, error) {
	bin := TesseraBin()
	name := "tessera"
	if o.Reference {
		bin = RedisServerBin()
		name = "redis"
	}
	var lastErr error
	for attempt := 0; attempt < 12; attempt++ {
		port, err := freePort(o.ClusterBus)
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "tessera-it-"+name+"-")
		if err != nil {
			return nil, err
		}
		s := &Server{Name: name, Bin: bin, Port: port, Dir: dir}
		err = s.launch(o)
		if err == nil {
			return s, nil
		}
		lastErr = err
		tail := s.LogTail(100)
		os.RemoveAll(dir)
		if !errors.Is(err, errBind) {
			return nil, fmt.Errorf("%v\n---- log ----\n%s", err, tail)
		}
	}
	return nil, fmt.Errorf("could not bind a port after retries: %v", lastErr)
}

var errBind = errors.New("bind failure")

// Launch arguments: [config-file] --port P [reference defaults] extra args.
// "${PORT}" in the config text is replaced by the chosen port, as a template would be.
func (s *Server) launch(o Options) error {
	var args []string
	if o.Config != "" {
		cf := filepath.Join(s.Dir, "server.conf")
		text := strings.ReplaceAll(o.Config, "${PORT}", strconv.Itoa(s.Port))
		if err := os.WriteFile(cf, []byte(text), 0o644); err != nil {
			return err
		}
		args = append(args, cf)
	}
	args = append(args, "--port", strconv.Itoa(s.Port))
	if o.Reference {
		// The reference must never write snapshots or append-only files.
		args = append(args, "--save", "", "--appendonly", "no")
	}
	args = append(args, o.Args...)
	return s.Exec(args, o.Password)
}

// Exec runs the server binary with exactly these arguments and waits until it is ready.
func (s *Server) Exec(args []string, password string) error {
	s.LogPath = filepath.Join(s.Dir, "server.log")
	lf, err := os.Create(s.LogPath)
	if err != nil {
		return err
	}
	s.logFile = lf
	s.args = append([]string(nil), args...)
	s.password = password
	s.cmd = exec.Command(s.Bin, args...)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout = lf
	s.cmd.Stderr = lf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("exec %s: %w", s.Bin, err)
	}
	s.Pid = s.cmd.Process.Pid
	s.exited = make(chan struct{})
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(password); err != nil {
		s.Kill()
		log := s.Log()
		if strings.Contains(log, "already in use") || strings.Contains(log, "Could not create server TCP listening socket") ||
			strings.Contains(strings.ToLower(log), "bind") {
			return fmt.Errorf("%w: %v", errBind, err)
		}
		return err
	}
	return nil
}

func (s *Server) waitReady(password string) error {
	deadline := time.Now().Add(StartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited during start-up: %v", s.Name, s.waitErr)
		default:
		}
		if strings.Contains(s.Log(), "Ready to accept connections") && s.answersPing(password) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v", s.Name, StartTimeout)
}

func (s *Server) answersPing(password string) bool {
	c, err := DialTimeout(s.Addr(), 2*time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	if password != "" {
		if _, err := c.DoErr("AUTH", password); err != nil {
			return false
		}
	}
	r, err := c.DoErr("PING")
	if err != nil {
		return false
	}
	// A NOAUTH error also proves that this server listens on the port.
	return bytes.HasPrefix(r, []byte("+PONG")) || bytes.HasPrefix(r, []byte("-NOAUTH"))
}

// Exited is closed when the process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// ExitCode waits for the process to exit (up to timeout) and returns its exit status.
func (s *Server) ExitCode(timeout time.Duration) (int, error) {
	select {
	case <-s.exited:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s (pid %d) still running after %v", s.Name, s.Pid, timeout)
	}
	return exitCode(s.waitErr), nil
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

func (s *Server) stoppedByTest() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// Signal sends a signal to the server's PID.
func (s *Server) Signal(sig syscall.Signal) error {
	return syscall.Kill(s.Pid, sig)
}

// Stop sends SIGTERM to the PID, waits, and sends SIGKILL after StopTimeout. It returns the
// exit status. Calling it again after the process has exited just returns the status.
func (s *Server) Stop() (int, error) {
	if s.cmd == nil || s.exited == nil {
		return -1, nil
	}
	defer s.closeLog()
	select {
	case <-s.exited:
		return exitCode(s.waitErr), nil
	default:
	}
	_ = syscall.Kill(s.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
		return exitCode(s.waitErr), nil
	case <-time.After(StopTimeout):
	}
	_ = syscall.Kill(s.Pid, syscall.SIGKILL)
	<-s.exited
	return exitCode(s.waitErr), fmt.Errorf("did not exit within %v of SIGTERM; killed", StopTimeout)
}

// MarkStopped tells the cleanup that the test ended the process on purpose.
func (s *Server) MarkStopped() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

// Kill sends SIGKILL to the PID and waits.
func (s *Server) Kill() {
	if s.cmd == nil || s.exited == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = syscall.Kill(s.Pid, syscall.SIGKILL)
	<-s.exited
}

func (s *Server) closeLog() {
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// Log returns the whole log so far.
func (s *Server) Log() string {
	if s.LogPath == "" {
		return ""
	}
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// LogTail returns the last n lines of the log.
func (s *Server) LogTail(n int) string {
	lines := strings.SplitAfter(s.Log(), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// WaitLog waits until the log contains substr.
func (s *Server) WaitLog(substr string, timeout time.Duration) bool {
	return WaitFor(timeout, func() bool { return strings.Contains(s.Log(), substr) })
}

// RSSKiB reads VmRSS of the process from /proc.
func (s *Server) RSSKiB() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line)
			if len(fields) >= 2 {
				return strconv.ParseInt(fields[1], 10, 64)
			}
		}
	}
	return 0, errors.New("VmRSS not found")
}

// Dial opens a raw connection to the server (fatal on error).
func (s *Server) Dial(t testing.TB) *Conn {
	t.Helper()
	c, err := DialTimeout(s.Addr(), 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr(), err)
	}
	c.t = t
	t.Cleanup(func() { c.Close() })
	return c
}

// FreePort finds a port in the shared range that can be bound on 127.0.0.1 right now.
func FreePort() (int, error) { return freePort(false) }

// freePort also requires port+10000 to be free when bus is set (cluster nodes listen there).
func freePort(bus bool) (int, error) {
	r := rand.New(rand.NewSource(time.Now().UnixNano() + int64(os.Getpid())))
	lo, hi := portRange()
	for i := 0; i < 500; i++ {
		p := lo + r.Intn(hi-lo+1)
		if !canBind(p) || (bus && !canBind(p+10000)) {
			continue
		}
		return p, nil
	}
	return 0, fmt.Errorf("no free port in %d-%d", lo, hi)
}

func canBind(port int) bool {
	if port >= 65536 {
		return false
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// WaitFor polls cond until it is true or the timeout elapses.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	delay := 5 * time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}
